"""nmf_core.factory: which factories ran on a new day (NNLS on the profiles)."""

import numpy as np
import pytest

from nmf_core import MatrixError, factorize
from nmf_core.data import FACTORY_FACTORS, factory_example
from nmf_core.factory import aligned_profiles, day_output, which_factories_ran


@pytest.mark.parametrize("levels", [(1, 0, 1), (0, 1, 0), (0.5, 2, 0.25), (0, 0, 0)])
def test_an_exact_day_is_read_back_exactly(levels):
    day = which_factories_ran(day_output(levels, FACTORY_FACTORS), FACTORY_FACTORS, levels)
    assert np.allclose(day.found, levels, atol=1e-12)
    assert day.rel_error < 1e-12 and np.array_equal(day.truth, np.asarray(levels, float))


def test_a_noisy_day_gets_the_closest_non_negative_mix():
    rng = np.random.default_rng(0)
    x = day_output((1, 0, 1), FACTORY_FACTORS) + rng.uniform(0, 0.3, 12)
    day = which_factories_ran(x, FACTORY_FACTORS)
    assert day.found.min() >= 0 and day.truth is None
    assert np.allclose(day.fitted, FACTORY_FACTORS @ day.found)
    for trial in rng.uniform(0, 2, (200, 3)):  # no other non-negative mix fits better
        assert np.linalg.norm(x - FACTORY_FACTORS @ trial) >= np.linalg.norm(x - day.fitted)


def test_aligned_profiles_undo_order_and_scale():
    shuffled = FACTORY_FACTORS[:, [2, 0, 1]] * np.array([3.0, 0.5, 7.0])
    assert np.allclose(aligned_profiles(shuffled, FACTORY_FACTORS), FACTORY_FACTORS)
    result = factorize(factory_example().X, 3, "hals", niter=500, seed=1)
    aligned = aligned_profiles(result.A, FACTORY_FACTORS)
    day = which_factories_ran(day_output((1, 1, 0), FACTORY_FACTORS), aligned)
    assert day.rel_error < 1e-6  # an exact fit's profiles read an exact day back


@pytest.mark.parametrize("call, message", [
    (lambda: day_output((1, -1, 0), FACTORY_FACTORS), "3 finite levels >= 0"),
    (lambda: day_output((1, 0), FACTORY_FACTORS), "3 finite levels >= 0"),
    (lambda: which_factories_ran(np.ones(5), FACTORY_FACTORS), "needs 12 hourly values"),
    (lambda: which_factories_ran(-np.ones(12), FACTORY_FACTORS), "negative value"),
])
def test_bad_days_are_one_clear_error(call, message):
    with pytest.raises(MatrixError, match=message):
        call()


def test_fit_with_known_profile_holds_factory_one():
    from nmf_core.factory import fit_with_known_profile

    result = fit_with_known_profile(factory_example().X, FACTORY_FACTORS, 0, method="hals",
                                    niter=200, reinit=2, seed=1)
    assert result.A.shape == (12, 3) and result.params["fixed_A"] == [0]
    assert np.allclose(result.A[:, 0], FACTORY_FACTORS[:, 0], rtol=1e-14, atol=0)
    four = fit_with_known_profile(factory_example().X, FACTORY_FACTORS, 0, k=4, niter=20)
    assert four.A.shape == (12, 4)
