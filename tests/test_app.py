"""The app end to end through Streamlit's AppTest (no browser, no server).

Each test starts from an empty result cache, so counting calls to the solver
measures what one test's reruns do.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import numpy as np
import pytest
from app_support import app, assert_clean, metric
from streamlit.testing.v1 import AppTest

from nmf_core import factorize as real_factorize
from nmf_core.csvio import load_csv
from nmf_core.data import factory_example
from nmf_core.ui import panels, runs
from nmf_core.ui.data_source import matrix_from_csv

FACTORY_X = factory_example().X
pytestmark = pytest.mark.usefixtures("empty_cache")


def error_metric(at: AppTest) -> float:
    return float(metric(at, "Relative error"))


def page_text(at: AppTest) -> str:
    """Every piece of text the page shows (for "no traceback" checks)."""
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "exception", "title",
                 "code", "metric"):
        for element in getattr(at, kind):
            parts.append(str(getattr(element, "value", "")))
            parts.append(str(getattr(element, "message", "")))
    return "\n".join(parts)


# --------------------------------------------------------------------------- pages


def test_workbench_opens_with_the_factory_example_already_factored():
    at = app().run()
    assert_clean(at)
    assert at.selectbox(key="data").value == "factory"
    assert error_metric(at) < 0.05  # hals, k = 3 on the exactly rank-3 example
    assert metric(at, "Best restart").endswith("of 5")
    assert len(at.get("plotly_chart")) == 6  # X, AS, residual, A, S, convergence
    downloads = {b.proto.label for b in at.get("download_button")}
    assert downloads == {"Download A.csv", "Download S.csv", "Download AS.csv",
                         "Download errors.csv", "Download the settings (JSON)",
                         "Download all (zip)"}


def test_compare_page_runs_every_chosen_method():
    at = app().run()
    at.switch_page("app_pages/compare.py").run()
    assert_clean(at)
    assert at.multiselect(key="methods").value == ["als", "rk", "hals", "mu"]
    table = at.dataframe[0].value
    assert list(table["method"]) == ["als", "rk", "hals", "mu"]
    assert len(at.get("plotly_chart")) == 2
    at.multiselect(key="methods").set_value(["hals"]).run()
    assert list(at.dataframe[0].value["method"]) == ["hals"]


def factory_page(**query) -> AppTest:
    at = app(**query).run()
    return at.switch_page("app_pages/factory.py").run()


def test_factory_page_reproduces_the_documents_printed_error():
    at = factory_page()
    assert_clean(at)
    finals = [m.value for m in at.metric if m.label == "Final error"]
    assert finals[0] == "0.6964"  # nmfals(X, 3, 100, 10) after np.random.seed(1)
    assert float(finals[1]) < 0.05 and float(finals[2]) < 0.05  # corrected als, hals
    negatives = [m.value for m in at.metric if m.label == "Negatives"]
    assert int(negatives[0]) > 0 and negatives[1:] == ["0", "0"]
    assert [s.value for s in at.slider if s.key in ("fx_niter", "fx_reinit", "fx_seed")] == [
        100, 10, 1]
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["as written (als)", "Corrected als", "hals"]
    assert table["mean"].iloc[1] > table["mean"].iloc[0]  # corrected finds the factories


def test_factory_defects_are_measured_live():
    from nmf_core.data import factory_example
    from nmf_core.documents import run_as_written

    at = factory_page(fx_reinit="4")
    assert_clean(at)
    text = page_text(at)
    for title in ("Only the first k rows", "last restart is returned", "curve is the last run",
                  "written at one index", "non-negative", "can crash"):
        assert title in text
    X = factory_example().X
    finals = [run_as_written("als", X, 3, 100, 5, j, 1).rel_error for j in range(1, 5)]
    assert ", ".join(f"{e:.4f}" for e in finals) in text
    assert "wrote 1 of the 100 entries" in text


def test_factory_shows_the_documents_code_failing_in_words():
    at = factory_page(fx_method="rk", fx_k="1")
    assert not at.exception
    assert len(at.error) == 1 and "documents' code failed" in at.error[0].value
    assert "NaN or inf" in at.error[0].value
    assert len([m for m in at.metric if m.label == "Final error"]) == 2  # the others still run


# --------------------------------------------------------------------------- controls


def test_fewer_factors_fit_worse():
    at = app(method="hals").run()
    three = error_metric(at)
    at.slider(key="k").set_value(1).run()
    assert not at.exception
    assert error_metric(at) > three + 0.1


def test_k_method_seed_and_sampling_each_change_the_error_to_the_cores_value():
    """Each control's change shows the error factorize gives for the new settings."""
    settings = dict(method="als", sampling="random", niter=30, reinit=1, seed=1, k=3)
    at = app(**{name: str(value) for name, value in settings.items()}).run()
    shown = [metric(at, "Relative error")]
    for key, value in [("k", 1), ("seed", 2), ("sampling", "sweep"), ("method", "rk")]:
        settings[key] = value
        widget = at.slider(key=key) if key in ("k", "seed") else at.selectbox(key=key)
        widget.set_value(value).run()
        assert_clean(at)
        shown.append(metric(at, "Relative error"))
        expected = real_factorize(FACTORY_X, settings["k"], settings["method"], niter=30,
                                  reinit=1, seed=settings["seed"],
                                  sampling=settings["sampling"])
        assert shown[-1] == panels.format_error(expected.rel_error), (key, value)
        assert shown[-1] != shown[-2], (key, value)
    assert at.slider(key="kacziter").value == 5  # shown for rk only


