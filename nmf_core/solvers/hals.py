"""HALS (Cichocki–Phan), accelerated and safeguarded, and its masked variant."""

from __future__ import annotations

import numpy as np

from .base import FROBENIUS, Cost, Solver, check_deadline
from .kl_cd import BLOCK_CELLS, KLCoordinateDescent
from .products import ZERO, gram

# A factor whose squared norm is below this (√ of the smallest normal float) counts as
# zero: dividing by it could overflow (on data spanning 1e-300..1e300 a factor's norm
# underflows to a subnormal), and on X scaled to max 1 it adds nothing to the fit.
NEGLIGIBLE_FACTOR = float(np.sqrt(np.finfo(np.float64).tiny))
CHECK_FLOPS = 20_000_000  # hals_rows: multiply-adds (≈ 5 ms) between checks of the time cap


def hals_rows(H, WX, WWt, nonnegative: bool, max_passes: int, tol: float,
              held: tuple[int, ...] = ()) -> None:
    """Coordinate descent on the rows of H, in place (Cichocki–Phan HALS).

    ``H[r] ← max(0, H[r] + (WX[r] − WWt[r] @ H) / WWt[r, r])``, for r = 0..k-1,
    repeated up to ``max_passes`` times while a pass still moves H by more than
    ``tol`` times the first pass (Gillis–Glineur).  WX = W X (R, k, m), WWt (R, k, k).

    Written as ``H[r] ← max(0, WX[r]/d − Σ_{j≠r} (WWt[r, j]/d) H[j])`` with d = WWt[r, r]:
    the same update without the cancellation of + H[r] − H[r], and three numpy calls
    per row on views made once, since on small matrices the calls are the cost.
    A row r with d ≤ NEGLIGIBLE_FACTOR (a zero factor) has no effect on the fit and is
    left as it is, and so is every row listed in ``held`` (factors held fixed).
    """
    R, k, m = H.shape
    diag = WWt.diagonal(axis1=1, axis2=2)
    if not diag.min() > NEGLIGIBLE_FACTOR:  # also catches NaN
        _hals_rows_with_zero_factors(H, WX, WWt, diag, nonnegative, max_passes, tol, held)
        return
    inverse = 1.0 / diag[:, :, None]
    coupling = WWt * inverse  # rows scaled by 1/d
    coupling.reshape(R, k * k)[:, :: k + 1] = 0.0  # the j ≠ r sum
    target = WX * inverse
    if R == 1:  # one restart: plain vector-matrix products are the cheaper calls
        product, matrix = np.dot, H[0]
        buffer = np.empty(m, dtype=H.dtype)
        rows = list(zip(coupling[0], target[0], H[0], strict=True))
    else:
        product, matrix = np.matmul, H
        buffer = np.empty((R, 1, m), dtype=H.dtype)
        rows = list(zip(coupling[:, :, None].swapaxes(0, 1), target[:, :, None].swapaxes(0, 1),
                        H[:, :, None].swapaxes(0, 1), strict=True))
    if held:
        rows = [row for r, row in enumerate(rows) if r not in held]
    # The run's time cap is checked between groups of rows of about CHECK_FLOPS each
    # (a whole pass is one group on small matrices, where a check would cost more).
    stride = max(1, CHECK_FLOPS // (R * k * m))
    groups = [rows[first : first + stride] for first in range(0, len(rows), stride)]

    def one_pass():
        for group in groups:
            for c_r, t_r, h_r in group:
                product(c_r, matrix, out=buffer)
                if nonnegative:
                    np.subtract(t_r, buffer, out=buffer)
                    np.maximum(buffer, ZERO, out=h_r)
                else:
                    np.subtract(t_r, buffer, out=h_r)
            check_deadline()

    _repeat_passes(H, one_pass, max_passes, tol)


def _repeat_passes(H, one_pass, max_passes: int, tol: float) -> None:
    """Run ``one_pass()`` (which updates H in place) up to ``max_passes`` times, stopping
    once a pass moves H by no more than ``tol`` times the first pass did (Gillis–Glineur)."""
    before = np.empty_like(H) if max_passes > 1 else None
    first_move = 0.0
    last = max_passes - 1
    for p in range(max_passes):
        if p < last:  # the last pass needs no measure of its move
            np.copyto(before, H)
        one_pass()
        if p == last:
            break
        before -= H
        move = float(np.vdot(before, before))
        if p == 0:
            first_move = move
        elif move <= tol * tol * first_move:
            break


def _hals_rows_with_zero_factors(H, WX, WWt, diag, nonnegative, max_passes, tol,
                                 held=()) -> None:
    """:func:`hals_rows` written row by row, for when some diagonal of WWt is zero."""
    k = H.shape[1]
    inverse_diag = np.divide(1.0, diag, out=np.zeros_like(diag),
                             where=diag > NEGLIGIBLE_FACTOR)[:, :, None]

    def one_pass():
        for r in range(k):
            if r in held:
                continue
            row = WX[:, r] - (WWt[:, r : r + 1] @ H)[:, 0]  # minus the gradient
            row *= inverse_diag[:, r]
            row += H[:, r]
            if nonnegative:
                np.maximum(row, 0.0, out=row)
            H[:, r] = row
            check_deadline()

    _repeat_passes(H, one_pass, max_passes, tol)


def penalised(WX, WWt, l1: float, l2: float):
    """The products hals_rows takes, shifted for the elastic net (as TensorLy and
    scikit-learn's cd do): L1 subtracts from W X, L2 adds to the diagonal of W Wᵀ,
    which turns each row update into the exact minimiser of
    ½‖X − WᵀH‖² + l1·‖H‖₁ + ½·l2·‖H‖² in that row, over H ≥ 0."""
    if l1:
        WX = WX - l1
    if l2:
        WWt = WWt + l2 * np.eye(WWt.shape[1])
    return WX, WWt


def inner_passes(k: int, other: int) -> int:
    """HALS passes per half-step: a pass costs about k·k·m flops against n·m·k for the
    products, so passes repeat while they are cheap next to the products
    (Gillis–Glineur); ``other`` is the dimension the products sum over."""
    return int(max(1, min(10, 1 + other // (2 * k))))


class HALS(Solver):
    """HALS with inner repetitions, accelerated by extrapolation (Ang & Gillis 2019,
    "Accelerating nonnegative matrix factorization algorithms using extrapolation",
    Neural Computation 31(2)), and safeguarded so that the error never increases.

    A step starts from ``Ŵ = max(0, W + β (W − W₀))`` and likewise Ĥ, where W₀, H₀ is the
    iterate accepted before the current one; it updates H against Ŵ, then W against the
    new H.  The new pair is accepted only if its error is no larger than the current
    one's; then β grows (×1.05, up to β̄, itself growing ×1.01 up to 1).  On a rejection
    the iterate stays, β̄ takes the failed β, β shrinks (÷1.5), and the next step starts
    from the iterate itself: a plain HALS step.  Each restart has its own β, β̄ and error.
    A step that turns non-finite is accepted, for the divergence guard to see.

    With ``loss="kullback-leibler"`` the same row-by-row coordinate descent runs on the
    KL divergence: Hsieh & Dhillon's KL-CD, one safeguarded Newton step per entry
    (:mod:`.kl_cd`), on a dense X, non-negative, without extrapolation.
    """

    name = "hals"
    settings = ("nonnegative", "alpha_A", "alpha_S", "l1_ratio")
    losses = ("frobenius", "kullback-leibler")
    sparse_losses = ("frobenius",)  # KL-CD keeps the model at every cell: a dense X
    penalties = ("l1", "l2")
    backends = ("numpy", "dask")  # dask: nmf_core.scale (A kept on the workers)
    fixed_factors = True
    sparse = True  # X only through the seam's products and residuals
    BETA, GROW, GROW_CAP, SHRINK = 0.5, 1.05, 1.01, 1.5  # Ang–Gillis's β₀, γ, γ̄, η
    TOL = 0.1  # Gillis–Glineur: inner passes stop once one moves H by ≤ TOL × the first's

    def __init__(self, X, settings, rngs, mask=None, objective=FROBENIUS):
        self.X, self.nonnegative, self.tol = X, settings["nonnegative"], self.TOL
        self.objective = objective
        self.passes = inner_passes
        self.kl = KLCoordinateDescent(X.dense(), objective) if objective.beta == 1 else None
        self.reset()

    def reset(self):
        self.previous = None  # (W₀, H₀): the iterate accepted before the current one
        self.sq = self.beta = self.beta_cap = None  # per restart

    def _extrapolated(self, F, F_previous):
        out = np.subtract(F, F_previous)
        out *= self.beta[:, None, None]
        out += F
        if self.nonnegative:
            np.maximum(out, ZERO, out=out)
        return out

    def step(self, W, H, t):
        if self.kl is not None:  # plain KL-CD: extrapolation did not pay (README)
            return self.kl.step(W, H, self.held_S, self.held_A)
        R = W.shape[0]
        if self.previous is None:  # a plain first step, accepted
            self.previous = W.copy(), H.copy()
            self.beta, self.beta_cap = np.full(R, self.BETA), np.ones(R)
            W_new, H_new = W.copy(), H.copy()
        else:
            W_new = self._extrapolated(W, self.previous[0])
            H_new = self._extrapolated(H, self.previous[1])
        sq = self._frobenius_half_steps(W_new, H_new)
        ok = self._safeguard(sq)
        np.copyto(self.previous[0], W)
        np.copyto(self.previous[1], H)
        np.copyto(W, W_new, where=ok[:, None, None])
        np.copyto(H, H_new, where=ok[:, None, None])
        return self.sq.copy()

    def _frobenius_half_steps(self, W_new, H_new):
        """HALS on H_new, then on W_new, in place; the objective per restart."""
        X, k, o = self.X, W_new.shape[1], self.objective
        n, m = X.shape
        hals_rows(H_new, *penalised(X.product(W_new), gram(W_new), o.l1_S, o.l2_S),
                  self.nonnegative, self.passes(k, n), self.tol, self.held_S)
        HXt, HHt = X.product_t(H_new), gram(H_new)
        hals_rows(W_new, *penalised(HXt, HHt, o.l1_A, o.l2_A), self.nonnegative,
                  self.passes(k, m), self.tol, self.held_A)
        return o.from_squared_residuals(X.squared_residuals(W_new, H_new, (HXt, HHt, None)),
                                        W_new, H_new)

    def _safeguard(self, sq):
        """Which restarts keep the new iterate (error not larger, or non-finite for the
        guard to see); the kept errors, β and β̄ follow.  Shared with the dask step."""
        ok = np.ones(len(sq), bool) if self.sq is None else ~(sq > self.sq) | ~np.isfinite(sq)
        self.sq = np.where(ok, sq, self.sq) if self.sq is not None else sq
        grown = np.minimum(self.beta_cap, self.beta * self.GROW)
        self.beta_cap = np.where(ok, np.minimum(1.0, self.beta_cap * self.GROW_CAP), self.beta)
        self.beta = np.where(ok, grown, self.beta / self.SHRINK)
        return ok

    @classmethod
    def cost(cls, shape, k, settings):
        from ..sparse.masked import product_flops

        n, m = shape
        if settings.get("loss", "frobenius") == "kullback-leibler":
            blocks = sum(-(-p // max(1, BLOCK_CELLS // q)) for p, q in ((m, n), (n, m)))
            # the blocks' products, then per row and cell ~6 elementwise passes, each
            # worth ~8 multiply-adds of a product (memory-bound): measured 0.2 s an
            # iteration on 3000×500, k=15
            return Cost(14 * k * blocks, 2 * n * m * k + 2 * 48 * n * m * k)
        passes = inner_passes(k, max(n, m))
        return Cost(2 * passes * k * 4,
                    product_flops(shape, k, settings) + 2 * passes * (n + m) * k * k)


def masked_hals_rows(H, W, E, M, nonnegative: bool, held: tuple[int, ...] = ()) -> None:
    """HALS on rows of H when only cells with M = 1 count, in place.

    With E = M ∘ (X − WᵀH) kept current:
    ``H[r] ← max(0, H[r] + (W[r] E) / (W[r]² M))`` for each r, then E is updated.
    W (R, k, n), H (R, k, m), E (R, n, m), M (n, m).  Rows in ``held`` stay as they are.
    """
    for r in range(H.shape[1]):
        if r in held:
            continue
        w = W[:, r]  # (R, n)
        numerator = np.einsum("rn,rnm->rm", w, E)
        denominator = (w * w) @ M  # (R, m)
        step = np.divide(numerator, denominator, out=np.zeros_like(numerator),
                         where=denominator > 0)
        new = H[:, r] + step
        if nonnegative:
            np.maximum(new, 0.0, out=new)
        E -= M * (w[:, :, None] * (new - H[:, r])[:, None, :])
        H[:, r] = new


class MaskedHALS(Solver):
    """HALS on the observed cells only: CCD++'s coordinate updates in HALS order, at
    O(stored·k) a step with no n×m array (:class:`nmf_core.sparse.masked.ObservedHALS`;
    ``mask`` is the run's :class:`~nmf_core.sparse.masked.ObservedEntries`, already
    scaled).  The iterates are those of ``H[r] ← max(0, H[r] + (W[r] E) / (W[r]² M + λ))``
    with E = M ∘ (X − WᵀH) kept current; λ is the objective's L2 weight."""

    name = "hals"
    settings = ("nonnegative",)
    penalties = ("l2",)
    fixed_factors = True
    mask = True
    sparse = True

    def __init__(self, X, settings, rngs, mask=None, objective=FROBENIUS):
        from ..sparse.masked import ObservedHALS

        self.engine = ObservedHALS(mask, settings["nonnegative"], reg_A=objective.l2_A,
                                   reg_S=objective.l2_S)

    def step(self, W, H, t):
        return self.engine.step(W, H, t, self.held_S, self.held_A)

    def reset(self):
        self.engine.reset()

    @classmethod
    def cost(cls, shape, k, settings):
        from ..sparse.masked import observed_cost

        return observed_cost(shape, k, settings)
