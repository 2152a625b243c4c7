"""Running the solver from a page: cached, time-capped, with a progress bar,
and with every error shown as one line instead of a traceback.

Results are cached by the matrix's content fingerprint and every setting,
never by the matrix object itself (Streamlit samples large arrays when it
hashes them, so two different matrices of one shape could collide).  The cache
is bounded, shared between sessions, and survives page switches.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import streamlit as st

from ..budget import estimate_seconds, refuse_over_cap, slider_to_lower
from ..errors import NMFInputError
from ..factorize import factorize
from ..result import NMFResult
from .data_source import Matrix

_LOG = logging.getLogger(__name__)

DEFAULT_MAX_SECONDS = 10.0
MAX_SECONDS_ENV = "NMF_EXPLORER_MAX_SECONDS"
CACHE_ENTRIES = 64  # results kept; each holds A, S and the error curves
SNAPSHOT_CACHE_ENTRIES = 4  # results with step-through snapshots (≤ 50 MB each) kept
PROGRESS_AFTER_S = 0.3  # runs quicker than this never show a bar
PROGRESS_EVERY_S = 0.2  # at most this often (each update is replayed on a cache hit)
INTERNAL_ERROR = ("Something went wrong inside the app while doing this. The details are in "
                  "the server's log; try other settings or reload the page.")


def _budget_from_env() -> float:
    text = os.environ.get(MAX_SECONDS_ENV)
    try:
        value = float(text) if text else DEFAULT_MAX_SECONDS
    except ValueError:
        return DEFAULT_MAX_SECONDS
    return value if 0 < value < float("inf") else DEFAULT_MAX_SECONDS


# Wall-clock cap of one run, in seconds (a run stops there and shows its best so far).
MAX_SECONDS = _budget_from_env()


class ProgressReporter:
    """The solver's callback: a progress bar that appears only if a run is slow.

    It is created inside the cached function, so on a cache hit Streamlit
    replays its few messages into the same place (and the bar ends empty);
    a bar made outside the cached function could not be replayed.
    """

    def __init__(self, niter: int, label: str):
        self.niter, self.label = niter, label
        self.started = time.perf_counter()
        self.shown_at = -np.inf
        self.bar = None

    def __call__(self, t: int, errors: np.ndarray) -> None:
        now = time.perf_counter()
        if now - self.started < PROGRESS_AFTER_S or now - self.shown_at < PROGRESS_EVERY_S:
            return None
        text = (f"{self.label}: iteration {t:,} of {self.niter:,}, "
                f"best error so far {float(np.nanmin(errors)):.4g}")
        fraction = min(1.0, t / self.niter)
        if self.bar is None:
            self.bar = st.progress(fraction, text=text)
        else:
            self.bar.progress(fraction, text=text)
        self.shown_at = now
        return None

    def close(self) -> None:
        if self.bar is not None:
            self.bar.empty()


def _factorize_with_progress(settings: tuple, label: str, X: np.ndarray,
                             mask: np.ndarray | None) -> NMFResult:
    kwargs = dict(settings)
    progress = ProgressReporter(kwargs["niter"], label)
    try:
        return factorize(X, callback=progress, mask=mask, **kwargs)
    finally:
        progress.close()


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_factorize(fingerprint: str, settings: tuple, cut_short_attempt: int, label: str,
                      _X: np.ndarray, _mask: np.ndarray | None) -> NMFResult:
    """``factorize`` keyed by (fingerprint, settings, cut-short attempt); X and the mask
    are not hashed."""
    return _factorize_with_progress(settings, label, _X, _mask)


@st.cache_data(max_entries=SNAPSHOT_CACHE_ENTRIES, show_spinner=False)
def _cached_factorize_with_snapshots(fingerprint: str, settings: tuple, cut_short_attempt: int,
                                     label: str, _X: np.ndarray,
                                     _mask: np.ndarray | None) -> NMFResult:
    """The same for runs that record snapshots (up to 50 MB each): fewer are kept."""
    return _factorize_with_progress(settings, label, _X, _mask)


# A result cut short by the time cap (a busy server) is never served as the finished one.
# Each is cached under its own "cut-short attempt" number; once RETRY_CUT_SHORT_S have
# passed, a request that could finish (its estimate fits the cap) gets a fresh attempt,
# and a finished attempt is what every later request is served.
RETRY_CUT_SHORT_S = 10.0
_CUT_SHORT_KEPT = 1000  # (name, key) pairs remembered; the oldest are forgotten
_cut_short: OrderedDict[tuple, tuple[int, float | None]] = OrderedDict()
_cut_short_lock = threading.Lock()


def _attempt(entry: tuple, can_finish: bool) -> int:
    """The cut-short attempt to serve ``entry`` from: a new one when the last was cut
    short long enough ago and this request could finish."""
    with _cut_short_lock:
        attempt, cut_at = _cut_short.get(entry, (0, None))
        if (cut_at is not None and can_finish
                and time.monotonic() - cut_at >= RETRY_CUT_SHORT_S):
            attempt += 1
            _cut_short[entry] = (attempt, None)
        return attempt


def _note_outcome(entry: tuple, attempt: int, cut_short: bool) -> None:
    with _cut_short_lock:
        known = _cut_short.get(entry)
        if cut_short:
            if known is None or known == (attempt, None):  # first seen cut short: start the clock
                _cut_short[entry] = (attempt, time.monotonic())
                _cut_short.move_to_end(entry)
                while len(_cut_short) > _CUT_SHORT_KEPT:
                    _cut_short.popitem(last=False)
        elif known is not None and known[0] == attempt:
            _cut_short[entry] = (attempt, None)  # finished: later requests are served this one


def _serve(entry: tuple, can_finish: bool, compute: Callable[[int], Any],
           cut_short: Callable[[Any], bool]) -> Any:
    attempt = _attempt(entry, can_finish)
    value = compute(attempt)
    _note_outcome(entry, attempt, bool(cut_short(value)))
    return value


def run_factorization(matrix: Matrix, settings: dict[str, Any], *,
                      label: str | None = None) -> NMFResult:
    """Factor ``matrix`` with ``settings`` (factorize's keywords), cached and capped
    at :data:`MAX_SECONDS`.  Raises NMFInputError for bad settings or data.  A run the
    cap cut short is recomputed by a later request that can finish it."""
    settings = dict(settings)
    settings.setdefault("max_seconds", MAX_SECONDS)
    fits = warn_if_over_budget(matrix.X.shape, settings,
                               stored=matrix.stored if matrix.sparse else None,
                               masked=matrix.mask is not None)
    key = tuple(sorted(settings.items()))
    cached = _cached_factorize_with_snapshots if settings.get("snapshots") else _cached_factorize
    return _serve(
        ("factorize", matrix.fingerprint, key), fits,
        lambda attempt: cached(matrix.fingerprint, key, attempt, label or settings["method"],
                               matrix.X, matrix.mask),
        lambda result: result.truncated)


def warn_if_over_budget(shape, settings: dict[str, Any], *, stored: int | None = None,
                        masked: bool = False) -> bool:
    """Before a run: if its estimated time passes the cap, say so and name the slider.
    ``stored``: a sparse X's stored entries, which the solvers' declared cost counts;
    ``masked``: the run fits observed cells only.  Returns whether the run is expected
    to finish within the cap.  A run factorize will refuse (one iteration estimated over
    the cap's tolerance) gets no warning here: its refusal names the setting to lower."""
    cap = settings["max_seconds"]
    method, niter, reinit = settings["method"], settings["niter"], settings["reinit"]
    kacziter = settings.get("kacziter", 1)
    cost = {"kacziter": kacziter, "sampling": settings.get("sampling", "sweep"),
            "masked": masked, **({} if stored is None else {"stored": stored})}
    estimate = estimate_seconds(shape, settings["k"], method, niter, reinit, **cost)
    if cap is None or estimate <= cap:
        return True
    if refuse_over_cap(shape, settings["k"], method, reinit, cap, **cost):
        return False
    if cap is not None and estimate > cap:
        st.warning(f"This run is estimated at about {estimate:.0f} s, more than the {cap:g} s "
                   f"limit, so it will stop early with its best result so far. To let it "
                   f"finish, {slider_to_lower(settings['k'], method, niter, reinit, kacziter)}.",
                   icon=":material/timer:")
    return False


@st.cache_data(max_entries=CACHE_ENTRIES, show_spinner=False)
def _cached_call(name: str, key: tuple, cut_short_attempt: int,
                 _function: Callable[[], Any]) -> Any:
    return _function()


def cached(name: str, key: tuple, function: Callable[[], Any], *,
           cut_short: Callable[[Any], bool] | None = None, can_finish: bool = True) -> Any:
    """``function()`` cached under (name, key): for other costly, deterministic
    computations a page needs (``key`` must hold everything the result depends on).
    ``cut_short(value)`` says whether a time cap stopped part of it; such a value is
    recomputed, as a cut-short run is, by a later request that ``can_finish``."""
    if cut_short is None:
        return _cached_call(name, key, 0, function)
    return _serve((name, key), can_finish,
                  lambda attempt: _cached_call(name, key, attempt, function), cut_short)


def clear_cache() -> None:
    """Forget every cached result (tests use this)."""
    _cached_factorize.clear()
    _cached_factorize_with_snapshots.clear()
    _cached_call.clear()
    with _cut_short_lock:
        _cut_short.clear()


def show_outcome(result: NMFResult) -> bool:
    """Say how a run ended: an error if every restart diverged (the page still
    shows that last finite iterate, as the message says), a warning if it was
    cut short.  Returns False when every restart diverged."""
    if not result.success:
        st.error(result.message[:1].upper() + result.message[1:] + ".")
        return False
    if result.truncated:
        st.warning(f"This run was {result.message}; showing the best result so far. "
                   "Lower niter or reinit for a complete run.")
    elif result.n_diverged:
        st.info(f"{result.n_diverged} of {len(result.diverged)} restarts diverged; "
                "the best of the others is shown.")
    return True


@contextmanager
def page_guard() -> Iterator[None]:
    """Show input problems as one ``st.error`` line, and anything unexpected as a
    plain apology: no traceback ever reaches the page (it goes to the log)."""
    try:
        yield
    except NMFInputError as exc:
        st.error(str(exc))
    except Exception:  # noqa: BLE001 - the page boundary: log it, show no internals
        _LOG.exception("unexpected error while rendering a page")
        st.error(INTERNAL_ERROR)
