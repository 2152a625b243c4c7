"""Fixed factors (nmf_core.fixed through factorize): known columns of A or rows of S
held fixed while the rest are fitted, for hals and mu, masked or not."""

import numpy as np
import pytest

from nmf_core import ParameterError, factorize, project
from nmf_core.data import FACTORY_FACTORS, factory_example
from nmf_core.metrics import match_factors

X = factory_example().X


@pytest.mark.parametrize("method", ["hals", "mu"])
@pytest.mark.parametrize("masked", [False, True])
def test_fixed_column_of_a_and_row_of_s_never_change(method, masked):
    rng = np.random.default_rng(0)
    mask = rng.random(X.shape) > 0.1 if masked else None
    if masked:
        mask[:, :] |= X > 0  # keep every row and column observed somewhere
    row = rng.random(10)
    result = factorize(X, 3, method, niter=50, reinit=3, seed=2, mask=mask,
                       fixed_A={0: FACTORY_FACTORS[:, 0]}, fixed_S={2: row})
    assert np.allclose(result.A[:, 0], FACTORY_FACTORS[:, 0], rtol=1e-14, atol=0)
    assert np.allclose(result.S[2], row, rtol=1e-14, atol=0)
    assert result.params["fixed_A"] == [0] and result.params["fixed_S"] == [2]
    curve = result.errors
    assert curve[-1] < curve[0]  # the free entries were fitted


def test_knowing_factory_one_keeps_it_and_finds_factory_two():
    result = factorize(X, 3, "hals", niter=1000, reinit=5, seed=1,
                       fixed_A={0: FACTORY_FACTORS[:, 0]})
    assert result.rel_error < 1e-6
    match = match_factors(FACTORY_FACTORS, result.A)
    assert match.order[0] == 0 and match.similarity[:2].min() > 0.999
    # factory 3 is not identifiable from this X (NMF is not unique): another profile
    # fits exactly, so only the fit is asserted for it
    assert 0 < match.similarity[2] <= 1


@pytest.mark.parametrize("method", ["hals", "mu"])
def test_all_of_a_fixed_gives_the_nnls_projection(method):
    rng = np.random.default_rng(3)
    A = rng.random((15, 3))
    data = A @ rng.random((3, 12)) + 0.05 * rng.random((15, 12))
    result = factorize(data, 3, method, niter=3000 if method == "mu" else 300, reinit=1,
                       fixed_A={r: A[:, r] for r in range(3)})
    assert np.allclose(result.A, A, rtol=1e-14, atol=0)
    expected = project(data, A=A)
    assert np.allclose(result.S, expected, atol=1e-5 if method == "mu" else 1e-9)


def test_without_fixed_factors_nothing_changes():
    plain = factorize(X, 3, "hals", niter=30, seed=4)
    again = factorize(X, 3, "hals", niter=30, seed=4, fixed_A=None, fixed_S=None)
    assert np.array_equal(plain.A, again.A) and plain.params["fixed_A"] == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="als", fixed_A={0: FACTORY_FACTORS[:, 0]}), "fixed factors need method"),
    (dict(fixed_A={3: FACTORY_FACTORS[:, 0]}), "index 3 must be a whole number from 0 to"),
    (dict(fixed_A={0: np.ones(5)}), r"fixed_A\[0\] must have 12 values"),
    (dict(fixed_S={0: -np.ones(10)}), "negative values"),
    (dict(fixed_S={0: np.full(10, np.nan)}), "must be finite"),
    (dict(fixed_S=[np.ones(10)]), "must be a dict"),
])
def test_bad_fixed_factors_are_one_clear_error(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        factorize(X, 3, niter=5, **{"method": "hals", **kwargs})
