"""The sparse data matrix answers every question of the seam as a dense X would."""

import numpy as np
import pytest
import scipy.sparse as sp

from nmf_core.errors import ParameterError
from nmf_core.sparse import matrix
from nmf_core.sparse.matrix import SparseMatrix


def _case(shape=(60, 45), density=0.1, seed=0, R=3, k=4):
    X = sp.random_array(shape, density=density, rng=seed, format="csr")
    X.data[:3] = 0.0  # explicit zeros: stored, observed zeros
    rng = np.random.default_rng(seed)
    return X, X.toarray(), rng.random((R, k, shape[0])), rng.random((R, k, shape[1]))


def _stored_cells(csr):
    return np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr)), csr.indices


def _direct(D, W, H):
    diff = D - W.transpose(0, 2, 1) @ H
    return np.einsum("rij,rij->r", diff, diff)


def test_statistics_products_and_gathers_equal_the_dense_ones():
    X, D, W, H = _case()
    S = SparseMatrix(X)
    assert S.shape == D.shape and S.cells == D.size and S.stored == X.nnz
    assert S.squared_norm() == pytest.approx(np.vdot(D, D), rel=1e-15)
    assert S.max() == D.max() and S.mean() == pytest.approx(D.mean(), rel=1e-15)
    np.testing.assert_allclose(S.product(W), W @ D, rtol=1e-13)
    np.testing.assert_allclose(S.product_t(H), H @ D.T, rtol=1e-13)
    np.testing.assert_allclose(S.T.product(H), H @ D.T, rtol=1e-13)
    Y = np.random.default_rng(1).random((45, 7))
    np.testing.assert_allclose(S.matmul(Y), D @ Y, rtol=1e-13)
    Z = np.random.default_rng(1).random((7, 60))
    np.testing.assert_allclose(S.left_matmul(Z), Z @ D, rtol=1e-13)
    rows, cols = np.random.default_rng(2).integers(0, 60, 500), np.arange(500) % 45
    np.testing.assert_array_equal(S.gather(rows, cols), D[rows, cols])
    np.testing.assert_array_equal(S.columns([3, 0, 3]), D[:, [3, 0, 3]])
    np.testing.assert_array_equal(S.divided(4.0).csr.toarray(), D / 4.0)


def test_stored_layout_products():
    X, D, W, H = _case(seed=3)
    S = SparseMatrix(X)
    model = S.model_at_stored(W, H)
    rows, cols = _stored_cells(X)
    np.testing.assert_allclose(model, (W.transpose(0, 2, 1) @ H)[:, rows, cols], rtol=1e-13)
    V = np.random.default_rng(4).random((3, X.nnz))
    dense_V = np.zeros((3, *D.shape))
    dense_V[:, rows, cols] = V
    np.testing.assert_allclose(S.pattern_product(W, V), W @ dense_V, rtol=1e-13)
    np.testing.assert_allclose(S.pattern_product_t(H, V), H @ dense_V.transpose(0, 2, 1),
                               rtol=1e-13)
    T = S.T  # the transpose's own layout
    Vt = np.random.default_rng(5).random((3, X.nnz))
    rows_t, cols_t = _stored_cells(sp.csr_array(X.T))
    dense_Vt = np.zeros((3, D.shape[1], D.shape[0]))
    dense_Vt[:, rows_t, cols_t] = Vt
    np.testing.assert_allclose(T.pattern_product(H, Vt), H @ dense_Vt, rtol=1e-13)
    np.testing.assert_array_equal(T.stored_values(), D.T[rows_t, cols_t])


@pytest.mark.parametrize("exact_max", [10**9, 10])
def test_residuals_direct_and_from_the_gram_identity(exact_max, monkeypatch):
    monkeypatch.setattr(matrix, "EXACT_RESIDUAL_MAX_CELLS", exact_max)
    X, D, W, H = _case(shape=(150, 100))
    S = SparseMatrix(X)
    np.testing.assert_allclose(S.squared_residuals(W, H), _direct(D, W, H), rtol=1e-12)
    products = (H @ D.T, H @ H.transpose(0, 2, 1), None)
    np.testing.assert_allclose(S.squared_residuals(W, H, products), _direct(D, W, H),
                               rtol=1e-12)


def test_a_near_exact_fit_is_measured_not_cancelled():
    rng = np.random.default_rng(6)
    W, H = rng.random((1, 2, 200)), rng.random((1, 2, 80))
    D = W[0].T @ H[0]
    S = SparseMatrix(sp.csr_array(D))
    products = (H @ D.T, H @ H.transpose(0, 2, 1), None)
    assert S.squared_residuals(W, H * (1 + 1e-9), products)[0] < 1e-12


