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


def test_l2_shrinks_the_factors_and_the_step_returns_the_penalised_objective():
    X, M, W0, H0 = _problem(seed=3)
    data = ObservedEntries.from_mask(X, M)
    plain, ridge = ObservedHALS(data), ObservedHALS(data, reg=0.5)
    W, H, Wr, Hr = W0.copy(), H0.copy(), W0.copy(), H0.copy()
    for t in range(30):
        plain.step(W, H, t)
        sq = ridge.step(Wr, Hr, t)
    assert np.linalg.norm(Wr) * np.linalg.norm(Hr) < np.linalg.norm(W) * np.linalg.norm(H)
    # the step returns the squared residual plus twice the penalty (λ per observed value)
    penalty = 0.5 * (np.einsum("rki,i->r", Wr * Wr, M.sum(axis=1))
                     + np.einsum("rkj,j->r", Hr * Hr, M.sum(axis=0)))
    np.testing.assert_allclose(sq, _observed_sq(X, M, Wr, Hr) + penalty, rtol=1e-10)


def test_exact_fit_residual_does_not_cancel():
    rng = np.random.default_rng(4)
    A, S = rng.random((30, 2)), rng.random((2, 20))
    X, M = A @ S, rng.random((30, 20)) < 0.7
    data = ObservedEntries.from_mask(X, M)
    W, H = A.T[None].copy(), S[None].copy()
    sq = ObservedHALS(data).step(W, H, 0)  # starting at the exact solution
    assert sq[0] < 1e-24


# ------------------------------------------------------------------ through factorize
def _ratings_like(seed=0, n=80, m=60, observed=0.3):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 3)) @ rng.random((3, m)) + 0.1
    M = rng.random((n, m)) < observed
    return X, M


@pytest.mark.parametrize("method", ["hals", "mu"])
@pytest.mark.parametrize("init", ["random", "nndsvd"])
def test_unstored_missing_equals_the_dense_mask(method, init):
    from nmf_core import factorize

    X, M = _ratings_like()
    stored = sp.csr_array(np.where(M, X, 0.0))
    dense = factorize(X, 3, method, mask=M, niter=60, reinit=2, seed=4, init=init)
    sparse = factorize(stored, 3, method, missing="unstored", niter=60, reinit=2, seed=4,
                       init=init)
    np.testing.assert_allclose(sparse.A, dense.A, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.S, dense.S, rtol=1e-10, atol=1e-12)
    assert sparse.rel_error == pytest.approx(dense.rel_error, rel=1e-10)
    assert sparse.params["missing"] == dense.params["missing"] == M.size - M.sum()


def test_explicit_zeros_are_observed_and_unstored_cells_missing():
    from nmf_core import factorize

    X, M = _ratings_like(seed=1)
    values = np.where(M, X, 0.0)
    values[0, 0], M[0, 0] = 0.0, True  # an observed zero
    stored = sp.coo_array((values[M], np.nonzero(M)), shape=X.shape)
    assert stored.nnz == M.sum()  # the zero is stored
    dense = factorize(values, 3, mask=M, niter=30, seed=0)
    sparse = factorize(stored, 3, missing="unstored", niter=30, seed=0)
    np.testing.assert_allclose(sparse.A, dense.A, rtol=1e-10, atol=1e-12)


def test_empty_rows_and_columns_are_allowed_zeroed_and_counted():
    from nmf_core import factorize

    X, M = _ratings_like(seed=2)
    M[[5, 9]] = False
    M[:, 3] = False
    for given in ({"mask": M}, {"missing": "unstored"}):
        Y = X if "mask" in given else sp.csr_array(np.where(M, X, 0.0))
        result = factorize(Y, 3, niter=20, seed=0, **given)
        assert result.params["empty_rows"] == 2 and result.params["empty_cols"] == 1
        assert "2 rows and 1 column have no observed cell" in result.message
        assert np.all(result.A[[5, 9]] == 0) and np.all(result.S[:, 3] == 0)
        assert np.isfinite(result.rel_error)


def test_bad_missing_requests_are_one_line_errors():
    from nmf_core import factorize
    from nmf_core.errors import ParameterError

    X, M = _ratings_like()
    with pytest.raises(ParameterError, match="needs a scipy.sparse X"):
        factorize(X, 3, missing="unstored")
    with pytest.raises(ParameterError, match="missing must be 'zero' or 'unstored'"):
        factorize(X, 3, missing="blank")
    with pytest.raises(ParameterError, match="missing values need method hals or mu"):
        factorize(sp.csr_array(X), 3, "als", missing="unstored")


def test_cost_estimates_count_stored_entries():
    from nmf_core.budget import estimate_seconds

    shape = (200_000, 20_000)
    dense = estimate_seconds(shape, 10, "hals", 100, 1)
    sparse = estimate_seconds(shape, 10, "hals", 100, 1, stored=2_000_000)
    masked = estimate_seconds(shape, 10, "hals", 100, 1, masked=True, stored=2_000_000)
    assert sparse < dense / 50 and masked < dense / 10
    assert estimate_seconds(shape, 10, "mu", 100, 1, stored=4_000_000) > \
        estimate_seconds(shape, 10, "mu", 100, 1, stored=2_000_000)


