"""Non-negative factors fitted to the observed entries of a matrix only, at O(nnz·k).

The model, for every observed cell (i, j) with value r_ij::

    r_ij ≈ b_ij + Σ_f W[i, f] · H[j, f],    W ≥ 0, H ≥ 0,
    b_ij = μ + bu_i + bi_j   (``biased=True``),   b_ij = 0 otherwise,

fitted by minimising, over the observed cells only,

    Σ_obs (r_ij − b_ij − W_i·H_j)² + reg · (Σ_i n_i ‖W_i‖² + Σ_j m_j ‖H_j‖²)
                                  + reg_bias · (Σ_i bu_i² + Σ_j bi_j²)

where n_i and m_j count the observed cells of row i and column j (k = 0 with
``biased=True`` is the baseline alone).  So ``reg`` is
λ *per observed value* (weighted-λ regularisation, Zhou et al. 2008): a row's
factor is shrunk by the same share whether it has 5 ratings or 500.  ``reg_bias``
is absolute: a bias is the mean of its row's residuals damped by ``reg_bias``
pseudo-observations of 0 (a row with 2 ratings moves little from the global
offset μ, one with 500 almost fully).  μ starts at the mean observed value and
is fitted with the rest, unregularised, so the biased model contains the
unbiased one (μ = 0, no biases) and never fits worse for having biases.

Only W and H are kept non-negative: they are the parts-based explanation (a
user's taste for a factor, a film's share of it), which must add up rather than
cancel.  The biases are unconstrained, because a baseline has to be able to
say "this user rates low" or "this film is rated below the mean"; this is
scikit-surprise's biased NMF.  Without biases the factors model the values
themselves (all ≥ 0 for ratings and counts).

Algorithm: CCD++ (Yu, Hsieh, Si and Dhillon, "Scalable coordinate descent
approaches to parallel matrix factorization for recommender systems", ICDM
2012), projected onto ≥ 0, on the one observed-entries engine that
``factorize(mask=...)`` and ``missing="unstored"`` also run
(:mod:`nmf_core.sparse.masked`): the residual on the observed cells is kept, and
each factor f in turn gets ``inner`` alternating exact updates::

    W[i, f] ← max(0, Σ_j∈obs(i) R̂_ij H[j, f] / (reg·n_i + Σ_j∈obs(i) H[j, f]²))

(R̂: the residual with factor f's own term added back), and the same for H on the
transpose (:func:`~nmf_core.sparse.masked.coordinate_update`).  Each update is
two sparse matrix–vector products and a rank-one residual update over the stored
entries, so an outer iteration costs O(nnz·k·inner) and memory is
O(nnz + (n+m)·k); no n×m array is ever made.  The biases' updates are exact too
(one sparse product each).
Rows or columns with no observed cell get zero factors (and zero biases) and
are counted in the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .errors import MatrixError, ParameterError

DEFAULT_REG = 0.05  # λ per observed value
DEFAULT_REG_BIAS = 5.0  # pseudo-observations damping each bias towards 0
DEFAULT_NITER = 50
DEFAULT_INNER = 1  # CCD++ alternations per factor per outer iteration (more did not help)
DEFAULT_TOL = 1e-4  # stop when the objective falls by less than this share


@dataclass(frozen=True, eq=False)
class ObservedFit:
    """A model fitted to observed cells.

    ``W`` (n, k) and ``H`` (m, k) are ≥ 0; ``user_bias`` (n,), ``item_bias``
    (m,) and ``global_mean`` (the fitted offset μ) are zero unless ``biased``.
    ``objective`` holds the objective after each outer iteration,
    ``train_rmse`` the root mean squared residual on the observed cells at the
    end.  ``empty_rows``/``empty_cols`` count rows and columns with no observed
    cell (their factors are zero).
    """

    W: np.ndarray
    H: np.ndarray
    global_mean: float
    user_bias: np.ndarray
    item_bias: np.ndarray
    biased: bool
    reg: float
    reg_bias: float
    objective: np.ndarray
    train_rmse: float
    n_iter: int
    elapsed_s: float
    empty_rows: int
    empty_cols: int
    converged: bool
    n_observed: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def k(self) -> int:
        return self.W.shape[1]

    @property
    def shape(self) -> tuple[int, int]:
        return self.W.shape[0], self.H.shape[0]

    def baseline(self, rows, cols) -> np.ndarray:
        """μ + bu_i + bi_j for the given cells (zero when not ``biased``)."""
        rows, cols = np.asarray(rows), np.asarray(cols)
        if not self.biased:
            return np.zeros(rows.shape)
        return self.global_mean + self.user_bias[rows] + self.item_bias[cols]

    def predict(self, rows, cols) -> np.ndarray:
        """The model's value at cells (rows[t], cols[t]), unclipped; O(len·k)."""
        rows, cols = np.asarray(rows), np.asarray(cols)
        return self.baseline(rows, cols) + np.einsum("tf,tf->t", self.W[rows], self.H[cols])


