"""The documents' defects, each with its effect measured live on the data.

Pure functions over :mod:`nmf_core.documents` and :mod:`nmf_core.metrics`
(no streamlit): the factory page shows their sentences, the tests check them.
Every number is computed here from a run; none is written down.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..documents import run_as_written
from ..errors import MatrixError
from ..metrics import negative_count, relative_error
from ..result import NMFResult

# Measurements that rerun the documents' code stop above this many
# iteration-restarts (niter × restarts summed over the reruns).
MEASURE_BUDGET = 300_000
FAILURE_SEEDS = range(1, 11)


@dataclass(frozen=True)
class Defect:
    """One defect: a short title, what the code does wrong, and what it did here."""

    title: str
    what: str
    effect: str


def _ordinal_range(first: int, last: int, noun: str) -> str:
    return f"{noun} {first}" if first == last else f"{noun}s {first}–{last}"


def _fit_on(X, A, S, rows) -> str:
    """Relative error of A S on some rows of X, as text ("n/a" where X is zero there)."""
    X_part = np.asarray(X)[rows]
    if not X_part.any():
        return "n/a (all zero)"
    return f"{relative_error(X_part, np.asarray(A)[rows], S):.3f}"


def first_k_only(X, k: int, as_written) -> str:
    n, m = np.shape(X)
    if k >= n and k >= m:
        return f"With k = {k} every row and column is in range(k), so it does no harm here."
    touched = _fit_on(X, as_written.A, as_written.S, slice(0, k))
    untouched = _fit_on(X, as_written.A, as_written.S, slice(k, n))
    return (f"Only {_ordinal_range(1, min(k, n), 'row')} of A and "
            f"{_ordinal_range(1, min(k, m), 'column')} of S were ever updated "
            f"({min(k, n)} of {n} rows, {min(k, m)} of {m} columns). The as-written fit's "
            f"relative error is {touched} on rows 1–{min(k, n)} and {untouched} on the "
            f"other rows, which keep their random start.")


def restart_final_errors(method: str, X, k: int, niter: int, kacziter: int, reinit: int,
                         seed: int) -> list[float] | None:
    """Each restart's final error in the documents' run, or None when too costly.

    The code returns its last restart, and a run with ``reinit=j`` draws the
    same random numbers as the first j restarts of the full run, so that run's
    result *is* restart j's.
    """
    if niter * reinit * (reinit + 1) // 2 > MEASURE_BUDGET:
        return None
    return [run_as_written(method, X, k, niter, kacziter, j, seed).rel_error
            for j in range(1, reinit + 1)]


def last_not_best(finals: list[float] | None) -> str:
    if finals is None:
        return "Not measured at these settings (too many restarts × iterations); lower them."
    best = int(np.argmin(finals))
    listed = ", ".join(f"{e:.4f}" for e in finals)
    if best == len(finals) - 1:
        return (f"Restarts ended at {listed}. The code returns the last one, {finals[-1]:.4f}, "
                f"which happens to be the best this time.")
    return (f"Restarts ended at {listed}. The code returns the last, {finals[-1]:.4f}; "
            f"restart {best + 1} reached {finals[best]:.4f} and is thrown away.")


def curve_is_last_runs(as_written, finals: list[float] | None) -> str:
    shown = float(as_written.errors[-1])
    text = (f"The returned curve's last written value, {shown:.4f}, belongs to the last "
            f"restart.")
    if finals is not None and len(finals) > 1:
        best = int(np.argmin(finals))
        if best != len(finals) - 1:
            text += (f" The best restart ({best + 1}, final {finals[best]:.4f}) has no curve: "
                     "each restart overwrote the one array.")
    return text + (" Even with the best-restart test fixed, the curve kept would be the "
                   "last one written, because lowesterror only points at seqerror.")


def rk_curve_and_global_x(X, k: int, niter: int, kacziter: int, reinit: int, seed: int,
                          as_written_rk) -> str:
    if as_written_rk is None:
        return "Not measured: the documents' rk failed at these settings (see the last defect)."
    written = len(as_written_rk.errors)
    index = int(as_written_rk.iterations[0]) - 1
    return (f"nmfrk wrote {written} of the {niter} entries of its error curve (index {index}, "
            f"that is kacziter − 1); the other {niter - written} hold whatever np.empty left "
            "in memory. Its Kaczmarz draws use the notebook's global X: here that is the data "
            "itself, so on this example the draws are right by luck.")


def negatives(as_written, corrected: NMFResult, corrected_name: str) -> str:
    count = negative_count(as_written.A, as_written.S)
    size = np.size(as_written.A) + np.size(as_written.S)
    cells = negative_count(as_written.A @ as_written.S)
    return (f"As written: {count} of {size} entries of A and S are negative, and {cells} "
            f"cells of AS (negative production). {corrected_name}: "
            f"{negative_count(corrected.A, corrected.S)} negative entries.")


def failures(method: str, X, k: int, niter: int, kacziter: int, reinit: int) -> str:
    if niter * reinit * len(FAILURE_SEEDS) * 2 > MEASURE_BUDGET:
        return "Not measured at these settings (too many restarts × iterations); lower them."
    parts = []
    for name in ("als", "rk"):
        failed = []
        for seed in FAILURE_SEEDS:
            try:
                run_as_written(name, X, k, niter, kacziter, reinit, seed)
            except MatrixError:
                failed.append(seed)
        parts.append(f"{name} failed for {len(failed)} of {len(FAILURE_SEEDS)} seeds"
                     + (f" ({', '.join(map(str, failed))})" if failed else ""))
    text = f"With these settings and seeds {FAILURE_SEEDS[0]}–{FAILURE_SEEDS[-1]}: " \
           + "; ".join(parts) + "."
    if k != 1:
        try:
            run_as_written("rk", X, 1, min(niter, 100), kacziter, 1, 1)
            text += " With k = 1 and seed 1, nmfrk runs through."
        except MatrixError as exc:
            text += f" With k = 1 and seed 1, nmfrk stops: {exc}."
    return text


def safe_run(function: Callable[[], object]):
    """``function()``, or None when the documents' code fails."""
    try:
        return function()
    except MatrixError:
        return None