def test_leading_triplets_and_dense_refusal():
    X, D, _, _ = _case(shape=(400, 350), density=0.05)
    from nmf_core.datamatrix import as_data_matrix

    found = SparseMatrix(X).leading_singular_triplets(4, np.random.default_rng(0))
    dense = as_data_matrix(D).leading_singular_triplets(4, np.random.default_rng(0))
    for a, b in zip(found, dense, strict=True):
        np.testing.assert_allclose(np.abs(a), np.abs(b), rtol=1e-9, atol=1e-12)
    with pytest.raises(ParameterError, match="needs a dense X and X is sparse"):
        SparseMatrix(X).dense()


# ------------------------------------------------------------------ through factorize
def _low_rank_sparse(seed=0, n=120, m=90, density=0.15):
    rng = np.random.default_rng(seed)
    A, S = rng.random((n, 4)), rng.random((4, m))
    keep = rng.random((n, m)) < density
    return sp.csr_array(np.where(keep, A @ S, 0.0))


@pytest.mark.parametrize("method", ["hals", "mu"])
@pytest.mark.parametrize("init", ["random", "nndsvd"])
@pytest.mark.parametrize("kind", [sp.csr_array, sp.csc_array, sp.coo_array, sp.csr_matrix,
                                  sp.coo_matrix])
def test_sparse_input_equals_the_dense_path(method, init, kind):
    from nmf_core import factorize

    X = _low_rank_sparse()
    dense = factorize(X.toarray(), 4, method, init=init, niter=40, reinit=2, seed=3)
    sparse = factorize(kind(X), 4, method, init=init, niter=40, reinit=2, seed=3)
    for a, b in ((sparse.A, dense.A), (sparse.S, dense.S)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * np.abs(b).max())
    np.testing.assert_allclose(sparse.errors, dense.errors, rtol=1e-10)
    assert sparse.rel_error == pytest.approx(dense.rel_error, rel=1e-10)


@pytest.mark.parametrize("method", ["als", "rk"])
def test_dense_only_methods_refuse_sparse_input(method):
    from nmf_core import factorize

    with pytest.raises(ParameterError, match=f"method '{method}' does not take a sparse X; "
                                             "use hals or mu"):
        factorize(_low_rank_sparse(), 3, method)


def test_sparse_input_is_checked_like_dense_input():
    from nmf_core import factorize
    from nmf_core.errors import MatrixError

    X = _low_rank_sparse()
    X.data[5] = -2.0
    with pytest.raises(MatrixError, match="1 negative value"):
        factorize(X, 3)
    with pytest.raises(MatrixError, match="all zeros"):
        factorize(sp.csr_array((4, 5)), 2)
    with pytest.raises(ParameterError, match="k = 9 is larger than min"):
        factorize(sp.eye_array(8, format="csr"), 9)


@pytest.mark.parametrize("init", ["random", "nndsvd"])
def test_kullback_leibler_mu_on_sparse_input_equals_the_dense_path(init):
    """KL's X/(AS) is taken only at the stored entries (model_at_stored, pattern_product),
    the unstored zeros adding only AS's sum; the iterates, errors and objective match."""
    from nmf_core import factorize

    X = _low_rank_sparse(seed=5)
    X.data[:4] = 0.0  # explicit zeros: stored, observed zeros, as the dense path's zeros
    settings = dict(loss="kullback-leibler", init=init, niter=40, reinit=2, seed=3)
    dense = factorize(X.toarray(), 4, "mu", **settings)
    sparse = factorize(X, 4, "mu", **settings)
    for a, b in ((sparse.A, dense.A), (sparse.S, dense.S)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10 * np.abs(b).max())
    np.testing.assert_allclose(sparse.objective, dense.objective, rtol=1e-10)
    np.testing.assert_allclose(sparse.errors, dense.errors, rtol=1e-10)
    assert sparse.objective[-1] < sparse.objective[0]  # it fitted: the loss fell


def test_kullback_leibler_mu_on_sparse_input_is_never_densified():
    import tracemalloc

    from nmf_core import factorize

    n = m = 20_000  # one float64 n×m array would be 3.2 GB
    rng = np.random.default_rng(6)
    X = sp.csr_array((rng.uniform(1, 5, 2 * n), (rng.integers(0, n, 2 * n),
                                                rng.integers(0, m, 2 * n))), shape=(n, m))
    tracemalloc.start()
    try:
        result = factorize(X, 3, "mu", loss="kullback-leibler", init="random", niter=5,
                           seed=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert np.isfinite(result.objective).all()
    assert peak < n * m * 8 / 50, peak  # under 64 MB: stored entries and factors only
