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

EXACT_BELOW = 1e-6  # residual / ‖X‖² below which the identity cancels: measure directly
_GATHER_CHUNK = 1 << 18  # observed cells per chunk of a direct residual


class ObservedEntries:
    """The observed cells of an (n, m) matrix, with CSR copies of X and Xᵀ.

    ``rows``, ``cols`` (intp) and ``values`` (float64) are in row-major order, each
    cell once.  Build one with :meth:`from_sparse`, :meth:`from_mask` or
    :meth:`from_triples`.
    """

    def __init__(self, rows, cols, values, shape, _transposed=None):
        import scipy.sparse as sp

        n, m = shape
        self.shape, self.rows, self.cols, self.values = (n, m), rows, cols, values
        self.stored = values.size
        self.cells = n * m
        self.x_sq = float(np.dot(values, values))
        self.row_count = np.bincount(rows, minlength=n)
        self.empty = self.row_count == 0  # rows with no observed cell
        # X as CSR (rows × cols) and its pattern, over the same index arrays
        indptr = np.concatenate(([0], np.cumsum(self.row_count)))
        self.X = sp.csr_array((values, cols, indptr), shape=(n, m))
        self.P = sp.csr_array((np.ones(self.stored), self.X.indices, self.X.indptr),
                              shape=(n, m))
        self._T = _transposed

    @classmethod
    def from_sparse(cls, X):
        """The stored entries of a canonical CSR (explicit zeros are observed zeros)."""
        n, m = X.shape
        rows = np.repeat(np.arange(n), np.diff(X.indptr))
        return cls(rows, X.indices.astype(np.intp), X.data.astype(np.float64), (n, m))

    @classmethod
    def from_mask(cls, X: np.ndarray, mask: np.ndarray):
        """The cells of a dense X where ``mask`` is true."""
        rows, cols = np.nonzero(mask)
        return cls(rows, cols, X[rows, cols].astype(np.float64), X.shape)

    @property
    def T(self) -> ObservedEntries:
        """The same cells of Xᵀ (built once, then kept)."""
        if self._T is None:
            n, m = self.shape
            order = np.lexsort((self.rows, self.cols))
            self._T = ObservedEntries(self.cols[order], self.rows[order], self.values[order],
                                      (m, n), _transposed=self)
        return self._T

    def divided(self, d: float) -> ObservedEntries:
        """The same cells with every value divided by ``d`` (as the dense path divides)."""
        return ObservedEntries(self.rows, self.cols, self.values / d, self.shape)

    @property
    def max(self) -> float:
        return float(self.values.max())

    @property
    def mean(self) -> float:
        return float(self.values.mean())

    def products(self, W: np.ndarray, reg: float = 0.0):
        """b (R, k, m) and the per-column Grams G (R, k, k, m) for W (R, k, n)."""
        R, k, n = W.shape
        m = self.shape[1]
        XT, PT = self.T.X, self.T.P  # (m, n) CSR
        dense = W.transpose(2, 0, 1)  # (n, R, k)
        b = (XT @ dense.reshape(n, R * k)).reshape(m, R, k).transpose(1, 2, 0)
        upper_f, upper_g = np.triu_indices(k)
        pairs = dense[:, :, upper_f] * dense[:, :, upper_g]  # (n, R, p)
        packed = (PT @ pairs.reshape(n, -1)).reshape(m, R, upper_f.size)
        G = np.empty((R, k, k, m))
        G[:, upper_f, upper_g] = packed.transpose(1, 2, 0)
        G[:, upper_g, upper_f] = G[:, upper_f, upper_g]
        if reg:
            G[:, np.arange(k), np.arange(k)] += reg * self.T.row_count
        return np.ascontiguousarray(b), G

    def squared_residuals(self, W: np.ndarray, H: np.ndarray) -> np.ndarray:
        """``Σ_observed (x_ij − w_iᵀ h_j)²`` per restart, measured directly, in chunks."""
        out = np.zeros(W.shape[0])
        for start in range(0, self.stored, _GATHER_CHUNK):
            part = slice(start, start + _GATHER_CHUNK)
            rows, cols = self.rows[part], self.cols[part]
            model = np.einsum("rki,rki->ri", W[:, :, rows], H[:, :, cols])
            model -= self.values[part]
            out += np.einsum("ri,ri->r", model, model)
        return out

    def identity_residuals(self, H, b, G) -> np.ndarray:
        """The observed residual from a half-step's products, exact unless it is small
        (then measured directly by the caller): Σx² − 2⟨H, b⟩ + Σ_j h_jᵀ G_j h_j."""
        return (self.x_sq - 2 * np.einsum("rkm,rkm->r", H, b)
                + np.einsum("rfm,rfgm,rgm->r", H, G, H))


def hals_columns(H, b, G, nonnegative: bool = True) -> None:
    """One coordinate-descent pass over the rows of H, in place, against each column's
    own Gram: ``h_f ← max(0, h_f + (b_f − Σ_g G_fg h_g) / G_ff)``; G_ff = 0 leaves h_f."""
    R, k, m = H.shape
    diag = G[:, np.arange(k), np.arange(k)]  # (R, k, m)
    inverse = np.divide(1.0, diag, out=np.zeros_like(diag), where=diag > 0)
    for f in range(k):
        step = b[:, f] - np.einsum("rgm,rgm->rm", G[:, f], H)
        step *= inverse[:, f]
        step += H[:, f]
        if nonnegative:
            np.maximum(step, 0.0, out=step)
        H[:, f] = step


def mu_columns(H, b, G) -> None:
    """Weighted Lee–Seung update of H, in place: ``H ← H ∘ b / (G h)`` column by column."""
    denominator = np.einsum("rfgm,rgm->rfm", G, H)
    np.maximum(denominator, np.finfo(np.float64).eps, out=denominator)
    H *= b / denominator


class ObservedSolver:
    """Shared step of the observed-entries rules: S first, then A, as in the documents.

    ``data`` is an :class:`ObservedEntries`, already scaled; ``reg`` the L2 weight
    per observed value.  Empty rows and columns get zero factors at the first step.
    """

    def __init__(self, data: ObservedEntries, nonnegative: bool = True, reg: float = 0.0):
        self.data, self.nonnegative, self.reg = data, nonnegative, reg
        self.exact_below = EXACT_BELOW * data.x_sq

    def update(self, F, b, G):
        raise NotImplementedError

    def step(self, W, H, t):
        data = self.data
        if t == 0:
            H[:, :, data.T.empty] = 0.0
            W[:, :, data.empty] = 0.0
        b, G = data.products(W, self.reg)
        self.update(H, b, G)
        b, G = data.T.products(H, self.reg)
        self.update(W, b, G)
        sq = data.T.identity_residuals(W, b, G)
        if self.reg or (sq < self.exact_below).any() or not np.isfinite(sq).all():
            sq = data.squared_residuals(W, H)
        return sq

    def reset(self):
        pass


class ObservedHALS(ObservedSolver):
    """HALS on the observed entries (see the module docstring)."""

    def update(self, F, b, G):
        hals_columns(F, b, G, self.nonnegative)


class ObservedMU(ObservedSolver):
    """Weighted multiplicative updates on the observed entries."""

    def update(self, F, b, G):
        mu_columns(F, b, G)


class FilledMatrix:
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
        return ObservedEntries(rows, cols, values, csr.shape), None
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
