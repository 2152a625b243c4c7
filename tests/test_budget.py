"""nmf_core.budget: the cost model grows with every slider and names the one to lower."""

import pytest

from nmf_core.budget import estimate_seconds, slider_to_lower


@pytest.mark.parametrize("method", ["als", "rk", "hals", "mu"])
def test_estimate_grows_with_work(method):
    base = dict(shape=(200, 100), k=5, method=method, niter=100, reinit=2, kacziter=5)
    t = estimate_seconds(**base)
    assert t > 0
    assert estimate_seconds(**{**base, "niter": 200}) == pytest.approx(2 * t)
    assert estimate_seconds(**{**base, "reinit": 8}) > t
    assert estimate_seconds(**{**base, "shape": (2000, 1000)}) > t
    assert estimate_seconds(**{**base, "k": 20}) > t


def test_kacziter_only_costs_for_rk():
    common = dict(shape=(100, 100), k=5, niter=10, reinit=1)
    assert estimate_seconds(method="rk", kacziter=50, **common) > estimate_seconds(
        method="rk", kacziter=5, **common)
    assert estimate_seconds(method="hals", kacziter=50, **common) == estimate_seconds(
        method="hals", kacziter=5, **common)


def test_slider_advice_names_the_largest_setting():
    assert slider_to_lower(5, "hals", niter=2000, reinit=10) == "lower niter (now 2000)"
    assert slider_to_lower(5, "rk", niter=100, reinit=10, kacziter=500).startswith("lower kacziter")


def test_the_cap_tolerance_is_one_and_a_half_times_plus_a_fifth_of_a_second():
    from nmf_core.budget import cap_tolerance

    assert cap_tolerance(0.5) == pytest.approx(0.95)
    assert cap_tolerance(10) == pytest.approx(15.2)


def test_a_run_is_refused_only_when_one_iteration_is_estimated_over_the_tolerance():
    from nmf_core.budget import cap_tolerance, refuse_over_cap

    issue = dict(shape=(2000, 1000), k=300, method="hals", reinit=5, masked=True,
                 stored=1_800_000)
    assert refuse_over_cap(cap=None, **issue) == ""  # no cap, nothing refused
    one_step = estimate_seconds(niter=1, **issue)
    assert refuse_over_cap(cap=one_step, **issue) == ""
    reason = refuse_over_cap(cap=2.0, **issue)
    assert one_step > cap_tolerance(2.0)
    assert "\n" not in reason and "max_seconds = 2 s" in reason
    assert "lower k (now 300)" in reason or "lower reinit (now 5)" in reason
    small = dict(shape=(100, 80), k=5, method="hals", reinit=5)
    assert refuse_over_cap(cap=0.01, **small) == ""  # a tiny cap on a tiny run is kept


def test_the_setting_named_for_one_iteration_is_the_one_whose_halving_saves_most():
    from nmf_core.budget import step_setting_to_lower

    # rk's Kaczmarz steps cost kacziter a column, restarts share the Python overhead
    assert step_setting_to_lower((200, 150), 5, "rk", 2, kacziter=1000) == \
        "lower kacziter (now 1,000)"
    # ALS solves a k×k system a column: k costs k², restarts only once each
    assert step_setting_to_lower((600, 500), 400, "als", 100) == "lower k (now 400)"
    # at k = 1 only the restarts are left to lower
    assert step_setting_to_lower((600, 500), 1, "hals", 100) == "lower reinit (now 100)"
