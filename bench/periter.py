"""Per-iteration cost against the two-matmul floor, and the cost of tracking the error.

Issue #4, items 2–3.  An NMF iteration must at least form ``X Sᵀ`` (n×k) and ``Aᵀ X``
(k×m); the floor is the median time of those two products alone, float64, C-contiguous,
with this case's shapes.  Everything an iteration does beyond that is overhead.
"""

from __future__ import annotations

import time

import numpy as np

from .cases import Case
from .timing import MIN_REPEATS, median, median_time

SEED = 0


def matmul_floor(n: int, m: int, k: int, repeats: int = MIN_REPEATS) -> float:
    """Median seconds of ``X @ S.T`` plus ``A.T @ X`` (fresh random float64 arrays)."""
    rng = np.random.default_rng(SEED)
    X = np.ascontiguousarray(rng.random((n, m)))
    A = np.ascontiguousarray(rng.random((n, k)))
    S = np.ascontiguousarray(rng.random((k, m)))

    def both():
        X @ S.T
        A.T @ X

    return median_time(both, repeats=max(repeats, 20), warmup=3, min_total_s=0.2)


def hals_iteration(case: Case, repeats: int = MIN_REPEATS, iterations: int = 60) -> float:
    """Median over runs of one nmf_core hals run's mean seconds per iteration.

    Iterations are timed from callback to callback, so the initialization is left out
    and everything factorize does per iteration (update, error, guards) is in.
    """
    from nmf_core import factorize

    per_run = []
    for _ in range(repeats + 1):  # the first run is a warm-up
        stamps: list[float] = []
        factorize(case.X, case.k, "hals", init="nndsvd", reinit=1, seed=SEED, niter=iterations,
                  callback=lambda t, errors, stamps=stamps: stamps.append(time.perf_counter()))
        per_run.append((stamps[-1] - stamps[0]) / (len(stamps) - 1))
    return median(per_run[1:])


def error_tracking(case: Case, repeats: int = MIN_REPEATS) -> tuple[float, float, str]:
    """Seconds per iteration of the error hals reports, and of a direct ‖X − AS‖².

    Method: hals already holds W X, H Xᵀ and both Gram matrices (it needs them for the
    update), so its error comes from the identity
    ‖X − WᵀH‖² = ‖X‖² − 2⟨W, H Xᵀ⟩ + ⟨W Wᵀ, H Hᵀ⟩, which costs O(k(n + k)).  Both ways
    are timed here on their own with this case's shapes, calling the very functions
    factorize calls (below nmf_core's size threshold it uses the direct norm, and so
    does this); the ratio to a measured hals iteration is the tracking cost.
    Returns (tracking seconds, direct seconds, which one hals uses).
    """
    from nmf_core.solvers import products as solvers

    X = case.X / case.X.max()
    n, m = X.shape
    k = case.k
    rng = np.random.default_rng(SEED)
    W = rng.random((1, k, n)) / np.sqrt(k)
    H = rng.random((1, k, m)) / np.sqrt(k)
    x_sq = float(np.vdot(X, X))
    HXt, WWt, HHt = solvers.stacked_product(H, X.T), solvers.gram(W), solvers.gram(H)
    direct = median_time(lambda: solvers.squared_residuals(X, W, H), repeats=repeats,
                         warmup=2, min_total_s=0.1)
    if X.size > solvers.GRAM_MIN_CELLS:
        tracking = median_time(
            lambda: solvers.gram_squared_residuals(x_sq, W, HXt, WWt, HHt),
            repeats=repeats, warmup=2, min_total_s=0.1)
        return tracking, direct, "Gram identity"
    return direct, direct, "direct norm: X under the identity's size threshold"
