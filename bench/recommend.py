"""Recommender rows (issue #16): nmf_core's recommender against scikit-surprise's
NMF, biased NMF, SVD and BaselineOnly on the same split, in the same run.

- A synthetic ratings set shaped like MovieLens 100k (943 × 1,682, 100,000
  ratings; planted genre tastes, skewed user activity and film popularity;
  :func:`nmf_core.films.planted_ratings`), 80/20 random split.
- A real MovieLens folder named by ``NMF_BENCH_MOVIELENS`` (its ``u1.base`` /
  ``u1.test`` when present, else ``ratings.dat``, ``ratings.csv`` or ``u.data``
  split 80/20 at random).
- One million synthetic ratings (6,040 × 3,706): fit time, target < 5 s.
- Ten million (69,878 × 10,677, MovieLens 10M's shape) only when
  ``NMF_BENCH_10M=1``: fit time and peak RSS of a child process, targets < 60 s
  and < 4 GB.

scikit-surprise is run with its defaults (NMF: 15 factors, 50 epochs); nmf_core
at the same k = 15 with its defaults (λ = 0.05 per rating, biases on), so the
fit-time ratio compares equal k.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .table import SKIPPED, Row
from .timing import median

K = 15  # surprise NMF's default n_factors
FIT_RATIO_TARGET = 0.5
RMSE_MARGIN = 0.97  # "clearly below": at most 97 % of the best surprise RMSE
ONE_MILLION_TARGET_S = 5.0
TEN_MILLION_TARGET_S = 60.0
TEN_MILLION_TARGET_GB = 4.0
LARGE_K = 10
ENV_MOVIELENS = "NMF_BENCH_MOVIELENS"
ENV_10M = "NMF_BENCH_10M"


def _synthetic(n, m, count, seed=0):
    from nmf_core.films import planted_ratings
    from nmf_core.ratings import from_arrays

    rows, cols, stars, *_ = planted_ratings(n, m, count, genres=8, noise=0.5, seed=seed)
    return from_arrays(rows, cols, stars)


def _surprise_fits(train, test, repeats):
    """{name: (median fit seconds, test RMSE)}, or None without scikit-surprise."""
    try:
        import pandas as pd
        from surprise import NMF, SVD, BaselineOnly, Dataset, Reader, accuracy
    except ImportError:
        return None

    def frame(r):
        return pd.DataFrame({"u": np.asarray(r.user_ids, object)[r.users],
                             "i": np.asarray(r.item_ids, object)[r.items], "r": r.values})

    low, high = train.scale
    trainset = Dataset.load_from_df(frame(train), Reader(rating_scale=(low, high))
                                    ).build_full_trainset()
    testset = list(frame(test).itertuples(index=False, name=None))
    makers = {"surprise NMF": lambda: NMF(random_state=0),
              "surprise biased NMF": lambda: NMF(biased=True, random_state=0),
              "surprise SVD": lambda: SVD(random_state=0),
              "surprise BaselineOnly": lambda: BaselineOnly(verbose=False)}
    out = {}
    for name, make in makers.items():
        times, cpu = [], []
        for _ in range(repeats):
            algo = make()
            started, cpu_started = time.perf_counter(), time.process_time()
            algo.fit(trainset)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        out[name] = (median(times), accuracy.rmse(algo.test(testset), verbose=False),
                     median(cpu))
    return out


def _ours(train, test, repeats):
    from nmf_core.recommend import evaluate, fit_recommender

    times, cpu = [], []
    for _ in range(repeats):
        cpu_started = time.process_time()
        model = fit_recommender(train, K)
        cpu.append(time.process_time() - cpu_started)
        times.append(model.fit_s)
    figures = evaluate(model, test)
    return median(times), figures, model, median(cpu)


def comparison_rows(case, train, test, repeats):
    repeats = max(1, min(repeats, 3))
    theirs = _surprise_fits(train, test, repeats)
    seconds, figures, model, cpu = _ours(train, test, repeats)
    shape = f"{len(train.user_ids):,}×{len(train.item_ids):,}"
    rows = []
    if theirs is None:
        rows.append(Row("recommend", case, "scikit-surprise", None, missing=SKIPPED,
                        detail="scikit-surprise is not installed (pip install -e .[bench])"))
    else:
        for name, (fit_s, rmse, fit_cpu) in theirs.items():
            rows.append(Row("recommend", case, f"{name} test RMSE", rmse, spec=".4f",
                            detail=f"fit {fit_s:.3f} s, CPU {fit_cpu:.3f} s (medians of "
                                   f"{repeats}); defaults"))
    base = ", ".join(f"{name} {rmse:.4f}" for name, rmse in figures["baselines"].items())
    rows.append(Row("recommend", case, "baselines test RMSE", None, missing="—",
                    detail=base))
    best_name, best = (min(((n, r) for n, (_, r, _) in theirs.items()), key=lambda t: t[1])
                       if theirs else (None, None))
    rows.append(Row(
        "recommend", case, f"nmf_core k={K} test RMSE", figures["rmse"], spec=".4f",
        ratio=None if best is None else figures["rmse"] / best,
        ratio_to=f"× best surprise ({best_name})",
        target=f"≤ {RMSE_MARGIN}× best surprise",
        meets=None if best is None else figures["rmse"] <= RMSE_MARGIN * best,
        detail=f"λ={model.reg:g}, biased, {model.fit.n_iter} it; MAE {figures['mae']:.4f}, "
               f"precision@10 {figures['precision_at_n']:.3f}, recall@10 "
               f"{figures['recall_at_n']:.3f}; {train.n_ratings:,} train / "
               f"{test.n_ratings:,} test ratings of {shape}"))
    nmf_s, _, nmf_cpu = theirs["surprise NMF"] if theirs else (None, None, None)
    cpu_ratio = "" if nmf_cpu is None else f"; CPU {cpu:.3f} s = {cpu / nmf_cpu:.3f}× surprise's"
    rows.append(Row(
        "recommend", case, f"nmf_core k={K} fit time", seconds, "s",
        ratio=None if nmf_s is None else seconds / nmf_s, ratio_to="× surprise NMF",
        target=f"≤ {FIT_RATIO_TARGET}× surprise NMF",
        meets=None if nmf_s is None else seconds / nmf_s <= FIT_RATIO_TARGET,
        detail=f"median of {repeats}; factors and the cold-start baseline{cpu_ratio}; load "
               f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"))
    return rows


def _movielens(folder: Path):
    from nmf_core.ratings import load_ratings
    from nmf_core.recommend import split_random

    if (folder / "u1.base").exists() and (folder / "u1.test").exists():
        return "u1 split", load_ratings(folder / "u1.base"), load_ratings(folder / "u1.test")
    for name in ("ratings.dat", "ratings.csv", "u.data"):
        if (folder / name).exists():
            train, test = split_random(load_ratings(folder / name), 0.2, seed=0)
            return f"{name}, random 80/20", train, test
    raise FileNotFoundError(f"no u1.base/u1.test, ratings.dat, ratings.csv or u.data in "
                            f"{folder}")


def large_row(n, m, count, target_s, target_gb=None):
    """Fit time (and peak RSS) of one fit in a child process."""
    code = (
        "import json, resource, time, sys\n"
        "from nmf_core.films import planted_ratings\n"
        "from nmf_core.observed import fit_observed\n"
        f"r, c, v, *_ = planted_ratings({n}, {m}, {count}, genres=8, noise=0.5, seed=0)\n"
        "t, cpu = time.perf_counter(), time.process_time()\n"
        f"fit = fit_observed(r, c, v, ({n}, {m}), {LARGE_K}, reg=0.05, biased=True)\n"
        "s, cpu = time.perf_counter() - t, time.process_time() - cpu\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2\n"
        "print(json.dumps({'s': s, 'cpu': cpu, 'gb': peak, 'it': fit.n_iter,\n"
        "                  'rmse': fit.train_rmse}))\n")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=root, timeout=1800)
    case = f"synthetic {n:,}×{m:,}, {count:,} ratings"
    if done.returncode:
        return [Row("recommend", case, "nmf_core fit", None, missing=SKIPPED,
                    detail=done.stderr.strip().splitlines()[-1] if done.stderr else "failed")]
    got = json.loads(done.stdout)
    detail = (f"k={LARGE_K}, λ=0.05, biased, {got['it']} it (tol 1e-4), train RMSE "
              f"{got['rmse']:.3f}; one run in a child process, CPU time {got['cpu']:.1f} s "
              f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); peak RSS "
              f"{got['gb']:.2f} GB (data generation included)")
    rows = [Row("recommend", case, f"nmf_core k={LARGE_K} fit time", got["s"], "s",
                target=f"< {target_s:g} s", meets=got["s"] < target_s, detail=detail)]
    if target_gb is not None:
        rows.append(Row("recommend", case, "peak RSS", got["gb"], "GB",
                        target=f"< {target_gb:g} GB", meets=got["gb"] < target_gb,
                        detail="ru_maxrss of the child process"))
    return rows


def recommend_rows(repeats: int, quick: bool = False) -> list[Row]:
    from nmf_core.recommend import split_random

    rows = []
    train, test = split_random(_synthetic(943, 1682, 100_000), 0.2, seed=0)
    rows += comparison_rows("synthetic MovieLens-100k shape", train, test, repeats)
    folder = os.environ.get(ENV_MOVIELENS)
    if folder:
        try:
            how, train, test = _movielens(Path(folder))
            rows += comparison_rows(f"MovieLens {Path(folder).name} ({how})", train, test,
                                    repeats)
        except (OSError, ValueError) as exc:
            rows.append(Row("recommend", "MovieLens", "real ratings", None, missing=SKIPPED,
                            detail=str(exc)))
    else:
        rows.append(Row("recommend", "MovieLens", "real ratings", None, missing=SKIPPED,
                        detail=f"set {ENV_MOVIELENS} to a MovieLens folder to add its rows"))
    if not quick:
        rows += large_row(6040, 3706, 1_000_000, ONE_MILLION_TARGET_S)
    if os.environ.get(ENV_10M) == "1":
        rows += large_row(69_878, 10_677, 10_000_000, TEN_MILLION_TARGET_S,
                          TEN_MILLION_TARGET_GB)
    else:
        rows.append(Row("recommend", "synthetic 69,878×10,677, 10,000,000 ratings",
                        "nmf_core fit", None, missing=SKIPPED,
                        detail=f"set {ENV_10M}=1 to run (about a minute and 2–3 GB)"))
    return rows
