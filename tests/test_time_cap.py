"""The time cap holds (issue #10 req. 2): a run given max_seconds = c ends within
1.5·c + 0.2 s (``nmf_core.budget.cap_tolerance``) for every method, sampling and mask,
up to the top of every declared range.

These assert a bound on wall time by design: the cap is a promise about time (measured
with time.monotonic around factorize, caps of 0.5-2 s, so a busy machine has the
tolerance's slack).  A run keeps the promise in one of three ways, and each case
accepts any of them, since which one happens depends on the machine's speed:

- it stops inside a long step (the clock is read between HALS row groups and passes,
  masked rows, Kaczmarz blocks, MU/ALS half-steps, per-restart products) and returns
  the best finite iterate so far, ``truncated``;
- the cap passes while the start (init and its error) is prepared: no iterate exists,
  and it raises TimeLimitError saying so, naming the setting to lower;
- one iteration is estimated (nmf_core.budget) above the tolerance: it is refused
  before any work with TimeLimitError naming the setting to lower.

The issue measured 85 s against a 10 s cap (masked hals, 2000×1000, k = 300,
reinit = 5) and 20.6 s and 6.2 s against 0.5 s.
"""

import re
import time

import numpy as np
import pytest

from nmf_core import factorize
from nmf_core.budget import cap_tolerance
from nmf_core.errors import TimeLimitError
from nmf_core.params import PARAMS
from nmf_core.solvers import base


def data(n, m, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 8)) @ rng.random((8, m)) + 0.01


def capped_run(shape, cap, *, masked=False, **settings):
    """Run factorize under ``cap`` on a rank-8 matrix of ``shape``; assert it ended within
    the tolerance and return the result, or the TimeLimitError it raised."""
    X = data(*shape)
    mask = np.random.default_rng(1).random(X.shape) > 0.1 if masked else None
    settings.setdefault("niter", PARAMS["niter"].high)
    # Measured twice at most: the bound is on how often the code looks at the clock,
    # and one run that a burst of load on a shared machine pushed past it is retried.
    for _attempt in range(2):
        started = time.monotonic()
        try:
            outcome = factorize(X, mask=mask, max_seconds=cap, seed=2, **settings)
        except TimeLimitError as error:
            outcome = error
        elapsed = time.monotonic() - started
        if elapsed <= cap_tolerance(cap):
            break
    assert elapsed <= cap_tolerance(cap), (
        f"{settings}: {elapsed:.2f} s against a {cap} s cap, twice ({outcome})")
    if isinstance(outcome, TimeLimitError):
        message = str(outcome)
        assert "\n" not in message and "max_seconds" in message and "lower " in message
    else:
        assert outcome.truncated and "time limit" in outcome.message
        assert np.isfinite(outcome.A).all() and (outcome.A >= 0).all()
        assert np.isfinite(outcome.S).all() and (outcome.S >= 0).all()
        assert outcome.n_iter == len(outcome.errors) - 1
        assert np.isfinite(outcome.rel_error)
    return outcome


@pytest.mark.slow
def test_the_issue_worst_case_masked_hals_2000_by_1000_k_300_holds_its_cap():
    """85 s against a 10 s cap before: now refused up front (one iteration is estimated
    far over the cap), naming k or reinit (the masked engine costs k·reinit a cell)."""
    outcome = capped_run((2000, 1000), 2.0, masked=True, k=300, method="hals", reinit=5)
    assert isinstance(outcome, TimeLimitError)
    assert re.search(r"lower (k \(now 300\)|reinit \(now 5\)), or raise max_seconds",
                     str(outcome))


TOP = {name: int(PARAMS[name].high) for name in ("k", "reinit", "kacziter", "niter")}
VARIANTS = [("als", "sweep", False), ("als", "random", False), ("rk", "sweep", False),
            ("rk", "random", False), ("hals", "sweep", False), ("mu", "sweep", False),
            ("hals", "sweep", True), ("mu", "sweep", True)]


@pytest.mark.parametrize(("method", "sampling", "masked"), VARIANTS)
def test_every_method_sampling_and_mask_holds_a_half_second_cap_at_the_top_of_the_ranges(
        method, sampling, masked):
    """k, reinit, kacziter and niter at the top of their declared ranges (k = 500 needs
    a 600×500 matrix): every one ends within 0.95 s, and says which setting to lower."""
    capped_run((600, 500), 0.5, masked=masked, method=method, sampling=sampling, **TOP)


