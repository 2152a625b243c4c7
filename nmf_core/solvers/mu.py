"""Multiplicative updates (Lee–Seung), and their masked (weighted) variant."""

from __future__ import annotations

import numpy as np

from .base import Cost, Solver
from .products import gram


def mu_rows(H, WX, WWt, held: tuple[int, ...] = ()) -> None:
    """Lee–Seung multiplicative update of H, in place: ``H ← H ∘ (W X) / (W Wᵀ H)``;
    the rows listed in ``held`` keep their values (factors held fixed)."""
    denominator = WWt @ H
    denominator[denominator == 0] = np.finfo(np.float64).eps
    ratio = WX / denominator
    if held:
        ratio[:, list(held)] = 1.0
    H *= ratio


class MU(Solver):
    """Multiplicative updates (Lee–Seung 2001): the classic reference solver.
    Non-negative by construction, so it reads no ``nonnegative`` setting."""

    name = "mu"
    backends = ("numpy", "dask")  # dask: nmf_core.scale (A kept on the workers)
    fixed_factors = True
    sparse = True  # X only through the seam's products and residuals

    def __init__(self, X, settings, rngs, mask=None):
        self.X = X
        self.WWt = None

    def step(self, W, H, t):
        X = self.X
        WWt = self.WWt if self.WWt is not None else gram(W)
        mu_rows(H, X.product(W), WWt, self.held_S)
        HXt, HHt = X.product_t(H), gram(H)
        mu_rows(W, HXt, HHt, self.held_A)
        self.WWt = gram(W)
        return X.squared_residuals(W, H, (HXt, HHt, self.WWt))

    def reset(self):
        self.WWt = None

    @classmethod
    def cost(cls, shape, k, settings):
        from ..sparse.masked import product_flops

        return Cost(20, product_flops(shape, k, settings))


class MaskedMU(Solver):
    """Weighted multiplicative updates on the observed cells only,
    ``H ← H ∘ W(M∘X) / W(M∘(WᵀH))`` and the same for W, at O(stored·k²) a step
    (:class:`nmf_core.sparse.masked.ObservedMU`; ``mask`` as for MaskedHALS)."""

    name = "mu"
    fixed_factors = True
    mask = True
    sparse = True

    def __init__(self, X, settings, rngs, mask=None):
        from ..sparse.masked import ObservedMU

        self.engine = ObservedMU(mask)

    def step(self, W, H, t):
        return self.engine.step(W, H, t, self.held_S, self.held_A)

    @classmethod
    def cost(cls, shape, k, settings):
        from ..sparse.masked import observed_cost

        return observed_cost(shape, k, settings)
