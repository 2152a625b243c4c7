"""The divergence guard says only what is true (issue #10, requirements 3 and 4): no false
alarm on exact fits, a restart whose arithmetic breaks keeps its last finite iterate, hals
stays finite on data from 1e-300 to 1e300, and projected ALS with k above the rank never
blows the error up."""

import importlib

import numpy as np
import pytest

from nmf_core import factorize
from nmf_core.data import factory_example
from nmf_core.params import METHODS

FACTORY = factory_example().X


@pytest.mark.parametrize("method", METHODS)
def test_an_exact_fit_is_never_a_divergence(method):
    """Measured: factorize(np.ones((8, 1)), 1, "als", init="nndsvd") said every restart
    diverged (the guard's limit was 10⁶ × a start error of 0)."""
    result = factorize(np.ones((8, 1)), 1, method, init="nndsvd")
    assert result.success and not result.diverged.any()
    assert result.rel_error < 1e-12
    exact = factorize(FACTORY, 3, method, init=(factory_example().A,
                                                factory_example().S), niter=20)
    assert exact.success and not exact.diverged.any() and exact.rel_error < 1e-8


def test_hals_stays_finite_on_data_from_1e_300_to_1e300():
    """Measured: hals went NaN on 23×25 data spanning 1e-300..1e300 and flagged the
    restart diverged although the iterate it kept had error 2e-16."""
    for seed in range(12):
        X = 10.0 ** np.random.default_rng(seed).uniform(-300, 300, (23, 25))
        for k in (3, 8, 20):
            result = factorize(X, k, "hals", niter=200, seed=seed)
            assert result.success and not result.diverged.any(), (seed, k, result.message)
            assert all(np.isfinite(curve).all() for curve in result.all_errors)


def test_a_restart_whose_arithmetic_breaks_keeps_its_last_finite_iterate(monkeypatch):
    fz = importlib.import_module("nmf_core.factorize")
    real = fz.solver_class

    def breaking(*args, **kwargs):
        cls = real(*args, **kwargs)

        class Breaks(cls):
            def step(self, W, H, t):
                out = super().step(W, H, t)
                if t == 9:  # restart 1's arithmetic overflows in the 10th iteration
                    H[0, 0, 0] = np.nan
                    return None
                return out
        return Breaks

    monkeypatch.setattr(fz, "solver_class", breaking)
    result = factorize(FACTORY, 3, "hals", niter=30, reinit=2, seed=0)
    assert result.success and not result.diverged.any()
    assert len(result.all_errors[0]) == 10  # iterations 0..9: the last finite one kept
    assert np.isfinite(result.all_errors[0]).all()
    assert "restart 1 (at iteration 10) stopped where the arithmetic turned non-finite" \
        in result.message
    one = factorize(FACTORY, 3, "hals", niter=30, reinit=1, seed=0)
    assert one.success and np.isfinite(one.A).all() and one.n_iter == 9
    assert "every restart stopped early" in one.message


def _worst_rise(result) -> float:
    return max(float(np.max(curve) / max(curve[0], 1e-12)) for curve in result.all_errors)


@pytest.mark.parametrize("sampling", ["random", "sweep"])
@pytest.mark.parametrize("init", ["nndsvd", "random"])
def test_projected_als_above_the_rank_never_blows_the_error_up(sampling, init):
    """Measured: 12×10 of 5s, k = 10, als, random sampling, nndsvd, 50 iterations, seed 1
    printed relative error 16887.7 and exited 0."""
    rng = np.random.default_rng(0)
    for X in (np.full((12, 10), 5.0), FACTORY, rng.random((30, 2)) @ rng.random((2, 20))):
        for k in (min(X.shape) // 2, min(X.shape)):
            result = factorize(X, k, "als", sampling=sampling, init=init, niter=50, seed=1)
            assert result.success and not result.diverged.any()
            assert _worst_rise(result) < 10, (X.shape, k)  # was up to 7e5


def test_factory_at_k_10_with_nndsvd_is_not_every_restart_diverged():
    """Measured: `factory --k 10 --method als --init nndsvd` said every restart diverged."""
    result = factorize(FACTORY, 10, "als", init="nndsvd")
    assert result.success and not result.diverged.any()
    assert result.rel_error < result.errors[0] and _worst_rise(result) < 10


@pytest.mark.parametrize("nonnegative", [True, False])
def test_the_all_diverged_advice_fits_the_settings_used(monkeypatch, nonnegative):
    """Measured: the message suggested "try nonnegative on" while it was on."""
    fz = importlib.import_module("nmf_core.factorize")
    monkeypatch.setattr(fz, "DIVERGENCE_FACTOR", 0.0)  # any step counts as blown up
    result = factorize(FACTORY, 3, "als", init="nndsvd", nonnegative=nonnegative, niter=5)
    assert not result.success and "every restart diverged" in result.message
    assert ("nonnegative on" in result.message) == (not nonnegative)
    assert "init random" in result.message and "init nndsvd" not in result.message
    assert "smaller k (now 3)" in result.message
    hals = factorize(FACTORY, 1, "hals", niter=5)
    assert not hals.success
    assert "method hals" not in hals.message and "smaller k" not in hals.message
