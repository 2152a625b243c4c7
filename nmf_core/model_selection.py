"""Choosing k: training error and held-out (cross-validated) error against k.

The documents say k "would have to be chosen using cross validation".  Here a
random share of the cells is hidden, the model is fitted on the rest with
masked NMF, and the error is measured on the hidden cells; repeated over folds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .factorize import check_matrix, factorize
from .metrics import relative_error


@dataclass(frozen=True)
class KScan:
    """Errors for each k: ``fit_error`` on all cells, ``cv_error`` (mean over
    folds) and ``cv_std`` on held-out cells."""

    ks: np.ndarray
    fit_error: np.ndarray
    cv_error: np.ndarray
    cv_std: np.ndarray

    @property
    def best_k(self) -> int:
        """The k with the lowest held-out error."""
        return int(self.ks[int(np.argmin(self.cv_error))])


def holdout_masks(shape, folds: int, holdout: float, rng) -> list[np.ndarray]:
    """``folds`` boolean masks, True on the cells kept for fitting.

    Each hides a random ``holdout`` share of cells, but never a whole row or
    column (every row and column keeps at least one observed cell).
    """
    masks = []
    for _ in range(folds):
        keep = rng.random(shape) >= holdout
        n, m = shape
        keep[np.arange(n), rng.integers(0, m, n)] = True
        keep[rng.integers(0, n, m), np.arange(m)] = True
        masks.append(keep)
    return masks


def scan_k(X, ks, method: str = "hals", *, folds: int = 3, holdout: float = 0.1,
           seed: int = 0, **options) -> KScan:
    """Fit every k in ``ks``; return training and cross-validated errors.

    ``options`` go to :func:`factorize` (niter, reinit, init, ...).  The same
    folds are used for every k so the curves are comparable.
    """
    X = check_matrix(X)
    ks = np.array(sorted({int(k) for k in ks}))
    if ks.size == 0 or ks[0] < 1 or ks[-1] > min(X.shape):
        raise ParameterError(f"each k must be between 1 and min(n, m) = {min(X.shape)}")
    if not 1 <= folds <= 20:
        raise ParameterError(f"folds must be between 1 and 20; got {folds}")
    if not 0 < holdout < 0.5:
        raise ParameterError(f"holdout must be between 0 and 0.5; got {holdout}")
    masks = holdout_masks(X.shape, folds, holdout, np.random.default_rng(seed))
    fit, cv, std = [], [], []
    for k in ks:
        fit.append(factorize(X, k, method, seed=seed, **options).rel_error)
        held = []
        for keep in masks:
            result = factorize(X, k, method, seed=seed, mask=keep, **options)
            held.append(relative_error(X, result.A, result.S, ~keep))
        cv.append(np.mean(held))
        std.append(np.std(held))
    return KScan(ks=ks, fit_error=np.array(fit), cv_error=np.array(cv), cv_std=np.array(std))
