"""HALS and MU on a dask array X, with A kept on the workers in X's row blocks.

Per iteration X is streamed twice (it is never held: an X larger than the workers'
memory is read from its store each time), and only small results reach the client:

1. W X and W Wᵀ: the block products ``W_b X_b`` and ``W_b W_bᵀ`` summed by a tree
   reduction (k×m and k×k per restart); the client updates S (= H) from them exactly as
   the numpy solver does.
2. ``H X_bᵀ`` on each block, where it stays; the block updates its columns of W (HALS:
   the same passes as numpy, their number set by the Gillis–Glineur rule on the whole of
   A from the blocks' summed moves; MU: one multiplicative step) and sends back
   ⟨W_b, H X_bᵀ⟩ and W_b W_bᵀ, summed the same way, for the Gram-identity residual.

Futures are immutable, so "copies" of W (the previous iterate, the guard's last good
iterate) cost nothing; a per-restart choice between two W is one task per block.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ..errors import MatrixError
from ..objective import Objective
from ..solvers import HALS, MU, gram, hals_rows, mu_rows
from ..solvers.hals import inner_passes
from ..solvers.mu import _apply, exponent
from ..solvers.products import EXACT_BELOW, GRAM_MIN_CELLS
from . import blocks

FAN_IN = 4  # partial results summed per task of the tree reduction


def _add(*parts):
    """Element-wise sum of the blocks' tuples of arrays (boolean flags are and-ed)."""
    out = []
    for values in zip(*parts, strict=True):
        if values[0] is None:
            out.append(None)
        elif getattr(values[0], "dtype", None) == np.bool_:
            out.append(np.logical_and.reduce(values))
        else:
            total = values[0] + values[1] if len(values) > 1 else values[0]
            for v in values[2:]:
                total += v
            out.append(total)
    return tuple(out)


class RowBlocks:
    """X's row blocks as lazy tasks (never persisted), and the client that runs them.

    A round is built as one graph of delayed calls and sent with :meth:`run`, so each
    round costs one round trip to the scheduler.  In :meth:`each`, an argument that is a
    ``list`` has one entry per block; anything else (a number, a Delayed, a future) goes
    to every block.
    """

    def __init__(self, X, client):
        if X.ndim != 2:
            raise MatrixError(f"X must be a 2-D matrix; got {X.ndim} dimension(s)")
        if any(math.isnan(c) for c in X.chunks[0]):
            raise MatrixError("X's row count is unknown (a dask array with unknown chunk "
                              "sizes); call X.compute_chunk_sizes() first")
        if X.size == 0:
            raise MatrixError(f"X is empty (shape {X.shape[0]}×{X.shape[1]})")
        if not (np.issubdtype(X.dtype, np.number) or X.dtype == np.bool_) or \
                np.issubdtype(X.dtype, np.complexfloating):
            raise MatrixError(f"X is not a real numeric matrix (dtype {X.dtype})")
        if len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})  # blocks of whole rows
        self.X, self.client, self.shape = X, client, tuple(int(s) for s in X.shape)
        self.tasks = list(X.to_delayed().ravel())
        self.rows = [int(r) for r in X.chunks[0]]
        self.offsets = [int(o) for o in np.concatenate([[0], np.cumsum(self.rows)[:-1]])]
        self.pass_bytes = int(X.shape[0]) * int(X.shape[1]) * X.dtype.itemsize
        self.bytes_read = 0

    def __len__(self):
        return len(self.tasks)

    def each(self, func, *args, x: bool = False, nout: int | None = None):
        """Delayed ``func([X_b,] *args)`` for every block b (``x``: one read of X)."""
        from dask import delayed

        if x:
            self.bytes_read += self.pass_bytes
        call = delayed(func, pure=False, nout=nout)
        return [call(*([self.tasks[b]] if x else []),
                     *(a[b] if isinstance(a, list) else a for a in args))
                for b in range(len(self))]

    def tree(self, parts):
        """The element-wise sum of the blocks' tuples, as a tree of fan-in FAN_IN."""
        from dask import delayed

        add = delayed(_add, pure=False)
        level = list(parts)
        while len(level) > 1:
            level = [add(*level[i:i + FAN_IN]) for i in range(0, len(level), FAN_IN)]
        return level[0]

    def run(self, keep=(), total=None):
        """Send one round: futures of the ``keep`` blocks, and the gathered ``total``."""
        keep = list(keep)
        futures = self.client.compute(keep + ([] if total is None else [total]))
        if total is None:
            return futures, None
        return futures[:-1], futures[-1].result()

    @staticmethod
    def small(value):
        """A small client-side array put once into the round's graph for every block."""
        from dask import delayed

        return delayed(value, pure=False)


