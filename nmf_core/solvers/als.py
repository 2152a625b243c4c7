"""The documents' alternating least squares, corrected ("projected ALS")."""

from __future__ import annotations

import numpy as np

from .base import FROBENIUS, Cost, Solver, Trace, check_deadline
from .products import direct_residual_flops, gram
from .sampling import column_picks

# The plain normal equations are used while cond(W Wᵀ) ≤ 1e4 (cond(A) ≤ 100; their error,
# eps·cond(W Wᵀ), stays ≲ 1e-12).  Beyond, as when k is above the rank of X, A or S, the
# unconstrained least-squares solution has huge cancelling entries, and projecting it
# onto ≥ 0 blew the error up by orders of magnitude (16887 on a 12×10 matrix of 5s at
# k = 10).  There a proximal (Tikhonov-regularised) solve is used instead:
# (W Wᵀ + λ I) h = W x + λ h_prev with λ = RIDGE · ‖W‖₂².  It bounds each step, and at a
# fixed point (h = h_prev) it is the least-squares solution, so the limit is not biased.
# In float32 (eps 6e-8) the threshold is cond(W Wᵀ) ≤ 1e3 (error ≲ 6e-5 relative, the
# rest of the digits float32 has).
_NORMAL_EQUATIONS_RCOND = 1e-4
_NORMAL_EQUATIONS_RCOND_FLOAT32 = 1e-3
RIDGE = 1e-4


def least_squares_columns(H, W, X, cols, nonnegative: bool, ridge: float = 0.0) -> None:
    """Solve columns of H by least squares with A = Wᵀ fixed, in place.

    ``H[:, j] ← argmin_h ‖X[:, j] − Wᵀ h‖``, then ``max(0, ·)`` when ``nonnegative``.
    ``cols`` is None for every column, or one column per restart (R,).  X is a
    :class:`~nmf_core.datamatrix.DataMatrix`.

    Through the normal equations ``(W Wᵀ) h = W x`` (a batched k×k solve, several
    times cheaper than an SVD per call) where W Wᵀ is well conditioned; restarts
    whose A is rank-deficient or nearly so take the proximal regularised solve
    ``(W Wᵀ + λ I) h = W x + λ h_prev`` instead (see :data:`RIDGE`).  ``ridge`` > 0
    (the user's L2 penalty) adds ½·ridge·‖h‖² to the least squares:
    ``(W Wᵀ + ridge·I) h = W x``, solved the same way.
    """
    WWt = gram(W)
    if ridge:
        WWt = WWt + ridge * np.eye(WWt.shape[1])
    if cols is None:
        rhs = X.product(W)  # (R, k, m)
    else:
        rhs = np.einsum("rkn,nr->rk", W, X.columns(cols))[:, :, None]  # (R, k, 1)
    eig = np.linalg.eigvalsh(WWt)  # ascending
    rcond = (_NORMAL_EQUATIONS_RCOND_FLOAT32 if WWt.dtype == np.float32
             else _NORMAL_EQUATIONS_RCOND)
    ok = eig[:, 0] > rcond * eig[:, -1]
    if ok.all():
        new = np.linalg.solve(WWt, rhs)
    else:
        new = np.empty_like(rhs)
        if ok.any():
            new[ok] = np.linalg.solve(WWt[ok], rhs[ok])
        bad = ~ok
        prox = RIDGE * eig[bad, -1]  # proximal: (W Wᵀ + λ I) h = W x + λ h_prev
        G = WWt[bad] + prox[:, None, None] * np.eye(WWt.shape[1], dtype=WWt.dtype)
        previous = H[bad] if cols is None else H[np.flatnonzero(bad), :, cols[bad]][:, :, None]
        new[bad] = np.linalg.solve(G, rhs[bad] + prox[:, None, None] * previous)
    if nonnegative:
        np.maximum(new, 0.0, out=new)
    if cols is None:
        H[...] = new
    else:
        H[np.arange(H.shape[0]), :, cols] = new[:, :, 0]


def sampled_picks(sampling: str, rngs, shape, niter: int):
    """(columns, rows), each (R, niter), for random sampling; None for sweeps."""
    if sampling != "random":
        return None
    n, m = shape
    return column_picks(rngs, m, niter), column_picks(rngs, n, niter)


class ALS(Solver):
    """``S ← argmin ‖X − AS‖`` then ``A ← argmin ‖X − AS‖`` (each projected onto ≥ 0
    when ``nonnegative``), for every column and row or, with random sampling, for
    one random column of S and one random row of A per iteration."""

    name = "als"
    settings = ("nonnegative", "sampling", "alpha_A", "alpha_S", "l1_ratio")
    penalties = ("l2",)  # ridge, through the normal equations
    from_documents = True

    def __init__(self, X, settings, rngs, mask=None, objective=FROBENIUS):
        self.X, self.nonnegative = X, settings["nonnegative"]
        self.objective = objective
        self.picks = sampled_picks(settings["sampling"], rngs, X.shape, settings["niter"])

    def step(self, W, H, t):
        col = row = None
        if self.picks is not None:
            col, row = self.picks[0][:, t], self.picks[1][:, t]
        o = self.objective
        least_squares_columns(H, W, self.X, col, self.nonnegative, o.l2_S)
        check_deadline()
        least_squares_columns(W, H, self.X.T, row, self.nonnegative, o.l2_A)
        return None

    def trace(self):
        return Trace(picks=self.picks)

    @classmethod
    def cost(cls, shape, k, settings):
        n, m = shape
        return Cost(30, 40 * (n + m) * k * k + 2 * n * m * k + direct_residual_flops(n, m, k))
