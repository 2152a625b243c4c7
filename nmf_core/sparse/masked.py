"""Masked NMF on the observed entries only: O(nnz·k²) work per iteration, no n×m array.

:class:`ObservedEntries` holds the observed cells of an (n, m) matrix (a sparse
matrix's stored entries, a dense matrix's mask, or (row, column, value)
triples): the values in CSR order, their pattern, and CSR copies of both
transposed, so that every product below is a row-major sparse × dense product.

Both update rules are written once, for H (R, k, m) against W (R, k, n), and
applied to W through :meth:`ObservedEntries.T` (the transpose trick).  For each
column j, with O(j) its observed rows,

    b_j = Σ_{i∈O(j)} x_ij w_i          (one sparse product Xᵀ Wᵀ for every restart)
    G_j = Σ_{i∈O(j)} w_i w_iᵀ          (one sparse product Pᵀ [w_f w_g]_{f≤g})

are the column's own right-hand side and Gram matrix, k and k(k+1)/2 numbers.
HALS (coordinate descent, Cichocki–Phan; on observed entries this is CCD++'s
rank-one update, Yu, Hsieh, Si and Dhillon, ICDM 2012) then updates the rows of H
in turn, ``h_f ← max(0, h_f + (b_f − Σ_g G_fg h_g) / G_ff)``, which is exactly
the masked HALS rule ``H[f] ← max(0, H[f] + (W[f] E) / (W[f]² M))`` with
E = M ∘ (X − WᵀH) kept current, without ever forming E.  MU is
``H ← H ∘ b / (G h)``, the weighted Lee–Seung rule.  L2 regularisation λ adds
λ·|O(j)| to G_j's diagonal (λ per observed value, as in nmf_core.observed).

A column with no observed cell has G_j = 0: its factor is set to zero and left
there.  The residual on the observed cells comes from the same products
(``Σx² − 2 Σ_j h_jᵀ b_j + Σ_j h_jᵀ G_j h_j``), measured directly on the observed
entries (O(nnz·k)) where that identity would cancel.
"""

from __future__ import annotations

import numpy as np

from ..datamatrix import DataMatrix
from ..solvers.base import check_deadline

EXACT_BELOW = 1e-6  # residual / ‖X‖² below which the identity cancels: measure directly
_CHUNK = 1 << 20  # numbers per chunk: observed cells of a direct residual, Gram entries


