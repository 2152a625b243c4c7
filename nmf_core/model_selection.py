"""Choosing k: training error and held-out (cross-validated) error against k.

The documents say k "would have to be chosen using cross validation".  Here a
random share of the cells is hidden, the model is fitted on the rest with
masked NMF, and the error is measured on the hidden cells; repeated over folds.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from .budget import estimate_seconds
from .errors import ParameterError
from .factorize import check_arguments, check_mask, check_matrix, factorize
from .metrics import relative_error
from .params import PARAMS, Param
from .sparse.check import MISSING_CHOICES, check_sparse, is_sparse

SCAN_NITER = 100  # iterations per fit the app's scan starts from
SCAN_K_TOP = 10  # the top of the k range it starts from

# The scan's own settings, declared once: scan_k validates them and the app's
# choose-k page builds its sliders from them.
SCAN_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("folds", int, 3, "How many times a random share of the cells is hidden, fitted "
          "around and predicted; the held-out error is the mean over the folds.",
          low=1, high=20, ui_high=10),
    Param("holdout", float, 0.1, "Share of the cells hidden in each fold.",
          low=0.01, high=0.49, ui_high=0.3),
)}


@dataclass(frozen=True)
class KScan:
    """Errors for each k: ``fit_error`` on all cells, ``cv_error`` (mean over
    folds) and ``cv_std`` on held-out cells; per k and fold (k × folds),
    ``fold_fit_error`` on the cells the fold fitted and ``fold_cv_error`` on
    those it hid."""

    ks: np.ndarray
    fit_error: np.ndarray
    cv_error: np.ndarray
    cv_std: np.ndarray
    truncated: int = 0  # fits stopped early by max_seconds
    fold_fit_error: np.ndarray | None = None
    fold_cv_error: np.ndarray | None = None

    @property
    def best_k(self) -> int:
        """The k with the lowest held-out error."""
        return int(self.ks[int(np.argmin(self.cv_error))])


def holdout_masks(shape, folds: int, holdout: float, rng,
                  observed: np.ndarray | None = None) -> list[np.ndarray]:
    """``folds`` boolean masks, True on the cells kept for fitting.

    Each hides a random ``holdout`` share of cells, but never a whole row or
    column (every row and column keeps at least one observed cell).  With
    ``observed`` (True on the cells that have a value), only those are kept.
    """
    masks = []
    n, m = shape
    for _ in range(folds):
        keep = rng.random(shape) >= holdout
        if observed is None:
            keep[np.arange(n), rng.integers(0, m, n)] = True
            keep[rng.integers(0, n, m), np.arange(m)] = True
        else:  # one random observed cell per row and per column stays in
            keep &= observed
            score = np.where(observed, rng.random(shape), -1.0)
            keep[np.arange(n), score.argmax(axis=1)] = True
            keep[score.argmax(axis=0), np.arange(m)] = True
            keep &= observed  # a row or column with nothing observed keeps nothing
        masks.append(keep)
    return masks


def scan_k(X, ks, method: str = "hals", *, folds: int = 3, holdout: float = 0.1,
           seed: int = 0, mask=None, **options) -> KScan:
    """Fit every k in ``ks``; return training and cross-validated errors.

    ``options`` go to :func:`factorize` (niter, reinit, init, max_seconds, ...).
    The same folds are used for every k so the curves are comparable.  ``mask``
    (True on observed cells) leaves missing cells out of fitting and of both
    errors.  ``max_seconds`` caps each fit, not the scan: every one of its
    :func:`scan_fits` fits ends within 1.5·max_seconds + 0.2 s
    (:func:`nmf_core.budget.cap_tolerance`), so the scan ends within that many times
    it; ``truncated`` counts the fits it stopped.

    A scipy.sparse X with ``missing="unstored"``: its stored entries are the observed
    cells (explicit zeros included); the held-out cells are drawn among them and every
    fit runs on the observed-entries engine, at O(stored) memory, never densified.
    """
    unknown = sorted(set(options) - _FACTORIZE_OPTIONS)
    if unknown:
        raise ParameterError(f"scan_k has no option {unknown[0]!r}; it passes on "
                             f"{', '.join(sorted(_FACTORIZE_OPTIONS))} to factorize")
    if is_sparse(X):
        return _scan_sparse(X, ks, method, folds, holdout, seed, mask, options)
    X, mask = check_arguments(X, mask, options.get("init", "random"),
                               options.get("nonnegative", True), 0, None)
    if mask is not None:
        X = np.where(mask, X, 0.0) if np.shape(mask) == np.shape(X) else X
    X = check_matrix(X)
    observed = None if mask is None else check_mask(mask, X)
    ks = _check_ks(ks, min(X.shape))
    folds = SCAN_PARAMS["folds"].validate(folds)
    holdout = SCAN_PARAMS["holdout"].validate(holdout)
    seed = PARAMS["seed"].validate(seed)
    method = PARAMS["method"].validate(method)
    masks = holdout_masks(X.shape, folds, holdout, np.random.default_rng(seed), observed)
    everything = np.ones(X.shape, dtype=bool) if observed is None else observed
    for fold, keep in enumerate(masks, start=1):
        hidden = everything & ~keep
        if not np.any(X[hidden]):  # the held-out error would be 0 / 0
            what = "no cell" if not hidden.any() else f"only zeros ({hidden.sum()} cells)"
            raise ParameterError(
                f"fold {fold} of the cross-validation hides {what} of this {X.shape[0]}×"
                f"{X.shape[1]} matrix (every row and column keeps one observed cell), so "
                f"its held-out error is undefined; raise holdout (now {holdout:g}) or use "
                "a larger or less sparse matrix")
    fit, cv, std, fold_fit, fold_cv = [], [], [], [], []
    truncated = 0
    for k in ks:
        result = factorize(X, k, method, seed=seed, mask=observed, **options)
        fit.append(result.rel_error)
        truncated += result.truncated
        held, fitted = [], []
        for keep in masks:
            result = factorize(X, k, method, seed=seed, mask=keep, **options)
            truncated += result.truncated
            fitted.append(result.rel_error)
            held.append(relative_error(X, result.A, result.S, everything & ~keep))
        cv.append(np.mean(held))
        std.append(np.std(held))
        fold_fit.append(fitted)
        fold_cv.append(held)
    return KScan(ks=ks, fit_error=np.array(fit), cv_error=np.array(cv), cv_std=np.array(std),
                 truncated=truncated, fold_fit_error=np.array(fold_fit),
                 fold_cv_error=np.array(fold_cv))


def holdout_entries(rows, cols, shape, folds: int, holdout: float, rng) -> list[np.ndarray]:
    """``folds`` boolean vectors over stored entries (rows[t], cols[t]), True on those
    kept for fitting: each hides a random ``holdout`` share, but every row and column
    with a stored entry keeps one (chosen at random)."""
    masks = []
    for _ in range(folds):
        keep = rng.random(rows.size) >= holdout
        order = rng.permutation(rows.size)
        for index in (rows, cols):  # the first entry of each row (column) in a random order
            keep[order[np.unique(index[order], return_index=True)[1]]] = True
        masks.append(keep)
    return masks


def _scan_sparse(X, ks, method, folds, holdout, seed, mask, options) -> KScan:
    """:func:`scan_k` on the stored entries of a scipy.sparse X (``missing="unstored"``)."""
    import scipy.sparse as sp

    options = dict(options)
    missing = options.pop("missing", "zero")
    if missing not in MISSING_CHOICES:
        raise ParameterError(f"missing must be 'zero' or 'unstored'; got {missing!r}")
    if missing != "unstored":
        raise ParameterError(
            "scan_k on a scipy.sparse X holds out stored entries, so its stored entries "
            "must be the observed cells: pass missing='unstored' (to count unstored cells "
            "as zeros, pass X.toarray())")
    if mask is not None:
        raise ParameterError("scan_k on a sparse X takes no mask: its stored entries are "
                             "the observed cells")
    csr = check_sparse(X, observed_cells=True)
    ks = _check_ks(ks, min(csr.shape))
    folds = SCAN_PARAMS["folds"].validate(folds)
    holdout = SCAN_PARAMS["holdout"].validate(holdout)
    seed = PARAMS["seed"].validate(seed)
    method = PARAMS["method"].validate(method)
    coo = csr.tocoo()
    rows, cols, values = coo.row, coo.col, coo.data
    masks = holdout_entries(rows, cols, csr.shape, folds, holdout, np.random.default_rng(seed))
    for fold, keep in enumerate(masks, start=1):
        if not np.any(values[~keep]):
            what = "no entry" if keep.all() else f"only zeros ({int((~keep).sum())} entries)"
            raise ParameterError(
                f"fold {fold} of the cross-validation hides {what} of this sparse X's "
                f"{values.size:,} stored entries (every row and column keeps one), so its "
                f"held-out error is undefined; raise holdout (now {holdout:g}) or use more "
                "stored entries")
    trains = [sp.csr_array((values[keep], (rows[keep], cols[keep])), shape=csr.shape)
              for keep in masks]  # explicit zeros stay stored: they are observed
    fit, cv, std, fold_fit, fold_cv = [], [], [], [], []
    truncated = 0
    for k in ks:
        result = factorize(csr, k, method, seed=seed, missing="unstored", **options)
        fit.append(result.rel_error)
        truncated += result.truncated
        held, fitted = [], []
        for keep, train in zip(masks, trains, strict=True):
            result = factorize(train, k, method, seed=seed, missing="unstored", **options)
            truncated += result.truncated
            fitted.append(result.rel_error)
            hidden = ~keep
            model = np.einsum("tf,ft->t", result.A[rows[hidden]], result.S[:, cols[hidden]])
            truth = values[hidden]
            held.append(float(np.linalg.norm(truth - model) / np.linalg.norm(truth)))
        cv.append(np.mean(held))
        std.append(np.std(held))
        fold_fit.append(fitted)
        fold_cv.append(held)
    return KScan(ks=ks, fit_error=np.array(fit), cv_error=np.array(cv), cv_std=np.array(std),
                 truncated=truncated, fold_fit_error=np.array(fold_fit),
                 fold_cv_error=np.array(fold_cv))


# What scan_k passes on to factorize: its keywords, less those the scan sets itself.
_FACTORIZE_OPTIONS = frozenset(inspect.signature(factorize).parameters) - {
    "X", "k", "method", "seed", "mask", "snapshots"}


def _check_ks(ks, top: int) -> np.ndarray:
    """The distinct whole numbers in ``ks``, sorted, each from 1 to ``top``; else ParameterError."""
    message = f"ks must be whole numbers between 1 and min(n, m) = {top}"
    if isinstance(ks, (str, bytes)) or not np.iterable(ks):
        raise ParameterError(f"{message}; got {ks!r}")
    values = []
    for k in ks:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, float, np.integer,
                                                               np.floating)):
            raise ParameterError(f"{message}; got {k!r}")
        if not (np.isfinite(k) and float(k) == int(k) and 1 <= k <= top):
            raise ParameterError(f"{message}; got {k!r}")
        values.append(int(k))
    if not values:
        raise ParameterError(f"{message}; got none")
    return np.array(sorted(set(values)))


def scan_fits(ks, folds: int) -> int:
    """How many factorizations a scan runs: one full fit and one per fold, for each k."""
    return len(ks) * (1 + folds)


def scan_seconds(shape, ks, method: str, folds: int, niter: int, reinit: int = 1) -> float:
    """Rough wall time of :func:`scan_k` (:func:`nmf_core.budget.estimate_seconds`
    for each of its fits)."""
    return (1 + folds) * sum(estimate_seconds(shape, int(k), method, niter, reinit)
                             for k in ks)


def scan_setting_to_lower(ks, folds: int, niter: int) -> str:
    """The scan setting to lower first, phrased for the user: the one furthest
    above its default (niter :data:`SCAN_NITER`, folds, top of the k range
    :data:`SCAN_K_TOP`); the cost grows with each of them."""
    ks = sorted(int(k) for k in ks)
    above = {
        f"lower niter (now {niter:,})": niter / SCAN_NITER,
        f"lower folds (now {folds})": folds / SCAN_PARAMS["folds"].default,
        f"narrow the k range (now {ks[0]}–{ks[-1]})": ks[-1] / SCAN_K_TOP,
    }
    return max(above, key=above.get)
