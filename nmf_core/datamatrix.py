"""The data-matrix seam: the one way the solvers, the initialisation, the metrics and
``factorize`` reach X.

X is (n, m).  Factors come in batches of R restarts as in :mod:`nmf_core.solvers`:
``W`` (R, k, n) = Aᵀ and ``H`` (R, k, m) = S, so that ``X ≈ W[r].T @ H[r]``.  A
``DataMatrix`` holds X and answers, for a whole batch at once:

==========================================  ==================================================
``shape``, ``cells``, ``stored``            (n, m); n·m; the entries it stores (n·m if dense)
``squared_norm()``                          ‖X‖²_F (cached; X is never changed in place)
``max()``, ``mean()``                       over all n·m cells, unstored zeros included
``divided(d)``                              a new DataMatrix holding ``X / d`` (a scalar)
``T``                                       Xᵀ as a DataMatrix (a view where the format allows)
``product(F)``                              ``F[r] @ X`` for F (R, k, n): (R, k, m)
``product_t(F)``                            ``F[r] @ Xᵀ`` for F (R, k, m): (R, k, n)
``matmul(Y)``                               ``X @ Y`` for a dense Y (m, p): (n, p)
``left_matmul(Y)``                          ``Y @ X`` for a dense Y (p, n): (p, m)
``squared_residuals(W, H, products=None)``  ‖X − W[r]ᵀ H[r]‖² per restart, (R,)
``gather(rows, cols)``                      ``X[rows, cols]`` for broadcastable index arrays
``columns(cols)``                           ``X[:, cols]`` as a dense (n, len(cols)) array
``stored_values()``                         X at its stored entries (dense: the (n, m) array)
``model_at_stored(W, H)``                   ``(W[r]ᵀ H[r])`` at the stored entries, per restart:
                                            (R, *stored_values().shape)
``pattern_product(F, V)``                   ``F[r] @ V[r]``, V[r] X's pattern with values
                                            V (R, *stored shape) : (R, k, m)
``pattern_product_t(F, V)``                 ``F[r] @ V[r]ᵀ`` likewise : (R, k, n)
``leading_singular_triplets(k, rng)``       U (n, k), s (k,), Vt (k, m) of X's k largest
``dense()``                                 X as an (n, m) ndarray; only for solvers that
                                            declare ``sparse = False`` (may refuse if huge)
==========================================  ==================================================

``squared_residuals`` takes ``products = (HXt, HHt, WWt)`` when the caller already
formed ``H Xᵀ`` (R, k, n), ``H Hᵀ`` and ``W Wᵀ`` (R, k, k; WWt may be None): then the
Gram identity ‖X‖² − 2⟨W, H Xᵀ⟩ + ⟨W Wᵀ, H Hᵀ⟩ may be used where it is exact enough
(the implementation decides; size thresholds count ``cells``, not stored entries);
without products, or where the identity cancels, it is measured directly (on stored
entries plus the model's mass elsewhere, for a sparse X).

Rules every implementation keeps: results are float64 numpy arrays whatever the
storage; nothing changes X in place; ``stored_values``, ``model_at_stored`` and the
``V`` of ``pattern_product`` share one layout per object (and ``T``'s layout is its
own); zeros that are stored are observed zeros like any other value.
:func:`as_data_matrix` turns what ``factorize`` accepts into a DataMatrix (a
DataMatrix passes through); :class:`DenseMatrix` is the numpy implementation.
"""

from __future__ import annotations

import numpy as np

from .solvers.base import check_deadline
from .solvers.products import (
    GRAM_MIN_CELLS,
    exact_below,
    gram,
    gram_squared_residuals,
    squared_residuals,
    stacked_product,
)

EXACT_SVD_MAX_SIDE = 300  # leading_singular_triplets: exact SVD up to this min(n, m)