def test_controls_follow_the_method():
    at = app(method="hals").run()
    keys = {w.key for w in (*at.slider, *at.selectbox, *at.toggle)}
    assert "kacziter" not in keys and "sampling" not in keys and "nonnegative" in keys
    at.selectbox(key="method").set_value("mu").run()
    keys = {w.key for w in (*at.slider, *at.selectbox, *at.toggle)}
    assert "nonnegative" not in keys
    assert "non-negative by construction" in page_text(at)


def test_url_sets_controls_and_hide_removes_them():
    at = app(method="rk", k="2", init="nndsvd", hide="init,sampling").run()
    assert_clean(at)
    assert at.selectbox(key="method").value == "rk" and at.slider(key="k").value == 2
    keys = {w.key for w in at.selectbox}
    assert "init" not in keys and "sampling" not in keys
    assert "init='nndsvd'" in page_text(at)  # the hidden control still takes the URL value


def test_k_above_min_n_m_says_so():
    at = app(k="15").run()  # the factory example is 12 × 10
    assert not at.exception
    assert any("larger than min(n, m) = 10" in w.value for w in at.warning)
    assert at.slider(key="k").value == 10 and at.slider(key="k").max == 10


def test_k_slider_stops_at_the_smaller_side_and_is_lowered_for_new_data(tmp_path):
    at = app(data="synthetic", k="15").run()
    assert at.slider(key="k").max == 20
    at.selectbox(key="data").set_value("factory").run()
    assert not at.exception
    assert at.slider(key="k").value == 10
    assert any("k = 15 is larger than min(n, m) = 10" in w.value for w in at.warning)


# --------------------------------------------------------------------------- CSV


GOOD_CSV = b",mon,tue,wed,thu\nmorning,1,2,0,4\nnoon,2,4,0,8\nnight,1,0,3,1\n"
OTHER_CSV = b",mon,tue,wed,thu\nmorning,1,2,0,4\nnoon,2,4,0,8\nnight,1,0,3,2\n"
BAD_CSV = b",mon,tue,wed,thu\nmorning,1,2,0,4\nnoon,2,lots,0,8\nnight,1,0,3,1\n"


def upload(at: AppTest, content: bytes, name: str = "shop.csv") -> AppTest:
    at.file_uploader(key="csv_file").set_value((name, content, "text/csv"))
    return at.run()


def test_good_csv_gives_a_result_and_a_bad_one_keeps_it():
    at = app(data="csv", k="2").run()
    assert not at.exception
    assert at.info  # asks for a file, keeps showing the factory example meanwhile
    upload(at, GOOD_CSV)
    assert_clean(at)
    assert "X is 3 × 4" in page_text(at)
    good = metric(at, "Relative error")
    upload(at, BAD_CSV, "broken.csv")
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "broken.csv" in message and "'lots'" in message and "line 3" in message
    assert "Traceback" not in page_text(at)
    assert metric(at, "Relative error") == good  # still the last good data
    assert "Still showing: shop.csv" in page_text(at)


def test_uploaded_csv_follows_to_the_compare_page():
    at = upload(app(data="csv", k="2").run(), GOOD_CSV)
    at.switch_page("app_pages/compare.py").run()  # the uploader there starts empty
    assert_clean(at)
    assert "Using shop.csv, uploaded earlier" in page_text(at)
    assert not at.info


def test_same_shape_csvs_with_different_numbers_give_different_results():
    # k=1: both 3×4 files are exactly rank 2, so at k=2 both fit to an error of 0.
    at = app(data="csv", k="1", method="hals").run()
    upload(at, GOOD_CSV)
    first = error_metric(at)
    upload(at, OTHER_CSV, "other.csv")
    assert error_metric(at) != first


