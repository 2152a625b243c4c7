"""App latency and figure size (issue #4, item 5), through Streamlit's AppTest.

AppTest runs ``app.py`` (whose default page is the workbench) in this process, without a
browser or server; ``at.run()`` is timed whole, so a figure is the script-run time: the
app's and page's code, the solver on a cache miss, and building every chart's JSON
(not the network or the browser's drawing).  Settings go in through the URL's query
parameters, as a shared link would set them (the keys are the widgets' keys in
``nmf_core/ui/widgets.py`` and ``data_source.py``).

* Workbench, factory example, and workbench, synthetic 500×300 with k=10, hals,
  niter=200: every repeat starts from empty caches (results and data), so the solver
  runs each time: a first visit, the slowest case.
* Display-only rerun: on the 500×300 page, flip the convergence chart's "Log scale"
  toggle (key ``log_y``) and rerun; the result comes from the cache.
* Figure JSON: a 2000×1000 matrix uploaded as a CSV on the workbench (k=20, hals,
  niter=20, reinit=1: few iterations, as the charts' size does not depend on them); the
  bytes are the sum of every Plotly chart's JSON spec the page sends.

If the app or a widget the measurement needs is missing, the figure is skipped with the
reason.
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .table import SKIPPED, Row
from .timing import median, timed

SECTION = "app latency"
APP = "app.py"
TIMEOUT_S = 120
FACTORY = {"data": "factory"}
SYNTHETIC_500 = {"data": "synthetic", "n": "500", "m": "300", "true_k": "10", "k": "10",
                 "method": "hals", "niter": "200"}
BIG_UPLOAD = {"data": "csv", "k": "20", "method": "hals", "niter": "20", "reinit": "1"}
TOGGLE_KEY = "log_y"
UPLOAD_KEY = "csv_file"
FIGURE_TARGET_MB = 3.0  # issue #4: figure JSON for a 2000×1000 upload
TARGETS_S = {"factory": 0.3, "synthetic": 1.5, "toggle": 0.2}


def _quiet_streamlit() -> None:
    """AppTest in bare mode logs 'missing ScriptRunContext' on every run; hide that."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _problem(at) -> str:
    """Why a run is not a valid measurement ("" when it is)."""
    if at.exception:
        return f"the page raised: {at.exception[0].value}"
    if at.error:
        return f"the page showed an error: {at.error[0].value}"
    return ""


class _App:
    def __init__(self, root: Path):
        self.path = str(root / APP)
        if str(root) not in sys.path:  # the pages import nmf_core from the checkout
            sys.path.insert(0, str(root))

    def new(self, query: dict[str, str]):
        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(self.path, default_timeout=TIMEOUT_S)
        at.query_params.update(query)
        return at

    def cold_run(self, query: dict[str, str]) -> tuple[float, object]:
        _clear_caches()
        at = self.new(query)
        seconds, _ = timed(at.run)
        return seconds, at


def _metric(at, label: str) -> str:
    return next((m.value for m in at.metric if m.label == label), "?")


