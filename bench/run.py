"""``python3 -m bench``: run the issue #4 benchmark, print one markdown table, write results.md.

Options: ``--quick`` (CI smoke: short caps, 1–2 minutes), ``--repeats N`` (timed runs per
figure, default 5; medians are reported), ``--cases factory,digits,synthetic``,
``--sections ttt,periter,docs,app,memory,recommend,sparse,masked,float32,parse,scale,
losses``, ``--output PATH`` (``-`` for none).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import (
    app_latency,
    cases,
    documents,
    est,
    losses,
    machine,
    memory,
    parse,
    periter,
    recommend,
    scale,
    sparse,
    target,
)
from .table import NOT_REACHED, SKIPPED, Row, markdown
from .timing import MIN_REPEATS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results.md"
SECTIONS = ("ttt", "periter", "docs", "app", "memory", "recommend", "sparse", "masked", "float32",
            "parse",
            "scale", "losses")
TTT_RATIO_TARGET = 0.5  # hals time to target ≤ 0.5 × sklearn cd
FLOOR_RATIO_TARGET = 1.3  # hals per iteration ≤ 1.3 × floor, on 2000×1000
TRACKING_TARGET_PCT = 10.0


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python3 -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="CI smoke run: short time caps (1–2 minutes in all)")
    parser.add_argument("--repeats", type=int, default=MIN_REPEATS,
                        help=f"timed runs per figure; medians are reported (default {MIN_REPEATS})")
    parser.add_argument("--cases", default=",".join(cases.CASE_NAMES),
                        help="comma-separated subset of " + ", ".join(cases.CASE_NAMES))
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help="comma-separated subset of " + ", ".join(SECTIONS))
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT),
                        help="markdown file to write ('-' to write none)")
    args = parser.parse_args(argv)
    args.cases = _subset(parser, args.cases, cases.CASE_NAMES, "case")
    args.sections = _subset(parser, args.sections, SECTIONS, "section")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def _subset(parser, text, known, what):
    chosen = [c.strip() for c in text.split(",") if c.strip()]
    for c in chosen:
        if c not in known:
            parser.error(f"unknown {what} {c!r}; known: {', '.join(known)}")
    return [c for c in known if c in chosen]  # table order


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def ttt_rows(case, repeats, quick):
    """Time to target (and the sklearn cd fit time the per-iteration rows reuse)."""
    cap = dict(cap_factor=2.0, min_cap_s=1.0, mu_max_iter=2000) if quick else {}
    goal, cap_s, outcomes = target.time_to_target(case, repeats, **cap)
    cd = outcomes["sklearn cd"].seconds
    rows = [Row("time to target", case.label, "target: sklearn cd error after 200 it", goal,
                "rel. error", spec=".6f", detail="‖X − WH‖/‖X‖, nndsvda init")]
    for label, out in outcomes.items():
        hals = label == "nmf_core hals"
        goal_text = f"≤ {TTT_RATIO_TARGET}× sklearn cd" if hals else ""
        if out.reached:
            ratio = out.seconds / cd
            rows.append(Row("time to target", case.label, label, out.seconds, "s", ratio,
                            "× sklearn cd", goal_text,
                            (ratio <= TTT_RATIO_TARGET) if hals else None,
                            f"{out.iterations:,} it; median of {len(out.times)}"))
        else:
            rows.append(Row("time to target", case.label, label, None, "s", target=goal_text,
                            missing=NOT_REACHED,
                            detail=f"best error {out.best_error:.6f} after {out.iterations:,} it "
                                   f"in {out.spent_s:.1f} s (cap {cap_s:.1f} s)"))
    return rows, cd


def periter_rows(case, repeats, cd_fit_s):
    n, m = case.X.shape
    floor = periter.matmul_floor(n, m, case.k, repeats)
    hals = periter.hals_iteration(case, repeats)
    big = case.name == "synthetic"
    rows = [
        Row("per iteration", case.label, "two-matmul floor: X Sᵀ + Aᵀ X", floor * 1e3, "ms",
            detail="float64, C-contiguous; median"),
        Row("per iteration", case.label, "nmf_core hals", hals * 1e3, "ms/it", hals / floor,
            "× floor", f"≤ {FLOOR_RATIO_TARGET}× floor" if big else "",
            (hals / floor <= FLOOR_RATIO_TARGET) if big else None,
            f"callback-to-callback, mean of 60 it; median of {repeats} runs"),
    ]
    if cd_fit_s is not None:
        cd = cd_fit_s / target.CD_ITERATIONS
        rows.append(Row("per iteration", case.label, "sklearn cd", cd * 1e3, "ms/it", cd / floor,
                        "× floor", detail="200-it fit time / 200 (init included)"))
    tracking, direct, how = periter.error_tracking(case, repeats)
    rows += [
        Row("per iteration", case.label, f"error tracking ({how})", tracking * 1e3, "ms/it",
            100 * tracking / hals, "% of hals it", f"≤ {TRACKING_TARGET_PCT:g}%",
            100 * tracking / hals <= TRACKING_TARGET_PCT,
            "timed alone, same shapes, nmf_core's own function"),
        Row("per iteration", case.label, "direct ‖X − AS‖² (for comparison)", direct * 1e3,
            "ms/it", 100 * direct / hals, "% of hals it",
            detail="what each als/rk iteration pays for its error curve"),
    ]
    return rows


def docs_rows(repeats):
    times = documents.documents_sizes(repeats)
    label = "factory 12×10 k=3"
    settings = "niter=1000, kacziter=10, reinit=10, sampling=random"
    return [Row("documents' sizes", label, f"nmf_core {method} ({settings})", seconds, "s",
                target=f"< {documents.TARGET_S} s", meets=seconds < documents.TARGET_S,
                detail=f"whole call; median of {repeats}")
            for method, seconds in times.items()]


def app_rows(repeats, quick):
    found, reason = app_latency.app_latency(ROOT, repeats, quick)
    if reason or not found:
        reason = reason or "nothing measured"
        _log(f"app latency skipped: {reason}")
        return [Row("app latency", "—", "app latency", None, missing=SKIPPED, detail=reason)]
    return found


def memory_rows(case):
    result = memory.cli_peak_memory(case.X, case.k, ROOT)
    return [Row("memory", case.label, "CLI peak RSS", result.peak_mb, "MB",
                result.peak_mb / result.budget_mb, "× budget",
                f"≤ {result.budget_mb:.0f} MB (250 MB + 4 × {result.input_mb:.0f} MB input)",
                result.peak_mb <= result.budget_mb, result.how)]


def run(argv=None) -> tuple[str, list[Row]]:
    """Run the benchmark; return (the markdown document, its rows)."""
    args = parse_args(argv)
    started = time.perf_counter()
    info = machine.machine_info(ROOT)
    load_before = os.getloadavg()[0]
    noise_before = periter.matmul_floor(2000, 1000, 20, args.repeats)
    rows: list[Row] = []
    loaded = {}
    for name in args.cases:
        case = loaded[name] = cases.load_case(name)
        cd_fit_s = None
        if "ttt" in args.sections:
            _log(f"time to target: {case.label}")
            found, cd_fit_s = ttt_rows(case, args.repeats, args.quick)
            rows += found
        if "periter" in args.sections:
            _log(f"per iteration: {case.label}")
            rows += periter_rows(case, args.repeats, cd_fit_s)
    if "docs" in args.sections:
        _log("documents' sizes")
        rows += docs_rows(args.repeats)
    if "app" in args.sections:
        _log("app latency")
        rows += app_rows(args.repeats, args.quick)
    if "memory" in args.sections:
        if "synthetic" in loaded or not args.quick:
            case = loaded.get("synthetic") or cases.load_case("synthetic")
            _log(f"memory: {case.label}")
            rows += memory_rows(case)
        else:
            rows.append(Row("memory", "—", "CLI peak RSS", None, missing=SKIPPED,
                            detail="the synthetic case was not selected"))
    if "recommend" in args.sections:
        _log("recommend")
        rows += recommend.recommend_rows(args.repeats, args.quick)
    if "parse" in args.sections:  # issue #11: 10 MB files of every shape
        _log("parse")
        rows += parse.parse_rows(ROOT, args.repeats, args.quick)
    parts = tuple(part for part, section in (("text", "sparse"), ("observed", "masked"))
                  if section in args.sections)
    if parts:  # issue #12: sparse = text-like CSR; masked = the observed-entries rows
        rows += sparse.sparse_rows(args.repeats, args.quick, ROOT, _log, parts)
    if "float32" in args.sections:  # issue #14: bench/est.py
        _log("float32 against float64")
        rows += est.float32_rows(args.repeats, loaded.get("synthetic"))
    if "scale" in args.sections:  # issue #13: bench/scale.py
        _log("scale (dask)")
        rows += scale.scale_rows(args.repeats, args.quick)
    if "losses" in args.sections:
        _log("losses and penalties")
        rows += losses.loss_rows(args.repeats, args.quick)
    noise_after = periter.matmul_floor(2000, 1000, 20, args.repeats)
    load_after = os.getloadavg()[0]
    elapsed = time.perf_counter() - started

    command = "python3 -m bench" + (" " + " ".join(argv) if argv else "")
    if argv is None and len(sys.argv) > 1:
        command = "python3 -m bench " + " ".join(sys.argv[1:])
    header = [f"# nmf_core benchmark (issue #4){' — quick run' if args.quick else ''}", "",
              f"- Command: `{command}`"]
    header += [f"- {name}: {value}" for name, value in info.items()]
    header += [
        f"- Noise check: the 2000×1000, k=20 matmul floor was {noise_before * 1e3:.2f} ms at the "
        f"start and {noise_after * 1e3:.2f} ms at the end (a shared machine drifts; figures "
        f"are medians of {args.repeats} timed runs after a warm-up); 1-minute load average "
        f"{load_before:.2f} at the start, {load_after:.2f} at the end (this run alone adds "
        f"about 1–2 on {os.cpu_count()} cores; more means other work shared the CPUs)",
        f"- Synthetic case: nmf_core.data.synthetic(2000, 1000, 20, "
        f"noise={cases.SYNTHETIC_NOISE}, seed={cases.SYNTHETIC_SEED}), noise σ = "
        f"{cases.SYNTHETIC_NOISE} × std(A S), clipped at 0",
        f"- Run time: {elapsed:.0f} s",
        "",
    ]
    document = "\n".join(header) + "\n" + markdown(rows) + "\n" + NOTES
    if args.output != "-":
        Path(args.output).write_text(document)
    return document, rows


NOTES = """
How each figure is measured (code in `bench/`):