def measure_defects(X, *, method: str, k: int, niter: int, kacziter: int, reinit: int,
                    seed: int, as_written, corrected: NMFResult,
                    corrected_name: str) -> list[Defect]:
    """The six defects with their measured effects for these settings.

    ``as_written`` is the documents' run with ``method`` (None if it failed);
    ``corrected`` the core's run it is compared with.
    """
    finals = (safe_run(lambda: restart_final_errors(method, X, k, niter, kacziter, reinit,
                                                    seed)) if as_written is not None else None)
    if method == "rk":
        as_written_rk = as_written
    else:
        as_written_rk = safe_run(lambda: run_as_written("rk", X, k, niter, kacziter, reinit,
                                                        seed))
    missing = "Not measured: the documents' code failed at these settings (see the last defect)."
    return [
        Defect("Only the first k rows and columns are ever updated",
               "`rowcol = np.random.randint(k)` draws the row of A and the column of S to "
               "update from 0…k−1, where it should draw rows from 0…n−1 and columns from "
               "0…m−1.",
               first_k_only(X, k, as_written) if as_written is not None else missing),
        Defect("The last restart is returned, not the best",
               "`finalerror` stays −1, so the `if finalerror == -1` branch runs after every "
               "restart and each one replaces the \"best\".",
               last_not_best(finals) if as_written is not None else missing),
        Defect("The error curve is the last run's",
               "`seqerror` is one array for all restarts and `lowesterror = seqerror` only "
               "points at it, so later restarts overwrite the curve that was kept.",
               curve_is_last_runs(as_written, finals) if as_written is not None else missing),
        Defect("nmfrk's curve is written at one index, from the wrong matrix",
               "The inner loop reuses `i`, so after it `seqerror[i]` is always "
               "`seqerror[kacziter − 1]`; and it draws Kaczmarz rows with the global `X` "
               "instead of its argument `data`.",
               rk_curve_and_global_x(X, k, niter, kacziter, reinit, seed, as_written_rk)),
        Defect("Nothing keeps the factors non-negative",
               "Least squares and Kaczmarz steps go below zero freely, so this is not NMF.",
               negatives(as_written, corrected, corrected_name)
               if as_written is not None else missing),
        Defect("It can crash: singular S Sᵀ, division by a zero norm",
               "`inv(S Sᵀ)` fails when S Sᵀ is singular, and the Kaczmarz step divides by "
               "‖a‖² or ‖s‖², zero for a zero row or column (the factory data has zero hours "
               "and days).",
               failures(method, X, k, niter, kacziter, reinit)),
    ]


def documents_run(method: str, X, k: int, niter: int, kacziter: int, reinit: int,
                  seed: int):
    """(the documents' result, "") or (None, why it failed in one line)."""
    try:
        return run_as_written(method, X, k, niter, kacziter, reinit, seed), ""
    except MatrixError as exc:
        return None, str(exc)
