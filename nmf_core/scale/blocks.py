"""The numpy kernels the workers run, one row block of X at a time.

A block holds rows ``offset : offset + n_b`` of X (n_b, m) and the matching columns of
``W`` = Aᵀ for every restart, ``W_b`` (R, k, n_b).  The kernels reuse the in-memory
solvers' own functions (``hals_rows``, ``mu_rows``, ``stacked_product``, ``gram``), so a
block does exactly what the numpy solver does to those columns: the HALS and MU updates
of A act on each row of A independently, given the small products H Xᵀ's block, H Hᵀ.
Only the sums over blocks (W X and W Wᵀ, k×m and k×k per restart) and the Gillis–Glineur
pass count, which depends on the whole of A, are formed across blocks.
"""

from __future__ import annotations

import types

import numpy as np

from ..datamatrix import DenseMatrix
from ..solvers import HALS, gram, hals_rows, mu_rows, stacked_product
from ..solvers.mu import _EPS64, beta_half_step, beta_terms


def scaled(X_b, scale: float) -> np.ndarray:
    """The block as the solvers see it: float64, divided by X's maximum."""
    return np.asarray(X_b, dtype=np.float64) / scale


def scaled_product(F, X_b, scale: float, transpose: bool = False) -> np.ndarray:
    """``F[r] @ (X_b / scale)`` (or with X_bᵀ) for every restart, the division applied
    to the small (R, k, ·) product instead of a copy of the block (equal to rounding)."""
    X_b = np.asarray(X_b, dtype=np.float64)
    out = stacked_product(F, X_b.T if transpose else X_b)
    out /= scale
    return out


def check_block(X_b, offset: int) -> dict:
    """What factorize's input check needs from one block: its max, sum and sum of squares
    (for the scale, mean and ‖X‖²), and the first bad value with its 1-based place."""
    X_b = np.asarray(X_b, dtype=np.float64)
    out = {"max": 0.0, "sum": 0.0, "squares": 0.0, "nonfinite": 0, "negative": 0,
           "first_nonfinite": None, "first_negative": None}
    if X_b.size == 0:
        return out
    bad = ~np.isfinite(X_b)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        out.update(nonfinite=int(bad.sum()), first_nonfinite=(offset + i + 1, j + 1,
                                                              float(X_b[i, j])))
        return out
    negative = X_b < 0
    if negative.any():
        i, j = np.argwhere(negative)[0]
        out.update(negative=int(negative.sum()), first_negative=(offset + i + 1, j + 1,
                                                                 float(X_b[i, j])))
    top = float(X_b.max())
    out["max"] = top
    if top > 0:  # sums of X/top: no overflow for entries up to 1e300
        ratio = X_b / top
        out["sum"], out["squares"] = float(ratio.sum()), float(np.vdot(ratio, ratio))
    return out


def random_block(seeds, offset: int, rows: int, k: int, spread: float) -> np.ndarray:
    """Columns ``offset : offset + rows`` of random_init's W: restart r's A is drawn as
    ``spread · rng.random((n, k))``, whose row i comes from draws i·k … i·k + k − 1 of its
    generator, so the block skips ``offset · k`` draws (PCG64.advance) and makes its rows."""
    W = np.empty((len(seeds), k, rows))
    for r, seed in enumerate(seeds):
        bits = np.random.default_rng(seed).bit_generator
        bits.advance(offset * k)
        W[r] = spread * np.random.Generator(bits).random((rows, k)).T
    return W


def slice_restart(W_b, r: int) -> np.ndarray:
    return W_b[r:r + 1].copy()


def column_norms(W_b, r: int):
    """For each column a of restart r's A on the block: its peak |a|, and ‖a‖₁ and ‖a‖₂²
    of a / peak (no overflow; :func:`combined_norms` joins the blocks')."""
    F = np.abs(W_b[r])
    peak = F.max(axis=1) if F.size else np.zeros(F.shape[0])
    F /= np.where(peak > 0, peak, 1.0)[:, None]
    return peak, F.sum(axis=1), np.einsum("kn,kn->k", F, F)


def combined_norms(parts):
    """The blocks' :func:`column_norms` as each column's ‖a‖₁ and ‖a‖₂ of a / its peak."""
    peaks = np.array([p[0] for p in parts])
    top = peaks.max(axis=0)
    ratio = peaks / np.where(top > 0, top, 1.0)
    l1 = (np.array([p[1] for p in parts]) * ratio).sum(axis=0)
    squares = (np.array([p[2] for p in parts]) * ratio * ratio).sum(axis=0)
    return l1, np.sqrt(squares)


