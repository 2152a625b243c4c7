"""Loss and penalty rows (issue #17): the time this project's solvers take to reach
scikit-learn's figure, in ratio to scikit-learn's own time, in the same run.

- KL: scikit-learn mu's (β = 1) divergence after 200 iterations, reached by this
  project's fast KL solver (hals with loss="kullback-leibler": Hsieh–Dhillon coordinate
  descent) and by its mu; on a Poisson count matrix (3000×500, k = 15) and on digits.
  Target ≤ 0.5× (for mu, the same update rule as scikit-learn's, a figure to compare).
- Itakura–Saito: the same against scikit-learn mu (β = 0) on a spectrogram-like
  synthetic (positive, heavy-tailed gamma noise on a low-rank product).
- Regularised Frobenius (alpha = 0.1, l1_ratio = 0.5): hals against scikit-learn cd
  with the same penalty, its objective after 200 iterations.  Target ≤ 0.5×.
- Small matrices stay fast: the factory example (12×10, k = 3), hals from factorize's
  default start (random, 5 restarts in one batch, seed 1) to scikit-learn cd's
  200-iteration error.  Target ≤ 0.5×.

Both sides start from their NNDSVDa start (the same construction) with one restart,
except the factory row; this project's run stops, through its callback, the moment its
objective reaches the target.  Runs faster than a second are done once untimed (warm)
first; the runs are timed in turn, round robin, so a burst of noise on the shared
machine hits them all; medians of ``repeats`` runs (more for the factory's millisecond
runs).
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from .table import NOT_REACHED, Row
from .timing import median

RATIO_TARGET = 0.5
WARM_UP_BELOW_S = 1.0  # cases whose sklearn fit is faster get an untimed warm run first
SKLEARN_ITERATIONS = 200


def _poisson(n=3000, m=500, k=15, seed=0):
    rng = np.random.default_rng(seed)
    return rng.poisson(rng.gamma(1.0, 1.0, (n, k)) @ rng.gamma(0.3, 1.0, (k, m))).astype(float)


def _spectrogram(n=400, m=300, k=10, seed=0):
    rng = np.random.default_rng(seed)
    clean = rng.gamma(0.5, 1.0, (n, k)) @ rng.gamma(0.5, 1.0, (k, m)) + 1e-3
    return clean * rng.gamma(1.0, 1.0, (n, m))  # exponential (heavy-tailed) power noise


def _digits():
    from sklearn.datasets import load_digits

    return np.ascontiguousarray(load_digits().data, dtype=float)


def _sklearn(X, k, solver, beta, alpha, l1_ratio):
    """(seconds, objective after 200 iterations) of scikit-learn's NMF."""
    from sklearn.decomposition import NMF
    from sklearn.decomposition._nmf import _beta_divergence

    model = NMF(k, solver=solver, beta_loss=beta, init="nndsvda", max_iter=SKLEARN_ITERATIONS,
                tol=0, alpha_W=alpha, alpha_H="same", l1_ratio=l1_ratio,
                random_state=0)  # its NNDSVDa uses a randomized SVD: seeded, one target
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        started = time.perf_counter()
        W = model.fit_transform(X)
        seconds = time.perf_counter() - started
    H = model.components_
    n, m = X.shape
    penalty = (alpha * l1_ratio * (m * np.abs(W).sum() + n * np.abs(H).sum())
               + 0.5 * alpha * (1 - l1_ratio) * (m * (W * W).sum() + n * (H * H).sum()))
    return seconds, float(_beta_divergence(X, W, H, beta)) + penalty


def _ours(X, k, method, beta, alpha, l1_ratio, goal, cap_s, init="nndsvd", reinit=1):
    """(seconds, iterations, reached, best objective) of factorize until its objective
    reaches ``goal``: the callback compares the curve with the goal's curve value."""
    from nmf_core import factorize

    c = float(X.max())
    x_sq = float(np.vdot(X / c, X / c))
    goal_curve = np.sqrt(2 * goal / c ** beta / x_sq)

    def stop(t, curves):
        return bool(curves.min() <= goal_curve)

    started = time.perf_counter()
    result = factorize(X, k, method, init=init, reinit=reinit, niter=100_000, loss=beta,
                       alpha_A=alpha, l1_ratio=l1_ratio, callback=stop, max_seconds=cap_s)
    seconds = time.perf_counter() - started
    reached = bool(result.errors[-1] <= goal_curve)
    return seconds, result.n_iter, reached, float(result.objective[-1])


