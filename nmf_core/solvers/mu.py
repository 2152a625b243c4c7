"""Multiplicative updates: Lee–Seung for the Frobenius loss, Févotte–Idier for any
β-divergence, with the elastic-net penalty; and the masked (weighted) variant."""

from __future__ import annotations

import numpy as np

from ..objective import EPSILON
from .base import ANY_BETA, FROBENIUS, Cost, Solver, check_deadline
from .products import gram

_EPS64 = np.finfo(np.float64).eps
PENALTY_SETTINGS = ("alpha_A", "alpha_S", "l1_ratio")


def mu_rows(H, WX, WWt, held: tuple[int, ...] = ()) -> None:
    """Lee–Seung multiplicative update of H, in place: ``H ← H ∘ (W X) / (W Wᵀ H)``;
    the rows listed in ``held`` keep their values (factors held fixed)."""
    denominator = WWt @ H
    denominator[denominator == 0] = _EPS64
    ratio = WX / denominator
    if held:
        ratio[:, list(held)] = 1.0
    H *= ratio


def exponent(beta: float) -> float:
    """Févotte & Idier's (2011) exponent γ(β) that makes the update a
    majorisation-minimisation step, so the objective never increases."""
    if beta < 1:
        return 1.0 / (2.0 - beta)
    if beta > 2:
        return 1.0 / (beta - 1.0)
    return 1.0


def _apply(F, numerator, denominator, l1: float, l2: float, gamma: float,
           held: tuple[int, ...] = ()) -> None:
    """``F ← F ∘ (numerator / (denominator + l1 + l2·F))^γ`` in place, as scikit-learn;
    the rows in ``held`` keep their values (factors held fixed)."""
    if l1 > 0:
        denominator = denominator + l1
    if l2 > 0:
        denominator = denominator + l2 * F
    denominator[denominator == 0] = EPSILON
    numerator /= denominator
    if gamma != 1:
        numerator **= gamma
    if held:
        numerator[:, list(held)] = 1.0
    F *= numerator


def beta_half_step(F, G, data, model, beta, l1, l2, gamma, transpose: bool,
                   held: tuple[int, ...] = ()) -> None:
    """One β-divergence multiplicative update of F with G fixed, in place.

    For the S-step (``transpose`` False) F = H (R, k, m), G = W (R, k, n);
    for the A-step (True) F = W, G = H.  With V = X ∘ (WᵀH)^(β−2) at X's stored
    entries, ``F ← F ∘ (G V / (G (WᵀH)^(β−1) + l1 + l2 F))^γ(β)``; for β = 1 the
    denominator is G's row sums.  ``model`` = data.model_at_stored(W, H) (changed).
    Guards as scikit-learn's ``_multiplicative_update_w/h`` (on Xᵀ: its W is S).
    """
    numerator, denominator = beta_terms(G, data, model, beta, transpose)
    if denominator.shape != F.shape:  # β = 1: G's row sums, (R, k, 1)
        denominator = np.broadcast_to(denominator, F.shape).copy()
    _apply(F, numerator, denominator, l1, l2, gamma, held)


def beta_terms(G, data, model, beta, transpose: bool):
    """:func:`beta_half_step`'s numerator G V and denominator G (WᵀH)^(β−1) (for β = 1,
    G's row sums (R, k, 1)).  Both are sums over X's cells, so a row-blocked X (the dask
    back end) adds its blocks' terms; ``model`` is changed."""
    X = data.stored_values()
    product = data.pattern_product_t if transpose else data.pattern_product
    denominator_model = None  # np.maximum: the same values as a masked assignment, faster
    if beta < 1:
        denominator_model = np.maximum(model, EPSILON)
    elif beta != 1:
        denominator_model = model.copy()
    if beta < 2:
        np.maximum(model, EPSILON, out=model)
    if beta == 1:
        np.divide(X, model, out=model)
    elif beta == 0:
        model **= -1
        model **= 2
        model *= X
    else:
        model **= beta - 2
        model *= X
    numerator = product(G, model)
    check_deadline()
    if beta == 1:
        denominator = G.sum(axis=2)[:, :, None]  # (R, k, 1)
        if transpose:  # scikit-learn's H-step guards an all-zero factor
            denominator[denominator == 0] = 1.0
    else:
        denominator_model **= beta - 1
        denominator = product(G, denominator_model)
    return numerator, denominator