def test_blank_cells_are_an_error_until_marked_missing():
    at = app(data="csv", k="2", method="als").run()
    upload(at, GOOD_CSV.replace(b"noon,2,4,0,8", b"noon,2,4,,8"), "gaps.csv")
    assert "blank cell" in at.error[0].value
    at.checkbox(key="csv_blank_missing").check().run()
    assert_clean(at)
    assert at.selectbox(key="method").options == ["hals", "mu"]  # the methods that can mask
    assert "X is 3 × 4, 1 missing." in page_text(at)


def test_downloads_keep_the_labels():
    matrix = matrix_from_csv(GOOD_CSV, "shop.csv", False)
    result = real_factorize(matrix.X, 2, "hals", seed=1)
    files = panels.download_files(matrix, result)
    assert set(files) == {"A.csv", "S.csv", "AS.csv", "errors.csv"}
    A = load_csv(io.BytesIO(files["A.csv"]()))
    assert A.row_labels == ("morning", "noon", "night")
    assert A.col_labels == ("factor 1", "factor 2")
    assert np.array_equal(A.values, result.A)
    AS = load_csv(io.BytesIO(files["AS.csv"]()))
    assert AS.col_labels == ("mon", "tue", "wed", "thu")


# --------------------------------------------------------------------------- responsiveness


