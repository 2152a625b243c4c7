"""Starting points for the factors, one per restart.

Both return ``W`` (R, k, n) = Aᵀ and ``H`` (R, k, m) = S for a batch of R restarts.
"""

from __future__ import annotations

import numpy as np

from .datamatrix import as_data_matrix
from .sparse.check import is_sparse

# A sparse X with at most this many cells and min(n, m) ≤ 300 is made dense for the
# exact SVD (8 MB at most), so that both paths start at the same point.
_DENSE_SVD_MAX_CELLS = 1_000_000


def random_init(X: np.ndarray, k: int, rngs) -> tuple[np.ndarray, np.ndarray]:
    """Uniform entries scaled so that A S has X's mean: ``A, S ~ U(0, √(mean(X)/k))``.

    Each restart draws A, then S, from its own Generator.  X is anything
    :func:`~nmf_core.datamatrix.as_data_matrix` takes (or a scipy.sparse matrix).
    """
    X = X if is_sparse(X) else as_data_matrix(X)
    n, m = X.shape
    scale = np.sqrt(X.mean() / k)
    W = np.stack([scale * rng.random((n, k)).T for rng in rngs])
    H = np.stack([scale * rng.random((k, m)) for rng in rngs])
    # draw order per restart: all of A then all of S (A first, as the documents do)
    return np.ascontiguousarray(W), H


def _leading_svd(X, k: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k leading singular triplets: exact for small X, randomized (Halko et al.) above.

    A scipy.sparse X takes the same route through sparse products, except that with
    min(n, m) ≤ 300 and over ``_DENSE_SVD_MAX_CELLS`` cells it takes a sparse
    truncated SVD (``scipy.sparse.linalg.svds``, PROPACK) instead of a dense one.
    """
    if not is_sparse(X):  # the seam: exact or randomized, through X's own products
        return as_data_matrix(X).leading_singular_triplets(k, rng)
    if min(X.shape) <= 300:
        if is_sparse(X) and X.shape[0] * X.shape[1] > _DENSE_SVD_MAX_CELLS:
            from scipy.sparse.linalg import svds

            if k >= min(X.shape):  # ARPACK needs k < min(n, m): the small side's Gram
                return _gram_svd(X, k)
            U, s, Vt = svds(X, k, solver="arpack", rng=rng)
            order = np.argsort(s)[::-1]
            return U[:, order], s[order], Vt[order]
        dense = X.toarray() if is_sparse(X) else X
        U, s, Vt = np.linalg.svd(dense, full_matrices=False)
        return U[:, :k], s[:k], Vt[:k]
    sketch = X @ rng.standard_normal((X.shape[1], k + 10))
    for _ in range(4):  # power iterations, re-orthonormalised
        Q, _r = np.linalg.qr(sketch)
        Q, _r = np.linalg.qr(X.T @ Q)
        sketch = X @ Q
    Q, _r = np.linalg.qr(sketch)
    Ub, s, Vt = np.linalg.svd(Q.T @ X, full_matrices=False)
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


def nndsvd_init(X: np.ndarray, k: int, rngs) -> tuple[np.ndarray, np.ndarray]:
    """NNDSVD (Boutsidis & Gallopoulos 2008), zeros filled with mean(X) as in NNDSVDa.

    Deterministic for a given X (the randomized SVD used above 300 rows and
    columns draws from a Generator seeded with 0), so every restart starts here.
    """
    X = X if is_sparse(X) else as_data_matrix(X)
    U, s, Vt = _leading_svd(X, k, np.random.default_rng(0))
    n, m = X.shape
    A, S = np.zeros((n, k)), np.zeros((k, m))
    A[:, 0] = np.sqrt(s[0]) * np.abs(U[:, 0])
    S[0] = np.sqrt(s[0]) * np.abs(Vt[0])
    for j in range(1, len(s)):
        x, y = U[:, j], Vt[j]
        xp, yp, xn, yn = np.maximum(x, 0), np.maximum(y, 0), -np.minimum(x, 0), -np.minimum(y, 0)
        xp_n, yp_n, xn_n, yn_n = (np.linalg.norm(v) for v in (xp, yp, xn, yn))
        if xp_n * yp_n >= xn_n * yn_n:
            u, v, sigma, nu, nv = xp, yp, xp_n * yp_n, xp_n, yp_n
        else:
            u, v, sigma, nu, nv = xn, yn, xn_n * yn_n, xn_n, yn_n
        if sigma > 0:
            lam = np.sqrt(s[j] * sigma)
            A[:, j] = lam * u / nu
            S[j] = lam * v / nv
    eps = np.finfo(np.float64).eps
    A[A < eps] = 0
    S[S < eps] = 0
    A[A == 0] = X.mean()
    S[S == 0] = X.mean()
    R = len(rngs)
    return np.repeat(A.T[None], R, axis=0), np.repeat(S[None], R, axis=0)


INITS = {"random": random_init, "nndsvd": nndsvd_init}