# Cases whose one iteration takes longer than the cap here while its estimate is
# within the tolerance, so only the checks inside the step (or around the start) can
# hold them; without those checks these took 3-45 s.
INSIDE = {
    "hals, k = 300 (rows with zero factors)": dict(shape=(2000, 1000), k=300, method="hals",
                                                   reinit=5),
    "mu, k = 300": dict(shape=(2000, 1000), k=300, method="mu", reinit=5),
    "als sweep, k = 100": dict(shape=(2000, 1000), k=100, method="als", reinit=5),
    "masked hals, k = 60": dict(shape=(400, 300), k=60, method="hals", reinit=5, masked=True),
    "masked mu, k = 60": dict(shape=(400, 300), k=60, method="mu", reinit=5, masked=True),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(INSIDE))
def test_a_long_iteration_is_stopped_inside_within_the_tolerance(name):
    capped_run(cap=2.0, **INSIDE[name])


@pytest.mark.slow
@pytest.mark.parametrize("method", ["hals", "mu"])
def test_k_at_the_top_of_its_range_holds_a_half_second_cap_without_a_refusal(method):
    """k = 500 with one restart is estimated within the tolerance, so it runs: the
    checks between HALS row groups and MU half-steps stop it."""
    outcome = capped_run((600, 500), 0.5, k=TOP["k"], method=method, reinit=1)
    assert not isinstance(outcome, TimeLimitError)


def test_rk_sweep_with_kacziter_at_the_top_holds_a_half_second_cap():
    capped_run((200, 150), 0.5, k=30, method="rk", reinit=5, kacziter=TOP["kacziter"])


def test_a_slow_start_holds_the_cap_too():
    """rk with random sampling draws every iteration's column and row up front: at
    reinit 100 and niter 100,000 that is 2·10⁷ draws, which the cap now covers."""
    capped_run((300, 200), 0.5, k=2, method="rk", reinit=TOP["reinit"], sampling="random")


def count_checks_then_cut(monkeypatch, module, after: int):
    """Make ``module``'s check_deadline raise CutShort from its (after + 1)-th call."""
    calls = {"n": 0}

    def check():
        calls["n"] += 1
        if calls["n"] > after:
            raise base.CutShort

    monkeypatch.setattr(module, "check_deadline", check)
    return calls


def test_a_step_cut_short_keeps_the_iterate_before_it(monkeypatch):
    """With the deadline passing inside the 4th iteration (counted in clock checks),
    the run ends after 3 iterations with exactly the 3-iteration iterate."""
    import nmf_core.solvers.hals as hals

    X = data(60, 40)
    full = factorize(X, 5, "hals", niter=3, reinit=2, seed=4)
    calls = count_checks_then_cut(monkeypatch, hals, 10**9)
    factorize(X, 5, "hals", niter=3, reinit=2, seed=4, max_seconds=100)
    count_checks_then_cut(monkeypatch, hals, calls["n"] + 1)  # inside iteration 4
    cut = factorize(X, 5, "hals", niter=10, reinit=2, seed=4, max_seconds=100)
    assert cut.n_iter == 3 and cut.truncated and "after 3 of 10" in cut.message
    assert np.array_equal(cut.A, full.A) and np.array_equal(cut.S, full.S)
    assert np.array_equal(cut.errors, full.errors)


def test_a_run_cut_before_its_first_iteration_says_it_returns_the_start(monkeypatch):
    import nmf_core.solvers.hals as hals

    X = data(60, 40)
    start = factorize(X, 5, "hals", niter=1, reinit=2, seed=4)
    count_checks_then_cut(monkeypatch, hals, 0)
    cut = factorize(X, 5, "hals", niter=10, reinit=2, seed=4, max_seconds=100)
    assert cut.n_iter == 0 and cut.truncated
    assert "no iteration finished" in cut.message and "the start (init random)" in cut.message
    assert cut.rel_error == pytest.approx(min(errors[0] for errors in start.all_errors))


def test_a_cap_passing_while_the_start_is_prepared_raises_naming_what_to_lower(monkeypatch):
    """Before the start's error exists there is no iterate to return: a one-line
    TimeLimitError (a ParameterError) says so."""
    import nmf_core.initialization as initialization

    count_checks_then_cut(monkeypatch, initialization, 0)
    with pytest.raises(TimeLimitError, match=r"passed while the start .* before any "
                                             r"iteration; raise max_seconds or lower"):
        factorize(data(60, 40), 5, "hals", niter=10, reinit=2, max_seconds=100)


def test_a_run_estimated_far_over_its_cap_is_refused_before_any_work():
    """ALS at k = 400 costs k² a column: halving k saves most, so k is named."""
    X = data(600, 500)
    started = time.monotonic()
    with pytest.raises(TimeLimitError, match=r"estimated at about .* lower k \(now 400\)"):
        factorize(X, 400, "als", reinit=100, max_seconds=0.5)
    assert time.monotonic() - started < 0.5
