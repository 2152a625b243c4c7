"""Helpers for the real-browser tests (tests/test_browser*.py): the app's server
on a free loopback port (conftest's app_server and page_opener fixtures use it),
Debian's Chromium through Playwright, and waits that know when a Streamlit page has finished
running.

Nothing here downloads a browser: Playwright drives /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"  # git-ignored: every run's screenshots
DOCS = ROOT / "docs"  # tracked: the README's screenshots, rewritten only on request
UPDATE_DOCS_ENV = "NMF_UPDATE_DOCS_SCREENSHOTS"

CHROMIUM = "/usr/bin/chromium"
NO_CHROMIUM = "Debian's chromium is not installed (apt-get install chromium)"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
HOST = "127.0.0.1"  # loopback only, for the server and every URL the tests open

SERVER_START_S = 60.0
WAIT_MS = 60_000  # one wait in the browser; generous, the machine may be busy
# A page counts as idle after this many idle looks in a row, POLL_S apart: a
# rerun triggered by a key press starts a moment after the key.
IDLE_LOOKS = 3
POLL_S = 0.25

APP = '[data-testid="stApp"]'
METRIC = '[data-testid="stMetric"]'
EXCEPTION = '[data-testid="stException"]'
ERROR_BOX = '[data-testid="stAlertContentError"]'  # st.error (the page guard's output too)
PLOT = ".js-plotly-plot"
HEATMAP_TRACE = "g.hm image"  # what plotly draws for a rendered heatmap trace
LINE_TRACE = ".scatterlayer path.js-line"

_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'no app yet';
  const script = app.getAttribute('data-test-script-state');
  if (script !== 'notRunning') return 'script ' + script;
  const connection = app.getAttribute('data-test-connection-state');
  if (connection !== 'CONNECTED') return 'connection ' + connection;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return 'status widget';
  if (document.querySelector('[data-testid="stSpinner"]')) return 'spinner';
  if (document.querySelector('[data-testid="stSkeleton"]')) return 'skeleton';
  if (document.querySelector('[data-stale="true"]')) return 'stale elements';
  return '';
}"""


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    return shutil.which("chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A running ``streamlit run app.py`` and where to reach it."""

    process: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def page_url(self, path: str = "", query: str = "") -> str:
        return self.url + path + (f"?{query}" if query else "")

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"


def start_server(log: Path, max_seconds: float) -> Server:
    """Start the app on a free loopback port; return once /_stcore/health says ok.

    Raises RuntimeError with the server's output if it dies or does not answer
    within :data:`SERVER_START_S`.  The file watcher is off so that edits to the
    source during a run cannot put a "file changed" prompt on the page.
    """
    port = free_port()
    env = dict(os.environ, NMF_EXPLORER_MAX_SECONDS=f"{max_seconds:g}")
    command = [sys.executable, "-m", "streamlit", "run", "app.py",
               "--server.headless", "true", "--server.port", str(port),
               "--server.address", HOST, "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(process, port, log)
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app's server exited with status {process.returncode}:\n"
                               f"{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "_stcore/health", timeout=2) as answer:
                if answer.read().strip() == b"ok":
                    return server
        except OSError:
            pass
        time.sleep(0.25)
    stop_server(server)
    raise RuntimeError(f"the app's server did not answer /_stcore/health within "
                       f"{SERVER_START_S:g} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)


def busy_reason(page) -> str:
    """Why the page is not idle ('' when it is)."""
    return page.evaluate(_IDLE_JS)


def wait_idle(page, *, timeout_s: float = WAIT_MS / 1000, require: str | None = None) -> None:
    """Wait until Streamlit has finished running the page's script.

    Idle means: the app is connected, its script state is ``notRunning``, and
    there is no status widget ("Running..."), spinner, loading skeleton or
    stale element left from the previous run, seen :data:`IDLE_LOOKS` times in
    a row (a rerun starts a moment after the event that causes it).  With
    ``require``, that selector must also be present.  Raises AssertionError
    saying what was still busy.
    """
    deadline = time.monotonic() + timeout_s
    streak, reason = 0, "never looked"
    while time.monotonic() < deadline:
        reason = busy_reason(page)
        if not reason and require is not None and page.locator(require).count() == 0:
            reason = f"no {require} yet"
        streak = 0 if reason else streak + 1
        if streak >= IDLE_LOOKS:
            return
        time.sleep(POLL_S)
    raise AssertionError(f"{page.url} still busy after {timeout_s:g} s: {reason}")


def wait_running(page, *, timeout_s: float = 30.0) -> None:
    """Wait until the page's script is running (for a run started on purpose)."""
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stApp"]')
                 ?.getAttribute('data-test-script-state') === 'running'""",
        timeout=timeout_s * 1000)


def metric_value(page, label: str) -> str:
    """The value shown by the metric labelled ``label``."""
    box = page.locator(METRIC).filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label))
    return box.first.locator('[data-testid="stMetricValue"]').inner_text().strip()


def wait_metric(page, label: str, wanted, *, timeout_s: float = WAIT_MS / 1000) -> str:
    """Wait until the metric ``label`` shows a value for which ``wanted(value)`` is
    true; return it.  Raises AssertionError with the last value seen."""
    deadline = time.monotonic() + timeout_s
    value = None
    while time.monotonic() < deadline:
        if page.locator(METRIC).filter(has_text=label).count():
            value = metric_value(page, label)
            if wanted(value):
                return value
        time.sleep(POLL_S)
    raise AssertionError(f"metric {label!r} still shows {value!r} after {timeout_s:g} s")


def wait_metric_change(page, label: str, old: str, *, timeout_s: float = WAIT_MS / 1000) -> str:
    """Wait until the metric ``label`` shows something other than ``old``; return it."""
    return wait_metric(page, label, lambda value: value != old, timeout_s=timeout_s)


def app_text(page) -> str:
    """Everything the app shows, sidebar included."""
    return page.locator(APP).inner_text()


def rendered_heatmaps(page) -> int:
    """How many plotly charts have drawn at least one heatmap trace."""
    return page.locator(PLOT).filter(has=page.locator(HEATMAP_TRACE)).count()


def rendered_line_charts(page) -> int:
    """How many plotly charts have drawn at least one line with a path."""
    return page.evaluate("""(sel) => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(p => p.querySelector('.main-svg') && [...p.querySelectorAll(sel)]
            .some(path => (path.getAttribute('d') || '').length > 2)).length""",
                         LINE_TRACE)


def wait_for_charts(page, *, heatmaps: int = 0, lines: int = 0,
                    timeout_s: float = WAIT_MS / 1000) -> None:
    """Wait until at least this many heatmap and line charts have been drawn."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if rendered_heatmaps(page) >= heatmaps and rendered_line_charts(page) >= lines:
            return
        time.sleep(POLL_S)
    raise AssertionError(f"{page.url}: wanted {heatmaps} heatmaps and {lines} line charts, "
                         f"found {rendered_heatmaps(page)} and {rendered_line_charts(page)}")


def full_page_screenshot(page, path: Path) -> Path:
    """Screenshot of the whole page.  Streamlit scrolls inside its main block, not
    the document, so the viewport is stretched to the content's height for the shot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("""() => Math.max(document.documentElement.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], '
              + '[data-testid="stAppViewContainer"], [data-testid="stSidebarContent"]')]
           .map(e => e.scrollHeight))""")
    size = page.viewport_size or VIEWPORT
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 12_000)})
    try:
        page.wait_for_timeout(300)  # let the layout settle at the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def viewport_screenshot(page, path: Path) -> Path:
    """Screenshot of what the viewport shows (the README's pictures)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    return path
