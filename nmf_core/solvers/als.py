"""The documents' alternating least squares, corrected ("projected ALS")."""

from __future__ import annotations

import numpy as np

from .base import FROBENIUS, Cost, Solver, Trace, check_deadline
from .products import direct_residual_flops, gram
from .sampling import column_picks

# The normal equations square A's condition number, so they are used only while
# cond(W Wᵀ) ≤ 1e6 (cond(A) ≤ 1e3: error ≲ 1e-10 relative); else the SVD pseudo-inverse.
_NORMAL_EQUATIONS_RCOND = 1e-6


def least_squares_columns(H, W, X, cols, nonnegative: bool, ridge: float = 0.0) -> None:
    """Solve columns of H by least squares with A = Wᵀ fixed, in place.

    ``H[:, j] ← argmin_h ‖X[:, j] − Wᵀ h‖``, then ``max(0, ·)`` when ``nonnegative``.
    ``cols`` is None for every column, or one column per restart (R,).  X is a
    :class:`~nmf_core.datamatrix.DataMatrix`.

    Through the normal equations ``(W Wᵀ) h = W x`` (a batched k×k solve, several
    times cheaper than an SVD per call) where W Wᵀ is well conditioned; restarts
    whose A is rank-deficient or nearly so take the min-norm solution through the
    SVD pseudo-inverse instead, as before.  ``ridge`` > 0 adds ½·ridge·‖h‖² to the
    least squares: ``(W Wᵀ + ridge·I) h = W x``, solved the same way.
    """
    WWt = gram(W)
    if ridge:
        WWt = WWt + ridge * np.eye(WWt.shape[1])
    if cols is None:
        rhs = X.product(W)  # (R, k, m)
    else:
        rhs = np.einsum("rkn,nr->rk", W, X.columns(cols))[:, :, None]  # (R, k, 1)
    eig = np.linalg.eigvalsh(WWt)  # ascending
    # cond(W Wᵀ) ≤ 1e6: the normal equations' error, eps·cond(W Wᵀ), stays ≲ 1e-10
    ok = eig[:, 0] > _NORMAL_EQUATIONS_RCOND * eig[:, -1]
    if ok.all():
        new = np.linalg.solve(WWt, rhs)
    else:
        new = np.empty_like(rhs)
        if ok.any():
            new[ok] = np.linalg.solve(WWt[ok], rhs[ok])
        bad = ~ok
        if ridge:  # the min-norm solution of the ridge normal equations
            new[bad] = np.linalg.pinv(WWt[bad]) @ rhs[bad]
        else:
            P = np.linalg.pinv(W[bad].transpose(0, 2, 1))  # (b, k, n)
            new[bad] = (X.product(P) if cols is None
                        else (P @ X.columns(cols[bad]).T[:, :, None]))
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
