"""The sparse implementation of the data-matrix seam: X as CSR, never densified.

X is held as a canonical float64 CSR and, built on first use, a CSR of Xᵀ (a CSC
copy of X), so that every product is a row-major sparse × dense product: ``F @ X``
is computed as ``(Xᵀ @ Fᵀ)ᵀ``.  Memory: the stored bytes of X twice (plus the
permutation between the two layouts, one integer a stored entry, built only for
``pattern_product``), the dense products (O((n + m)·k·R)), and the chunk of a
direct residual (at most :data:`CHUNK_CELLS` cells, 8 MB): nothing n×m.

Size thresholds count cells (n·m), as the dense implementation's do, so both take
the same branches on the same matrix and give the same results up to rounding.
"""

from __future__ import annotations

import numpy as np

from ..csvio import DEFAULT_MAX_CELLS
from ..datamatrix import DataMatrix
from ..errors import ParameterError
from ..solvers.base import check_deadline

GRAM_MIN_CELLS = 10_000  # as the dense seam: below, the direct norm is as cheap and exact
EXACT_BELOW = 1e-6  # ‖X − AS‖² / ‖X‖² below which the Gram identity cancels
# ‖X − AS‖² is measured exactly, in row chunks of at most CHUNK_CELLS cells, up to this
# many cells (the dense loader's limit: the time is then that of one dense product);
# above, from the stored entries and the factors' Grams (see squared_residuals).
EXACT_RESIDUAL_MAX_CELLS = DEFAULT_MAX_CELLS
CHUNK_CELLS = 1_000_000
# leading_singular_triplets: the exact SVD up to min(n, m) ≤ 300 as the dense seam; a
# sparse X with more cells than this is not made dense for it (8 MB): svds instead.
DENSE_SVD_MAX_CELLS = 1_000_000
EXACT_SVD_MAX_SIDE = 300