def extrapolated(W_b, W0_b, beta, nonnegative: bool) -> np.ndarray:
    """HALS's extrapolated start ``max(0, W + β (W − W₀))`` on the block (HALS's own code)."""
    if W0_b is None:
        return W_b.copy()
    state = types.SimpleNamespace(beta=beta, nonnegative=nonnegative)
    return HALS._extrapolated(state, W_b, W0_b)


def left_products(X_b, scale, W_b, with_gram: bool):
    """The block's share of W X (R, k, m) and, if asked, of W Wᵀ (R, k, k)."""
    WX = scaled_product(W_b, X_b, scale)
    return WX, (gram(W_b) if with_gram else None)


def hals_pass_moves(X_b, scale, H, HHt, W_b, passes: int, tol: float, nonnegative: bool):
    """H Xᵀ's block, and the squared move of each of the first ``passes − 1`` HALS passes
    on W's block (the last pass's move is never needed).  Summed over blocks, the moves
    give the pass count numpy's Gillis–Glineur rule picks for the whole of A."""
    HXt = scaled_product(H, X_b, scale, transpose=True)
    state, moves = W_b.copy(), []
    for _ in range(passes - 1):
        before = state.copy()
        hals_rows(state, HXt, HHt, nonnegative, 1, tol)
        before -= state
        moves.append(float(np.vdot(before, before)))
    return HXt, moves


def hals_passes(W_b, HXt, HHt, passes: int, tol: float, nonnegative: bool):
    """W's block after ``passes`` HALS passes, and its share of ⟨W, H Xᵀ⟩ and W Wᵀ."""
    state = W_b.copy()
    for _ in range(passes):
        hals_rows(state, HXt, HHt, nonnegative, 1, tol)
    return state, block_summary(state, HXt)


def mu_update(X_b, scale, H, HHt, W_b):
    """MU's update of W's block against H; its share of ⟨W, H Xᵀ⟩ and W Wᵀ (and whether
    it is finite); and, while the block is read, its share of the new W X, which the
    next step's update of H needs (so an MU iteration reads X once)."""
    HXt = scaled_product(H, X_b, scale, transpose=True)
    state = W_b.copy()
    mu_rows(state, HXt, HHt)
    return state, block_summary(state, HXt) + (scaled_product(state, X_b, scale),)


def beta_summary(X_b, scale, W_b, H, objective):
    """At (W_b, H): the block's share of the objective's divergence, and of the numerator
    and denominator of MU's next β-step of H (:func:`beta_terms`), from one model W_bᵀH.
    A divergence is a sum over cells, so the blocks' shares add up to X's."""
    return _beta_summary(DenseMatrix(scaled(X_b, scale)), W_b, H, objective)


def _beta_summary(data, W_b, H, objective):
    model = data.model_at_stored(W_b, H)
    value = objective.divergence(data, W_b, H, model)
    numerator, denominator = beta_terms(W_b, data, model, objective.beta, False)
    return value, numerator, denominator


def beta_update(X_b, scale, H, W_b, objective, gamma: float):
    """MU's β-step of W's block against H (the numpy step's own code: it acts on each row
    of A alone), then :func:`beta_summary` at the new W_b, and whether it is finite."""
    data = DenseMatrix(scaled(X_b, scale))
    state = W_b.copy()
    beta_half_step(state, H, data, data.model_at_stored(state, H), objective.beta,
                   objective.l1_A, objective.l2_A, gamma, True)
    if objective.beta <= 1:  # as the numpy step
        state[state < _EPS64] = 0.0
    return state, _beta_summary(data, state, H, objective) + (
        np.isfinite(state).all(axis=(1, 2)),)


def block_summary(W_b, HXt):
    """⟨W_r, H_r Xᵀ⟩ and W_r W_rᵀ per restart, and whether W_r's block is finite."""
    return (np.einsum("rkn,rkn->r", W_b, HXt), gram(W_b),
            np.isfinite(W_b).all(axis=(1, 2)))


def direct_residuals(X_b, scale, W_b, H) -> np.ndarray:
    """‖Xs_b − W_bᵀ H‖² per restart, measured directly."""
    Xs = scaled(X_b, scale)
    out = np.empty(W_b.shape[0])
    for r in range(W_b.shape[0]):
        diff = Xs - W_b[r].T @ H[r]
        out[r] = np.vdot(diff, diff)
    return out


def choose(keep, new_b, old_b):
    """Per restart: new where ``keep``, else old."""
    out = old_b.copy()
    np.copyto(out, new_b, where=np.asarray(keep)[:, None, None])
    return out


def restart_columns(W_b, r: int, root: float) -> np.ndarray:
    """Restart r's A on this block: (n_b, k), rescaled to X's units."""
    return np.ascontiguousarray(W_b[r].T * root)
