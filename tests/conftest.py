"""Fixtures shared by the headless app tests (test_app.py, test_teaching.py).

Imports of the app's modules happen inside the fixtures, so the core's tests
never load streamlit.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _main_module_kept():
    """Each test gets the original ``sys.modules["__main__"]`` back (AppTest leaves the
    app script there, and dask's spawned workers re-run it): bench's own guard."""
    from bench.app_latency import main_module_kept

    with main_module_kept():
        yield


@pytest.fixture
def empty_cache():
    """No cached run before or after the test, so no test sees another's result
    (a module opts in with ``pytestmark = pytest.mark.usefixtures("empty_cache")``)."""
    from nmf_core.ui import runs

    runs.clear_cache()
    yield
    runs.clear_cache()


@pytest.fixture
def solver_calls(monkeypatch):
    """The keyword arguments of every factorize call the app makes, from its cached
    runs, from the choose-k scan and from its consensus runs."""
    from nmf_core import consensus, factorize, model_selection
    from nmf_core.ui import runs

    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return factorize(*args, **kwargs)

    monkeypatch.setattr(runs, "factorize", counting)
    monkeypatch.setattr(model_selection, "factorize", counting)
    monkeypatch.setattr(consensus, "factorize", counting)
    return calls


# --------------------------------------------------------------------------- browsers
# One Chromium for the whole session: Playwright's sync API cannot be started twice
# in one process, so every browser test module shares these two fixtures.
def _fail_or_skip(reason: str) -> None:
    from browser_support import in_ci

    if in_ci():
        pytest.fail(f"{reason}; CI=true, so the browser tests must run")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> str:
    from browser_support import NO_CHROMIUM, chromium_path

    path = chromium_path()
    if path is None:
        _fail_or_skip(NO_CHROMIUM)
    return path


@pytest.fixture(scope="session")
def browser(chromium):
    from browser_support import CHROMIUM_ARGS

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _fail_or_skip("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def app_server(chromium, tmp_path_factory):
    """``app_server(cap)``: the app served with a time cap of ``cap`` seconds per run,
    started on first use and kept for the session (as one server serves a class)."""
    from browser_support import start_server, stop_server

    started = {}

    def server(cap: float):
        if cap not in started:
            try:
                started[cap] = start_server(
                    tmp_path_factory.mktemp("server") / "streamlit.log", cap)
            except RuntimeError as exc:
                pytest.fail(str(exc))
        return started[cap]

    yield server
    for running in started.values():
        stop_server(running)


@pytest.fixture
def page_opener(browser):
    """``page_opener(server, timeout_s=...)`` gives ``open_page(path, query, *, wait,
    require, viewport)``: a page in a fresh browser context (its own cookies, so its own
    Streamlit session), navigated and, with ``wait``, left to finish.  Uncaught
    JavaScript errors are collected in ``page.js_errors``; every context is closed
    after the test."""
    from browser_support import VIEWPORT, WAIT_MS, wait_idle

    contexts = []

    def opener(server, *, timeout_s: float = WAIT_MS / 1000):
        def open_page(path: str = "", query: str = "", *, wait: bool = True,
                      require: str | None = None, viewport: dict | None = None):
            context = browser.new_context(viewport=viewport or VIEWPORT)
            context.set_default_timeout(timeout_s * 1000)
            contexts.append(context)
            page = context.new_page()
            page.js_errors = []
            page.on("pageerror", lambda error: page.js_errors.append(str(error)))
            page.goto(server.page_url(path, query), wait_until="load" if wait else "commit")
            if wait:
                wait_idle(page, require=require, timeout_s=timeout_s)
            return page

        return open_page

    yield opener
    for context in contexts:
        context.close()

