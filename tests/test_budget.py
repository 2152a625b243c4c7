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