def _dot(u, v) -> float:
    return float(np.einsum("i,i->", u, v))


def _check_triples(rows, cols, values, shape):
    try:
        n, m = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ParameterError(f"shape must be two whole numbers (n, m); got {shape!r}") from None
    if n < 1 or m < 1:
        raise ParameterError(f"shape must be at least 1×1; got {n}×{m}")
    rows, cols = np.asarray(rows), np.asarray(cols)
    values = np.asarray(values, dtype=np.float64)
    if not (rows.ndim == cols.ndim == values.ndim == 1) or not (
            rows.size == cols.size == values.size):
        raise MatrixError(f"rows, cols and values must be 1-D of one length; got "
                          f"{rows.shape}, {cols.shape} and {values.shape}")
    if values.size == 0:
        raise MatrixError("there are no observed values to fit")
    for name, index, size in (("row", rows, n), ("column", cols, m)):
        if not np.issubdtype(index.dtype, np.integer):
            raise MatrixError(f"{name} indices must be integers; got {index.dtype}")
        bad = np.flatnonzero((index < 0) | (index >= size))
        if bad.size:
            raise MatrixError(f"{bad.size:,} {name} indices are outside 0..{size - 1}; the "
                              f"first is {int(index[bad[0]])} (entry {int(bad[0])})")
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise MatrixError(f"{bad.size:,} observed values are not finite; the first is "
                          f"{values[bad[0]]} at row {int(rows[bad[0]])}, column "
                          f"{int(cols[bad[0]])}")
    return rows, cols, values, n, m


def _row_order(rows, cols, m):
    """The permutation sorting cells by (row, column); MatrixError on a repeated cell."""
    key = rows.astype(np.int64) * m + cols
    if key.size > 1 and np.all(key[1:] > key[:-1]):
        return None  # already in CSR order, no duplicates
    order = np.argsort(key, kind="stable")
    key = key[order]
    same = np.flatnonzero(key[1:] == key[:-1])
    if same.size:
        i, j = divmod(int(key[same[0]]), m)
        cells = "cell is" if same.size == 1 else "cells are"
        raise MatrixError(f"{same.size:,} {cells} given more than once; the first is row "
                          f"{i}, column {j} (combine duplicates before fitting)")
    return order