- *Time to target*: the target is scikit-learn CD's relative error after 200 iterations
  (`NMF(k, init="nndsvda", solver="cd", tol=0, max_iter=200, random_state=0)`), so CD's time
  to target is that whole fit.  sklearn MU: the smallest `max_iter` reaching the target is
  found once by continuing a run (exact, see `bench/target.py`), then that fit is timed.
  nmf_core: `factorize(init="nndsvd", reinit=1, seed=0)` stopped by a callback at the
  target, whole call timed.  A method still above the target after 20× CD's time (at least
  5 s; quick runs: 2×, at least 1 s) is "not reached", with its best error.
- *Per iteration*: floor = median time of `X @ S.T` plus `A.T @ X`.  hals ms/it is timed
  between callbacks (initialization excluded).  Error tracking: the error hals reports
  comes from the Gram identity on products the update already formed; it is timed alone
  and compared with a hals iteration.
- *Documents' sizes*: `factorize` on the factory example with the documents' settings.
- *App latency*: `streamlit.testing.v1.AppTest` on `app.py` (workbench), settings through
  the URL's query parameters; cold runs start from empty caches; see `bench/app_latency.py`.
- *Memory*: peak RSS of the CLI child process (`os.wait4`), budget 250 MB + 4 × input bytes.
- *Sparse* (`--sections sparse`): text-like CSR against sklearn cd on the same CSR;
  *masked* (`--sections masked`): observed-only masked hals on MovieLens-1M-shaped ratings
  beside the same engine through the recommender's door, and the dense `mask=` path
  before/after on MovieLens-100k-shaped data; see `bench/sparse.py`.
"""


def main(argv=None) -> int:
    document, _ = run(argv)
    print(document)
    return 0
