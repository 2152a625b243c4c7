"""Products shared by the update rules: stacked products, Grams, residual identities.

Shapes as in :mod:`nmf_core.solvers.base`: W (R, k, n), H (R, k, m), X (n, m).
"""

from __future__ import annotations

import numpy as np

from .base import check_deadline

ZERO = np.zeros(())  # a 0-d zero: the cheapest second argument for np.maximum
GRAM_MIN_CELLS = 10_000  # below this, the direct norm is as cheap and exact
EXACT_BELOW = 1e-6  # ‖X − AS‖² / ‖X‖² below which the Gram identity cancels: measure directly
# float32 products carry ~1e-7 relative rounding (the identity's sums are in float64), so
# its value is off by ~1e-9·‖X‖²: trusted above 1e-4·‖X‖² (to ≲ 1e-5 relative), else measured.
EXACT_BELOW_FLOAT32 = 1e-4


def exact_below(dtype) -> float:
    """The share of ‖X‖² below which a residual from the Gram identity is measured
    directly instead, for products computed in ``dtype``."""
    return EXACT_BELOW_FLOAT32 if np.dtype(dtype) == np.float32 else EXACT_BELOW


def direct_residual_flops(n: int, m: int, k: int) -> int:
    """Multiply-adds of one ‖X − AS‖² formed directly (factorize's, for solvers
    whose step measures none)."""
    return 2 * n * m * k


CHUNK_FLOPS = 200_000_000  # stacked_product: above this, one restart at a time (≈ 25 ms each)


def stacked_product(F: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``F[r] @ Y`` for every restart r, as one matrix product. F (R, k, p), Y (p, q).

    A product above ``CHUNK_FLOPS`` runs one restart at a time, checking the run's
    deadline between restarts, so that a time cap holds inside it."""
    R, k, p = F.shape
    if R > 1 and R * k * p * Y.shape[1] > CHUNK_FLOPS:
        out = np.empty((R, k, Y.shape[1]))
        for r in range(R):
            np.matmul(F[r], Y, out=out[r])
            check_deadline()
        return out
    return (F.reshape(R * k, p) @ Y).reshape(R, k, Y.shape[1])


def gram(F: np.ndarray) -> np.ndarray:
    """``F[r] @ F[r].T`` for every restart: (R, k, k)."""
    return F @ F.transpose(0, 2, 1)


def squared_residuals(X: np.ndarray, W: np.ndarray, H: np.ndarray) -> np.ndarray:
    """``‖X − W[r].T H[r]‖²_F`` for every restart, computed directly (one restart at a
    time for large X, checking the run's deadline between them)."""

    if X.size * W.shape[0] <= 1_000_000:
        diff = (X - W.transpose(0, 2, 1) @ H).reshape(W.shape[0], -1)
        return np.vecdot(diff, diff)
    out = np.empty(W.shape[0])
    for r in range(W.shape[0]):
        diff = X - W[r].T @ H[r]
        out[r] = np.vdot(diff, diff)
        check_deadline()
    return out


def gram_squared_residuals(x_sq: float, W, YXt, WWt, YYt) -> np.ndarray:
    """‖X − WᵀY‖² = ‖X‖² − 2·⟨W, Y Xᵀ⟩ + ⟨W Wᵀ, Y Yᵀ⟩, from products already formed.

    float32 products are summed in float64 (they are only k·(n + k) numbers): float32
    sums would cost the identity three digits (measured: 6e-4 against 2e-6 relative)."""
    if W.dtype == np.float32:
        W, YXt, WWt, YYt = (np.asarray(F, dtype=np.float64) for F in (W, YXt, WWt, YYt))
    return x_sq - 2 * np.einsum("rkn,rkn->r", W, YXt) + np.einsum("rij,rij->r", WWt, YYt)


def masked_squared_residuals(X, W, H, M) -> np.ndarray:
    """``‖M ∘ (X − W[r].T H[r])‖²`` for every restart; M is 1 on observed cells, 0 elsewhere."""
    diff = M * (X - W.transpose(0, 2, 1) @ H)
    return np.einsum("rnm,rnm->r", diff, diff)
