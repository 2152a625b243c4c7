"""The objective: one β-divergence plus penalty, used by the solvers, the curves,
the result and the tests.

In scikit-learn's names and meaning (``sklearn.decomposition.NMF``): the loss is
``"frobenius"`` (β = 2, ½‖X − AS‖²), ``"kullback-leibler"`` (β = 1, the generalised
KL divergence Σ X log(X/AS) − X + AS), ``"itakura-saito"`` (β = 0, Σ X/AS − log(X/AS) − 1)
or any float β (Σ (X^β + (β−1)(AS)^β − β X (AS)^(β−1)) / (β(β−1))), and the penalty is
the elastic net

    α_A·l1_ratio·m·‖A‖₁ + ½·α_A·(1 − l1_ratio)·m·‖A‖²_F
    + α_S·l1_ratio·n·‖S‖₁ + ½·α_S·(1 − l1_ratio)·n·‖S‖²_F

for X (n, m), as scikit-learn scales ``alpha_W`` (A) and ``alpha_H`` (S).

``factorize`` works on X scaled to max 1 (X = c·X′, A = √c·A′, S = √c·S′).  Then
f(A, S) = c^β·f′(A′, S′), where f′ has the same form on X′ with the L1 weights
times c^(½−β) and the L2 weights times c^(1−β): :meth:`Objective.for_scaled` makes
that f′.  The curve a run records and plots is

    √(2·f′) / ‖X′‖_F

scikit-learn's ``reconstruction_err_`` convention (√(2·objective)) relative to ‖X‖:
for the Frobenius loss without penalty it is exactly the relative error
‖X − AS‖/‖X‖, and for every loss it falls exactly when the objective falls.
``NMFResult.objective`` holds f itself, in X's units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOSSES = {"frobenius": 2.0, "kullback-leibler": 1.0, "itakura-saito": 0.0}
EPSILON = float(np.finfo(np.float32).eps)  # scikit-learn's guard for X/AS and (AS)^(β−2)


def beta_of(loss) -> float:
    """β for a loss name or number."""
    return LOSSES[loss] if isinstance(loss, str) else float(loss)


def loss_name(beta: float):
    """The canonical loss: its name for β ∈ {2, 1, 0}, else β as a float."""
    for name, value in LOSSES.items():
        if beta == value:
            return name
    return float(beta)


def curve_label(loss, penalised: bool) -> str:
    """What the convergence chart plots for this loss (see the module docstring)."""
    if beta_of(loss) == 2 and not penalised:
        return "relative error ‖X − AS‖/‖X‖"
    return "√(2·objective)/‖X‖ (objective: the loss plus any penalty)"


def hoyer_sparseness(F) -> float:
    """Hoyer's sparseness of a matrix's columns, averaged: (√p − ‖x‖₁/‖x‖₂)/(√p − 1)
    for each column x of length p (0 for a constant column, 1 for a single non-zero;
    a zero column counts as 0).  Rows of S are the columns of Sᵀ."""
    F = np.abs(np.asarray(F, dtype=float))
    p = F.shape[0]
    if p < 2 or F.size == 0:
        return 0.0
    peak = F.max(axis=0)
    scaled = F / np.where(peak > 0, peak, 1.0)
    return hoyer_of_norms(scaled.sum(axis=0), np.sqrt((scaled * scaled).sum(axis=0)), p)


def hoyer_of_norms(l1, l2, p: int) -> float:
    """:func:`hoyer_sparseness` from each column's ‖x‖₁ and ‖x‖₂ (columns of length p),
    as a row-blocked matrix gives them summed over its blocks."""
    if p < 2:
        return 0.0
    l1, l2 = np.asarray(l1, dtype=float), np.asarray(l2, dtype=float)
    ratio = np.divide(l1, l2, out=np.full_like(l1, math.sqrt(p)), where=l2 > 0)
    return float(np.mean((math.sqrt(p) - ratio) / (math.sqrt(p) - 1)))


def _kept(data):
    """X's stored values as the divergence's X terms use them, flat: (x, dropped, x_kept),
    x with the values ≤ ε set to 0, ``dropped`` the mask of those (None if there are
    none) and ``x_kept`` the values kept.  Masks instead of gathers: gathering the model
    at the kept cells cost more than the rest of the divergence.  Cached on the
    DataMatrix, since nothing changes X in place."""
    cached = getattr(data, "_divergence_kept", None)
    if cached is None:
        X = data.stored_values().reshape(-1)
        dropped = ~(X > EPSILON)
        if dropped.any():
            cached = (np.where(dropped, 0.0, X), dropped, X[~dropped])
        else:
            cached = (X, None, X)
        data._divergence_kept = cached
    return cached


@dataclass(frozen=True)
class Objective:
    """D_β(X | WᵀH) plus the elastic-net penalty, for a batch of restarts.

    ``l1_A``, ``l2_A``, ``l1_S``, ``l2_S`` are the penalty weights already scaled
    (α·l1_ratio·m and so on); W (R, k, n) = Aᵀ, H (R, k, m) = S.
    """

    beta: float = 2.0
    l1_A: float = 0.0
    l2_A: float = 0.0
    l1_S: float = 0.0
    l2_S: float = 0.0

    @classmethod
    def from_settings(cls, settings, shape) -> Objective:
        """The user's objective, from validated settings (loss, alpha_A, alpha_S,
        l1_ratio) and X's shape, in scikit-learn's scaling."""
        n, m = shape
        alpha_A = settings.get("alpha_A", 0.0) or 0.0
        alpha_S = settings.get("alpha_S", "same")
        alpha_S = alpha_A if alpha_S in (None, "same") else alpha_S
        l1 = settings.get("l1_ratio", 0.0)
        return cls(beta_of(settings.get("loss", "frobenius")),
                   alpha_A * l1 * m, alpha_A * (1 - l1) * m,
                   alpha_S * l1 * n, alpha_S * (1 - l1) * n)

    def for_scaled(self, c: float) -> Objective:
        """f′ for X′ = X / c (see the module docstring): f = c^β · f′."""
        if not self.penalised:
            return self
        with np.errstate(over="ignore"):
            c = np.float64(c)
            one, two = float(c ** (0.5 - self.beta)), float(c ** (1.0 - self.beta))
        return Objective(self.beta, self.l1_A * one, self.l2_A * two,
                         self.l1_S * one, self.l2_S * two)

    @property
    def penalised(self) -> bool:
        return bool(self.l1_A or self.l2_A or self.l1_S or self.l2_S)

    @property
    def frobenius(self) -> bool:
        return self.beta == 2

    def penalty(self, W, H) -> np.ndarray:
        """The penalty per restart (0 without one)."""
        R = W.shape[0]
        if not self.penalised:
            return np.zeros(R)
        out = np.zeros(R)
        for F, l1, l2 in ((W, self.l1_A, self.l2_A), (H, self.l1_S, self.l2_S)):
            flat = F.reshape(R, -1)
            if l1:
                out += l1 * np.abs(flat).sum(axis=1)
            if l2:
                out += 0.5 * l2 * np.vecdot(flat, flat)
        return out

    def from_squared_residuals(self, sq, W, H) -> np.ndarray:
        """The Frobenius objective from ‖X − WᵀH‖² per restart: ½·sq + penalty."""
        value = 0.5 * sq
        return value + self.penalty(W, H) if self.penalised else value

    def divergence(self, data, W, H, model=None) -> np.ndarray:
        """D_β(X | WᵀH) per restart, as scikit-learn's ``_beta_divergence`` computes it
        (cells where X ≤ ε are left out of the X terms; WᵀH is kept ≥ ε there).
        ``data`` is a DataMatrix; ``model`` = data.model_at_stored(W, H) if formed."""
        beta = self.beta
        if beta == 2:
            return 0.5 * data.squared_residuals(W, H)
        WH = data.model_at_stored(W, H) if model is None else model
        R = W.shape[0]
        x, dropped, x_kept = _kept(data)
        wh = np.maximum(WH.reshape(R, -1), EPSILON)
        if beta in (0, 1):
            ratio = np.divide(x, wh, out=wh)
            if dropped is not None:  # log 1 = 0: the dropped cells add nothing
                np.copyto(ratio, 1.0, where=dropped)
            if beta == 1:
                total = np.einsum("rk,rk->r", W.sum(axis=2), H.sum(axis=2))  # Σ WᵀH
                return np.einsum("c,rc->r", x, np.log(ratio)) + total - x.sum()
            dropped_count = 0 if dropped is None else int(dropped.sum())
            return (ratio.sum(axis=1) - dropped_count - data.cells
                    - np.log(ratio).sum(axis=1))
        if data.stored != data.cells:
            raise NotImplementedError("a β other than 0, 1 and 2 needs a dense X")
        power = (WH ** beta).reshape(R, -1).sum(axis=1)  # Σ (WᵀH)^β over every cell
        out = (x_kept ** beta).sum() - beta * (wh ** (beta - 1)) @ x + power * (beta - 1)
        return out / (beta * (beta - 1))

    def value(self, data, W, H, model=None) -> np.ndarray:
        """The objective per restart: the divergence plus the penalty."""
        out = self.divergence(data, W, H, model)
        return out + self.penalty(W, H) if self.penalised else out