class ObservedEntries:
    """The observed cells of an (n, m) matrix: X as a CSR over them (explicit zeros are
    observed zeros) and, built on first use, the same for Xᵀ.  The pattern P (ones at
    the observed cells) shares X's index arrays; indices are int32 where they fit.
    Memory: about 20 bytes an observed cell for each of X and Xᵀ.
    """

    def __init__(self, csr, _transposed=None, _ones=None):
        import scipy.sparse as sp

        self.X = csr
        self.shape = csr.shape
        self.stored, self.cells = csr.nnz, csr.shape[0] * csr.shape[1]
        self.values = csr.data
        self.x_sq = float(np.dot(self.values, self.values))
        self.row_count = np.diff(csr.indptr)
        self.empty = self.row_count == 0  # rows with no observed cell
        self._ones = np.ones(self.stored) if _ones is None else _ones  # shared with T's P
        self.P = sp.csr_array((self._ones, csr.indices, csr.indptr), shape=csr.shape)
        self._T = _transposed

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
    def T(self) -> ObservedEntries:
        """The same cells of Xᵀ (built once, then kept)."""
        if self._T is None:
            import scipy.sparse as sp

            self._T = ObservedEntries(_canonical(sp.csr_array(self.X.T)), _transposed=self,
                                      _ones=self._ones)
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

    def column_blocks(self, R: int, k: int):
        """Slices of columns whose Grams (R·k·k numbers a column) fit in one chunk."""
        m = self.shape[1]
        width = max(1, _CHUNK // (R * k * k))
        return [slice(start, min(m, start + width)) for start in range(0, m, width)]

    def products(self, W: np.ndarray, columns: slice, reg: float = 0.0, pairs=None):
        """b (R, k, c) and the per-column Grams G (R, k, k, c) of the given columns for
        W (R, k, n); ``pairs`` = :meth:`pairs` (W), formed once per half-step."""
        R, k, n = W.shape
        T = self.T
        XT = T.X[columns]  # rows of Xᵀ: the columns' observed cells
        PT = T.P[columns]
        c = XT.shape[0]
        dense = W.transpose(2, 0, 1).reshape(n, R * k)
        b = (XT @ dense).reshape(c, R, k).transpose(1, 2, 0)
        upper_f, upper_g = np.triu_indices(k)
        packed = (PT @ pairs).reshape(c, R, upper_f.size)
        G = np.empty((R, k, k, c))
        G[:, upper_f, upper_g] = packed.transpose(1, 2, 0)
        G[:, upper_g, upper_f] = G[:, upper_f, upper_g]
        if reg:
            G[:, np.arange(k), np.arange(k)] += reg * T.row_count[columns]
        return np.ascontiguousarray(b), G

    @staticmethod
    def pairs(W: np.ndarray) -> np.ndarray:
        """``w_f ∘ w_g`` for f ≤ g, every restart: (n, R·k(k+1)/2)."""
        R, k, n = W.shape
        upper_f, upper_g = np.triu_indices(k)
        dense = W.transpose(2, 0, 1)  # (n, R, k)
        return (dense[:, :, upper_f] * dense[:, :, upper_g]).reshape(n, -1)

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


def hals_columns(H, b, G, nonnegative: bool = True, held=()) -> None:
    """One coordinate-descent pass over the rows of H, in place, against each column's
    own Gram: ``h_f ← max(0, h_f + (b_f − Σ_g G_fg h_g) / G_ff)``; G_ff = 0 leaves h_f,
    and so does f in ``held`` (a fixed factor)."""
    R, k, m = H.shape
    diag = G[:, np.arange(k), np.arange(k)]  # (R, k, m)
    inverse = np.divide(1.0, diag, out=np.zeros_like(diag), where=diag > 0)
    for f in range(k):
        if f in held:
            continue
        step = b[:, f] - np.einsum("rgm,rgm->rm", G[:, f], H)
        step *= inverse[:, f]
        step += H[:, f]
        if nonnegative:
            np.maximum(step, 0.0, out=step)
        H[:, f] = step
        check_deadline()  # the run's time cap, between rows (issue #10)


def mu_columns(H, b, G, held=()) -> None:
    """Weighted Lee–Seung update of H, in place: ``H ← H ∘ b / (G h)`` column by column
    (rows f in ``held`` keep a ratio of 1)."""
    check_deadline()  # the run's time cap (issue #10)
    denominator = np.einsum("rfgm,rgm->rfm", G, H)
    np.maximum(denominator, np.finfo(np.float64).eps, out=denominator)
    ratio = b / denominator
    if held:
        ratio[:, list(held)] = 1.0
    H *= ratio


class ObservedSolver:
    """Shared step of the observed-entries rules: S first, then A, as in the documents.

    ``data`` is an :class:`ObservedEntries`, already scaled; ``reg`` the L2 weight
    per observed value.  Empty rows and columns get zero factors at the first step.
    """

    def __init__(self, data: ObservedEntries, nonnegative: bool = True, reg: float = 0.0):
        self.data, self.nonnegative, self.reg = data, nonnegative, reg
        self.exact_below = EXACT_BELOW * data.x_sq

    def update(self, F, b, G, held=()):
        raise NotImplementedError

    def half_step(self, data: ObservedEntries, W, H, held=()):
        """Update H against W, one block of columns at a time; returns the observed
        residual from the identity ``Σx² − 2⟨H, b⟩ + Σ_j h_jᵀ G_j h_j`` (exact unless
        it is small) for the H it leaves."""
        R, k, _ = W.shape
        pairs = data.pairs(W)
        inner = np.zeros(R)
        for columns in data.column_blocks(R, k):
            b, G = data.products(W, columns, self.reg, pairs)
            block = H[:, :, columns]
            self.update(block, b, G, held)
            H[:, :, columns] = block
            inner += (-2 * np.einsum("rkm,rkm->r", block, b)
                      + np.einsum("rfm,rfgm,rgm->r", block, G, block))
        return data.x_sq + inner

    def step(self, W, H, t, held_S=(), held_A=()):
        """One step, S (H) first, then A (W); rows in ``held_S``/``held_A`` stay."""
        data = self.data
        if t == 0:
            H[:, :, data.T.empty] = 0.0
            W[:, :, data.empty] = 0.0
        self.half_step(data, W, H, held_S)
        sq = self.half_step(data.T, H, W, held_A)
        if self.reg or (sq < self.exact_below).any() or not np.isfinite(sq).all():
            sq = data.squared_residuals(W, H)
        return sq

    def reset(self):
        pass


class ObservedHALS(ObservedSolver):
    """HALS on the observed entries (see the module docstring)."""

    def update(self, F, b, G, held=()):
        hals_columns(F, b, G, self.nonnegative, held)


class ObservedMU(ObservedSolver):
    """Weighted multiplicative updates on the observed entries."""

    def update(self, F, b, G, held=()):
        mu_columns(F, b, G, held)


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
    rows, cols = int(data.empty.sum()), int(data.T.empty.sum())
    parts = [f"{count} {name}{'s' if count != 1 else ''}"
             for count, name in ((rows, "row"), (cols, "column")) if count]
    if not parts:
        return ""
    verb = "has" if rows + cols == 1 else "have"
    return f"{' and '.join(parts)} {verb} no observed cell (their factors are zero)"


MISSING_CHOICES = ("zero", "unstored")  # factorize(missing=...): what an unstored cell is


def observed_input(X, mask, missing: str, k: int, check_dense, check_mask):
    """The observed cells of a masked run, checked: ``(ObservedEntries, X)`` with X the
    checked dense matrix (zeros where missing) for a dense X, else None.

    ``missing="unstored"``: a scipy.sparse X's stored entries are the observed cells.
    ``mask``: the cells where it is true, of a dense X (``check_dense``,
    ``check_mask`` are factorize's checks) or of a sparse one (gathered).
    """
    from ..errors import MatrixError, ParameterError
    from .check import check_sparse, is_sparse

    if missing not in MISSING_CHOICES:
        raise ParameterError(f"missing must be 'zero' or 'unstored'; got {missing!r}")
    if is_sparse(X):
        csr = check_sparse(X, k)
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
    """One masked step's cost: per half-step a product with k and one with k(k+1)/2
    columns over the stored entries (``settings["stored"]``, all cells if not given),
    then k coordinate passes of k·(n or m); in BLAS-equivalent multiply-adds."""
    from ..solvers.base import Cost

    n, m = shape
    stored = settings.get("stored") or n * m
    flops = SPARSE_FLOP_FACTOR * stored * k * (k + 3) + 4 * (n + m) * k * k
    return Cost(2 * k * 6 + 40, flops)


def product_flops(shape, k: int, settings) -> float:
    """X Sᵀ and Aᵀ X in one step, in BLAS-equivalent multiply-adds: 4·n·m·k for a dense
    X, 4·stored·k sparse ones for a sparse X (``settings["stored"]``)."""
    n, m = shape
    stored = settings.get("stored")
    return 4 * n * m * k if stored is None else SPARSE_FLOP_FACTOR * 4 * stored * k
