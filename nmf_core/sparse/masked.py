"""Masked NMF on the observed entries only: O(nnz·k) work a step, O(nnz + (n+m)·k) memory.

:class:`ObservedEntries` holds the observed cells of an (n, m) matrix (a sparse
matrix's stored entries, a dense matrix's mask, or (row, column, value)
triples) as a CSR over them; explicit zeros are observed zeros.

**One engine, CCD++** (Yu, Hsieh, Si and Dhillon, "Scalable coordinate descent
approaches to parallel matrix factorization for recommender systems", ICDM 2012),
projected onto ≥ 0.  :class:`Residual` keeps r = x − Σ_f w_f h_fᵀ on the observed
cells (one array, CSR order, read by rows through the CSR and by columns through
its transposed view).  :func:`coordinate_update` is the one rule, written once for
the factor on the columns and used for the one on the rows through
:attr:`Residual.rows` (the transpose trick)::

    d = Pᵀ(u ∘ u),   v ← max(0, (rᵀu + v ∘ d) / (d + λ)),   r ← r − u ⊗ (v_new − v_old)

where P is the pattern of observed cells, u the other side's vector of the same
factor and λ the L2 weight (a number or one per row).  It is the exact minimiser of
the objective over v with everything else fixed, so no update raises the objective.
Each update is two sparse matrix–vector products and one rank-one residual update
over the observed cells: O(nnz) for one factor, O(nnz·k) a step.  A column with no
observed cell has d = 0 and (with λ = 0) keeps its value; empty rows and columns
are set to zero at the first step.

* :class:`ObservedHALS` (``factorize(method="hals", mask=... | missing="unstored")``)
  updates every h_f, then every w_f: exactly the masked HALS rule
  ``H[f] ← max(0, H[f] + (W[f] E) / (W[f]² M))`` with E = M ∘ (X − WᵀH) kept current,
  with ``alpha_A``/``alpha_S`` (``l1_ratio = 0``) as λ in scikit-learn's scaling.
* :func:`nmf_core.observed.fit_observed` (the recommender) alternates w_f and h_f
  per factor, with biases and λ per observed value, on the same routines.
* :class:`ObservedMU` is the weighted Lee–Seung rule ``H ← H ∘ (W X_obs) / (W M̂)``
  with M̂ the model at the observed cells (formed in O(nnz·k), no Gram matrices).
"""

from __future__ import annotations

import numpy as np

from ..datamatrix import DataMatrix
from ..solvers.base import check_deadline

try:  # scipy's in-place row scaling of CSR values (used by csr_matrix.multiply)
    from scipy.sparse._sparsetools import csr_scale_rows as _scale_rows
except ImportError:  # pragma: no cover - a scipy without it: np.repeat and a multiply
    _scale_rows = None

_CHUNK = 1 << 20  # observed cells a direct residual measures at a time
REFRESH = 25  # a kept residual is measured afresh every this many steps (bounds drift)
CACHE_BYTES = 512 * 2**20  # residuals kept between steps, one per restart, up to this
STACK_CELLS = 1 << 20  # restarts × observed cells up to which restarts run as one stack


