"""Fuzzing factorize: awkward matrices and every parameter across its range.

Profiles: NMF_HYPOTHESIS_PROFILE=ci (default, in the test command), dev, nightly.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nmf_core import PARAMS, factorize
from nmf_core.errors import TimeLimitError
from nmf_core.metrics import relative_error

pytestmark = pytest.mark.fuzz  # hundreds of examples: left out of the quick subset
settings.register_profile("dev", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("nightly", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("NMF_HYPOTHESIS_PROFILE", "ci"))


@st.composite
def awkward_matrices(draw):
    """Non-negative, not all zero, with the shapes and values that break solvers."""
    n = draw(st.one_of(st.integers(1, 9), st.integers(10, 60)))
    m = draw(st.one_of(st.integers(1, 9), st.integers(10, 60)))
    kind = draw(st.sampled_from(["uniform", "low-rank", "spread", "outlier", "sparse"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "uniform":
        X = rng.random((n, m))
    elif kind == "low-rank":
        r = draw(st.integers(1, min(n, m)))
        X = rng.random((n, r)) @ rng.random((r, m))
    elif kind == "spread":  # magnitudes from 1e-300 to 1e300
        X = 10.0 ** rng.uniform(-300, 300, (n, m))
    elif kind == "outlier":
        X = rng.random((n, m))
        X[rng.integers(n), rng.integers(m)] = draw(st.sampled_from([1e8, 1e150, 1e300]))
    else:
        X = rng.random((n, m)) * (rng.random((n, m)) < 0.3)
    if draw(st.booleans()) and n > 1:  # a zero row and a duplicate row
        X[rng.integers(n)] = 0.0
        X[-1] = X[0]
    if draw(st.booleans()) and m > 1:
        X[:, rng.integers(m)] = 0.0
    if not X.any():
        X[0, 0] = 1.0
    return X


LONG_RUN = 20_000  # iterations × restarts (× Kaczmarz steps) past which a run is capped
SHORT_CAP = 0.05  # seconds


def in_range(name, cap=None):
    p = PARAMS[name]
    high = p.high if cap is None else min(p.high, cap)
    return st.integers(int(p.low), int(high))


@given(
    X=awkward_matrices(),
    method=st.sampled_from(PARAMS["method"].choices),
    sampling=st.sampled_from(PARAMS["sampling"].choices),
    row_sampling=st.sampled_from(PARAMS["row_sampling"].choices),
    init=st.sampled_from(PARAMS["init"].choices),
    nonnegative=st.booleans(),
    k_share=st.floats(0, 1),
    # Mostly small, sometimes anywhere in the declared range (up to its top).
    niter=st.one_of(in_range("niter", cap=15), in_range("niter")),
    kacziter=st.one_of(in_range("kacziter", cap=40), in_range("kacziter")),
    reinit=st.one_of(in_range("reinit", cap=6), in_range("reinit")),
    seed=in_range("seed"),
    max_seconds=st.one_of(st.none(), st.floats(PARAMS["max_seconds"].low, 0.2)),
)
def test_factorize_invariants(X, method, sampling, row_sampling, init, nonnegative, k_share,
                              niter, kacziter, reinit, seed, max_seconds):
    if method == "mu":
        nonnegative = True
    k = 1 + int(k_share * (min(X.shape) - 1))
    if niter * reinit * (kacziter if method == "rk" else 1) > LONG_RUN:
        max_seconds = min(max_seconds or SHORT_CAP, SHORT_CAP)  # the properties hold cut short
    try:
        result = factorize(X, k, method, niter=niter, kacziter=kacziter, reinit=reinit,
                           seed=seed, init=init, nonnegative=nonnegative, sampling=sampling,
                           row_sampling=row_sampling, max_seconds=max_seconds)
    except TimeLimitError as error:  # the cap cannot give an iterate (issue #10): said so
        assert max_seconds is not None and "max_seconds" in str(error)
        return
    A, S = result.A, result.S
    assert A.shape == (X.shape[0], k) and S.shape == (k, X.shape[1])
    assert np.isfinite(A).all() and np.isfinite(S).all()
    if nonnegative:
        assert (A >= 0).all() and (S >= 0).all()
    # recompute on X scaled to max 1 so that ‖X‖ cannot overflow
    scale = X.max()
    recomputed = relative_error(X / scale, A / np.sqrt(scale), S / np.sqrt(scale))
    assert np.isclose(result.rel_error, recomputed, rtol=1e-9, atol=1e-15)
    assert all(np.isfinite(c).all() for c in result.all_errors)
    finals = np.array([c[-1] for c in result.all_errors])
    if (~result.diverged).any():
        assert not result.diverged[result.best_run]
        assert finals[result.best_run] <= finals[~result.diverged].min()
    else:
        assert not result.success and "diverged" in result.message
