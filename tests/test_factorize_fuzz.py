"""Fuzzing factorize: awkward matrices and every parameter across its range.

Profiles: NMF_HYPOTHESIS_PROFILE=ci (default, in the test command), dev, nightly.
"""

import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nmf_core import PARAMS, factorize
from nmf_core.metrics import relative_error

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
    n = draw(st.integers(1, 9))
    m = draw(st.integers(1, 9))
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
    niter=in_range("niter", cap=15),  # the top of the range only costs time
    kacziter=in_range("kacziter", cap=40),
    reinit=in_range("reinit", cap=6),
    seed=in_range("seed"),
)
def test_factorize_invariants(X, method, sampling, row_sampling, init, nonnegative, k_share,
                              niter, kacziter, reinit, seed):
    if method == "mu":
        nonnegative = True
    k = 1 + int(k_share * (min(X.shape) - 1))
    result = factorize(X, k, method, niter=niter, kacziter=kacziter, reinit=reinit, seed=seed,
                       init=init, nonnegative=nonnegative, sampling=sampling,
                       row_sampling=row_sampling)
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