class SparseMatrix(DataMatrix):
    """A canonical float64 ``scipy.sparse.csr_array`` X (n, m) behind the seam."""

    def __init__(self, csr, _transpose=None):
        self.csr = csr
        self.shape = csr.shape
        self._T = _transpose
        self._sq = None
        self._keys = None  # row-major cell numbers of the stored entries, for gather
        self._rows = None  # the row of each stored entry
        self._to_T = None  # see _transpose_order

    @property
    def cells(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def stored(self) -> int:
        return self.csr.nnz

    # --------------------------------------------------------------- statistics
    def squared_norm(self) -> float:
        if self._sq is None:
            self._sq = float(np.dot(self.csr.data, self.csr.data))
        return self._sq

    def max(self) -> float:
        top = float(self.csr.data.max()) if self.stored else 0.0
        return top if self.stored == self.cells else max(top, 0.0)

    def mean(self) -> float:
        return float(self.csr.data.sum() / self.cells)

    def divided(self, d: float) -> SparseMatrix:
        """X / d, entry by entry as the dense seam divides."""
        return SparseMatrix(self.csr / d)

    @property
    def T(self) -> SparseMatrix:
        """Xᵀ, sharing this matrix's two CSR copies."""
        if self._T is None:
            import scipy.sparse as sp

            numbered = sp.csr_array((np.arange(self.stored, dtype=np.float64),
                                     self.csr.indices, self.csr.indptr), shape=self.shape)
            transposed = sp.csr_array(numbered.T)  # CSC of X: each row of Xᵀ sorted
            self._to_T = transposed.data.astype(np.intp)
            transposed.data = self.csr.data[self._to_T]
            self._T = SparseMatrix(transposed, _transpose=self)
            self._T._sq = self._sq
        return self._T

    # --------------------------------------------------------------- products
    def product(self, F: np.ndarray) -> np.ndarray:
        """``F[r] @ X`` for F (R, k, n): (R, k, m)."""
        R, k, n = F.shape
        return np.ascontiguousarray(self.T.csr @ F.reshape(R * k, n).T).T.reshape(
            R, k, self.shape[1]).copy()

    def product_t(self, F: np.ndarray) -> np.ndarray:
        """``F[r] @ Xᵀ`` for F (R, k, m): (R, k, n)."""
        return self.T.product(F)

    def matmul(self, Y: np.ndarray) -> np.ndarray:
        return np.asarray(self.csr @ Y)

    def left_matmul(self, Y: np.ndarray) -> np.ndarray:
        return np.asarray(self.T.csr @ Y.T).T

    def columns(self, cols) -> np.ndarray:
        return self.T.csr[np.asarray(cols)].toarray().T

    def gather(self, rows, cols) -> np.ndarray:
        """X[rows, cols] (broadcast; 0 where nothing is stored), by binary search in the
        row-major cell numbers of the stored entries."""
        rows, cols = np.broadcast_arrays(np.asarray(rows), np.asarray(cols))
        if not self.stored:
            return np.zeros(rows.shape)
        if self._keys is None:
            self._keys = self._stored_rows().astype(np.int64) * self.shape[1] + self.csr.indices
        wanted = rows.astype(np.int64) * self.shape[1] + cols
        at = np.minimum(np.searchsorted(self._keys, wanted), self.stored - 1)
        return np.where(self._keys[at] == wanted, self.csr.data[at], 0.0)

    def stored_values(self) -> np.ndarray:
        return self.csr.data

    def _stored_rows(self) -> np.ndarray:
        if self._rows is None:
            self._rows = np.repeat(np.arange(self.shape[0]), np.diff(self.csr.indptr))
        return self._rows

    def model_at_stored(self, W: np.ndarray, H: np.ndarray) -> np.ndarray:
        """(W[r]ᵀ H[r]) at the stored entries, per restart: (R, nnz), in chunks."""
        rows, cols = self._stored_rows(), self.csr.indices
        out = np.empty((W.shape[0], self.stored))
        step = max(1, CHUNK_CELLS // max(1, W.shape[1] * W.shape[0]))
        for start in range(0, self.stored, step):
            part = slice(start, start + step)
            out[:, part] = np.einsum("rki,rki->ri", W[:, :, rows[part]], H[:, :, cols[part]])
        return out

    def pattern_product(self, F: np.ndarray, V: np.ndarray) -> np.ndarray:
        """``F[r] @ V[r]`` for F (R, k, n), V[r] X's pattern holding V (R, nnz): (R, k, m),
        as ``(V[r]ᵀ @ F[r]ᵀ)ᵀ`` on Xᵀ's CSR."""
        T, to_T = self.T, self._transpose_order()
        return np.stack([np.ascontiguousarray((T._csr_with(V[r][to_T]) @ F[r].T).T)
                         for r in range(F.shape[0])])

    def pattern_product_t(self, F: np.ndarray, V: np.ndarray) -> np.ndarray:
        """``F[r] @ V[r]ᵀ`` for F (R, k, m): (R, k, n)."""
        return np.stack([np.ascontiguousarray((self._csr_with(V[r]) @ F[r].T).T)
                         for r in range(F.shape[0])])

    def _csr_with(self, values):
        import scipy.sparse as sp

        return sp.csr_array((values, self.csr.indices, self.csr.indptr), shape=self.shape)

    def _transpose_order(self) -> np.ndarray:
        """Indices into this matrix's stored values giving Xᵀ's, in Xᵀ's layout."""
        if self._to_T is None:
            back = self.T._to_T  # this matrix is a transpose: invert its partner's order
            self._to_T = np.empty_like(back)
            self._to_T[back] = np.arange(back.size)
        return self._to_T

    # --------------------------------------------------------------- residuals
    def squared_residuals(self, W, H, products=None) -> np.ndarray:
        """``‖X − W[r]ᵀ H[r]‖²`` per restart, without an n×m array.

        With ``products`` (HXt, HHt, WWt) and more than ``GRAM_MIN_CELLS`` cells: the
        Gram identity, as the dense seam, unless a value falls below
        ``EXACT_BELOW``·‖X‖².  Otherwise up to :data:`EXACT_RESIDUAL_MAX_CELLS` cells
        exactly, in row chunks; above, ``Σ_stored (x − p)² + (⟨WWᵀ, HHᵀ⟩ − Σ_stored p²)``
        with p = WᵀH at the stored cells, whose bracket (the model's mass on unstored
        cells) is good to about eps·‖AS‖².
        """
        x_sq = self.squared_norm()
        if products is not None and self.cells > GRAM_MIN_CELLS:
            HXt, HHt, WWt = products
            WWt = W @ W.transpose(0, 2, 1) if WWt is None else WWt
            sq = (x_sq - 2 * np.einsum("rkn,rkn->r", W, HXt)
                  + np.einsum("rij,rij->r", WWt, HHt))
            if not (sq < EXACT_BELOW * x_sq).any():
                return sq
        if self.cells <= EXACT_RESIDUAL_MAX_CELLS:
            return self._chunked_residuals(W, H)
        model = self.model_at_stored(W, H)
        misfit = model - self.csr.data
        total = np.einsum("rij,rij->r", W @ W.transpose(0, 2, 1), H @ H.transpose(0, 2, 1))
        return (np.einsum("rt,rt->r", misfit, misfit)
                + np.maximum(total - np.einsum("rt,rt->r", model, model), 0.0))

    def _chunked_residuals(self, W, H):
        n, m = self.shape
        out = np.zeros(W.shape[0])
        rows_per_chunk = max(1, CHUNK_CELLS // max(1, m * W.shape[0]))
        for start in range(0, n, rows_per_chunk):
            stop = min(n, start + rows_per_chunk)
            diff = W[:, :, start:stop].transpose(0, 2, 1) @ H  # (R, rows, m)
            diff -= self.csr[start:stop].toarray()
            out += np.einsum("rij,rij->r", diff, diff)
        return out

    # --------------------------------------------------------------- SVD, dense
    def leading_singular_triplets(self, k: int, rng):
        """As the dense seam's (exact where min(n, m) ≤ 300, else randomized through
        sparse products); a thin X with over ``DENSE_SVD_MAX_CELLS`` cells takes the
        sparse truncated SVD ``scipy.sparse.linalg.svds`` (ARPACK) instead, or the
        small side's Gram when k = min(n, m)."""
        if min(self.shape) <= EXACT_SVD_MAX_SIDE:
            if self.cells <= DENSE_SVD_MAX_CELLS:
                U, s, Vt = np.linalg.svd(self.csr.toarray(), full_matrices=False)
                return U[:, :k], s[:k], Vt[:k]
            if k >= min(self.shape):
                return _gram_svd(self.csr, k)
            from scipy.sparse.linalg import svds

            U, s, Vt = svds(self.csr, k, solver="arpack", rng=rng)
            order = np.argsort(s)[::-1]
            return U[:, order], s[order], Vt[order]
        return _randomized_svd(self, k, rng)

    def dense(self) -> np.ndarray:
        raise ParameterError("this method needs a dense X and X is sparse; use method hals "
                             "or mu, or pass X.toarray() if n×m fits in memory")


def _randomized_svd(X, k: int, rng):
    """Halko, Martinsson & Tropp, four power iterations, as the dense seam's."""
    sketch = X.matmul(rng.standard_normal((X.shape[1], k + 10)))
    for _ in range(4):
        check_deadline()  # the run's time cap, between products (issue #10)
        Q, _r = np.linalg.qr(sketch)
        Q, _r = np.linalg.qr(X.T.matmul(Q))
        sketch = X.matmul(Q)
    Q, _r = np.linalg.qr(sketch)
    Ub, s, Vt = np.linalg.svd(X.left_matmul(Q.T), full_matrices=False)
    return (Q @ Ub)[:, :k], s[:k], Vt[:k]


def _gram_svd(X, k: int):
    """All singular triplets of a sparse X with a small side p ≤ 300, from the p×p Gram."""
    wide = X.shape[0] <= X.shape[1]
    Y = X if wide else X.T
    eig, V = np.linalg.eigh((Y @ Y.T).toarray())
    order = np.argsort(eig)[::-1][:k]
    s = np.sqrt(np.maximum(eig[order], 0))
    V = V[:, order]
    other = (Y.T @ V) / np.where(s > 0, s, 1.0)  # (q, k)
    return (V, s, other.T) if wide else (other, s, V.T)