class Factors:
    """W = Aᵀ of every restart, one future per row block, each (R, k, n_b)."""

    def __init__(self, rows: RowBlocks, W):
        self.rows, self.W = rows, list(W)

    def where(self, keep, other: Factors) -> Factors:
        """Per restart: self where ``keep``, else ``other`` (no task where all agree)."""
        keep = np.asarray(keep, bool)
        if keep.all():
            return self
        if not keep.any():
            return other
        chosen, _ = self.rows.run(self.rows.each(blocks.choose, keep, self.W, other.W))
        return Factors(self.rows, chosen)

    def restart(self, r: int, root: float):
        """Restart r's A (n, k) in X's units, as a dask array aligned with X's blocks."""
        import dask.array as da

        k = self.rows.client.submit(operator.attrgetter("shape"), self.W[0]).result()[1]
        parts = self.rows.each(blocks.restart_columns, self.W, r, root)
        return da.concatenate([da.from_delayed(p, (n_b, k), dtype=np.float64)
                               for p, n_b in zip(parts, self.rows.rows, strict=True)])


def direct_residuals(rows: RowBlocks, scale: float, W: Factors, H) -> np.ndarray:
    """‖Xs − WᵀH‖² per restart, measured directly (one read of X)."""
    parts = rows.each(_residual_part, scale, W.W, rows.small(H), x=True)
    return rows.run(total=rows.tree(parts))[1][0]


def _residual_part(X_b, scale, W_b, H):
    return (blocks.direct_residuals(X_b, scale, W_b, H),)


def _pass_count(moves, max_passes: int, tol: float) -> int:
    """The blocks' moves summed, then numpy's stopping rule on them."""
    return _stop_after(np.sum(moves, axis=0) if moves and len(moves[0]) else [], max_passes,
                       tol)


def _stop_after(moves, max_passes: int, tol: float) -> int:
    """numpy's ``_repeat_passes`` rule on the summed moves: stop after the first pass p ≥ 1
    that moved no more than tol² times the first pass; else run them all."""
    for p, move in enumerate(moves):
        if p > 0 and move <= tol * tol * moves[0]:
            return p + 1
    return max_passes


class _Blockwise:
    """What the two dask steps share: the blocks, X's scale and ‖Xs‖², and the residual
    rule of DenseMatrix.squared_residuals (the Gram identity; measured directly when X
    is small or where the identity cancels).  No penalty: a dask X is fitted without one."""

    losses, penalties = ("frobenius",), ()

    def __init__(self, rows: RowBlocks, scale: float, x_sq: float, settings):
        self.rows, self.scale, self.x_sq = rows, scale, x_sq
        self.nonnegative = settings["nonnegative"]
        self.reset()

    def start(self, W: Factors, H: np.ndarray) -> np.ndarray:
        """The starting point's squared residuals, from the pass that also gives the
        first step its W X and W Wᵀ (so the start costs no read of X of its own)."""
        rows = self.rows
        _, (WX, WWt) = rows.run(total=rows.tree(rows.each(
            blocks.left_products, self.scale, W.W, True, x=True)))
        self._first = W, WX, WWt
        return self._residuals(W, H, np.einsum("rkm,rkm->r", WX, H), WWt, gram(H))

    def _left(self, W: Factors, with_gram: bool = True):
        """W X and W Wᵀ: from :meth:`start`'s pass or MU's last step when they formed
        them for this W, else one read of X."""
        first, self._first = getattr(self, "_first", None), None
        if first is not None and first[0] is W:
            return first[1], first[2]
        rows = self.rows
        return rows.run(total=rows.tree(rows.each(blocks.left_products, self.scale, W.W,
                                                  with_gram, x=True)))[1]

    def _residuals(self, W, H, cross, WWt, HHt):
        n, m = self.rows.shape
        if n * m > GRAM_MIN_CELLS:
            sq = self.x_sq - 2 * cross + np.einsum("rij,rij->r", WWt, HHt)
            if not (sq < EXACT_BELOW * self.x_sq).any():
                return sq
        return direct_residuals(self.rows, self.scale, W, H)