@contextmanager
def main_module_kept() -> Iterator[None]:
    """Streamlit's AppTest leaves ``sys.modules["__main__"]`` set to the app script, so a
    process spawned later (dask's workers start by re-running ``__main__``) would run
    app.py and die ("Nanny failed to start").  The original comes back on exit."""
    main = sys.modules.get("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def app_latency(root: Path, repeats: int, quick: bool = False) -> tuple[list[Row], str]:
    """Returns (rows, reason the whole section was skipped or "")."""
    with main_module_kept():  # the scale section's workers come after this one
        return _app_latency(root, repeats, quick)


def _app_latency(root: Path, repeats: int, quick: bool) -> tuple[list[Row], str]:
    if not (root / APP).exists():
        return [], f"{APP} does not exist yet"
    try:
        import streamlit  # noqa: F401
        from streamlit.testing.v1 import AppTest  # noqa: F401
    except ImportError as exc:
        return [], f"streamlit's AppTest is not importable ({exc})"
    _quiet_streamlit()
    app = _App(root)
    _, warm = app.cold_run(FACTORY)  # imports and first-run costs stay out of the figures
    _quiet_streamlit()
    if _problem(warm):
        return [], _problem(warm)
    rows = [_cold_row(app, "factory", FACTORY, "factory 12×10 k=3", repeats,
                      "workbench, default settings (hals)")]
    rows += _synthetic_rows(app, repeats)
    rows.append(_figure_bytes_row(app, root))
    return rows, ""


def _cold_row(app: _App, name: str, query, case: str, repeats: int, what: str) -> Row:
    times, at = [], None
    for _ in range(repeats):
        seconds, at = app.cold_run(query)
        if _problem(at):
            return _skipped(case, f"script run: {what}", _problem(at))
        times.append(seconds)
    goal = TARGETS_S[name]
    value = median(times)
    detail = (f"{what}; empty caches each run; median of {repeats}; solver reported "
              f"{_metric(at, 'Elapsed')} for {_metric(at, 'Iterations')} it")
    if at.warning:
        detail += f"; warning shown: {at.warning[0].value[:80]}"
    return Row(SECTION, case, "workbench script run (cold)", value, "s", target=f"< {goal} s",
               meets=value < goal, detail=detail)


def _synthetic_rows(app: _App, repeats: int) -> list[Row]:
    case = "synthetic 500×300 k=10"
    what = "hals, niter=200, other settings default (reinit=5)"
    row = _cold_row(app, "synthetic", SYNTHETIC_500, case, repeats, what)
    rows = [row]
    # display-only rerun, on the same (cached) page
    _clear_caches()
    at = app.new(SYNTHETIC_500)
    at.run()
    try:
        toggle = at.toggle(key=TOGGLE_KEY)
    except KeyError:
        rows.append(_skipped(case, "rerun after a display-only toggle",
                             f"no toggle with key {TOGGLE_KEY!r} on the workbench"))
        return rows
    times = []
    for _ in range(repeats + 1):  # the first flip warms up
        toggle.set_value(not toggle.value)
        seconds, _ = timed(at.run)
        if _problem(at):
            rows.append(_skipped(case, "rerun after a display-only toggle", _problem(at)))
            return rows
        toggle = at.toggle(key=TOGGLE_KEY)
        times.append(seconds)
    value = median(times[1:])
    goal = TARGETS_S["toggle"]
    rows.append(Row(SECTION, case, "rerun after a display-only toggle", value, "s",
                    target=f"< {goal} s", meets=value < goal,
                    detail=f"flip 'Log scale' ({TOGGLE_KEY}); result from the cache; "
                           f"median of {repeats}"))
    return rows


def _figure_bytes_row(app: _App, root: Path) -> Row:
    from .cases import load_case

    case = load_case("synthetic")
    buffer = io.StringIO()
    np.savetxt(buffer, case.X, delimiter=",", fmt="%.10g")
    data = buffer.getvalue().encode()
    label = "synthetic 2000×1000 k=20"
    _clear_caches()
    at = app.new(BIG_UPLOAD)
    at.run()
    try:
        uploader = at.file_uploader(key=UPLOAD_KEY)
    except (KeyError, AttributeError):
        return _skipped(label, "figure JSON sent by the workbench",
                        f"no file uploader with key {UPLOAD_KEY!r}")
    uploader.set_value(("X.csv", data, "text/csv"))
    seconds, _ = timed(at.run)
    if _problem(at):
        return _skipped(label, "figure JSON sent by the workbench", _problem(at))
    specs = [len(chart.proto.spec.encode()) for chart in at.get("plotly_chart")]
    if not specs:
        return _skipped(label, "figure JSON sent by the workbench", "no Plotly charts drawn")
    total_mb = sum(specs) / 1e6
    return Row(SECTION, label, "figure JSON sent by the workbench", total_mb, "MB",
               target=f"< {FIGURE_TARGET_MB:g} MB", meets=total_mb < FIGURE_TARGET_MB,
               detail=f"{len(specs)} charts, largest {max(specs) / 1e6:.2f} MB; CSV upload "
                      f"({len(data) / 1e6:.0f} MB) then k=20 hals niter=20 reinit=1; that "
                      f"run took {seconds:.1f} s (parse + solve + charts)")


def _skipped(case: str, measure: str, reason: str) -> Row:
    print(f"[bench] app latency: {measure} skipped: {reason}", file=sys.stderr)
    return Row(SECTION, case, measure, None, missing=SKIPPED, detail=reason)
