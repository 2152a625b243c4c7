"""Starting points for the factors, one per restart.

Both return ``W`` (R, k, n) = Aᵀ and ``H`` (R, k, m) = S for a batch of R restarts.
"""

from __future__ import annotations

import numpy as np

from .datamatrix import as_data_matrix
from .solvers.base import check_deadline


def random_init(X: np.ndarray, k: int, rngs) -> tuple[np.ndarray, np.ndarray]:
    """Uniform entries scaled so that A S has X's mean: ``A, S ~ U(0, √(mean(X)/k))``.

    Each restart draws A, then S, from its own Generator.  X is anything
    :func:`~nmf_core.datamatrix.as_data_matrix` takes (a scipy.sparse matrix too).
    """
    X = as_data_matrix(X)
    n, m = X.shape
    scale = np.sqrt(X.mean() / k)
    W = np.stack([_checked(scale * rng.random((n, k)).T) for rng in rngs])
    H = np.stack([_checked(scale * rng.random((k, m))) for rng in rngs])
    # draw order per restart: all of A then all of S (A first, as the documents do)
    return np.ascontiguousarray(W), H


def _checked(F: np.ndarray) -> np.ndarray:
    """F, after checking the run's time cap (the draws of many restarts add up)."""
    check_deadline()
    return F


def nndsvd_init(X: np.ndarray, k: int, rngs) -> tuple[np.ndarray, np.ndarray]:
    """NNDSVD (Boutsidis & Gallopoulos 2008), zeros filled with mean(X) as in NNDSVDa.

    Deterministic for a given X (the randomized SVD used above 300 rows and
    columns draws from a Generator seeded with 0), so every restart starts here.
    """
    X = as_data_matrix(X)  # its own SVD: exact, randomized or (sparse) svds
    U, s, Vt = X.leading_singular_triplets(k, np.random.default_rng(0))
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