class DaskHALS(_Blockwise, HALS):
    """numpy's HALS (its extrapolation, safeguard and inner passes, inherited) with W's
    blocks on the workers.  ``step(W, H)`` returns the new (W, H), the squared residuals
    and whether each restart's W is finite (the divergence guard cannot look at W)."""

    def __init__(self, rows, scale, x_sq, settings):
        self.tol = self.TOL
        _Blockwise.__init__(self, rows, scale, x_sq, settings)

    def reset(self):
        HALS.reset(self)
        self.finite = self._first = None

    def step(self, W: Factors, H: np.ndarray):
        from dask import delayed

        rows, nn = self.rows, self.nonnegative
        R, k = H.shape[:2]
        n, m = rows.shape
        if self.previous is None:  # a plain first step, accepted
            self.previous = W, H.copy()
            self.beta, self.beta_cap = np.full(R, self.BETA), np.ones(R)
            self.finite = np.ones(R, bool)
            W_hat, H_new = W, H.copy()
        else:
            W_hat = Factors(rows, rows.each(blocks.extrapolated, W.W, self.previous[0].W,
                                            self.beta, nn))
            H_new = self._extrapolated(H, self.previous[1])
        # pass 1 over X: W X and W Wᵀ, summed; S's update on the client
        if W_hat is not W:
            W_hat_blocks, (WX, WWt) = rows.run(W_hat.W, rows.tree(rows.each(
                blocks.left_products, self.scale, W_hat.W, True, x=True)))
            W_hat = Factors(rows, W_hat_blocks)
        else:
            WX, WWt = self._left(W)
        hals_rows(H_new, WX, WWt, nn, inner_passes(k, n), self.tol)
        # pass 2: H Xᵀ per block, the passes on W's blocks, their count from the summed moves
        HHt = gram(H_new)
        H_d, HHt_d = rows.small(H_new), rows.small(HHt)
        P = inner_passes(k, m)
        moved = rows.each(blocks.hals_pass_moves, self.scale, H_d, HHt_d, W_hat.W, P,
                          self.tol, nn, x=True, nout=2)
        count = delayed(_pass_count, pure=False)([mv[1] for mv in moved], P, self.tol)
        done = rows.each(blocks.hals_passes, W_hat.W, [mv[0] for mv in moved], HHt_d, count,
                         self.tol, nn, nout=2)
        W_blocks, (cross, WWt_new, finite) = rows.run([d[0] for d in done],
                                                      rows.tree([d[1] for d in done]))
        W_new = Factors(rows, W_blocks)
        sq = self._residuals(W_new, H_new, cross, WWt_new, HHt)
        ok = self._safeguard(sq)
        self.previous = W, H.copy()
        self.finite = np.where(ok, finite, self.finite)
        W_out, H_out = W_new.where(ok, W), np.where(ok[:, None, None], H_new, H)
        return W_out, H_out, self.sq.copy(), self.finite.copy()


class DaskMU(_Blockwise, MU):
    """numpy's MU with W's blocks on the workers; ``step`` as DaskHALS's.  One read of X
    per iteration: the pass that updates W's blocks also forms what the next step's
    update of H needs, used when that step starts from the W returned (Frobenius,
    Lee–Seung: the new W X; Kullback–Leibler, Févotte–Idier: from the model W_bᵀH, the
    divergence and the numerator and denominator of H's update, cached as numpy's MU
    caches its model)."""

    losses = ("frobenius", "kullback-leibler")

    def __init__(self, rows, scale, x_sq, settings):
        self.objective = Objective.from_settings(settings, rows.shape).for_scaled(scale)
        self.beta, self.gamma = self.objective.beta, exponent(self.objective.beta)
        _Blockwise.__init__(self, rows, scale, x_sq, settings)

    def reset(self):
        MU.reset(self)
        self._first = self._terms = None

    def start(self, W: Factors, H: np.ndarray) -> np.ndarray:
        if self.beta == 2:
            return _Blockwise.start(self, W, H)
        return 2 * self._summary(W, H)

    def _summary(self, W: Factors, H: np.ndarray) -> np.ndarray:
        """One read of X: the divergence at (W, H), and the next H-step's terms (kept)."""
        rows = self.rows
        _, (value, *self._terms) = rows.run(total=rows.tree(rows.each(
            blocks.beta_summary, self.scale, W.W, rows.small(H), self.objective, x=True)))
        return value

    def step(self, W: Factors, H: np.ndarray):
        if self.beta != 2:
            return self._beta_step(W, H)
        rows = self.rows
        H = H.copy()
        WX, WWt = self._left(W, self.WWt is None)
        mu_rows(H, WX, self.WWt if self.WWt is not None else WWt)
        HHt = gram(H)
        done = rows.each(blocks.mu_update, self.scale, rows.small(H), rows.small(HHt), W.W,
                         x=True, nout=2)
        W_blocks, (cross, self.WWt, finite, WX) = rows.run([d[0] for d in done],
                                                           rows.tree([d[1] for d in done]))
        W_new = Factors(rows, W_blocks)
        self._first = W_new, WX, self.WWt  # the next step's W X, if it starts from W_new
        return W_new, H, self._residuals(W_new, H, cross, self.WWt, HHt), finite

    def _beta_step(self, W: Factors, H: np.ndarray):
        rows, o = self.rows, self.objective
        if self._terms is None:  # after a reset: the terms at (W, H), as numpy's new model
            self._summary(W, H)
        numerator, denominator = self._terms
        H = H.copy()
        _apply(H, numerator, np.broadcast_to(denominator, H.shape).copy(), o.l1_S, o.l2_S,
               self.gamma)
        if self.beta < 1:
            H[H < np.finfo(np.float64).eps] = 0.0
        done = rows.each(blocks.beta_update, self.scale, rows.small(H), W.W, o, self.gamma,
                         x=True, nout=2)
        W_blocks, (value, *terms, finite) = rows.run([d[0] for d in done],
                                                     rows.tree([d[1] for d in done]))
        self._terms = terms
        return Factors(rows, W_blocks), H, 2 * value, finite


STEPS = {cls.name: cls for cls in (DaskHALS, DaskMU)}
