"""Observed-entries engine: the dense masked rules' iterates, at O(nnz) memory."""

import numpy as np
import pytest
import scipy.sparse as sp

from nmf_core.solvers import masked_hals_rows
from nmf_core.sparse.masked import ObservedEntries, ObservedHALS, ObservedMU


def _problem(seed=0, n=50, m=40, k=4, R=3, observed=0.4):
    rng = np.random.default_rng(seed)
    X = rng.random((n, k)) @ rng.random((k, m))
    M = rng.random((n, m)) < observed
    return X, M, rng.random((R, k, n)), rng.random((R, k, m))


def _dense_masked_hals(X, M, W, H, steps):
    Mf = M.astype(float)
    for _ in range(steps):
        E = Mf * (X - W.transpose(0, 2, 1) @ H)
        masked_hals_rows(H, W, E, Mf, True)
        masked_hals_rows(W, H, E.transpose(0, 2, 1), Mf.T, True)


def _dense_masked_mu(X, M, W, H, steps):
    Mf = M.astype(float)
    for _ in range(steps):
        H *= (W @ (Mf * X)) / np.maximum(W @ (Mf * (W.transpose(0, 2, 1) @ H)), 1e-300)
        model = Mf * (W.transpose(0, 2, 1) @ H)
        W *= (H @ (Mf * X).T) / np.maximum(H @ model.transpose(0, 2, 1), 1e-300)


def _observed_sq(X, M, W, H):
    diff = M * (X - W.transpose(0, 2, 1) @ H)
    return np.einsum("rnm,rnm->r", diff, diff)


@pytest.mark.parametrize("rule, dense", [(ObservedHALS, _dense_masked_hals),
                                         (ObservedMU, _dense_masked_mu)])
def test_same_iterates_as_the_dense_masked_rule(rule, dense):
    X, M, W0, H0 = _problem()
    W, H = W0.copy(), H0.copy()
    dense(X, M, W, H, 40)
    Wo, Ho = W0.copy(), H0.copy()
    solver = rule(ObservedEntries.from_mask(X, M))
    for t in range(40):
        sq = solver.step(Wo, Ho, t)
    np.testing.assert_allclose(Wo, W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Ho, H, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sq, _observed_sq(X, M, Wo, Ho), rtol=1e-9)


def test_sparse_stored_entries_equal_a_mask():
    X, M, W0, H0 = _problem(seed=1)
    coo = sp.coo_array(np.where(M, X, 0.0))
    stored = ObservedEntries.from_sparse(sp.csr_array(np.where(M, X, 0.0)))
    masked = ObservedEntries.from_mask(X, M)
    assert stored.stored == coo.nnz == masked.stored
    Ws, Hs, Wm, Hm = W0.copy(), H0.copy(), W0.copy(), H0.copy()
    for t in range(5):
        ObservedHALS(stored).step(Ws, Hs, t)
        ObservedHALS(masked).step(Wm, Hm, t)
    np.testing.assert_array_equal(Ws, Wm)


def test_empty_rows_and_columns_get_zero_factors():
    X, M, W, H = _problem(seed=2)
    M[3] = False
    M[:, [0, 7]] = False
    data = ObservedEntries.from_mask(X, M)
    assert data.empty.sum() == 1 and data.T.empty.sum() == 2
    solver = ObservedHALS(data)
    for t in range(20):
        sq = solver.step(W, H, t)
    assert np.all(W[:, :, 3] == 0) and np.all(H[:, :, [0, 7]] == 0)
    assert np.isfinite(sq).all()
    np.testing.assert_allclose(sq, _observed_sq(X, M, W, H), rtol=1e-9)


def test_l2_shrinks_the_factors_and_residual_is_measured_directly():
    X, M, W0, H0 = _problem(seed=3)
    data = ObservedEntries.from_mask(X, M)
    plain, ridge = ObservedHALS(data), ObservedHALS(data, reg=0.5)
    W, H, Wr, Hr = W0.copy(), H0.copy(), W0.copy(), H0.copy()
    for t in range(30):
        plain.step(W, H, t)
        sq = ridge.step(Wr, Hr, t)
    assert np.linalg.norm(Wr) * np.linalg.norm(Hr) < np.linalg.norm(W) * np.linalg.norm(H)
    np.testing.assert_allclose(sq, _observed_sq(X, M, Wr, Hr), rtol=1e-12)


def test_exact_fit_residual_does_not_cancel():
    rng = np.random.default_rng(4)
    A, S = rng.random((30, 2)), rng.random((2, 20))
    X, M = A @ S, rng.random((30, 20)) < 0.7
    data = ObservedEntries.from_mask(X, M)
    W, H = A.T[None].copy(), S[None].copy()
    sq = ObservedHALS(data).step(W, H, 0)  # starting at the exact solution
    assert sq[0] < 1e-24
