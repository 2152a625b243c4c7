"""Measures of a factorization's quality."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


def _peak(M: np.ndarray) -> float:
    """The largest absolute entry, or 1 for an all-zero matrix (a safe divisor)."""
    peak = float(np.max(np.abs(M))) if M.size else 0.0
    return peak if peak > 0 and np.isfinite(peak) else 1.0


def product(A, S) -> np.ndarray:
    """A @ S, computed on A and S scaled to max 1 so that no partial sum overflows.

    Entries whose true value is beyond the float range (only possible for an
    approximation of data near 1.8e308) are clipped to ±float max, never inf.
    """
    A, S = np.asarray(A, dtype=float), np.asarray(S, dtype=float)
    a, b = _peak(A), _peak(S)
    big = np.finfo(np.float64).max
    with np.errstate(over="ignore", invalid="ignore"):
        P = ((A / a) @ (S / b)) * a * b
    return np.clip(P, -big, big, out=P)


def relative_error(X, A, S, mask=None) -> float:
    """‖X − A S‖_F / ‖X‖_F, over the observed cells only when ``mask`` is given.

    Scale-free: X, A and S are scaled to max 1 before anything is squared, so the
    value is the same for X times any factor from 1e-300 to 1e300 (with A or S
    scaled alike), with no overflow or underflow.  X may be a
    :class:`~nmf_core.datamatrix.DataMatrix`.
    """
    from .datamatrix import DataMatrix, DenseMatrix

    if isinstance(X, DataMatrix) and not isinstance(X, DenseMatrix):
        return _data_relative_error(X, A, S, mask)
    X = X.dense() if isinstance(X, DenseMatrix) else np.asarray(X, dtype=float)
    A, S = np.asarray(A, dtype=float), np.asarray(S, dtype=float)
    c, a, b = _peak(X if mask is None else X[np.asarray(mask, dtype=bool)]), _peak(A), _peak(S)
    with np.errstate(over="ignore", under="ignore"):
        ratio = (a / c) * b  # A S / c = (A/a)(S/b) · ab/c; ab/c ≈ 1 for a fit, never formed as ab
        residual = X / c - ((A / a) @ (S / b)) * ratio
    Xc = X / c
    if mask is not None:
        residual, Xc = residual[mask], Xc[mask]
    return float(np.linalg.norm(residual) / np.linalg.norm(Xc))


def _data_relative_error(data, A, S, mask) -> float:
    """relative_error for a non-dense DataMatrix, through the seam (X scaled to max 1
    first, as above, and the factors to a balanced scale)."""
    if mask is not None:
        raise ValueError("a mask needs a dense X")
    A, S = np.asarray(A, dtype=float), np.asarray(S, dtype=float)
    c, a, b = data.max(), _peak(A), _peak(S)
    scaled = data.divided(c)
    with np.errstate(over="ignore", under="ignore"):
        ratio = (a / c) * b
    W, H = (A / a).T[None] * np.sqrt(ratio), (S / b)[None] * np.sqrt(ratio)
    return float(np.sqrt(max(scaled.squared_residuals(W, H)[0], 0.0) / scaled.squared_norm()))


def negative_count(*matrices) -> int:
    """How many entries of the given matrices are below zero."""
    return int(sum(np.count_nonzero(np.asarray(M) < 0) for M in matrices))


@dataclass(frozen=True)
class FactorMatch:
    """Recovered factors matched to the true ones.

    ``order[i]`` is the recovered factor matched to true factor i (or -1 when
    there are fewer recovered than true factors); ``similarity[i]`` is the
    cosine similarity of the matched columns of A (1 = same up to scale).
    """

    order: np.ndarray
    similarity: np.ndarray

    @property
    def mean_similarity(self) -> float:
        return float(self.similarity.mean())


def _unit_columns(M: np.ndarray) -> np.ndarray:
    """Columns scaled to unit norm (zero columns stay zero), scale-free: each column is
    first divided by its largest entry, so 1e-300 or 1e300 neither under- nor overflows."""
    peaks = np.max(np.abs(M), axis=0) if M.size else np.zeros(M.shape[1])
    M = M / np.where(peaks > 0, peaks, 1.0)
    norms = np.linalg.norm(M, axis=0)
    return M / np.where(norms > 0, norms, 1.0)


def match_factors(A_true, A_found) -> FactorMatch:
    """Match columns of ``A_found`` to ``A_true`` by the Hungarian method on
    cosine similarity, which ignores each factor's scale and the order of factors.
    """
    # Imported here: scipy costs the CLI, which imports this module, ~0.5 s and ~49 MB.
    from scipy.optimize import linear_sum_assignment

    T, F = _unit_columns(np.asarray(A_true, float)), _unit_columns(np.asarray(A_found, float))
    cosine = T.T @ F  # (k_true, k_found)
    rows, cols = linear_sum_assignment(-cosine)
    order = np.full(T.shape[1], -1)
    similarity = np.zeros(T.shape[1])
    order[rows] = cols
    similarity[rows] = cosine[rows, cols]
    return FactorMatch(order=order, similarity=similarity)


def lowest(errors: Mapping[str, float], *, rtol: float = 0.01,
           exact: float = 1e-6) -> tuple[str, ...]:
    """The names whose error is lowest: within ``rtol`` of the minimum, or all
    below ``exact`` (errors that small are exact fits, however they compare),
    in the order given.  Non-finite errors never win."""
    finite = {name: e for name, e in errors.items() if np.isfinite(e)}
    if not finite:
        return ()
    best = min(finite.values())
    bar = max(best * (1 + rtol), exact)
    return tuple(name for name, e in finite.items() if e <= bar)
