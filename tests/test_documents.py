"""nmf_core.documents reproduces the documents' printed figures, defects included.

Every cell the documents print starts with ``np.random.seed(1)``, so each check
starts from a fresh ``random_state(1)``.  The literals below are the documents'
printed output.
"""

import numpy as np
import pytest

from nmf_core import MatrixError, documents
from nmf_core.data import factory_example
from nmf_core.documents import (
    AsWritten,
    als_sanity_check,
    factory_data,
    nmfals,
    nmfrk,
    random_state,
    rk_sanity_check,
    run_as_written,
)

# print(X) after cell In[4].
PRINTED_X = np.array([
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 5, 0, 0, 5, 0, 0, 0, 5, 0],
    [9, 14, 0, 0, 14, 9, 9, 9, 14, 0],
    [5, 11, 0, 0, 11, 5, 5, 5, 11, 0],
    [3, 9, 0, 0, 9, 3, 3, 3, 9, 0],
    [2, 12, 0, 3, 12, 2, 2, 5, 9, 0],
    [1, 7, 0, 2, 7, 1, 1, 3, 5, 0],
    [0, 3, 0, 1, 3, 0, 0, 1, 2, 0],
    [0, 2, 0, 1, 2, 0, 0, 1, 1, 0],
    [0, 0.5, 0, 0, 0.5, 0, 0, 0, 0.5, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
])
# Cell In[28]: the first rows of print(np.round(approx, 2)) (the print is cut after them).
PRINTED_ALS_CHECK_ROWS = np.array([
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [-0.02, 4.98, 0, 0.02, 5.01, 0.01, 0.02, -0.01, 5.02, 0.03],
    [8.99, 13.98, 0, 0.03, 14.02, 9.04, 9.01, 8.97, 14.0, 0.07],
    [5.02, 11.03, 0, 0.08, 11.07, 5.07, 5.06, 5.07, 11.02, 0.05],
    [3.01, 9.01, 0, 0.07, 9.05, 3.05, 3.05, 3.06, 9.01, 0.05],
])
# Cell In[30]: print(np.round(np.matmul(A, S), 2)) after nmfals(X, 3, 100, 10).
PRINTED_ALS_APPROX = np.array([
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [-0.27, 4.96, 0, 1.33, 0.66, 1.47, 2.04, 1.07, 2.38, -0.05],
    [8.92, 13.85, 0, 6.67, 5.13, 9.12, 11.73, 8.94, 11.47, 2.53],
    [2.45, 6.63, 0, 0.56, 0.45, 0.9, 1.45, 0.76, 1.08, 1.16],
    [2.45, 8.72, 0, 0.43, 0.28, 0.69, 1.31, 0.44, 0.9, 1.33],
    [0.72, 3.16, 0, 0.45, 0.28, 0.58, 0.87, 0.46, 0.82, 0.36],
    [0.43, 2.91, 0, 0.23, 0.1, 0.27, 0.49, 0.14, 0.45, 0.29],
    [1.52, 6.55, 0, 0.77, 0.47, 1.02, 1.59, 0.77, 1.44, 0.79],
    [2.09, 4.58, 0, 0.41, 0.38, 0.7, 1.1, 0.65, 0.77, 0.93],
    [0.6, 2.38, 0, 0.5, 0.32, 0.64, 0.9, 0.54, 0.89, 0.26],
    [0.56, 2.65, 0, 0.33, 0.19, 0.42, 0.66, 0.32, 0.61, 0.3],
    [1.44, 5.17, 0, 0.55, 0.36, 0.76, 1.21, 0.6, 1.03, 0.72],
])
# Cell In[30]: print(error[90:100]) (8 digits).
PRINTED_ALS_TAIL = [0.69647011, 0.69647011, 0.69646858, 0.6964143, 0.6964143, 0.6964143,
                    0.69640732, 0.69640174, 0.69635492, 0.69635001]
# Cell In[47]: the first rows of print(np.round(approx, 2)) (the print is cut after them).
PRINTED_RK_CHECK_ROWS = np.array([
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [-0.47, 0.91, 0, 0.53, 0.33, -0.83, -0.83, -0.3, -0.19, 0],
    [4.9, -3.07, 0, 0, 8.13, 10.44, 10.38, 10.38, 8.1, 0.03],
    [3.24, 9.07, 0, 0.08, 11.07, 5.07, 5.06, 5.07, 11.02, 0.05],
    [2.24, 9.0, 0, 0.07, 9.05, 3.05, 3.05, 3.06, 9.01, 0.05],
])