# ------------------------------------------------------------------ L2 with missing values
def _penalised(X, M, A, S, alpha_A, alpha_S):
    """½‖M ∘ (X − AS)‖² + ½·α_A·m·‖A‖² + ½·α_S·n·‖S‖² (scikit-learn's scaling, l1_ratio 0)."""
    n, m = X.shape
    diff = M * (X - A @ S)
    return 0.5 * np.sum(diff * diff) + 0.5 * alpha_A * m * np.sum(A * A) + \
        0.5 * alpha_S * n * np.sum(S * S)


@pytest.mark.parametrize("method", ["hals", "mu"])
def test_l2_with_missing_values_is_the_penalised_objective_and_never_rises(method):
    from nmf_core import factorize

    X, M = _ratings_like(seed=5)
    X = 7.0 * X  # the objective is reported in X's units, whatever the internal scaling
    result = factorize(X, 3, method, mask=M, alpha_A=0.02, alpha_S=0.01, niter=80, reinit=2,
                       seed=1)
    assert result.objective[-1] == pytest.approx(
        _penalised(X, M, result.A, result.S, 0.02, 0.01), rel=1e-9)
    for curve in result.all_objectives:
        assert np.all(np.diff(curve) <= 1e-10 * curve[:-1])
    plain = factorize(X, 3, method, mask=M, niter=80, reinit=2, seed=1)
    assert np.linalg.norm(result.A) * np.linalg.norm(result.S) < \
        np.linalg.norm(plain.A) * np.linalg.norm(plain.S)


def test_l2_masked_hals_reaches_a_stationary_point_of_the_dense_masked_objective():
    """KKT for min ½‖M∘(X − AS)‖² + ½λ_A‖A‖² + ½λ_S‖S‖², A, S ≥ 0, computed densely:
    the projected gradient vanishes at the result."""
    from nmf_core import factorize

    X, M = _ratings_like(seed=6, n=30, m=20, observed=0.5)
    alpha = 0.01
    result = factorize(X, 2, "hals", mask=M, alpha_A=alpha, niter=3000, reinit=1, seed=0)
    A, S = result.A, result.S
    n, m = X.shape
    E = M * (A @ S - X)
    grad_A, grad_S = E @ S.T + alpha * m * A, A.T @ E + alpha * n * S
    scale = np.max(np.abs(M * X) @ S.T)  # the data term's gradient scale
    for F, G in ((A, grad_A), (S, grad_S)):
        projected = np.where(F > 0, G, np.minimum(G, 0.0))
        assert np.max(np.abs(projected)) < 1e-6 * scale


def test_l2_unstored_equals_the_dense_mask():
    from nmf_core import factorize

    X, M = _ratings_like(seed=7)
    stored = sp.csr_array(np.where(M, X, 0.0))
    dense = factorize(X, 3, mask=M, alpha_A=0.05, niter=40, reinit=2, seed=3)
    sparse = factorize(stored, 3, missing="unstored", alpha_A=0.05, niter=40, reinit=2, seed=3)
    np.testing.assert_allclose(sparse.A, dense.A, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sparse.objective, dense.objective, rtol=1e-10)


def test_a_kept_residual_is_rebuilt_when_the_iterate_changes_outside():
    X, M, W, H = _problem(seed=8, R=1)
    solver = ObservedHALS(ObservedEntries.from_mask(X, M))
    solver.step(W, H, 0)
    W *= 0.5  # as the divergence guard or a cut-short step would restore another iterate
    sq = solver.step(W, H, 1)
    np.testing.assert_allclose(sq, _observed_sq(X, M, W, H), rtol=1e-10)


@pytest.mark.parametrize("method", ["hals", "mu"])
def test_a_fixed_factor_keeps_its_values_at_a_row_with_nothing_observed(method):
    """Free factors are zeroed where nothing is observed; a factor the caller fixed is
    held there too (it was zeroed at row 3, as if unknown)."""
    from nmf_core import factorize

    X, M = _ratings_like(seed=4)
    M[3] = False
    given = np.arange(1.0, X.shape[0] + 1)
    result = factorize(X, 3, method, mask=M, fixed_A={0: given}, niter=10, seed=0)
    np.testing.assert_allclose(result.A[:, 0], given, rtol=1e-13)  # X is scaled inside
    assert np.all(result.A[3, 1:] == 0)  # the free factors at the empty row


def test_a_cell_stored_twice_is_refused_when_stored_entries_are_observed_cells():
    """With missing='unstored' a stored entry is one observed value: a COO holding
    cell (1, 1) twice is refused by place, not fitted as the sum of the two."""
    from nmf_core import factorize
    from nmf_core.errors import MatrixError
    from nmf_core.model_selection import scan_k

    coo = sp.coo_array((np.array([4.0, 4.0, 3.0, 5.0, 2.0]),
                        (np.array([0, 0, 1, 2, 2]), np.array([0, 0, 1, 2, 0]))), shape=(3, 3))
    for run in (lambda: factorize(coo, 1, missing="unstored"),
                lambda: scan_k(coo, [1], missing="unstored")):
        with pytest.raises(MatrixError, match=r"^X stores 1 cell more than once; the first "
                                              r"is row 1, column 1"):
            run()
    summed = factorize(coo, 1, niter=5)  # unstored cells are zeros: scipy sums duplicates
    assert np.isfinite(summed.rel_error)