def test_big_matrix_heatmaps_are_block_averaged_and_small():
    at = app(data="synthetic", n="1000", m="600", k="2", niter="20", reinit="1").run()
    assert_clean(at)
    specs = [len(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert max(specs) < 2_000_000  # the full 600,000 cells would be about 14 MB each
    assert sum("mean of a" in c.value for c in at.caption) == 3  # X, AS and the residual


def test_time_budget_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv(runs.MAX_SECONDS_ENV, "2.5")
    assert runs._budget_from_env() == 2.5
    for bad in ("nonsense", "-1", "inf"):
        monkeypatch.setenv(runs.MAX_SECONDS_ENV, bad)
        assert runs._budget_from_env() == runs.DEFAULT_MAX_SECONDS
    monkeypatch.delenv(runs.MAX_SECONDS_ENV)
    assert runs._budget_from_env() == runs.DEFAULT_MAX_SECONDS


def test_display_only_toggle_and_page_switches_do_not_rerun_the_solver(solver_calls):
    at = app().run()
    assert [call["method"] for call in solver_calls] == ["hals"]
    at.toggle(key="log_y").set_value(True).run()
    assert_clean(at)
    assert [call["method"] for call in solver_calls] == ["hals"]
    at.switch_page("app_pages/compare.py").run()
    computed = len(solver_calls)
    at.switch_page("app_pages/workbench.py").run()
    at.switch_page("app_pages/compare.py").run()
    assert_clean(at)
    assert len(solver_calls) == computed  # hals was cached; back and forth costs nothing


def test_progress_bar_works_on_a_run_and_on_its_cached_replay(monkeypatch, solver_calls):
    monkeypatch.setattr(runs, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(runs, "PROGRESS_EVERY_S", 0.0)
    at = app(niter="50").run()
    assert_clean(at)
    at.run()  # a cache hit replays the bar's messages: they must have a place to go
    assert_clean(at)
    assert [call["method"] for call in solver_calls] == ["hals"]
    assert error_metric(at) < 0.05


def test_time_cap_cuts_a_run_short_with_a_warning(monkeypatch):
    monkeypatch.setattr(runs, "MAX_SECONDS", 0.01)
    at = app(data="synthetic", n="400", m="300", niter="2000", method="mu").run()
    assert not at.exception
    assert any("cut short" in w.value for w in at.warning)
    assert int(metric(at, "Iterations").replace(",", "")) < 2000
    # the estimate warned before the run, naming the slider to lower
    assert any("estimated at about" in w.value and "lower niter (now 2000)" in w.value
               for w in at.warning)
    # the code box says its code runs in full, so its result will differ
    assert any("runs it in full (no time cap)" in w.value for w in at.warning)


def test_no_budget_warning_for_a_quick_run():
    at = app().run()
    assert not any("estimated at about" in w.value for w in at.warning)


# --------------------------------------------------------------------------- errors


def test_every_restart_diverging_is_said_in_words(monkeypatch):
    def diverging(*args, **kwargs):
        result = real_factorize(*args, **kwargs)
        return dataclasses.replace(
            result, success=False, diverged=np.ones_like(result.diverged),
            message="every restart diverged; showing the last finite iterate of restart 1")

    monkeypatch.setattr(runs, "factorize", diverging)
    at = app().run()
    assert not at.exception
    assert any("every restart diverged" in e.value.lower() for e in at.error)


def test_internal_error_shows_no_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(runs, "factorize", broken)
    at = app().run()
    assert not at.exception
    assert [e.value for e in at.error] == [runs.INTERNAL_ERROR]
    text = page_text(at)
    assert "Traceback" not in text and "secret internal detail" not in text
    assert "RuntimeError" not in text


def test_loss_and_penalty_controls_come_from_the_table(solver_calls):
    """The workbench draws the loss selector and the penalty sliders; a KL run with
    an L1 penalty reaches factorize with those settings, and the share link keeps them."""
    at = app(method="mu").run()
    assert at.selectbox(key="loss").options == ["frobenius", "kullback-leibler",
                                                "itakura-saito"]
    at.selectbox(key="loss").set_value("kullback-leibler").run()
    at.slider(key="alpha_A").set_value(0.01).run()
    at.slider(key="l1_ratio").set_value(0.5).run()
    assert_clean(at)
    last = solver_calls[-1]
    assert (last["loss"], last["alpha_A"], last["alpha_S"], last["l1_ratio"]) == (
        "kullback-leibler", 0.01, "same", 0.5)
    assert "Hoyer sparseness" in page_text(at)
    at = app(method="als").run()  # als minimises the Frobenius loss only
    assert at.selectbox(key="loss").options == ["frobenius"]
    assert_clean(at)
    at = app(method="hals").run()  # hals: Frobenius, and KL by coordinate descent
    assert at.selectbox(key="loss").options == ["frobenius", "kullback-leibler"]


# --------------------------------------------------------------------------- import step

IRIS_FIRST = (Path(__file__).parent / "data" / "corpus" / "iris_label_first.csv").read_bytes()


def test_import_step_preview_label_column_scaling_result_and_downloads():
    import json
    import zipfile

    at = app(data="csv", k="2", method="hals", niter="20").run()
    upload(at, IRIS_FIRST, "iris.csv")
    assert_clean(at)
    assert "X is 150 × 5" in page_text(at)  # the numeric label is data until chosen
    assert at.dataframe  # the preview of the file's first cells
    assert "Detected:" in page_text(at)
    at.selectbox(key="csv_label_column").set_value("0").run()
    at.radio(key="csv_scale").set_value("max").run()
    assert_clean(at)
    assert "X is 150 × 4" in page_text(at)
    assert at.query_params["csv_label_column"] == "column 1 (target)"
    assert at.query_params["csv_scale"] == "max"
    expected = load_csv(io.BytesIO(IRIS_FIRST), label_column=0, scale="max")
    assert "load_csv('iris.csv', label_column=0, scale='max')" in page_text(at)
    assert "--label-column 0 --scale max" in page_text(at)
    matrix = at.session_state["_last_good_matrix"]
    assert np.array_equal(matrix.X, expected.values) and matrix.row_labels == expected.row_labels
    result = real_factorize(expected.values, 2, "hals", niter=20)
    name, data = panels.bundle_zip(matrix, result)
    assert name == "iris_nmf_results.zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = {n.split("/")[-1] for n in archive.namelist()}
        settings = json.loads(archive.read("iris_nmf_results/settings.json"))
    assert names == {"A.csv", "S.csv", "AS.csv", "errors.csv", "settings.json"}
    assert settings["import_settings"] == {"label_column": 0, "scale": "max"}
    assert settings["input"]["sha256"] == expected.sha256


def test_a_refused_upload_is_in_the_main_area_and_the_old_result_is_labelled():
    at = upload(app(data="csv", k="2").run(), GOOD_CSV)
    upload(at, BAD_CSV, "broken.csv")
    assert len(at.error) == 1 and "broken.csv" in at.error[0].value
    warning = " ".join(w.value for w in at.warning)
    assert "broken.csv was not loaded" in warning and "for shop.csv" in warning
    assert all("broken" not in str(b.proto.label) for b in at.get("download_button"))


def test_a_spreadsheet_upload_and_rows_as_images():
    import openpyxl

    book = openpyxl.Workbook()
    for i in range(6):
        book.active.append([float((i + j) % 3) for j in range(4)])
    out = io.BytesIO()
    book.save(out)
    at = app(data="csv", k="2").run()
    upload(at, out.getvalue(), "pics.xlsx")
    assert_clean(at)
    assert "X is 6 × 4" in page_text(at)
    at.number_input(key="csv_image_h").set_value(2).run()
    at.number_input(key="csv_image_w").set_value(2).run()
    assert_clean(at)
    assert at.session_state["_last_good_matrix"].image_shape == (2, 2)
