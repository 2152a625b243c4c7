"""nmf_core.project: exact NNLS coefficients of new rows (S fixed) or columns (A fixed)."""

import numpy as np
import pytest
from scipy.optimize import nnls

from nmf_core import MatrixError, ParameterError, project
from nmf_core.project import nnls_rows


def _reference(D, F):
    return np.array([nnls(F.T, d, maxiter=1000)[0] for d in D])


def _objective(D, C, F):
    return np.linalg.norm(D - C @ F)


@pytest.mark.parametrize("p, m, k", [(40, 30, 5), (300, 64, 12), (50, 8, 8)])
def test_rows_match_lawson_hanson(p, m, k):
    rng = np.random.default_rng(p + m + k)
    S, X = rng.random((k, m)), rng.random((p, m))
    A = project(X, S=S)
    ref = _reference(X, S)
    assert A.shape == (p, k) and A.min() >= 0
    assert np.allclose(A, ref, atol=1e-10)
    assert _objective(X, A, S) <= _objective(X, ref, S) * (1 + 1e-12)


def test_columns_are_the_transposed_problem():
    rng = np.random.default_rng(1)
    A, X = rng.random((20, 4)), rng.random((20, 15))
    S = project(X, A=A)
    assert S.shape == (4, 15)
    assert np.allclose(S, _reference(X.T, A.T).T, atol=1e-10)
    assert np.array_equal(S, project(X.T, S=A.T).T)


def test_exact_data_is_recovered_and_one_vector_gives_one_answer():
    rng = np.random.default_rng(2)
    S = rng.random((3, 10))
    truth = np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.5]])
    assert np.allclose(project(truth @ S, S=S), truth, atol=1e-12)
    one = project(truth[0] @ S, S=S)
    assert one.shape == (3,) and np.allclose(one, truth[0], atol=1e-12)
    column = project(S.T @ truth[1], A=S.T)
    assert column.shape == (3,) and np.allclose(column, truth[1], atol=1e-12)


def test_each_row_does_not_depend_on_the_batch():
    rng = np.random.default_rng(3)
    S, X = rng.random((6, 25)), rng.random((80, 25))
    whole = project(X, S=S)
    parts = np.vstack([project(X[i:i + 7], S=S) for i in range(0, 80, 7)])
    assert np.allclose(whole, parts, rtol=1e-12, atol=1e-14)
    assert np.allclose(whole[::-1], project(X[::-1], S=S), rtol=1e-12, atol=1e-14)


def test_degenerate_factors_zero_rows_and_dependent_rows():
    rng = np.random.default_rng(4)
    base = rng.random((3, 20))
    S = np.vstack([base, base[0] + base[1], np.zeros(20)])  # rank 3 of 5, one zero row
    X = rng.random((30, 20))
    A = project(X, S=S)
    assert np.all(A[:, 4] == 0) and A.min() >= 0
    ref = _reference(X, S)
    assert np.allclose(_objective(X, A, S), _objective(X, ref, S), rtol=1e-10)
    assert np.all(project(np.zeros((2, 20)), S=S) == 0)
    assert np.all(nnls_rows(X, np.zeros((2, 20))) == 0)


def test_ill_conditioned_factor_still_meets_the_kkt_conditions():
    rng = np.random.default_rng(5)
    S = rng.random((6, 40))
    S[5] = S[4] + 1e-7 * rng.random(40)  # nearly dependent rows
    X = rng.random((50, 40))
    A = project(X, S=S)
    ref = _reference(X, S)
    assert A.min() >= 0
    assert _objective(X, A, S) <= _objective(X, ref, S) * (1 + 1e-9)


def test_dtype_follows_the_inputs():
    rng = np.random.default_rng(6)
    S, X = rng.random((3, 12)), rng.random((5, 12))
    assert project(X, S=S).dtype == np.float64
    single = project(X.astype(np.float32), S=S.astype(np.float32))
    assert single.dtype == np.float32
    assert np.allclose(single, project(X, S=S), rtol=1e-5, atol=1e-6)
    assert project(X.astype(np.float32), S=S).dtype == np.float64


@pytest.mark.parametrize("call, message", [
    (lambda X, S: project(X), "exactly one fixed factor"),
    (lambda X, S: project(X, S=S, A=S.T), "exactly one fixed factor"),
    (lambda X, S: project(X[:, :5], S=S), "X_new has 5 columns but S has 12 columns"),
    (lambda X, S: project(-X, S=S), "X_new has 60 negative value"),
    (lambda X, S: project(X, S=-S), "S has 36 negative value"),
    (lambda X, S: project(np.where(X > 0.5, np.nan, X), S=S), "X_new has"),
    (lambda X, S: project(X, S=S, loss="hinge"), "loss must be one of"),
    (lambda X, S: project(X, A=S), "X_new has 5 rows but A has 3 rows"),
])
def test_bad_input_is_one_clear_error(call, message):
    rng = np.random.default_rng(7)
    S, X = rng.random((3, 12)), rng.random((5, 12))
    with pytest.raises((MatrixError, ParameterError), match=message):
        call(X, S)


@pytest.mark.parametrize("loss", ["kullback-leibler", "itakura-saito", 0.5, 1.5, 3.0])
def test_other_losses_recover_exact_coefficients_on_either_side(loss):
    rng = np.random.default_rng(3)
    S = rng.random((4, 30)) + 0.1
    A = rng.random((25, 4)) + 0.05
    X = A @ S
    rows = project(X, S=S, loss=loss)
    assert rows.min() >= 0 and np.abs(rows - A).max() <= 1e-6 * A.max()
    cols = project(X.T, A=S.T, loss=loss)
    assert np.abs(cols - A.T).max() <= 1e-6 * A.max()


def test_kl_projection_is_no_worse_than_nearby_answers_or_the_least_squares_one():
    rng = np.random.default_rng(4)
    S = rng.random((3, 20))
    X = rng.poisson(3.0, size=(15, 20)).astype(float)
    C = project(X, S=S, loss="kullback-leibler")

    def kl(coefficients):
        model = np.maximum(coefficients @ S, 1e-300)
        mask = X > 0
        return float((X[mask] * np.log(X[mask] / model[mask])).sum() - X.sum() + model.sum())

    best = kl(C)
    assert best <= kl(project(X, S=S)) + 1e-9
    for _ in range(20):
        nearby = np.maximum(C + 1e-3 * rng.standard_normal(C.shape), 0)
        assert best <= kl(nearby) + 1e-9


def test_beta_at_most_zero_refuses_a_zero_cell_by_its_place():
    S = np.ones((2, 3))
    with pytest.raises(MatrixError, match="row 2, column 3 is 0"):
        project(np.array([[1.0, 2, 3], [1, 1, 0]]), S=S, loss="itakura-saito")
    with pytest.raises(ParameterError, match="loss must be one of"):
        project(np.ones((2, 3)), S=S, loss="hinge")
