"""Coordinate descent for the Kullback–Leibler loss (Hsieh & Dhillon, "Fast coordinate
descent methods with variable selection for non-negative matrix factorization", KDD 2011,
their KL-CD), with a step rule that never increases the objective.

Shapes as in :mod:`.base`: W (R, k, n) = Aᵀ, H (R, k, m) = S, X ≈ W[r]ᵀ H[r].  The
S-step updates H against ``Y = Xᵀ`` (m, n) and the A-step W against ``Y = X`` (n, m):
the same half-step, written once.

One variable h = F[r, j] with the others fixed minimises, over h ≥ 0,

    φ(h) = Σ_i (M_ij − Y_ji log M_ij) + l1·h + ½·l2·h²,   M = Fᵀ G (the model),

whose gradient and curvature at the current h are

    g = Σ_i G[r, i] (1 − Y_ji / M_ij) + l1 + l2·h,   q = Σ_i G[r, i]² Y_ji / M_ij² + l2.

The variables of one row r of F do not interact (each sees only its own column of M),
so a whole row is updated at once, vectorised, and the rows r = 0..k−1 in turn, the
model kept current by a rank-one update after each row (as Hsieh & Dhillon keep WH).
The step is Newton's, ``d = −g/q``, except that a step towards zero is shortened:

    d = −min(g/q, 2·g·h / (2·g + q·h))   when g > 0.

Why: φ″ falls as h grows, so a step to the right (g < 0) never overshoots.  To the left,
every term has G[r, i]·|d| / M_ij ≤ |d|/h =: ρ < 1, and −log(1 − u) ≤ u + u²/(2(1 − ρ))
for u ≤ ρ gives φ(h + d) − φ(h) ≤ −g|d| + q d² / (2(1 − ρ)), which is ≤ 0 for the step
above.  So every row update is a non-increase of the objective, with no logarithm to
evaluate, h stays ≥ 0, and h reaches 0 exactly only where no cell resists (q = 0).

The columns of F are processed in blocks of about ``BLOCK_CELLS`` model cells, so the
few arrays a row update touches stay in cache; each block starts from the model
recomputed exactly (one small product), so rounding does not drift.
"""

from __future__ import annotations

import numpy as np

from ..objective import EPSILON
from .base import check_deadline

BLOCK_CELLS = 65_536  # model cells per block (all restarts): ~512 KB of float64 an array
# A row whose steps were mostly shortened (entries on their way to 0) gets another Newton
# step at once, up to NEWTON_STEPS in all: on digits this took sklearn's 200-iteration KL
# from 40 iterations to 13; on Poisson counts (few shortened) it changed nothing.
NEWTON_STEPS = 3
REPEAT_FRACTION = 0.5


def kl_data(Y: np.ndarray) -> np.ndarray:
    """Y as the KL step reads it: C-contiguous, with the entries ≤ ε (float32's, as
    :meth:`~nmf_core.objective.Objective.divergence` leaves them out) set to 0."""
    return np.ascontiguousarray(np.where(Y > EPSILON, Y, 0.0), dtype=Y.dtype)