class MU(Solver):
    """Multiplicative updates.  Frobenius: ``H ← H ∘ (W X) / (W Wᵀ H)`` (Lee–Seung
    2001); any β: :func:`beta_half_step` (Févotte–Idier 2011), as scikit-learn's
    ``NMF(solver="mu")``; then the same for W on Xᵀ.  Non-negative by construction,
    so it reads no ``nonnegative`` setting."""

    name = "mu"
    settings = PENALTY_SETTINGS
    losses = (ANY_BETA,)
    penalties = ("l1", "l2")
    sparse_losses = ("frobenius", "kullback-leibler")  # a sparse X: β ∈ {2, 1}
    backends = ("numpy", "dask")  # dask: nmf_core.scale (A kept on the workers)
    fixed_factors = True
    sparse = True  # X only through the seam's products and residuals

    def __init__(self, X, settings, rngs, mask=None, objective=FROBENIUS):
        self.X, self.objective = X, objective
        self.beta, self.gamma = objective.beta, exponent(objective.beta)
        self.WWt = self.model = None

    def step(self, W, H, t):
        if self.beta == 2:
            return self._frobenius_step(W, H)
        X, o, beta = self.X, self.objective, self.beta
        model = self.model if self.model is not None else X.model_at_stored(W, H)
        beta_half_step(H, W, X, model, beta, o.l1_S, o.l2_S, self.gamma, False, self.held_S)
        if beta < 1:  # as scikit-learn, for stability
            H[H < _EPS64] = 0.0
        check_deadline()
        beta_half_step(W, H, X, X.model_at_stored(W, H), beta, o.l1_A, o.l2_A, self.gamma,
                       True, self.held_A)
        if beta <= 1:
            W[W < _EPS64] = 0.0
        self.model = X.model_at_stored(W, H)
        return o.value(X, W, H, self.model)

    def _frobenius_step(self, W, H):
        X, o = self.X, self.objective
        WWt = self.WWt if self.WWt is not None else gram(W)
        if not o.penalised:
            mu_rows(H, X.product(W), WWt, self.held_S)
            check_deadline()
            HXt, HHt = X.product_t(H), gram(H)
            mu_rows(W, HXt, HHt, self.held_A)
        else:
            _apply(H, X.product(W), WWt @ H, o.l1_S, o.l2_S, 1.0, self.held_S)
            check_deadline()
            HXt, HHt = X.product_t(H), gram(H)
            _apply(W, HXt.copy(), HHt @ W, o.l1_A, o.l2_A, 1.0, self.held_A)
        self.WWt = gram(W)
        sq = X.squared_residuals(W, H, (HXt, HHt, self.WWt))
        return o.from_squared_residuals(sq, W, H)

    def reset(self):
        self.WWt = self.model = None

    @classmethod
    def cost(cls, shape, k, settings):
        from ..sparse.masked import product_flops

        n, m = shape
        if settings.get("loss", "frobenius") == "frobenius":
            return Cost(20, product_flops(shape, k, settings))
        return Cost(40, 10 * n * m * k + 20 * n * m)  # three models, two products, powers


class MaskedMU(Solver):
    """Weighted multiplicative updates on the observed cells only,
    ``H ← H ∘ W(M∘X) / (W(M∘(WᵀH)) + λH)`` and the same for W, at O(stored·k) a step
    (:class:`nmf_core.sparse.masked.ObservedMU`; ``mask`` as for MaskedHALS)."""

    name = "mu"
    penalties = ("l2",)
    fixed_factors = True
    mask = True
    sparse = True

    def __init__(self, X, settings, rngs, mask=None, objective=FROBENIUS):
        from ..sparse.masked import ObservedMU

        self.engine = ObservedMU(mask, reg_A=objective.l2_A, reg_S=objective.l2_S)

    def step(self, W, H, t):
        return self.engine.step(W, H, t, self.held_S, self.held_A)

    @classmethod
    def cost(cls, shape, k, settings):
        from ..sparse.masked import observed_cost

        return observed_cost(shape, k, settings)