def _rows(label, X, k, methods, beta, alpha, l1_ratio, sk_solver, repeats, init="nndsvd",
          reinit=1):
    """The target row and one row per method of this project, timed round robin."""
    sk_first = _sklearn(X, k, sk_solver, beta, alpha, l1_ratio)  # warm, and the target
    goal = sk_first[1]
    cap_s = max(5.0, 20 * sk_first[0])  # generous: a shared machine has bursts

    def ours(method):
        return _ours(X, k, method, beta, alpha, l1_ratio, goal, cap_s, init, reinit)

    first = {method: ours(method) for method in methods}  # not reached: not repeated
    # Runs of a second or more need no warm-up: their first runs are timed runs too.
    warm_only = sk_first[0] < WARM_UP_BELOW_S
    sk_times = [] if warm_only else [sk_first[0]]
    runs = {method: [] if warm_only or not first[method][2] else [first[method]]
            for method in methods}
    for _ in range(repeats if warm_only else repeats - 1):
        sk_times.append(_sklearn(X, k, sk_solver, beta, alpha, l1_ratio)[0])
        for method in methods:
            if first[method][2]:
                runs[method].append(ours(method))
    sk_s = median(sk_times)
    rows = [Row("losses", label, f"target: sklearn {sk_solver} objective after 200 it", goal,
                "objective", spec=".6g",
                detail=f"sklearn {sk_solver} {sk_s * 1e3:.4g} ms median of {repeats}")]
    for method in methods:
        name = f"nmf_core {method}"
        done = runs[method]
        if done and all(r[2] for r in done):
            ours_s = median([r[0] for r in done])
            ratio = ours_s / sk_s
            rows.append(Row("losses", label, name, ours_s, "s", ratio, f"× sklearn {sk_solver}",
                            f"≤ {RATIO_TARGET}× sklearn {sk_solver}", ratio <= RATIO_TARGET,
                            f"{done[0][1]:,} it; median of {len(done)}"))
        else:
            spent = first[method] if not done else next(r for r in done if not r[2])
            rows.append(Row("losses", label, name, None, "s", target=f"≤ {RATIO_TARGET}×",
                            missing=NOT_REACHED,
                            detail=f"best objective {spent[3]:.6g} after {spent[1]:,} it "
                                   f"({spent[0]:.3g} s, cap {cap_s:.3g} s)"))
    return rows


def loss_rows(repeats: int, quick: bool):
    """The KL, Itakura–Saito, regularised and small-matrix rows; smaller with ``quick``."""
    from nmf_core.data import factory_example
    from nmf_core.params import DEFAULTS

    repeats = min(repeats, 2 if quick else 3)
    poisson = _poisson(600, 200, 15) if quick else _poisson()
    n, m = poisson.shape
    digits = _digits()
    rows = []
    rows += _rows(f"Poisson counts {n}×{m} k=15, kullback-leibler", poisson, 15, ("hals", "mu"),
                  1.0, 0.0, 0.0, "mu", repeats)
    rows += _rows("digits 1797×64 k=10, kullback-leibler", digits, 10, ("hals", "mu"), 1.0,
                  0.0, 0.0, "mu", repeats)
    spectrogram = _spectrogram(200, 150) if quick else _spectrogram()
    n, m = spectrogram.shape
    rows += _rows(f"spectrogram-like {n}×{m} k=10, itakura-saito", spectrogram, 10, ("mu",),
                  0.0, 0.0, 0.0, "mu", repeats)
    rows += _rows("digits 1797×64 k=10, frobenius alpha=0.1 l1_ratio=0.5", digits, 10,
                  ("hals",), 2.0, 0.1, 0.5, "cd", repeats)
    defaults = {name: DEFAULTS[name] for name in ("init", "reinit")}  # seed too: its default
    rows += _rows("factory 12×10 k=3, frobenius, factorize's default start", factory_example().X,
                  3, ("hals",), 2.0, 0.0, 0.0, "cd", 15 if quick else 51, **defaults)
    return rows
