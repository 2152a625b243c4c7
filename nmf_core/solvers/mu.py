"""Multiplicative updates (Lee–Seung), and their masked (weighted) variant."""

from __future__ import annotations

import numpy as np

from .base import Cost, Solver
from .products import gram, stacked_product


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
        n, m = shape
        return Cost(20, 4 * n * m * k)


class MaskedMU(Solver):
    """Weighted multiplicative updates: ``H ← H ∘ W(M∘X) / W(M∘(WᵀH))``, and the same for W."""

    name = "mu"
    fixed_factors = True
    mask = True

    def __init__(self, X, settings, rngs, mask=None):
        self.M = mask.astype(float)
        self.MX = self.M * X.dense()

    def step(self, W, H, t):
        M, MX = self.M, self.MX
        eps = np.finfo(np.float64).eps
        model = M * (W.transpose(0, 2, 1) @ H)
        ratio = stacked_product(W, MX) / np.maximum(W @ model, eps)
        if self.held_S:
            ratio[:, list(self.held_S)] = 1.0
        H *= ratio
        model = M * (W.transpose(0, 2, 1) @ H)
        ratio = stacked_product(H, MX.T) / np.maximum(H @ model.transpose(0, 2, 1), eps)
        if self.held_A:
            ratio[:, list(self.held_A)] = 1.0
        W *= ratio
        return None

    @classmethod
    def cost(cls, shape, k, settings):
        n, m = shape
        return Cost(30, 10 * n * m * k)