def fit_observed(rows, cols, values, shape, k: int, *, reg: float = DEFAULT_REG,
                 biased: bool = False, reg_bias: float = DEFAULT_REG_BIAS,
                 niter: int = DEFAULT_NITER, inner: int = DEFAULT_INNER,
                 tol: float = DEFAULT_TOL, seed: int = 0) -> ObservedFit:
    """Fit ``values[t] ≈ b + W[rows[t]] · H[cols[t]]`` on the given cells only.

    ``rows``/``cols`` are integer indices into an (n, m) = ``shape`` matrix,
    each cell at most once; ``values`` are finite (negative values are allowed:
    the biases absorb them when ``biased``; otherwise the factors are ≥ 0 and
    fit what they can).  Runs at most ``niter`` outer iterations, stopping
    once the objective falls by less than ``tol`` of itself.  See the module
    docstring for the objective and the algorithm.
    """
    from .sparse.masked import ObservedEntries, Residual, coordinate_update

    started = time.perf_counter()
    rows, cols, values, n, m = _check_triples(rows, cols, values, shape)
    for name, value, low in (("k", k, 0), ("niter", niter, 1), ("inner", inner, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError(f"{name} must be a whole number >= {low}; got {value!r}")
    for name, value in (("reg", reg), ("reg_bias", reg_bias), ("tol", tol)):
        if isinstance(value, bool) or not np.isfinite(value) or value < 0:
            raise ParameterError(f"{name} must be a finite number >= 0; got {value!r}")
    k, reg, reg_bias = int(k), float(reg), float(reg_bias)
    order = _row_order(rows, cols, m)
    if order is not None:
        rows, cols, values = rows[order], cols[order], values[order]
    nnz = values.size
    data = ObservedEntries.from_cells(rows, cols, values, (n, m))
    del rows, cols, order  # the engine keeps its own (CSR) copy
    row_count = data.row_count.astype(np.float64)
    col_count = data.col_count.astype(np.float64)

    # One residual array R (CSR order), read by rows and by columns (nmf_core.sparse.masked)
    mean = float(values.mean()) if biased else 0.0
    residual = Residual(data, values - mean)
    R = residual.r

    rng = np.random.default_rng(seed)
    Wt = np.zeros((k, n))  # factors stored one per row, contiguous
    scale = np.sqrt(max(float(np.mean(np.abs(R))), 1e-12) / max(k, 1))
    Ht = rng.random((k, m)) * scale
    Ht[:, col_count == 0] = 0.0
    bu, bi = np.zeros(n), np.zeros(m)
    row_reg, col_reg = reg * row_count, reg * col_count
    ones = {False: np.ones(m), True: np.ones(n)}

    def update_bias(bias, side, counts):
        # the exact update of every bias at once: the mean of its residuals, damped
        total = side.matvec(ones[side.transposed]) + bias * counts
        new = np.divide(total, counts + reg_bias, out=np.zeros_like(bias),
                        where=counts + reg_bias > 0)
        side.subtract_offset(new - bias)
        bias[...] = new

    def objective():
        # einsum, not BLAS: a threaded BLAS dot of vectors is slow on a busy machine
        penalty = reg * (np.einsum("fi,fi,i->", Wt, Wt, row_count)
                         + np.einsum("fj,fj,j->", Ht, Ht, col_count))
        return float(_dot(R, R) + penalty + reg_bias * (_dot(bu, bu) + _dot(bi, bi)))

    history = []
    converged = False
    previous = np.inf
    for _ in range(niter):
        if biased:
            shift = float(R.sum()) / nnz  # μ's exact update (unregularised)
            R -= shift
            mean += shift
            update_bias(bu, residual.rows, row_count)
            update_bias(bi, residual.columns, col_count)
        for f in range(k):  # CCD++: each factor's pair in turn, users first
            for _ in range(inner):
                coordinate_update(residual.rows, Wt[f], Ht[f], row_reg)
                coordinate_update(residual.columns, Ht[f], Wt[f], col_reg)
        history.append(objective())
        if previous - history[-1] <= tol * history[-1]:
            converged = True
            break
        previous = history[-1]

    return ObservedFit(
        W=np.ascontiguousarray(Wt.T), H=np.ascontiguousarray(Ht.T), global_mean=mean,
        user_bias=bu, item_bias=bi, biased=bool(biased), reg=reg, reg_bias=reg_bias,
        objective=np.array(history), train_rmse=float(np.sqrt(_dot(R, R) / nnz)),
        n_iter=len(history), elapsed_s=time.perf_counter() - started,
        empty_rows=int(np.sum(row_count == 0)), empty_cols=int(np.sum(col_count == 0)),
        converged=converged, n_observed=nnz)


def fit_observed_sparse(X, k: int, **options) -> ObservedFit:
    """:func:`fit_observed` on the stored entries of a scipy.sparse matrix or array
    (explicit zeros are observed zeros; cells not stored are missing)."""
    from scipy import sparse

    if not sparse.issparse(X):
        raise ParameterError(f"X must be a scipy.sparse matrix; got {type(X).__name__}")
    coo = X.tocoo()
    return fit_observed(coo.row, coo.col, coo.data, coo.shape, k, **options)
