"""nmf_core.documents reproduces the documents' printed figures, defects included."""

import numpy as np
import pytest

from nmf_core import MatrixError
from nmf_core.data import factory_example
from nmf_core.documents import (
    als_sanity_check,
    factory_data,
    nmfals,
    nmfrk,
    random_state,
    rk_sanity_check,
    run_as_written,
)

# The X the documents print after cell In[4].
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
# nmfals(X, 3, 100, 10) with seed 1: error[90:100] as printed (8 digits).
PRINTED_ALS_TAIL = [0.69647011, 0.69647011, 0.69646858, 0.6964143, 0.6964143, 0.6964143,
                    0.69640732, 0.69640174, 0.69635492, 0.69635001]


@pytest.fixture
def cell4():
    return factory_data(random_state(1))


def test_factory_x_is_the_printed_one(cell4):
    factors, weights, X = cell4
    assert np.array_equal(X, PRINTED_X)
    assert np.array_equal(X, factory_example().X)


def test_als_sanity_check_prints_its_figure(cell4):
    factors, weights, X = cell4
    _, _, error = als_sanity_check(X, factors, weights, random_state(1))
    assert error == pytest.approx(0.006586199669075642, abs=1e-12)


def test_nmfals_prints_its_error_tail(cell4):
    X = cell4[2]
    A, S, error = nmfals(X, 3, 100, 10, rs=random_state(1))
    assert np.allclose(error[90:100], PRINTED_ALS_TAIL, rtol=0, atol=5e-9)
    assert round(float(np.linalg.norm(X - A @ S) / np.linalg.norm(X)), 4) == 0.6964


def test_rk_sanity_check_prints_its_figure(cell4):
    factors, weights, X = cell4
    _, _, error = rk_sanity_check(X, factors, weights, random_state(1))
    assert error == pytest.approx(0.4472208226186099, abs=1e-12)


def test_global_random_state_is_untouched(cell4):
    before = np.random.get_state()
    X = cell4[2]
    nmfals(X, 3, 5, 2, rs=random_state(3))
    nmfrk(X, 3, 5, 2, 2, rs=random_state(3))
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def test_defect_only_first_k_rows_and_columns_move(cell4):
    """DEFECT 1: randint(k) — rows k..n-1 of A keep their random start."""
    X = cell4[2]
    rs = random_state(5)
    rs.rand(12, 3), rs.rand(3, 10)  # lbest, rbest
    A0, S0 = rs.rand(12, 3), rs.rand(3, 10)  # the single restart's start
    A, S, _ = nmfals(X, 3, 30, 1, rs=random_state(5))
    assert np.array_equal(A[3:], A0[3:]) and np.array_equal(S[:, 3:], S0[:, 3:])
    assert not np.array_equal(A[:3], A0[:3])


def test_defect_last_restart_not_best_is_returned(cell4):
    """DEFECT 2: the result equals a run whose only restart is the last one."""
    X = cell4[2]
    many = run_as_written("als", X, 3, 40, reinit=4, seed=2)
    errors = []
    for restarts in range(1, 5):
        errors.append(run_as_written("als", X, 3, 40, reinit=restarts, seed=2).rel_error)
    assert many.rel_error == errors[-1]
    assert len(set(np.round(errors, 12))) > 1  # the restarts really differ


def test_defect_rk_curve_has_one_written_entry(cell4):
    """DEFECT 4: the reused loop variable writes only error[kacziter - 1]."""
    out = run_as_written("rk", cell4[2], 3, 50, kacziter=5, reinit=2, seed=1)
    assert list(out.iterations) == [5] and out.errors.shape == (1,)


def test_as_written_als_on_factory_reproduces_the_documents_figure(cell4):
    out = run_as_written("als", cell4[2], 3, 100, reinit=10, seed=1)
    assert round(out.rel_error, 4) == 0.6964
    assert np.allclose(out.errors[90:100], PRINTED_ALS_TAIL, atol=5e-9)


def test_failures_of_the_documents_code_are_one_line_errors():
    with pytest.raises(MatrixError, match="range\\(3\\).*4×2 matrix"):
        run_as_written("als", np.ones((4, 2)), 3, 20)
    with pytest.raises(MatrixError, match="only give als and rk"):
        run_as_written("hals", np.ones((4, 4)), 2, 20)
