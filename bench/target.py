"""Time to reach scikit-learn CD's 200-iteration error: issue #4, item 2.

The target for a case is the relative error ‖X − WH‖/‖X‖ that
``NMF(k, init="nndsvda", solver="cd", tol=0, max_iter=200)`` reaches.

* sklearn cd: by definition it reaches the target at iteration 200, so its time to
  target is the time of that whole fit.
* sklearn mu: the smallest ``max_iter`` that reaches the target is found once by
  continuing one run (``non_negative_factorization(init="custom")``, 10 iterations at a
  time, then one at a time inside the last block).  sklearn's MU keeps no state between
  iterations and nndsvda is seeded (``random_state=0``), so the continued run is bit for
  bit the fit with that ``max_iter``; this is exact, and cheaper than a doubling search.
  Then a fresh fit with that ``max_iter`` is timed.
* nmf_core: ``factorize(init="nndsvd", reinit=1)`` with a callback that stops at the
  target; the whole call is timed, initialization included.

Every method is run once first (the search, and a warm-up); then the methods are timed
in turn, round robin, so that a burst of noise on a shared machine hits all of them.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .cases import Case
from .timing import MIN_REPEATS, median, timed

CD_ITERATIONS = 200
NITER_CAP = 100_000  # the parameter table's maximum; the time cap binds first
SKLEARN_SEED = 0
NMF_CORE_SEED = 0
# nmf_core methods, in table order: (label, method, extra arguments)
NMF_CORE_METHODS = (
    ("nmf_core hals", "hals", {}),
    ("nmf_core als sweep", "als", {"sampling": "sweep"}),
    ("nmf_core rk sweep", "rk", {"sampling": "sweep"}),
    ("nmf_core mu", "mu", {}),
)


def relative_error(X, W, H) -> float:
    return float(np.linalg.norm(X - W @ H) / np.linalg.norm(X))


def _sklearn_nmf(k: int, solver: str, max_iter: int):
    from sklearn.decomposition import NMF

    return NMF(n_components=k, init="nndsvda", solver=solver, beta_loss="frobenius", tol=0,
               max_iter=max_iter, random_state=SKLEARN_SEED)


def sklearn_fit(X, k: int, solver: str, max_iter: int):
    """Fit and return (W, H); sklearn's ConvergenceWarning at max_iter is expected."""
    model = _sklearn_nmf(k, solver, max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W = model.fit_transform(X)
    return W, model.components_


@dataclass
class Outcome:
    """A method's time to target: median seconds, or not reached with its best error."""

    label: str
    reached: bool
    iterations: int
    times: list[float] = field(default_factory=list)
    best_error: float = float("nan")
    spent_s: float = 0.0  # for "not reached": the time the capped run took

    @property
    def seconds(self) -> float:
        return median(self.times)


def sklearn_mu_iterations(X, k: int, target: float, cap_s: float, max_iter: int):
    """Smallest max_iter at which sklearn MU reaches ``target``; None if not within caps.

    Returns (iterations or None, best error, seconds spent, iterations run).
    """
    from sklearn.decomposition import non_negative_factorization

    block = 10
    started = time.perf_counter()
    W, H = sklearn_fit(X, k, "mu", block)
    done, error = block, relative_error(X, W, H)
    prev = None
    while error > target:
        if done >= max_iter or time.perf_counter() - started > cap_s:
            return None, error, time.perf_counter() - started, done
        prev = (W, H, done)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            W, H, _ = non_negative_factorization(X, W, H, n_components=k, init="custom",
                                                 solver="mu", tol=0, max_iter=block)
        done += block
        error = relative_error(X, W, H)
    if prev is None:  # reached within the first block: search it from the start
        for it in range(1, block + 1):
            W, H = sklearn_fit(X, k, "mu", it)
            if relative_error(X, W, H) <= target:
                return it, relative_error(X, W, H), time.perf_counter() - started, it
    W, H, done = prev
    while True:  # one iteration at a time inside the last block
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            W, H, _ = non_negative_factorization(X, W, H, n_components=k, init="custom",
                                                 solver="mu", tol=0, max_iter=1)
        done += 1
        error = relative_error(X, W, H)
        if error <= target:
            return done, error, time.perf_counter() - started, done


def nmf_core_run(X, k: int, method: str, target: float, cap_s: float, **extra):
    """One timed ``factorize`` call stopped at the target: (seconds, reached, iterations, error)."""
    from nmf_core import factorize

    def stop_at_target(t, errors):
        return bool(np.min(errors) <= target)

    seconds, result = timed(lambda: factorize(
        X, k, method, init="nndsvd", reinit=1, seed=NMF_CORE_SEED, niter=NITER_CAP,
        callback=stop_at_target, max_seconds=cap_s, **extra))
    error = float(np.min(result.errors))
    return seconds, error <= target, result.n_iter, error


def time_to_target(case: Case, repeats: int = MIN_REPEATS, cap_factor: float = 20.0,
                   min_cap_s: float = 5.0, mu_max_iter: int = 100 * CD_ITERATIONS):
    """Target error, the time cap used and every method's Outcome for one case.

    A method not at the target after ``cap_factor`` × sklearn cd's time (at least
    ``min_cap_s``) is "not reached"; that capped run is its only run.
    """
    X, k = case.X, case.k
    cd_seconds, (W, H) = timed(lambda: sklearn_fit(X, k, "cd", CD_ITERATIONS))  # warm-up
    target = relative_error(X, W, H)
    cap_s = max(min_cap_s, cap_factor * cd_seconds)

    runners = {}  # label -> callable returning seconds, for the timed rounds
    outcomes = {"sklearn cd": Outcome("sklearn cd", True, CD_ITERATIONS)}
    runners["sklearn cd"] = lambda: timed(lambda: sklearn_fit(X, k, "cd", CD_ITERATIONS))[0]

    mu_iter, mu_error, spent, mu_done = sklearn_mu_iterations(X, k, target, cap_s, mu_max_iter)
    if mu_iter is None:
        outcomes["sklearn mu"] = Outcome("sklearn mu", False, mu_done, best_error=mu_error,
                                         spent_s=spent)
    else:
        outcomes["sklearn mu"] = Outcome("sklearn mu", True, mu_iter, best_error=mu_error)
        runners["sklearn mu"] = lambda: timed(lambda: sklearn_fit(X, k, "mu", mu_iter))[0]

    for label, method, extra in NMF_CORE_METHODS:
        seconds, reached, n_iter, error = nmf_core_run(X, k, method, target, cap_s, **extra)
        outcomes[label] = Outcome(label, reached, n_iter, best_error=error, spent_s=seconds)
        if reached:
            runners[label] = (lambda method=method, extra=extra:
                              nmf_core_run(X, k, method, target, cap_s, **extra)[0])

    for _ in range(repeats):  # round robin
        for label, run in runners.items():
            outcomes[label].times.append(run())
    return target, cap_s, outcomes
