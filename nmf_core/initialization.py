"""Starting points for the factors, one per restart.

Both return ``W`` (R, k, n) = Aᵀ and ``H`` (R, k, m) = S for a batch of R restarts.
"""

from __future__ import annotations

import numpy as np

from .sparse.check import is_sparse


def random_init(X: np.ndarray, k: int, rngs) -> tuple[np.ndarray, np.ndarray]:
    """Uniform entries scaled so that A S has X's mean: ``A, S ~ U(0, √(mean(X)/k))``.

    Each restart draws A, then S, from its own Generator.
    """
    n, m = X.shape
    scale = np.sqrt(X.mean() / k)
    W = np.stack([scale * rng.random((n, k)).T for rng in rngs])
    H = np.stack([scale * rng.random((k, m)) for rng in rngs])
    # draw order per restart: all of A then all of S (A first, as the documents do)
    return np.ascontiguousarray(W), H


def _leading_svd(X, k: int, rng) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k leading singular triplets: exact for small X, randomized (Halko et al.) above.

    A data matrix that knows how (a sparse X, a masked X filled at its observed mean)
    answers itself, through its own products (:mod:`nmf_core.sparse.matrix`).
    """
    if is_sparse(X):
        from .sparse.matrix import SparseMatrix

        X = SparseMatrix(X)
    if hasattr(X, "leading_singular_triplets"):
        return X.leading_singular_triplets(k, rng)
    if min(X.shape) <= 300:
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        return U[:, :k], s[:k], Vt[:k]
    sketch = X @ rng.standard_normal((X.shape[1], k + 10))
    for _ in range(4):  # power iterations, re-orthonormalised
        Q, _r = np.linalg.qr(sketch)
        Q, _r = np.linalg.qr(X.T @ Q)
        sketch = X @ Q
    Q, _r = np.linalg.qr(sketch)
    Ub, s, Vt = np.linalg.svd(Q.T @ X, full_matrices=False)
    return (Q @ Ub)[:, :k], s[:k], Vt[:k]


def nndsvd_init(X: np.ndarray, k: int, rngs) -> tuple[np.ndarray, np.ndarray]:
    """NNDSVD (Boutsidis & Gallopoulos 2008), zeros filled with mean(X) as in NNDSVDa.

    Deterministic for a given X (the randomized SVD used above 300 rows and
    columns draws from a Generator seeded with 0), so every restart starts here.
    """
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
