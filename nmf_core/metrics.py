"""Measures of a factorization's quality."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


def relative_error(X, A, S, mask=None) -> float:
    """‖X − A S‖_F / ‖X‖_F, over the observed cells only when ``mask`` is given."""
    X = np.asarray(X, dtype=float)
    residual = X - np.asarray(A) @ np.asarray(S)
    if mask is not None:
        residual, X = residual[mask], X[mask]
    return float(np.linalg.norm(residual) / np.linalg.norm(X))


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