class ObservedEntries:
    """The observed cells of an (n, m) matrix: X as a CSR over them (explicit zeros are
    observed zeros); the pattern P (ones at the observed cells, sharing X's indices)
    and the same cells of Xᵀ are built on first use.  Indices are int32 where they fit.
    """

    def __init__(self, csr, _transposed=None):
        self.X = csr
        self.shape = csr.shape
        self.stored, self.cells = csr.nnz, csr.shape[0] * csr.shape[1]
        self.values = csr.data
        self.x_sq = float(np.dot(self.values, self.values))
        self.row_count = np.diff(csr.indptr)
        self.col_count = np.bincount(csr.indices, minlength=csr.shape[1])
        self.empty = self.row_count == 0  # rows with no observed cell
        self.empty_cols = self.col_count == 0
        self._T, self._P = _transposed, None

    @classmethod
    def from_sparse(cls, X):
        """The stored entries of a canonical CSR."""
        return cls(_csr(X.data.astype(np.float64), X.indices, X.indptr, X.shape))

    @classmethod
    def from_cells(cls, rows, cols, values, shape):
        """Given cells in row-major order, each once."""
        n = shape[0]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n))))
        return cls(_csr(np.asarray(values, dtype=np.float64), cols, indptr, shape))

    @classmethod
    def from_mask(cls, X: np.ndarray, mask: np.ndarray):
        """The cells of a dense X where ``mask`` is true."""
        rows, cols = np.nonzero(mask)
        return cls.from_cells(rows, cols, X[rows, cols], X.shape)

    @property
    def rows(self) -> np.ndarray:
        """The row of each observed cell (formed on demand)."""
        return np.repeat(np.arange(self.shape[0]), self.row_count)

    @property
    def cols(self) -> np.ndarray:
        return self.X.indices

    @property
    def P(self):
        """The pattern: ones at the observed cells (CSR, X's indices)."""
        if self._P is None:
            import scipy.sparse as sp

            self._P = sp.csr_array((np.ones(self.stored), self.X.indices, self.X.indptr),
                                   shape=self.shape)
        return self._P

    @property
    def T(self) -> ObservedEntries:
        """The same cells of Xᵀ (built once, then kept)."""
        if self._T is None:
            import scipy.sparse as sp

            self._T = ObservedEntries(_canonical(sp.csr_array(self.X.T)), _transposed=self)
        return self._T

    def divided(self, d: float) -> ObservedEntries:
        """The same cells with every value divided by ``d`` (as the dense path divides)."""
        return ObservedEntries(_csr(self.values / d, self.X.indices, self.X.indptr, self.shape))

    @property
    def max(self) -> float:
        return float(self.values.max())

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    def squared_residuals(self, W: np.ndarray, H: np.ndarray) -> np.ndarray:
        """``Σ_observed (x_ij − w_iᵀ h_j)²`` per restart, measured directly, by row blocks."""
        out = np.zeros(W.shape[0])
        indptr, cols = self.X.indptr, self.X.indices
        per_block = max(1, _CHUNK // max(1, W.shape[0] * W.shape[1]))
        n, start = self.shape[0], 0
        while start < n:  # whole rows, about per_block cells at a time
            stop = int(np.searchsorted(indptr, indptr[start] + per_block, side="right"))
            stop = min(n, max(stop - 1, start + 1))
            lo, hi = indptr[start], indptr[stop]
            rows = np.repeat(np.arange(start, stop), self.row_count[start:stop])
            model = np.einsum("rki,rki->ri", W[:, :, rows], H[:, :, cols[lo:hi]])
            model -= self.values[lo:hi]
            out += np.einsum("ri,ri->r", model, model)
            start = stop
        return out


def _csr(values, indices, indptr, shape):
    """A CSR over given arrays, with int32 indices where they fit."""
    import scipy.sparse as sp

    index = np.int32 if max(shape[0], shape[1], values.size) < 2**31 - 1 else np.int64
    return sp.csr_array((values, indices.astype(index, copy=False),
                         indptr.astype(index, copy=False)), shape=shape)


def _canonical(csr):
    csr.sort_indices()
    return _csr(csr.data, csr.indices, csr.indptr, csr.shape)


class _Side:
    """The residual read along one side: ``transposed`` False for the rows' factor (W,
    indexed by rows), True for the columns' (H).  ``matvec(u)`` is Σ over each of this
    side's cells of r·u[other]; ``pattern(u)`` the same with r = 1."""

    def __init__(self, residual: Residual, transposed: bool):
        self.residual, self.transposed = residual, transposed
        self.matrix = residual.matrix.T if transposed else residual.matrix
        self.ones = residual.pattern.T if transposed else residual.pattern

    def matvec(self, u: np.ndarray) -> np.ndarray:
        return self.matrix @ u

    def pattern(self, u: np.ndarray) -> np.ndarray:
        return self.ones @ u

    def subtract_outer(self, delta: np.ndarray, u: np.ndarray) -> None:
        """r ← r − δ ⊗ u on the observed cells (δ on this side, u on the other)."""
        if self.transposed:
            self.residual.subtract_outer(u, delta)
        else:
            self.residual.subtract_outer(delta, u)

    def subtract_offset(self, delta: np.ndarray) -> None:
        """r ← r − δ[this side's index] (a bias moved by δ)."""
        residual = self.residual
        if self.transposed:
            np.take(delta, residual.cols, out=residual.buffer, mode="clip")
            np.subtract(residual.r, residual.buffer, out=residual.r)
        else:
            np.subtract(residual.r, np.repeat(delta, residual.counts), out=residual.r)


class Residual:
    """r = x − Σ_f w_f h_fᵀ (minus any offsets) at the observed cells of ``data``, one
    array in CSR order; :attr:`rows` and :attr:`columns` read it along either side.
    Memory: three arrays of nnz floats and one of nnz indices, besides ``data``."""

    def __init__(self, data: ObservedEntries, values: np.ndarray | None = None):
        import scipy.sparse as sp

        X = data.X
        self.data, self.counts = data, data.row_count
        self.cols = X.indices.astype(np.intp)  # np.take wants intp (else it converts)
        r = np.array(data.values if values is None else values, dtype=np.float64)
        self.matrix = sp.csr_matrix((r, X.indices, X.indptr), shape=data.shape, copy=False)
        self.r = self.matrix.data  # the array both views read
        self.pattern = sp.csr_matrix((np.ones(data.stored), X.indices, X.indptr),
                                     shape=data.shape, copy=False)
        self.buffer = np.empty(data.stored)
        self.rows, self.columns = _Side(self, False), _Side(self, True)

    def reset(self, W: np.ndarray, H: np.ndarray, values: np.ndarray | None = None) -> None:
        """r = values (default x) − Σ_f W[f] ⊗ H[f] for W (k, n), H (k, m)."""
        np.copyto(self.r, self.data.values if values is None else values)
        for w, h in zip(W, H, strict=True):
            self.subtract_outer(w, h)
            check_deadline()  # the run's time cap, between factors (issue #10)

    def subtract_outer(self, u: np.ndarray, v: np.ndarray) -> None:
        """r ← r − u[row] · v[column] at every observed cell."""
        np.take(v, self.cols, out=self.buffer, mode="clip")
        if _scale_rows is None:
            np.multiply(self.buffer, np.repeat(u, self.counts), out=self.buffer)
        else:  # in place, one pass, no n-repeated copy of u
            X = self.matrix
            _scale_rows(X.shape[0], X.shape[1], X.indptr, X.indices, self.buffer,
                        np.ascontiguousarray(u, dtype=np.float64))
        np.subtract(self.r, self.buffer, out=self.r)

    def squared(self) -> float:
        return float(np.einsum("i,i->", self.r, self.r))  # a threaded BLAS dot is slow here


def coordinate_update(side: _Side, v: np.ndarray, u: np.ndarray, reg=0.0,
                      nonnegative: bool = True, d: np.ndarray | None = None) -> None:
    """CCD++'s exact update of one factor's vector ``v`` on ``side`` against the other
    side's ``u``, in place, keeping the residual current (see the module docstring):
    ``v ← max(0, (rᵀu + v∘d)/(d + λ))``, d = Pᵀ(u∘u) (given, or formed here; it is
    overwritten); where d + λ = 0, v stays."""
    if d is None:
        d = side.pattern(u * u)
    numerator = side.matvec(u)
    numerator += v * d
    d += reg
    new = np.divide(numerator, d, out=v.copy(), where=d > 0)
    if nonnegative:
        np.maximum(new, 0.0, out=new)
    side.subtract_outer(new - v, u)
    v[...] = new


def _zero_unobserved(W, H, data: ObservedEntries, held_S, held_A) -> None:
    """Zero every free factor at the rows and columns with nothing observed (nothing
    determines them there); the factors the caller holds fixed keep their values."""
    for F, empty, held in ((H, data.empty_cols, held_S), (W, data.empty, held_A)):
        free = [f for f in range(F.shape[1]) if f not in held]
        if free and np.any(empty):
            F[np.ix_(range(F.shape[0]), free, np.flatnonzero(empty))] = 0.0


class ObservedHALS:
    """The step factorize drives on observed entries: CCD++ in HALS order, S first then
    A, for a batch of restarts W (R, k, n), H (R, k, m).

    ``data`` is an :class:`ObservedEntries`, already scaled; ``reg_A``/``reg_S`` the L2
    weights (½·reg·‖A‖², ½·reg·‖S‖²; for the recommender's λ per observed value give
    ``reg`` instead, λ·|O(j)| for a column).  Restarts run one at a time, or, while
    R × stored ≤ :data:`STACK_CELLS`, all at once on the block-diagonal stack of their
    cells (the same sums in the same order, with R times fewer numpy calls).  Each
    residual is kept between steps (while they fit in :data:`CACHE_BYTES`) and rebuilt
    when the iterate was changed from outside (the divergence guard, a cut-short step)
    or every :data:`REFRESH` steps.  ``step`` returns the squared residual plus twice
    the penalty, so that half of it is the objective.
    """

    def __init__(self, data: ObservedEntries, nonnegative: bool = True, reg: float = 0.0,
                 reg_A: float = 0.0, reg_S: float = 0.0):
        self.data, self.nonnegative = data, nonnegative
        self.reg_A = reg_A + reg * data.row_count if reg else reg_A
        self.reg_S = reg_S + reg * data.col_count if reg else reg_S
        self.penalised = bool(reg or reg_A or reg_S)
        self.residual, self.stack = None, None  # stack: (R, the block-diagonal cells)
        self.kept: dict[int, tuple] = {}  # group → (W copy, H copy, residual values)

    def reset(self) -> None:
        self.kept.clear()

    def _groups(self, R: int):
        """The restarts run together, and the cells they run on."""
        if R == 1 or R * self.data.stored > STACK_CELLS:
            return [[r] for r in range(R)], self.data
        if self.stack is None or self.stack[0] != R:
            X, (n, m) = self.data.X, self.data.shape
            nnz = X.nnz
            indices = np.concatenate([X.indices.astype(np.int64) + r * m for r in range(R)])
            indptr = np.concatenate([[0]] + [X.indptr[1:].astype(np.int64) + r * nnz
                                             for r in range(R)])
            self.stack = (R, ObservedEntries(_csr(np.tile(X.data, R), indices, indptr,
                                                  (R * n, R * m))))
        return [list(range(R))], self.stack[1]

    def _residual_for(self, g: int, data: ObservedEntries, W, H, t: int) -> Residual:
        if self.residual is None or self.residual.data is not data:
            self.residual = Residual(data)
        residual = self.residual
        kept = self.kept.pop(g, None)
        if (kept is not None and t % REFRESH and np.array_equal(kept[0], W)
                and np.array_equal(kept[1], H)):
            if kept[2] is not residual.r:
                np.copyto(residual.r, kept[2])
        else:
            residual.reset(W, H)
        return residual

    def _keep(self, g: int, groups: int, exact: bool, W, H, residual: Residual) -> None:
        if not exact:
            return  # rounded factors: their residual is not the float64 one just updated
        if groups == 1:  # the residual's own array is the copy
            self.kept[g] = (W.copy(), H.copy(), residual.r)
        elif groups * residual.r.nbytes <= CACHE_BYTES:
            self.kept[g] = (W.copy(), H.copy(), residual.r.copy())

    def update(self, residual: Residual, W, H, held_S=(), held_A=(), reg_S=None,
               reg_A=None) -> None:
        """One step for W (k, n') and H (k, m') float64 on ``residual``'s cells, in place."""
        reg_S = self.reg_S if reg_S is None else reg_S
        reg_A = self.reg_A if reg_A is None else reg_A
        for side, F, G, reg, held in ((residual.columns, H, W, reg_S, held_S),
                                      (residual.rows, W, H, reg_A, held_A)):
            # G is fixed for the whole half-step: every factor's Pᵀ(g∘g) in one product
            D = side.pattern(np.square(G).T)
            for f in range(F.shape[0]):
                if f not in held:
                    coordinate_update(side, F[f], G[f], reg, self.nonnegative, D[:, f].copy())
                check_deadline()  # the run's time cap, between factors (issue #10)

    def step(self, W, H, t, held_S=(), held_A=()):
        """One step, S (H) first, then A (W); rows in ``held_S``/``held_A`` stay."""
        data = self.data
        R, k, n = W.shape
        m, nnz = H.shape[2], data.stored
        if t == 0:
            _zero_unobserved(W, H, data, held_S, held_A)
        groups, cells = self._groups(R)
        exact = W.dtype == np.float64 and H.dtype == np.float64
        out = np.empty(R)
        for g, rs in enumerate(groups):
            size = len(rs)
            Wg = np.ascontiguousarray(W[rs].transpose(1, 0, 2), dtype=np.float64).reshape(k, -1)
            Hg = np.ascontiguousarray(H[rs].transpose(1, 0, 2), dtype=np.float64).reshape(k, -1)
            reg_S, reg_A = (np.tile(reg, size) if np.ndim(reg) else reg
                            for reg in (self.reg_S, self.reg_A))
            residual = self._residual_for(g, cells, Wg, Hg, t)
            self.update(residual, Wg, Hg, held_S, held_A, reg_S, reg_A)
            W[rs] = Wg.reshape(k, size, n).transpose(1, 0, 2)
            H[rs] = Hg.reshape(k, size, m).transpose(1, 0, 2)
            for i, r in enumerate(rs):
                part = residual.r[i * nnz:(i + 1) * nnz]
                out[r] = float(np.einsum("i,i->", part, part))
                if self.penalised:
                    Wr, Hr = Wg[:, i * n:(i + 1) * n], Hg[:, i * m:(i + 1) * m]
                    out[r] += (np.einsum("fi,fi,i->", Wr, Wr, np.broadcast_to(reg_A[:n] if
                               np.ndim(reg_A) else reg_A, n)) + np.einsum(
                               "fj,fj,j->", Hr, Hr, np.broadcast_to(reg_S[:m] if np.ndim(reg_S)
                                                                  else reg_S, m)))
            self._keep(g, len(groups), exact, Wg, Hg, residual)
        return out


class ObservedMU:
    """Weighted multiplicative updates on the observed cells,
    ``H ← H ∘ (W X_obs) / (W M̂ + λ H)`` with M̂ = M ∘ (WᵀH) formed at the observed cells
    only, then the same for W: O(nnz·k) a step, the iterates of the dense masked rule."""

    def __init__(self, data: ObservedEntries, reg_A: float = 0.0, reg_S: float = 0.0):
        self.data, self.reg_A, self.reg_S = data, reg_A, reg_S
        self.residual = None

    def reset(self) -> None:
        pass

    def _half(self, side: _Side, X_side, F, G, reg, held) -> None:
        """F (k, p), the factor on ``side``, against G (k, q); ``X_side`` is X read along
        that side (X or Xᵀ)."""
        check_deadline()  # the run's time cap (issue #10)
        W, H = (G, F) if side.transposed else (F, G)
        self.residual.reset(W, H, values=0.0)  # r = −M̂, the model at the observed cells
        numerator = X_side @ G.T  # (p, k): Σ over the side's cells of x·g
        denominator = -side.matvec(G.T)  # Σ M̂·g
        if reg:
            denominator += reg * F.T
        np.maximum(denominator, np.finfo(np.float64).eps, out=denominator)
        ratio = (numerator / denominator).T
        if held:
            ratio[list(held)] = 1.0
        F *= ratio

    def step(self, W, H, t, held_S=(), held_A=()):
        data = self.data
        if self.residual is None:
            self.residual = Residual(data)
            self._XT = data.X.T  # Xᵀ as a view
        if t == 0:
            _zero_unobserved(W, H, data, held_S, held_A)
        out = np.empty(W.shape[0])
        for r in range(W.shape[0]):
            Wr, Hr = W[r].astype(np.float64), H[r].astype(np.float64)
            self._half(self.residual.columns, self._XT, Hr, Wr, self.reg_S, held_S)
            self._half(self.residual.rows, data.X, Wr, Hr, self.reg_A, held_A)
            W[r], H[r] = Wr, Hr
            self.residual.reset(Wr, Hr)
            out[r] = self.residual.squared() + (self.reg_A * np.vdot(Wr, Wr)
                                               + self.reg_S * np.vdot(Hr, Hr))
        return out


class FilledMatrix(DataMatrix):
    """The observed cells with every missing cell at the observed mean μ, as an operator
    (``X_obs + μ (𝟙𝟙ᵀ − P)``), for the starting point of a masked run: its mean is μ
    and its products cost O(nnz + (n + m)·p), so NNDSVD never forms it."""

    def __init__(self, data: ObservedEntries, mean: float | None = None, _transpose=None):
        self.data, self.shape = data, data.shape
        self.mu = data.mean if mean is None else mean
        self._T = _transpose

    def mean(self) -> float:
        return self.mu

    @property
    def T(self) -> FilledMatrix:
        if self._T is None:
            self._T = FilledMatrix(self.data.T, self.mu, _transpose=self)
        return self._T

    def matmul(self, Y: np.ndarray) -> np.ndarray:
        data = self.data
        return data.X @ Y - self.mu * (data.P @ Y) + self.mu * Y.sum(axis=0)[None]

    def left_matmul(self, Y: np.ndarray) -> np.ndarray:
        return self.T.matmul(Y.T).T

    def dense(self) -> np.ndarray:
        out = np.full(self.shape, self.mu)
        out[self.data.rows, self.data.cols] = self.data.values
        return out

    def leading_singular_triplets(self, k: int, rng):
        """Exact where small (min(n, m) ≤ 300 and at most 1,000,000 cells, made dense as
        the dense path does), else randomized through the operator's products."""
        from .matrix import DENSE_SVD_MAX_CELLS, EXACT_SVD_MAX_SIDE, _randomized_svd

        if min(self.shape) <= EXACT_SVD_MAX_SIDE and self.data.cells <= DENSE_SVD_MAX_CELLS:
            U, s, Vt = np.linalg.svd(self.dense(), full_matrices=False)
            return U[:, :k], s[:k], Vt[:k]
        return _randomized_svd(self, k, rng)


def empty_note(data: ObservedEntries) -> str:
    """"2 rows and 1 column have no observed cell (their factors are zero)", or ""."""
    rows, cols = int(data.empty.sum()), int(data.empty_cols.sum())
    parts = [f"{count} {name}{'s' if count != 1 else ''}"
             for count, name in ((rows, "row"), (cols, "column")) if count]
    if not parts:
        return ""
    verb = "has" if rows + cols == 1 else "have"
    return f"{' and '.join(parts)} {verb} no observed cell (their factors are zero)"




def observed_input(X, mask, missing: str, k: int, check_dense, check_mask):
    """The observed cells of a masked run, checked: ``(ObservedEntries, X)`` with X the
    checked dense matrix (zeros where missing) for a dense X, else None.

    ``missing="unstored"``: a scipy.sparse X's stored entries are the observed cells.
    ``mask``: the cells where it is true, of a dense X (``check_dense``,
    ``check_mask`` are factorize's checks) or of a sparse one (gathered).
    """
    from ..errors import MatrixError, ParameterError
    from .check import MISSING_CHOICES, check_sparse, is_sparse

    if missing not in MISSING_CHOICES:
        raise ParameterError(f"missing must be 'zero' or 'unstored'; got {missing!r}")
    if is_sparse(X):
        csr = check_sparse(X, k, observed_cells=mask is None)
        if mask is None:
            return ObservedEntries.from_sparse(csr), None
        M = np.asarray(mask, dtype=bool)
        if M.shape != csr.shape:
            raise MatrixError(f"mask must have X's shape {csr.shape}; got {M.shape}")
        from .matrix import SparseMatrix

        rows, cols = np.nonzero(M)
        values = SparseMatrix(csr).gather(rows, cols)
        if not (values > 0).any():
            raise MatrixError("X is all zeros on the observed cells: there is nothing to factor")
        return ObservedEntries.from_cells(rows, cols, values, csr.shape), None
    if mask is None:
        raise ParameterError("missing='unstored' needs a scipy.sparse X (its stored entries "
                             "are the observed cells); for a dense X give mask=")
    X = np.where(np.asarray(mask, dtype=bool), X, 0.0) if np.shape(mask) == np.shape(X) else X
    X = check_dense(X, k)
    M = check_mask(mask, X)
    return ObservedEntries.from_mask(X, M), X


# A multiply-add in scipy's sparse × dense kernels (one thread, indexed loads) costs
# about this many of budget.FLOP_SECONDS' BLAS ones (measured on the bench machine).
SPARSE_FLOP_FACTOR = 10


def observed_cost(shape, k: int, settings):
    """One masked step's cost: 2·k coordinate updates, each two sparse products and a
    rank-one residual update over the stored entries (``settings["stored"]``, all cells
    if not given), about four sparse passes; in BLAS-equivalent multiply-adds."""
    from ..solvers.base import Cost

    n, m = shape
    stored = settings.get("stored") or n * m
    flops = SPARSE_FLOP_FACTOR * stored * 8 * k + 12 * (n + m) * k
    return Cost(2 * k * 12 + 40, flops)


def product_flops(shape, k: int, settings) -> float:
    """X Sᵀ and Aᵀ X in one step, in BLAS-equivalent multiply-adds: 4·n·m·k for a dense
    X, 4·stored·k sparse ones for a sparse X (``settings["stored"]``)."""
    n, m = shape
    stored = settings.get("stored")
    return 4 * n * m * k if stored is None else SPARSE_FLOP_FACTOR * 4 * stored * k