class DataMatrix:
    """The interface (see the module docstring); subclasses implement it."""

    shape: tuple[int, int]

    @property
    def cells(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def stored(self) -> int:
        raise NotImplementedError

    def product_t(self, F: np.ndarray) -> np.ndarray:
        return self.T.product(F)

    def left_matmul(self, Y: np.ndarray) -> np.ndarray:
        """``Y @ X`` for a dense Y (p, n): (p, m)."""
        return self.T.matmul(Y.T).T

    def leading_singular_triplets(self, k: int, rng):
        """The k leading singular triplets: exact where min(n, m) ≤ 300, else
        randomized (Halko, Martinsson & Tropp 2011, four power iterations) through
        :meth:`matmul` alone."""
        if min(self.shape) <= EXACT_SVD_MAX_SIDE:
            U, s, Vt = np.linalg.svd(self.dense(), full_matrices=False)
            return U[:, :k], s[:k], Vt[:k]
        sketch = self.matmul(rng.standard_normal((self.shape[1], k + 10)))
        for _ in range(4):  # power iterations, re-orthonormalised
            check_deadline()  # the run's time cap, between products
            Q, _r = np.linalg.qr(sketch)
            Q, _r = np.linalg.qr(self.T.matmul(Q))
            sketch = self.matmul(Q)
        Q, _r = np.linalg.qr(sketch)
        Ub, s, Vt = np.linalg.svd(self.left_matmul(Q.T), full_matrices=False)
        return (Q @ Ub)[:, :k], s[:k], Vt[:k]


class DenseMatrix(DataMatrix):
    """X as a C-contiguous float64 ndarray (or a transposed view of one); float32 when
    factorize runs in float32 (``dtype=``), and then its products are float32 too."""

    def __init__(self, X: np.ndarray, *, _squared_norm: float | None = None,
                 _transpose: DenseMatrix | None = None):
        self.X = X
        self.shape = X.shape
        self._sq = _squared_norm
        self._T = _transpose

    @property
    def stored(self) -> int:
        return self.X.size

    @property
    def T(self) -> DenseMatrix:
        if self._T is None:
            self._T = DenseMatrix(self.X.T, _squared_norm=self._sq, _transpose=self)
        return self._T

    def squared_norm(self) -> float:
        if self._sq is None:
            self._sq = float(np.vdot(self.X, self.X))
        return self._sq

    def max(self) -> float:
        return float(self.X.max())

    def mean(self) -> float:
        return float(self.X.mean())

    def divided(self, d: float) -> DenseMatrix:
        return DenseMatrix(self.X / d)

    def product(self, F: np.ndarray) -> np.ndarray:
        return stacked_product(F, self.X)

    def product_t(self, F: np.ndarray) -> np.ndarray:
        return stacked_product(F, self.X.T)

    def matmul(self, Y: np.ndarray) -> np.ndarray:
        return self.X @ Y

    def left_matmul(self, Y: np.ndarray) -> np.ndarray:
        return Y @ self.X

    def squared_residuals(self, W, H, products=None) -> np.ndarray:
        """From the Gram identity when X has more than ``GRAM_MIN_CELLS`` cells and no
        value falls below ``exact_below(dtype)``·‖X‖² (where its terms cancel; 1e-6 in
        float64, 1e-4 in float32); else directly."""
        if products is not None and self.X.size > GRAM_MIN_CELLS:
            HXt, HHt, WWt = products
            x_sq = self.squared_norm()
            sq = gram_squared_residuals(x_sq, W, HXt, gram(W) if WWt is None else WWt, HHt)
            if not (sq < exact_below(self.X.dtype) * x_sq).any():
                return sq
        return squared_residuals(self.X, W, H)

    def gather(self, rows, cols) -> np.ndarray:
        return self.X[rows, cols]

    def columns(self, cols) -> np.ndarray:
        return self.X[:, cols]

    def stored_values(self) -> np.ndarray:
        return self.X

    def model_at_stored(self, W, H) -> np.ndarray:
        return W.transpose(0, 2, 1) @ H

    def pattern_product(self, F, V) -> np.ndarray:
        return F @ V

    def pattern_product_t(self, F, V) -> np.ndarray:
        return F @ V.transpose(0, 2, 1)

    def dense(self) -> np.ndarray:
        return self.X


def as_data_matrix(X) -> DataMatrix:
    """X as a DataMatrix: a DataMatrix as it is, an ndarray wrapped without a copy, a
    scipy.sparse matrix as :class:`~nmf_core.sparse.matrix.SparseMatrix` (a canonical
    float64 CSR; ``factorize`` checks it first with ``check_sparse``)."""
    if isinstance(X, DataMatrix):
        return X
    from .sparse.check import is_sparse

    if is_sparse(X):
        from .sparse.matrix import SparseMatrix

        return SparseMatrix(X)
    return DenseMatrix(np.asarray(X, dtype=np.float64))