def _block_size(R: int, q: int) -> int:
    return max(1, BLOCK_CELLS // max(1, R * q))


def kl_cd_half_step(F, G, Y, zero, l1: float = 0.0, l2: float = 0.0,
                    held: tuple[int, ...] = (), objective_parts: bool = False):
    """One coordinate-descent sweep over the rows of F, in place (module docstring).

    F (R, k, p), G (R, k, q), Y (p, q) C-contiguous from :func:`kl_data`, ``zero`` its
    cells equal to 0 (bool, p × q): the model's rows are ``F[:, :, J]ᵀ G`` against
    ``Y[J]``.  Rows of F listed in ``held`` stay.  With ``objective_parts`` it returns,
    per restart, Σ Y log(Y / max(M, ε)) at the new F (the divergence's X terms), else None.

    The model is kept at max(M, ε) where Y > 0 (as the objective measures it), and at
    1 where Y = 0, a value no update reads (Y/M is 0 there) that keeps Y/M and Y/M²
    defined without a guard per row; Σ M comes from the factors' sums instead.
    """
    R, k, p = F.shape
    rows = [r for r in range(k) if r not in held]
    G_sums = G.sum(axis=2)  # (R, k): Σ_i G[r, i]
    columns = G[:, :, :, None]  # (R, k, q, 1): each row of G as a column vector
    squares = columns * columns
    block = _block_size(R, G.shape[2])
    parts = np.zeros(R) if objective_parts else None
    ratio = outer = None
    for start in range(0, p, block):
        J = slice(start, min(p, start + block))
        FJ, YJ = F[:, :, J], Y[J]
        model = FJ.transpose(0, 2, 1) @ G  # (R, b, q)
        np.maximum(model, EPSILON, out=model)
        np.copyto(model, 1.0, where=zero[J])
        if ratio is None or ratio.shape != model.shape:
            ratio, outer = np.empty_like(model), np.empty_like(model)
        for r in rows:
            h = FJ[:, r]  # (R, b), a view into F
            for _ in range(NEWTON_STEPS):
                shortened = _newton_row(h, model, YJ, G[:, r], columns[:, r], squares[:, r],
                                        G_sums[:, r, None], l1, l2, ratio, outer)
                if shortened <= REPEAT_FRACTION * h.size:
                    break
        if objective_parts:  # Σ Y log(Y / max(M, ε)), with log 1 = 0 where Y = 0
            np.maximum(model, EPSILON, out=ratio)
            np.divide(YJ, ratio, out=ratio)
            np.copyto(ratio, 1.0, where=zero[J])
            np.log(ratio, out=ratio)
            parts += np.einsum("bq,rbq->r", YJ, ratio)
        check_deadline()
    return parts


def _newton_row(h, model, Y, g, column, square, g_sum, l1, l2, ratio, outer) -> int:
    """One safeguarded Newton step on every entry of ``h`` (one row of F over a block
    of columns, in place), the model updated to match; the count of steps shortened.
    ``ratio`` and ``outer`` are scratch arrays of the model's shape."""
    np.divide(Y, model, out=ratio)  # Y / M
    a = (ratio @ column)[..., 0]  # Σ_i G[r, i] Y / M, (R, b)
    ratio /= model  # Y / M²
    curvature = (ratio @ square)[..., 0]
    gradient = g_sum - a
    if l1:
        gradient += l1
    if l2:
        gradient += l2 * h
        curvature += l2
    with np.errstate(divide="ignore", invalid="ignore"):
        newton = gradient / curvature  # inf where q = 0: then the step is to 0
        twice = 2.0 * gradient
        safe = h * twice / (twice + h * curvature)
    left = gradient > 0
    step = np.where(left, -np.minimum(newton, safe), np.where(gradient < 0, -newton, 0.0))
    new = np.maximum(h + step, 0.0)
    np.subtract(new, h, out=step)
    h[...] = new
    np.multiply(step[:, :, None], g[:, None, :], out=outer)
    model += outer
    return int(np.count_nonzero(left & (safe < newton)))


class KLCoordinateDescent:
    """The KL-CD iteration for a batch of restarts on a dense X (scaled to max 1):
    S-step on Xᵀ, then A-step on X; :meth:`step` returns the objective (loss plus
    penalty) per restart, measured at the model it kept current."""

    def __init__(self, X: np.ndarray, objective):
        self.X, self.Xt = kl_data(X), kl_data(X.T)
        self.zero, self.zero_t = self.X == 0, self.Xt == 0
        self.objective = objective
        self.x_sum = float(self.X.sum())  # Σ Y over the kept cells

    def step(self, W, H, held_S=(), held_A=()):
        o = self.objective
        kl_cd_half_step(H, W, self.Xt, self.zero_t, o.l1_S, o.l2_S, held_S)
        check_deadline()
        parts = kl_cd_half_step(W, H, self.X, self.zero, o.l1_A, o.l2_A, held_A,
                                objective_parts=True)
        total = np.einsum("rk,rk->r", W.sum(axis=2), H.sum(axis=2))  # Σ WᵀH, every cell
        value = parts + total - self.x_sum
        return value + o.penalty(W, H) if o.penalised else value
