"""The factory page's two questions, answered in the core.

"A new day: which factories ran?"  A day's hourly output x (12,) is a non-negative
mix of the factories' profiles, x ≈ A s; with A known, the levels s ≥ 0 are the
exact non-negative least-squares answer :func:`nmf_core.project` gives.

"I know factory 1's profile": NMF with that column of A held fixed (semi-supervised
NMF) finds the other factories around it (:func:`fit_with_known_profile`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MatrixError
from .factorize import factorize
from .metrics import match_factors
from .project import project
from .result import NMFResult


@dataclass(frozen=True)
class NewDay:
    """One day's output and the factory levels found for it.

    ``output`` (hours,); ``truth`` (k,) the levels the day was made with, when
    known; ``found`` (k,) the NNLS levels; ``fitted`` = profiles @ found;
    ``rel_error`` = ‖output − fitted‖ / ‖output‖ (0 for an all-zero day).
    """

    output: np.ndarray
    found: np.ndarray
    fitted: np.ndarray
    rel_error: float
    truth: np.ndarray | None = None


def day_output(levels, profiles) -> np.ndarray:
    """A day's hourly output when factory r runs at ``levels[r]`` (1: a normal day)."""
    levels = np.asarray(levels, dtype=float)
    profiles = np.asarray(profiles, dtype=float)
    if levels.shape != (profiles.shape[1],) or not np.isfinite(levels).all() or (
            levels < 0).any():
        raise MatrixError(f"a day needs {profiles.shape[1]} finite levels >= 0, one per "
                          f"factory; got {levels.tolist()}")
    return profiles @ levels


def which_factories_ran(output, profiles, truth=None) -> NewDay:
    """The levels s ≥ 0 with ``profiles @ s`` closest to ``output`` (exact NNLS)."""
    output = np.asarray(output, dtype=float)
    profiles = np.asarray(profiles, dtype=float)
    if output.shape != (profiles.shape[0],):
        raise MatrixError(f"a day's output needs {profiles.shape[0]} hourly values; "
                          f"got {output.size}")
    found = project(output, A=profiles)
    fitted = profiles @ found
    norm = float(np.linalg.norm(output))
    error = float(np.linalg.norm(output - fitted)) / norm if norm > 0 else 0.0
    return NewDay(output=output, found=found, fitted=fitted, rel_error=error,
                  truth=None if truth is None else np.asarray(truth, dtype=float))


def aligned_profiles(A_found, A_true) -> np.ndarray:
    """A fitted A put in the true factories' order and units: column i is the fitted
    column matched to true factory i (:func:`nmf_core.metrics.match_factors`), scaled
    by the least-squares factor onto the true column, so that levels found with it
    read like the true levels (NMF fixes neither the order nor the scale)."""
    A_found = np.asarray(A_found, dtype=float)
    A_true = np.asarray(A_true, dtype=float)
    match = match_factors(A_true, A_found)
    out = np.zeros_like(A_true)
    for i, j in enumerate(match.order):
        if j < 0:
            continue
        column = A_found[:, j]
        square = float(column @ column)
        out[:, i] = column * (float(column @ A_true[:, i]) / square if square > 0 else 0.0)
    return out


def fit_with_known_profile(X, profiles, known: int = 0, **settings) -> NMFResult:
    """NMF of X with column ``known`` of A held at that true profile
    (``factorize(..., fixed_A={known: profiles[:, known]})``); ``settings`` go to
    factorize (method hals or mu; k defaults to the number of profiles)."""
    profiles = np.asarray(profiles, dtype=float)
    k = settings.pop("k", profiles.shape[1])
    return factorize(X, k, fixed_A={known: profiles[:, known]}, **settings)
