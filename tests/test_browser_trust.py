"""Trust in what the browser shows (issue #10): lesson 3's best k as the README
promises it.

The server's cap is generous (SERVER_CAP_S): on the shared 2-core test machine the
app's default 10 s cap cuts lesson 3's fits short (the page then says "best k
unreliable", which tests/test_runs.py checks); here the finished answer is checked.

Run one at a time: each test here drives a real Chromium against its own server.
"""

from __future__ import annotations

import pytest
from browser_support import (
    metric_value,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SERVER_CAP_S = 120.0
SLOW_PAGE_S = 240.0  # a whole Choose-k scan on a loaded machine


@pytest.fixture
def open_page(page_opener, app_server):
    """Pages on the server with the generous cap, waited for as long as a slow page."""
    return page_opener(app_server(SERVER_CAP_S), timeout_s=SLOW_PAGE_S)


def test_lesson_3_finds_the_best_k_the_readme_promises(open_page):
    """README lesson 3: /choose_k?data=synthetic&noise=0.2 stars k = 5."""
    page = open_page("choose_k", "data=synthetic&noise=0.2")
    assert metric_value(page, "Best k") == "5"
    assert "unreliable" not in page.locator('[data-testid="stMetric"]').first.inner_text()


_PLAYER_STATE_JS = """() => {
  const gd = [...document.querySelectorAll('.js-plotly-plot')]
    .find(g => g.querySelector('.updatemenu-container'));
  if (!gd) return null;
  const slider = gd._fullLayout.sliders[0];
  const title = gd.querySelector('.gtitle');
  return [slider.steps[slider.active].label, title ? title.textContent : ''];
}"""
# The same, read once the frame being drawn has been painted (two animation frames on):
# the slider moves when a frame starts, the panels when it is drawn.
_SETTLED_STATE_JS = ("() => new Promise(done => requestAnimationFrame(() => "
                     "requestAnimationFrame(() => done((" + _PLAYER_STATE_JS + ")()))))")


def test_play_runs_to_the_end_in_the_browser_while_the_cpu_is_busy(open_page):
    """Measured: Play stopped after 2-16 frames at load 2-9, and the slider said 8 while
    the figures said iteration 6.  Play is now the browser's: a busy loop in another
    process must not stop it, and the slider must name the frame shown throughout."""
    import subprocess
    import sys
    import time

    page = open_page("", "player=true&niter=20&reinit=1")
    page.wait_for_function(f"({_PLAYER_STATE_JS})() !== null")
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        gd = page.locator(".js-plotly-plot", has=page.locator(".updatemenu-container"))
        gd.locator(".updatemenu-button", has_text="Play").click()
        seen = []
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            value, title = page.evaluate(_SETTLED_STATE_JS)
            slider, drawn = int(value), int(title.replace("Iteration", ""))
            # plotly moves its slider when a frame starts and the panels once it is drawn:
            # at most the one frame in flight apart, never the old drift of several
            assert 0 <= slider - drawn <= 1, (value, title)
            seen.append(drawn)
            time.sleep(0.2)
    finally:
        busy.kill()
        busy.wait()
    assert seen == sorted(seen)  # monotonically forward
    assert seen[-1] == 20 and len(set(seen)) > 5  # to the end, through the frames
    value, title = page.evaluate(_SETTLED_STATE_JS)
    assert title == f"Iteration {value}" == "Iteration 20"  # and at rest they agree


# --------------------------------------------------------------------------- projector view
PROJECTOR = {"width": 853, "height": 480}  # 1280x720 at 150 % zoom, in CSS pixels
PAGES = ("", "factory", "compare", "choose_k", "recommend")
_CLIPPED_METRICS_JS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
  .filter(e => e.getClientRects().length)
  .flatMap(e => [e, ...e.querySelectorAll('*')]
    .filter(x => x.scrollWidth > x.clientWidth && x.clientWidth > 0)
    .map(x => e.innerText.trim() + ' (' + x.scrollWidth + ' > ' + x.clientWidth + ')'))"""
_SIDEBAR_OPEN_JS = """() => {
  const bar = document.querySelector('[data-testid="stSidebar"]');
  if (!bar) return false;
  const box = bar.getBoundingClientRect();
  return box.width > 50 && box.right > 50;
}"""


def _set_sidebar(page, want_open: bool) -> None:
    """Open or close the sidebar with its own buttons (at 853 px it starts closed)."""
    if page.evaluate(_SIDEBAR_OPEN_JS) != want_open:
        if want_open:
            page.locator('[data-testid="stExpandSidebarButton"]').click()
        else:
            page.locator('[data-testid="stSidebar"]').hover()
            page.locator('[data-testid="stSidebarCollapseButton"] button').click()
        page.wait_for_function(f"({_SIDEBAR_OPEN_JS})() === {str(want_open).lower()}")
    page.wait_for_timeout(600)  # the main block's width settles after the slide


def test_every_metric_value_fits_its_box_at_150_percent_zoom(open_page):
    """Measured: at 1280x720 and 150 % zoom the headline metric read "Relative … 1.6…"."""
    clipped, shown = {}, {}
    for path in PAGES:
        page = open_page(path, viewport=PROJECTOR)
        shown[path] = page.locator('[data-testid="stMetricValue"]').count()
        for want_open in (True, False):
            _set_sidebar(page, want_open)
            state = "sidebar open" if want_open else "sidebar closed"
            clipped[(path, state)] = page.evaluate(_CLIPPED_METRICS_JS)
    assert shown[""] >= 5, shown  # the workbench's row of five is there to be measured
    assert not any(clipped.values()), {key: v for key, v in clipped.items() if v}
