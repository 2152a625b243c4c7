"""Check a scipy.sparse X at the boundary, as ``check_matrix`` does a dense one.

The checks run on the stored entries only (O(nnz)); nothing n×m is formed.
"""

from __future__ import annotations

import numpy as np

from ..errors import MatrixError, ParameterError

MISSING_CHOICES = ("zero", "unstored")  # factorize(missing=...): what an unstored cell is


def is_sparse(X) -> bool:
    """True for any scipy.sparse array or matrix (scipy is imported only if X may be one)."""
    module = type(X).__module__
    if not module.startswith("scipy.sparse"):
        return False
    import scipy.sparse as sp

    return sp.issparse(X)


def check_sparse(X, k: int | None = None, *, what: str = "X", observed_cells: bool = False):
    """X as a canonical float64 ``scipy.sparse.csr_array`` (a copy), or MatrixError.

    Any format (CSR, CSC, COO, ...) is accepted; duplicate entries are summed, as
    scipy defines them; explicit zeros are kept (they are observed zeros).  X must
    be 2-D, non-empty, with finite, non-negative stored values, not all zero;
    k, when given, must not exceed min(n, m).  Locations are 1-based.

    ``observed_cells``: the stored entries are the observed cells
    (``missing="unstored"``), so a cell stored twice is refused, not summed (a
    rating given twice is not one rating of their sum).
    """
    import scipy.sparse as sp

    if X.ndim != 2:
        raise MatrixError(f"{what} must be a 2-D matrix; got {X.ndim} dimension(s)")
    n, m = X.shape
    if n == 0 or m == 0:
        raise MatrixError(f"{what} is empty (shape {n}×{m})")
    if np.iscomplexobj(X.data if hasattr(X, "data") else np.zeros(0)):
        raise MatrixError(f"{what} has complex values; NMF needs real, non-negative ones")
    try:
        csr = sp.csr_array(X, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise MatrixError(f"{what} is not a numeric sparse matrix ({exc})") from None
    if observed_cells:
        _refuse_duplicates(X, what)
    csr.sum_duplicates()
    csr.sort_indices()
    if max(n, m, csr.nnz) < 2**31 - 1 and csr.indices.dtype != np.int32:  # 4 bytes an index
        csr = sp.csr_array((csr.data, csr.indices.astype(np.int32),
                            csr.indptr.astype(np.int32)), shape=csr.shape)
    data = csr.data
    for bad, kind in ((~np.isfinite(data), "non-finite"), (data < 0, "negative")):
        if bad.any():
            first = int(np.argmax(bad))
            i, j = _location(csr, first)
            raise MatrixError(f"{what} has {int(bad.sum())} {kind} value(s); the first is "
                              f"{data[first]:g} at row {i + 1}, column {j + 1}")
    if not data.any():
        raise MatrixError(f"{what} is all zeros: there is nothing to factor")
    if k is not None and k > min(n, m):
        raise ParameterError(f"k = {k} is larger than min(n, m) = {min(n, m)} for a "
                             f"{n}×{m} matrix; lower k")
    return csr


def _location(csr, position: int) -> tuple[int, int]:
    """(row, column), 0-based, of the stored entry at ``position`` of a CSR."""
    row = int(np.searchsorted(csr.indptr, position, side="right")) - 1
    return row, int(csr.indices[position])


def _refuse_duplicates(X, what: str) -> None:
    """MatrixError naming the first cell (1-based) that X stores more than once."""
    import scipy.sparse as sp

    if getattr(X, "has_canonical_format", False):
        return  # sorted, no duplicates (scipy's own flag)
    coo = sp.coo_array(X)  # keeps duplicates
    row, col = coo.coords
    key = np.sort(row.astype(np.int64) * X.shape[1] + col)
    same = np.flatnonzero(key[1:] == key[:-1])
    if same.size:
        i, j = divmod(int(key[same[0]]), X.shape[1])
        cells = "cell" if same.size == 1 else "cells"
        raise MatrixError(f"{what} stores {same.size:,} {cells} more than once; the first is "
                          f"row {i + 1}, column {j + 1}: with missing='unstored' each stored "
                          "entry is one observed cell (combine duplicates before fitting)")

