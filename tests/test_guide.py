"""nmf_core/ui/guide.py and the downloads, end to end through AppTest: the
lesson picker opens each lesson's settings with its goal and question, reset
restores a page's defaults, each figure has its "what to look at" line, and
each download holds what the page shows."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from app_support import app, assert_clean, page
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from nmf_core.lessons import BY_SLUG, FIGURE_NOTES, LESSONS, LOCAL_URL
from nmf_core.model_selection import SCAN_K_TOP
from nmf_core.ui import guide

pytestmark = pytest.mark.usefixtures("empty_cache")


def share_query(at: AppTest) -> dict[str, str]:
    link = next(c.value for c in at.code if c.value.startswith(LOCAL_URL))
    return dict(parse_qsl(urlsplit(link).query))


def shown_text(at: AppTest) -> str:
    return "\n".join(str(e.value) for kind in ("markdown", "info", "caption")
                     for e in getattr(at, kind))


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


@pytest.fixture
def downloads(monkeypatch):
    """File name -> the bytes its download button would give, for every
    download button drawn (the data callables, run on demand)."""
    made = {}
    real = MediaFileManager.add_deferred

    def recording(self, data, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data
        return real(self, data, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)

    class Files:
        def __getitem__(self, name: str) -> bytes:
            return made[name]()

        def rows(self, name: str) -> list[dict[str, str]]:
            return list(csv.DictReader(io.StringIO(self[name].decode("utf-8"))))

        def names(self) -> set[str]:
            return set(made)

        def clear(self) -> None:
            made.clear()

    return Files()


# --------------------------------------------------------------------------- lessons
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_the_picker_opens_each_lesson_with_its_settings_goal_and_question(lesson):
    at = page("compare" if lesson.page != "compare" else "", k="2", seed="9")
    at.selectbox(key=guide.PICK_KEY).set_value(lesson.slug).run()
    assert_clean(at)
    assert dict(at.query_params) == lesson.query  # the address names the lesson's settings
    # the controls took the lesson's settings and nothing else (k and seed forgotten)
    query = share_query(at)
    assert query == {**lesson.settings, "lesson": lesson.slug}
    assert [t.value for t in at.title][0] == {
        "": "NMF workbench", "factory": "The factory example", "compare": "Compare methods",
        "choose_k": "Choose k", "recommend": "NMF as a recommender"}[lesson.page]
    text = shown_text(at)
    assert lesson.goal in text and lesson.question in text
    assert all(item in text for item in lesson.look_at)
    assert at.selectbox(key=guide.PICK_KEY).value == lesson.slug


def test_a_lesson_link_opens_the_lesson_and_its_notes_replace_the_figure_lines():
    lesson = BY_SLUG["restarts"]
    at = app(**lesson.query).run()
    assert_clean(at)
    assert at.selectbox(key=guide.PICK_KEY).value == "restarts"
    assert at.selectbox(key="method").value == "als" and at.slider(key="reinit").value == 10
    assert lesson.question in shown_text(at)
    lines = captions(at)
    for figure, note in lesson.notes.items():
        assert f":material/school: **Lesson:** {note}" in lines, figure
    assert f":material/visibility: {FIGURE_NOTES['']['X']}" in lines  # no note: its own line
    assert f":material/visibility: {FIGURE_NOTES['']['convergence']}" not in lines
    at.switch_page("app_pages/compare.py").run()  # another page: the lesson is not here
    assert lesson.goal not in shown_text(at)


def test_after_a_lesson_the_settings_can_change_and_the_lesson_be_opened_again():
    at = app(**BY_SLUG["restarts"].query).run()
    at.selectbox(key="method").set_value("mu").run()
    assert share_query(at)["method"] == "mu" and share_query(at)["lesson"] == "restarts"
    at.button(key="lesson_restart").click().run()
    assert_clean(at)
    assert at.selectbox(key="method").value == "als"
    at.selectbox(key=guide.PICK_KEY).set_value(guide.NO_LESSON).run()
    assert "lesson" not in share_query(at)
    assert not [c for c in captions(at) if "**Lesson:**" in c]


def assert_figure_lines(at: AppTest, path: str, figures=None) -> None:
    """Each figure of page ``path`` (all it has, unless named) shows its own line."""
    lines = captions(at)
    for figure in figures or FIGURE_NOTES[path]:
        assert f":material/visibility: {FIGURE_NOTES[path][figure]}" in lines, (path, figure)


def test_every_workbench_figure_has_its_line_player_included():
    at = app(player="true").run()
    assert_clean(at)
    assert_figure_lines(at, "", ("X", "AS", "residual", "A", "S", "convergence",
                                 "player_curve", "player_AS", "player_A", "player_S"))


# --------------------------------------------------------------------------- reset
def test_reset_restores_the_workbench_defaults_and_clears_the_address():
    at = app(method="rk", k="2", niter="40", hide="init").run()
    at.slider(key="seed").set_value(5).run()  # the default is 1
    at.toggle(key="log_y").set_value(True).run()
    assert share_query(at)["seed"] == "5"
    at.button(key="reset_defaults").click().run()
    assert_clean(at)
    assert at.selectbox(key="method").value == "hals"
    assert (at.slider(key="k").value, at.slider(key="niter").value,
            at.slider(key="seed").value, at.toggle(key="log_y").value) == (3, 200, 1, False)
    assert dict(at.query_params) == {"hide": "init"}  # hiding is the view, not a setting
    assert share_query(at) == {"hide": "init"}


def test_reset_restores_the_factory_pages_own_defaults_and_ends_the_lesson():
    at = page("factory", **BY_SLUG["documents"].query)
    at.radio(key="fx_prediction").set_value("hals").run()
    at.button(key="reset_defaults").click().run()
    assert_clean(at)
    assert at.toggle(key="fx_predict").value is False
    assert at.slider(key="fx_niter").value == 100 and at.slider(key="fx_reinit").value == 10
    assert not at.query_params and share_query(at) == {}
    assert at.selectbox(key=guide.PICK_KEY).value == guide.NO_LESSON
    assert [m.value for m in at.metric if m.label == "Final error"][0] == "0.6964"
    assert_figure_lines(at, "factory")  # the lesson is over: the figures' own lines


def test_reset_on_choose_k_restores_its_range():
    at = page("choose_k", data="synthetic", n="30", m="20", ck_ks=["2", "4"], ck_folds="2")
    at.button(key="reset_defaults").click().run()
    assert_clean(at)
    assert at.slider(key="ck_ks").value == (1, SCAN_K_TOP)
    assert at.selectbox(key="data").value == "factory"
    # the consensus slider's default is the best k of the data on screen, so it keeps the
    # k it was reset to when the reset changes the data; nothing else stays in the address
    assert set(at.query_params) <= {"ck_consensus_k"}


# --------------------------------------------------------------------------- downloads
def test_workbench_downloads_hold_the_run_shown(downloads):
    at = app(method="als", niter="30", reinit="3").run()
    assert_clean(at)
    errors = downloads.rows("errors.csv")
    assert len(errors) == 31 and list(errors[0])[2:] == ["restart 1", "restart 2",
                                                          "restart 3"]
    shown = next(m.value for m in at.metric if m.label == "Relative error")
    assert f"{float(errors[-1]['best']):.4g}" == shown
    best = int(next(m.value for m in at.metric if m.label == "Best restart").split()[0])
    assert errors[-1]["best"] == errors[-1][f"restart {best}"]
    settings = json.loads(downloads["settings.json"])
    assert settings["page"] == "workbench" and settings["settings"]["method"] == "als"
    assert settings["settings"]["niter"] == 30 and settings["settings"]["k"] == 3
    assert settings["link"] == LOCAL_URL + "?method=als&niter=30&reinit=3"


def test_compare_downloads_hold_the_table_and_every_curve(downloads):
    at = page("compare", methods=["hals", "mu"], niter="25")
    assert_clean(at)
    table = at.dataframe[0].value
    rows = downloads.rows("compare.csv")
    assert list(rows[0]) == list(table.columns)
    assert [r["method"] for r in rows] == list(table["method"]) == ["hals", "mu"]
    for row, (_, shown) in zip(rows, table.iterrows(), strict=True):
        assert float(row["final relative error"]) == shown["final relative error"]
        assert int(row["iterations"]) == shown["iterations"]
        assert row["how it ended"] == shown["how it ended"]
    assert_figure_lines(at, "compare")
    curves = downloads.rows("compare_curves.csv")
    for _, shown in table.iterrows():
        mine = [r for r in curves if r["method"] == shown["method"]]
        assert len(mine) == shown["iterations"] + 1
        assert all(float(r["elapsed (s)"]) <= shown["time (s)"] for r in mine)
    assert json.loads(downloads["settings.json"])["settings"]["methods"] == ["hals", "mu"]


def test_choose_k_downloads_hold_both_tables(downloads):
    at = page("choose_k", ck_ks=["1", "4"], ck_folds="2")
    assert_clean(at)
    per_k = next(d.value for d in at.dataframe if "fold" not in d.value.columns)
    per_fold = next(d.value for d in at.dataframe if "fold" in d.value.columns)
    rows = downloads.rows("choose_k.csv")
    assert [int(r["k"]) for r in rows] == list(per_k["k"]) == [1, 2, 3, 4]
    assert [float(r["held-out error"]) for r in rows] == list(per_k["held-out error"])
    assert_figure_lines(at, "choose_k", ("k_scan",))
    folds = downloads.rows("choose_k_folds.csv")
    assert len(folds) == len(per_fold) == 8
    assert [float(r["held-out error"]) for r in folds] == list(per_fold["held-out error"])
    assert json.loads(downloads["settings.json"])["settings"]["ck_ks"] == [1, 4]