def relative_error(X, A, S):
    return np.linalg.norm(X - A @ S) / np.linalg.norm(X)


class NumpyWithEmpty:
    """numpy as documents.py sees it, with ``np.empty`` replaced by ``empty``."""

    def __init__(self, empty):
        self.empty = empty

    def __getattr__(self, name):
        return getattr(np, name)


@pytest.fixture
def cell4():
    """Cell In[4]: (factors, weights, X) after np.random.seed(1)."""
    return factory_data(random_state(1))


@pytest.fixture
def X(cell4):
    return cell4[2]


# --------------------------------------------------------------------------- printed figures


def test_factory_x_is_the_printed_one(cell4):
    factors, weights, X = cell4
    assert factors.shape == (12, 3) and weights.shape == (3, 10)
    assert np.array_equal(X, PRINTED_X)
    assert np.array_equal(X, factory_example().X)


def test_als_sanity_check_prints_its_figure(cell4):
    factors, weights, X = cell4
    A, S, error = als_sanity_check(X, factors, weights, random_state(1))
    assert error == pytest.approx(0.006586199669075642, rel=0, abs=1e-12)
    assert np.allclose(np.round(A @ S, 2)[:5], PRINTED_ALS_CHECK_ROWS, rtol=0, atol=1e-9)


def test_nmfals_prints_its_error_tail_and_approximation(X):
    A, S, error = nmfals(X, 3, 100, 10, rs=random_state(1))
    assert np.allclose(error[90:100], PRINTED_ALS_TAIL, rtol=0, atol=5e-9)
    assert np.allclose(np.round(A @ S, 2), PRINTED_ALS_APPROX, rtol=0, atol=1e-9)
    assert round(float(relative_error(X, A, S)), 4) == 0.6964


def test_rk_sanity_check_prints_its_figure(cell4):
    factors, weights, X = cell4
    A, S, error = rk_sanity_check(X, factors, weights, random_state(1))
    assert error == pytest.approx(0.4472208226186099, rel=0, abs=1e-12)
    assert np.allclose(np.round(A @ S, 2)[:5], PRINTED_RK_CHECK_ROWS, rtol=0, atol=1e-9)


def test_as_written_wrapper_reproduces_the_documents_call(X):
    out = run_as_written("als", X, 3, 100, reinit=10, seed=1)
    assert isinstance(out, AsWritten)
    assert list(out.iterations) == list(range(1, 101))
    assert np.allclose(out.errors[90:100], PRINTED_ALS_TAIL, rtol=0, atol=5e-9)
    assert round(out.rel_error, 4) == 0.6964
    assert out.errors[-1] == out.rel_error


# --------------------------------------------------------------------------- no global state


def test_global_random_state_is_untouched(cell4):
    np.random.seed(12345)
    before = np.random.get_state()
    factors, weights, X = factory_data(random_state(1))
    als_sanity_check(X, factors, weights, random_state(1), niter=20)
    rk_sanity_check(X, factors, weights, random_state(1), niter=20)
    nmfals(X, 3, 10, 2, rs=random_state(3))
    nmfrk(X, 3, 10, 2, 2, rs=random_state(3))
    run_as_written("als", X, 3, 10, reinit=2, seed=4)
    run_as_written("rk", X, 3, 10, kacziter=2, reinit=2, seed=4)
    with pytest.raises(MatrixError):
        run_as_written("rk", X, 1, 100, kacziter=5, reinit=10, seed=1)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1])
    assert before[2:] == after[2:]


def test_a_seed_replays_the_same_run(X):
    first = nmfrk(X, 3, 20, 3, 2, rs=random_state(7))
    again = nmfrk(X, 3, 20, 3, 2, rs=random_state(7))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])


# --------------------------------------------------------------------------- the defects


def test_defect_1_only_the_first_k_rows_and_columns_move(X):
    """randint(k): rows k..n-1 of A and columns k..m-1 of S keep their random start."""
    rs = random_state(5)
    rs.rand(12, 3), rs.rand(3, 10)  # lbest, rbest
    A0, S0 = rs.rand(12, 3), rs.rand(3, 10)  # the single restart's start
    A, S, _ = nmfals(X, 3, 30, 1, rs=random_state(5))
    assert np.array_equal(A[3:], A0[3:]) and np.array_equal(S[:, 3:], S0[:, 3:])
    assert not np.array_equal(A[:3], A0[:3]) and not np.array_equal(S[:, :3], S0[:, :3])


