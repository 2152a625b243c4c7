"""nmf_core.datamatrix: every implementation of the seam answers as numpy does on X.

``IMPLEMENTATIONS`` lists how to build each implementation from a dense array; the
sparse and Dask back ends add theirs, and every contract test runs on all of them.
"""

import numpy as np
import pytest

from nmf_core.datamatrix import DataMatrix, DenseMatrix, as_data_matrix

IMPLEMENTATIONS = {"dense": DenseMatrix}

rng = np.random.default_rng(3)
R, k, n, m = 2, 3, 13, 9
X = rng.random((n, m))
X[X < 0.3] = 0.0  # zeros, stored or not
W = rng.random((R, k, n))
H = rng.random((R, k, m))


def model(W, H):
    return W.transpose(0, 2, 1) @ H


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
def data(request) -> DataMatrix:
    return IMPLEMENTATIONS[request.param](X.copy())


def test_sizes_and_summaries(data):
    assert data.shape == (n, m) and data.cells == n * m
    assert np.count_nonzero(X) <= data.stored <= n * m
    assert data.squared_norm() == pytest.approx(np.vdot(X, X), rel=1e-14)
    assert data.max() == X.max() and data.mean() == pytest.approx(X.mean(), rel=1e-14)
    half = data.divided(2.0)
    assert half.max() == X.max() / 2 and data.max() == X.max()  # a new matrix; X unchanged


def test_products_and_transpose(data):
    assert np.allclose(data.product(W), W @ X, rtol=1e-13)
    assert np.allclose(data.product_t(H), H @ X.T, rtol=1e-13)
    assert data.T.shape == (m, n) and np.allclose(data.T.product(H), H @ X.T, rtol=1e-13)
    Y = rng.random((m, 4))
    Q = rng.random((n, 2))
    assert np.allclose(data.matmul(Y), X @ Y) and np.allclose(data.T.matmul(Q), X.T @ Q)
    Z = rng.random((5, n))
    assert np.allclose(data.left_matmul(Z), Z @ X)


def test_squared_residuals_direct_and_by_the_gram_identity(data):
    expected = ((X - model(W, H)) ** 2).sum(axis=(1, 2))
    assert np.allclose(data.squared_residuals(W, H), expected, rtol=1e-12)
    products = (H @ X.T, H @ H.transpose(0, 2, 1), W @ W.transpose(0, 2, 1))
    assert np.allclose(data.squared_residuals(W, H, products), expected, rtol=1e-10)
    assert np.allclose(data.squared_residuals(W, H, products[:2] + (None,)), expected,
                       rtol=1e-10)


def test_gathering_cells_and_columns(data):
    rows, cols = np.array([[0, 5], [12, 3]]), np.array([[1, 8], [0, 0]])
    assert np.array_equal(data.gather(rows, cols), X[rows, cols])
    assert np.array_equal(data.columns(np.array([2, 2, 7])), X[:, [2, 2, 7]])


def test_stored_entries_and_pattern_products(data):
    values = data.stored_values()
    at = data.model_at_stored(W, H)
    assert at.shape == (R, *np.shape(values))
    # V = X / (WᵀH) at the stored entries: the KL multiplicative update's ratio
    V = values / at
    dense_ratio = np.where(X > 0, X, 0.0) / model(W, H)
    assert np.allclose(data.pattern_product(W, V), W @ dense_ratio, rtol=1e-12)
    assert np.allclose(data.pattern_product_t(H, V), H @ dense_ratio.transpose(0, 2, 1),
                       rtol=1e-12)


def test_leading_singular_triplets_exact_and_randomized():
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    u, sv, vt = DenseMatrix(X).leading_singular_triplets(3, np.random.default_rng(0))
    assert np.allclose(sv, s[:3]) and np.allclose(np.abs(u.T @ U[:, :3]), np.eye(3), atol=1e-8)
    big = rng.random((320, 3)) @ rng.random((3, 310))
    U, s, Vt = np.linalg.svd(big, full_matrices=False)
    u, sv, vt = DenseMatrix(big).leading_singular_triplets(3, np.random.default_rng(0))
    assert np.allclose(sv, s[:3], rtol=1e-10)
    assert np.allclose(u * sv @ vt, big, atol=1e-9)


def test_as_data_matrix_wraps_arrays_and_passes_data_matrices_through():
    wrapped = as_data_matrix(X)
    assert isinstance(wrapped, DenseMatrix) and wrapped.dense() is X  # no copy
    assert as_data_matrix(wrapped) is wrapped
    assert isinstance(as_data_matrix([[1, 2], [3, 4]]), DenseMatrix)
