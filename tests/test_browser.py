"""The app in a real browser: one ``streamlit run app.py`` server on a loopback
port, driven by Debian's Chromium through Playwright.

It covers what AppTest cannot see: every page draws its plotly figures without
an exception box, a slider moved with the keyboard changes the result, a CSV
goes through the real file chooser, a page's URL reproduces its result in a
fresh browser, several sessions share the server without mixing results, and a
long run in one session does not hold up another.

Every page's screenshot goes to artifacts/ (git-ignored).  With
NMF_UPDATE_DOCS_SCREENSHOTS=1 the README's docs/workbench.png and
docs/factory.png are rewritten too.
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_support import (
    ARTIFACTS,
    DOCS,
    ERROR_BOX,
    EXCEPTION,
    METRIC,
    UPDATE_DOCS_ENV,
    app_text,
    busy_reason,
    full_page_screenshot,
    metric_value,
    rendered_heatmaps,
    viewport_screenshot,
    wait_for_charts,
    wait_idle,
    wait_metric,
    wait_metric_change,
    wait_running,
)

from nmf_core import factorize
from nmf_core.data import factory_example
from nmf_core.params import DEFAULTS
from nmf_core.ui.panels import format_error

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAX_SECONDS = 3  # the server's time cap per run, so capped runs stay short
LONG_RUN_CAP_S = 20  # the long-run test's server: four capped runs last over a minute
LONG_RUN_PATIENCE_S = 300  # s: how long that test waits for either page
ERROR = "Relative error"

# What each known page draws once it has run (url path -> (heatmaps, line charts)).
# A page the navigation lists beyond these is opened and checked for exceptions.
KNOWN_PAGES = {
    "": (5, 1),  # workbench: X, AS, residual, A, S; the convergence chart
    "factory": (6, 3),  # true A, S, X and three AS; three error curves
    "compare": (0, 2),  # best curves against iteration and against time
    "choose_k": (0, 1),  # fit and held-out error against k
}
PAGE_NAMES = {"": "workbench", "factory": "factory", "compare": "compare",
              "choose_k": "choose_k"}


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def server(app_server):
    """The app, served once for the whole session."""
    return app_server(MAX_SECONDS)


@pytest.fixture
def open_page(page_opener, server):
    """``open_page(path, query)``: a page in a fresh browser context (conftest's
    page_opener), on the server with the short cap."""
    return page_opener(server)


def assert_no_error_shown(page, *, error_boxes: int = 0) -> None:
    """No exception box, no traceback in the text, no uncaught JavaScript error, and
    ``error_boxes`` one-line errors (the page guard turns a crash into one)."""
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    errors = page.locator(ERROR_BOX).all_inner_texts()
    assert len(errors) == error_boxes, errors
    text = app_text(page)
    assert "Traceback" not in text
    assert not page.js_errors, page.js_errors


def screenshot(page, name: str) -> None:
    full_page_screenshot(page, ARTIFACTS / f"{name}.png")


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --------------------------------------------------------------------------- every page
@pytest.mark.parametrize("path", list(KNOWN_PAGES), ids=lambda p: PAGE_NAMES[p])
def test_page_draws_its_figures_without_errors(open_page, path):
    page = open_page(path)
    heatmaps, lines = KNOWN_PAGES[path]
    wait_for_charts(page, heatmaps=heatmaps, lines=lines)
    assert_no_error_shown(page)
    if path == "":
        assert metric_value(page, ERROR)
        assert rendered_heatmaps(page) >= 5
    screenshot(page, PAGE_NAMES[path])
    if path in ("", "factory") and os.environ.get(UPDATE_DOCS_ENV) == "1":
        viewport_screenshot(page, DOCS / f"{PAGE_NAMES[path]}.png")


def test_navigation_links_every_page_and_any_new_one_renders(open_page, server):
    page = open_page(wait=False)  # the navigation arrives first; no need to wait for the run
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    links = page.locator('[data-testid="stSidebarNav"] a')
    paths = {urlsplit(links.nth(i).get_attribute("href")).path.strip("/")
             for i in range(links.count())}
    assert set(KNOWN_PAGES) <= paths, f"navigation lists {sorted(paths)}"
    for path in sorted(paths - set(KNOWN_PAGES)):
        page.goto(server.page_url(path))
        wait_idle(page)
        wait_for_charts(page, heatmaps=0, lines=0)
        assert_no_error_shown(page)
        screenshot(page, path.replace("/", "_") or "index")


# --------------------------------------------------------------------------- controls
def test_k_slider_moved_with_the_keyboard_changes_the_error(open_page):
    X = factory_example().X
    # The app's settings are the parameter table's defaults: its figure is factorize's.
    expected = {k: format_error(factorize(X, k).rel_error) for k in (DEFAULTS["k"], 1)}
    page = open_page(require=METRIC)
    k = page.get_by_role("slider", name="k: number of factors")
    assert k.get_attribute("aria-valuetext") == str(DEFAULTS["k"]) == "3"
    assert metric_value(page, ERROR) == expected[3]
    k.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    # Each key press may start its own rerun (k = 2, then k = 1): wait for the last.
    wait_metric(page, ERROR, lambda value: value == expected[1])
    wait_idle(page, require=METRIC)
    assert k.get_attribute("aria-valuetext") == "1"
    assert metric_value(page, ERROR) == expected[1]
    assert float(expected[1]) > float(expected[3])  # one factor cannot fit three factories
    assert query_of(page.url).get("k") == ["1"]
    assert_no_error_shown(page)
    screenshot(page, "workbench_k1")


def _choose_csv_source(page) -> None:
    page.get_by_role("combobox", name="Data", exact=True).click()
    page.get_by_role("option", name="csv", exact=True).click()
    page.locator('input[type="file"]').wait_for(state="attached")
    wait_idle(page)


def test_csv_through_the_file_chooser_and_a_bad_one_in_one_line(open_page, tmp_path):
    good = tmp_path / "six_by_five.csv"
    rows = ["a,b,c,d,e"] + [",".join(str((i * 5 + j) % 7 + 1) for j in range(5))
                            for i in range(6)]
    good.write_text("\n".join(rows) + "\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,x\n3,4,5\n")

    page = open_page(require=METRIC)
    before = metric_value(page, ERROR)
    assert "X is 12 × 10." in app_text(page)
    _choose_csv_source(page)
    page.locator('input[type="file"]').set_input_files(str(good))
    page.get_by_text("X is 6 × 5.").wait_for()
    wait_idle(page, require=METRIC)
    assert metric_value(page, ERROR) != before
    assert_no_error_shown(page)
    screenshot(page, "csv_upload")

    page.locator('input[type="file"]').set_input_files(str(bad))
    alert = page.locator(ERROR_BOX)
    alert.wait_for()
    wait_idle(page, require=METRIC)
    message = alert.inner_text().strip()
    assert message == ("bad.csv: non-numeric cell 'x' at line 2, column 3 ('c') (text: if the "
                       "column holds labels, choose it as the label column (label_column) or "
                       "leave it out (drop))")
    assert "X is 6 × 5." in app_text(page)  # the last good matrix stays
    assert_no_error_shown(page, error_boxes=1)
    screenshot(page, "csv_bad")


# --------------------------------------------------------------------------- links
def test_the_url_reproduces_the_result_in_a_fresh_browser(open_page):
    page = open_page(query="method=rk&sampling=random", require=METRIC)
    first = metric_value(page, ERROR)
    page.get_by_role("slider", name="k: number of factors").focus()
    page.keyboard.press("ArrowLeft")
    wait_metric_change(page, ERROR, first)
    wait_idle(page, require=METRIC)
    before_seed = metric_value(page, ERROR)
    page.get_by_role("slider", name="Seed").focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URL(location.href).searchParams.get('seed') === '5'")
    wait_metric_change(page, ERROR, before_seed)
    wait_idle(page, require=METRIC)
    shown = metric_value(page, ERROR)
    link = page.url
    query = query_of(link)
    assert query["k"] == ["2"] and query["seed"] == ["5"], link
    assert query["method"] == ["rk"] and query["sampling"] == ["random"], link

    again = open_page(query=urlsplit(link).query, require=METRIC)
    assert metric_value(again, ERROR) == shown
    assert again.get_by_role("slider", name="k: number of factors") \
        .get_attribute("aria-valuetext") == "2"
    assert again.get_by_role("slider", name="Seed").get_attribute("aria-valuetext") == "5"
    assert_no_error_shown(again)


def test_hide_removes_the_named_controls(open_page):
    shown = open_page(query="method=als", require=METRIC)
    for label in ("Initialisation", "Sampling", "Method"):
        assert shown.get_by_role("combobox", name=label, exact=True).count() == 1, label
    hidden = open_page(query="method=als&hide=init,sampling", require=METRIC)
    for label in ("Initialisation", "Sampling"):
        assert hidden.get_by_role("combobox", name=label, exact=True).count() == 0, label
    assert hidden.get_by_role("combobox", name="Method", exact=True).count() == 1
    assert metric_value(hidden, ERROR) == metric_value(shown, ERROR)
    assert_no_error_shown(hidden)


# --------------------------------------------------------------------------- shared server
def test_four_sessions_at_once_each_get_their_own_seed(open_page):
    X = factory_example().X
    seeds = (1, 2, 3, 4)
    # The app's settings: the parameter table's defaults, except what the URL sets.
    expected = {seed: format_error(factorize(X, DEFAULTS["k"], method="rk", sampling="random",
                                             seed=seed).rel_error) for seed in seeds}
    pages = {seed: open_page(query=f"seed={seed}&method=rk&sampling=random", wait=False)
             for seed in seeds}
    shown = {}
    patient = 240  # s: four sessions run at once, on a machine that may be busy
    for seed, page in pages.items():
        wait_idle(page, require=METRIC, timeout_s=patient)
        shown[seed] = metric_value(page, ERROR)
        assert_no_error_shown(page)
    assert shown == expected
    assert len(set(shown.values())) > 1


def test_a_long_run_does_not_hold_up_another_session(page_opener, app_server):
    # On its own server with a longer cap, every method at the sliders' tops on a
    # 1000 x 1000 matrix: each run hits the cap, so the page runs for over four caps
    # (about a minute), long past what a second session's workbench needs.  (At a
    # 3 s cap the two ended within a second of each other: a race, not a test.)
    server = app_server(LONG_RUN_CAP_S)
    open_page = page_opener(server, timeout_s=LONG_RUN_PATIENCE_S)
    long_query = ("data=synthetic&n=1000&m=1000&sampling=sweep&niter=2000&kacziter=50"
                  "&reinit=20")
    long_page = open_page("compare", long_query, wait=False)
    wait_running(long_page)
    long_page.locator('[data-testid="stProgress"]').wait_for()  # a solver is under way
    started = time.monotonic()
    other = open_page(query="seed=777", require=METRIC)  # a seed no other test runs
    other_s = time.monotonic() - started
    long_busy = busy_reason(long_page)  # why the long page is not idle yet ('' if it is)
    assert metric_value(other, ERROR)
    assert_no_error_shown(other)

    wait_idle(long_page, timeout_s=LONG_RUN_PATIENCE_S)
    long_s = time.monotonic() - started
    print(f"second session done after {other_s:.1f} s, long page after {long_s:.1f} s "
          f"(long page when the second was done: {long_busy or 'idle'})")
    assert long_busy, (f"the long page finished ({long_s:.1f} s) before the second session "
                       f"({other_s:.1f} s): the second session was held up")
    assert long_page.get_by_text("cut short after").count() >= 1
    assert f"time limit {LONG_RUN_CAP_S:g} s" in app_text(long_page)
    assert_no_error_shown(long_page)
    screenshot(long_page, "long_run")


# --------------------------------------------------------------------------- recommend
def test_recommend_page_picks_a_user_and_lists_their_top_n(open_page):
    query = ("rec_users=60&rec_films=40&rec_density=0.3&rec_genres=3&rec_auto=false"
             "&rec_k=3&rec_top_n=5")
    page = open_page("recommend", query, require=METRIC)
    top = page.locator('[data-testid="stMarkdownContainer"] ol li')
    first = top.all_inner_texts()
    assert len(first) == 5
    users = page.get_by_role("combobox", name="User")
    users.click()
    # The list is virtualised (only the first few options exist in the page):
    # typing filters it to the one wanted.
    page.keyboard.type("user 5")
    page.get_by_role("option", name="user 5", exact=True).click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('rec_user')"
                           " === 'user 5'")
    wait_idle(page, require=METRIC)
    shown = top.all_inner_texts()
    assert len(shown) == 5 and shown != first
    assert all("★" in line and "factor " in line for line in shown)
    assert_no_error_shown(page)
    screenshot(page, "recommend_user_5")


# --------------------------------------------------------------------------- lessons
def test_a_lesson_from_the_picker_to_its_figures(open_page):
    from nmf_core.lessons import BY_SLUG

    lesson = BY_SLUG["restarts"]
    patient = 240  # s: the walk takes two page runs; a shared machine may be slow
    page = open_page("compare", query="methods=hals&niter=20", wait=False)  # another page
    wait_idle(page, timeout_s=patient)
    page.get_by_role("combobox", name="Lesson", exact=True).click()
    page.get_by_role("option", name=lesson.title, exact=True).click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('lesson') "
                           "=== 'restarts'", timeout=patient * 1000)
    wait_idle(page, require=METRIC, timeout_s=patient)
    wait_for_charts(page, heatmaps=5, lines=1, timeout_s=patient)
    assert urlsplit(page.url).path.strip("/") == lesson.page
    assert {k: v[0] for k, v in query_of(page.url).items()} == lesson.query
    text = app_text(page)
    assert lesson.goal in text and lesson.question in text
    assert lesson.notes["convergence"] in text  # the lesson's note beside its figure
    assert page.get_by_role("slider", name="Restarts (reinit)") \
        .get_attribute("aria-valuetext") == "10"
    assert_no_error_shown(page)
    screenshot(page, "lesson_restarts")