def test_defect_2_the_last_restart_is_returned_not_the_best(X):
    """A run with reinit=j draws what the first j restarts of a longer run draw, so
    its result is restart j's."""
    finals = [run_as_written("als", X, 3, 40, reinit=j, seed=2).rel_error for j in range(1, 5)]
    returned = run_as_written("als", X, 3, 40, reinit=4, seed=2).rel_error
    assert returned == finals[-1]
    assert returned > min(finals)  # a better restart was thrown away


def test_defect_3_the_returned_curve_is_the_shared_array(X, monkeypatch):
    made = []

    def recording_empty(shape):
        made.append(np.empty(shape))
        return made[-1]

    monkeypatch.setattr(documents, "np", NumpyWithEmpty(recording_empty))
    A, S, curve = nmfals(X, 3, 40, 4, rs=random_state(2))
    assert curve is made[0]  # seqerror itself, shared by every restart
    assert curve[-1] == relative_error(X, A, S)  # and it holds the last restart


def test_defect_4_nmfrk_writes_one_entry_of_its_curve(X, monkeypatch):
    sentinel = -7.0
    monkeypatch.setattr(documents, "np", NumpyWithEmpty(lambda shape: np.full(shape, sentinel)))
    A, S, curve = nmfrk(X, 3, 30, 5, 2, rs=random_state(1))
    assert list(np.flatnonzero(curve != sentinel)) == [4]  # kacziter - 1
    assert curve[4] == relative_error(X, A, S)  # written after the last outer iteration


def test_defect_4_the_wrapper_returns_only_the_written_entry(X):
    out = run_as_written("rk", X, 3, 50, kacziter=5, reinit=2, seed=1)
    assert list(out.iterations) == [5] and out.errors.shape == (1,)
    assert out.errors[0] == out.rel_error
    with pytest.raises(MatrixError, match=r"seqerror\[6\].*kacziter > niter"):
        run_as_written("rk", X, 3, 4, kacziter=7, reinit=1, seed=1)


def test_defect_4_nmfrk_sizes_its_draws_from_the_global_x(X):
    default = nmfrk(X, 3, 30, 3, 1, rs=random_state(2))
    same = nmfrk(X, 3, 30, 3, 1, rs=random_state(2), X_global=X.copy())
    fewer_rows = nmfrk(X, 3, 30, 3, 1, rs=random_state(2), X_global=X[:6])
    assert np.array_equal(default[0], same[0]) and np.array_equal(default[1], same[1])
    assert not np.array_equal(default[0], fewer_rows[0])


def test_defect_5_nothing_keeps_the_factors_non_negative(X):
    A, S, _ = nmfals(X, 3, 100, 10, rs=random_state(1))
    assert (A @ S).min() < 0  # the printed -0.27: negative production


def test_defect_6_a_singular_gram_matrix_crashes_the_documents_als():
    zeros = np.zeros((4, 3))
    with pytest.raises(np.linalg.LinAlgError):
        nmfals(zeros, 3, 20, 1, rs=random_state(1))
    with pytest.raises(MatrixError, match="S Sᵀ is singular") as caught:
        run_as_written("als", zeros, 3, 20, reinit=1, seed=1)
    assert "\n" not in str(caught.value)


def test_defect_6_a_zero_norm_makes_the_documents_rk_non_finite(X):
    with pytest.raises(MatrixError, match="NaN or inf.*zero row or column") as caught:
        run_as_written("rk", X, 1, 100, kacziter=5, reinit=10, seed=1)
    assert "\n" not in str(caught.value)


def test_wrapper_refuses_what_the_documents_cannot_run():
    with pytest.raises(MatrixError, match=r"range\(3\).*4×2 matrix"):
        run_as_written("als", np.ones((4, 2)), 3, 20)
    with pytest.raises(MatrixError, match="only give als and rk"):
        run_as_written("hals", np.ones((4, 4)), 2, 20)
    with pytest.raises(MatrixError, match="2-D"):
        run_as_written("als", np.ones(4), 1, 20)
