"""nmf_core.metrics."""

import numpy as np
import pytest

from nmf_core.metrics import lowest, match_factors, negative_count, relative_error


def test_relative_error_is_scale_free_and_masks():
    rng = np.random.default_rng(0)
    A, S = rng.random((6, 2)), rng.random((2, 5))
    X = A @ S + 0.1
    e = relative_error(X, A, S)
    assert e == pytest.approx(np.linalg.norm(X - A @ S) / np.linalg.norm(X))
    assert relative_error(3 * X, 3 * A, S) == pytest.approx(e)
    mask = np.zeros_like(X, dtype=bool)
    mask[0, 0] = True
    assert relative_error(X, A, S, mask) == pytest.approx(0.1 / X[0, 0])


def test_match_factors_undoes_permutation_and_scale():
    rng = np.random.default_rng(1)
    A = rng.random((20, 4))
    found = A[:, [2, 0, 3, 1]] * np.array([5.0, 0.1, 2.0, 7.0])
    match = match_factors(A, found)
    assert list(match.order) == [1, 3, 0, 2]
    assert np.allclose(match.similarity, 1.0)
    fewer = match_factors(A, found[:, :2])
    assert (fewer.order == -1).sum() == 2 and fewer.similarity.min() == 0


def test_negative_count():
    assert negative_count(np.array([[-1, 2]]), np.array([[0, -3, -4]])) == 3


def test_lowest_allows_near_ties_and_calls_exact_fits_equal():
    assert lowest({"a": 0.5, "b": 0.01, "c": 0.0101}) == ("b", "c")
    assert lowest({"a": 0.7, "b": 8e-9, "c": 1e-16}) == ("b", "c")  # both exact fits
    assert lowest({"a": 0.7, "b": 0.2}) == ("b",)
    assert lowest({"a": float("nan"), "b": 0.3}) == ("b",)
    assert lowest({}) == ()


SCALES = [1e-300, 1e-170, 1e-100, 1e100, 1e160, 1e300]


@pytest.mark.parametrize("factor", SCALES)
def test_relative_error_and_matching_ignore_the_scale_of_x(factor):
    """X times any factor in 1e-300..1e300 (A taken along) changes neither the
    relative error nor the ground-truth matching: nothing is squared before scaling."""
    rng = np.random.default_rng(2)
    A, S = rng.random((30, 3)), rng.random((3, 20))
    X = A @ S + 0.05 * rng.random((30, 20))
    mask = rng.random(X.shape) > 0.3
    with np.errstate(all="raise"):  # no overflow, underflow to NaN or 0/0 on the way
        for m in (None, mask):
            assert relative_error(X * factor, A * factor, S, m) == pytest.approx(
                relative_error(X, A, S, m), rel=1e-12)
        match = match_factors(A * factor, A[:, [2, 0, 1]] * factor)
    assert list(match.order) == [1, 2, 0]
    assert np.allclose(match.similarity, 1.0)


def test_product_never_overflows_to_inf():
    from nmf_core.metrics import product

    A = np.full((4, 3), 1.1e154)
    S = np.full((3, 5), 1.1e154)  # each term 1.2e308 (finite), their sum beyond float max
    P = product(A, S)
    assert np.isfinite(P).all() and (P == np.finfo(float).max).all()
    small = product(np.full((2, 2), 1e-200), np.full((2, 2), 1e-100))
    assert small == pytest.approx(np.full((2, 2), 2e-300))
