"""``python -m nmf_core recommend TRAIN [...]``: fit ratings, report held-out figures.

TRAIN and TEST are ratings-triples files (see :mod:`nmf_core.ratings`).  Without
``--test`` a random ``--test-fraction`` (default 0.2) of TRAIN is held out.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import numpy as np

from .errors import ParameterError

DEFAULT_TEST_FRACTION = 0.2
DEFAULT_TOP = 10


def _k(text: str):
    if text == "auto":
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number or 'auto', not {text!r}"
                                         ) from None


def add_parser(sub) -> None:
    from .observed import DEFAULT_NITER
    from .recommend import DEFAULT_REG

    parser = sub.add_parser("recommend", help="fit ratings triples and predict held-out ones",
                            description=__doc__.splitlines()[0])
    parser.add_argument("train", help="ratings file: user, item, rating[, timestamp] per line "
                        "(tab, comma, ';', '|', '::' or spaces; header optional)")
    test = parser.add_mutually_exclusive_group()
    test.add_argument("--test", help="ratings file of test ratings")
    test.add_argument("--test-fraction", type=float, default=None,
                      help=f"share of TRAIN held out at random (default "
                      f"{DEFAULT_TEST_FRACTION} when --test is not given)")
    parser.add_argument("--k", type=_k, required=True,
                        help="number of factors, or 'auto' (chosen with λ by cross-validation "
                        "on the training ratings)")
    parser.add_argument("--reg", type=float, default=None,
                        help=f"λ per rating (L2 on the factors; default {DEFAULT_REG}, or "
                        "chosen with k=auto)")
    parser.add_argument("--biased", action=argparse.BooleanOptionalAction, default=True,
                        help="fit a global offset and user and item biases beside the "
                        "non-negative factors (default: on)")
    parser.add_argument("--niter", type=int, default=DEFAULT_NITER,
                        help=f"outer iterations at most (default {DEFAULT_NITER})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--user", help="a user id: show their top recommendations")
    parser.add_argument("--top", type=int, default=None,
                        help=f"how many recommendations for --user (default {DEFAULT_TOP})")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--out", type=Path,
                        help="folder for users.csv, items.csv (factors with ids) and "
                        "predictions.csv (the test ratings and their predictions)")


def run(args, write_stdout, output_error) -> int:
    from .ratings import load_ratings
    from .recommend import evaluate, fit_recommender, split_random

    if args.top is not None and args.user is None:
        raise ParameterError("--top needs --user (whose recommendations to list)")
    if args.top is not None and args.top < 1:
        raise ParameterError(f"--top must be at least 1; got {args.top}")
    if args.niter < 1:
        raise ParameterError(f"--niter must be at least 1; got {args.niter}")
    if args.reg is not None and not (np.isfinite(args.reg) and args.reg >= 0):
        raise ParameterError(f"--reg must be a finite number >= 0; got {args.reg}")
    ratings = load_ratings(args.train)
    notes = list(ratings.notes)
    if args.test is not None:
        train, test = ratings, load_ratings(args.test)
        notes += [f"test file: {note}" for note in test.notes]
    else:
        fraction = DEFAULT_TEST_FRACTION if args.test_fraction is None else args.test_fraction
        train, test = split_random(ratings, fraction, args.seed)
    model = fit_recommender(train, args.k, reg=args.reg, biased=args.biased,
                            niter=args.niter, seed=args.seed)
    figures = evaluate(model, test, seed=args.seed)
    summary = {
        "rmse": figures["rmse"], "mae": figures["mae"], "fit_s": model.fit_s,
        "k": model.k, "reg": model.reg, "biased": args.biased,
        "n_users": len(train.user_ids), "n_items": len(train.item_ids),
        "n_ratings": train.n_ratings, "n_test": test.n_ratings,
        "cold_start": figures["cold_start"],
        "precision_at_n": figures["precision_at_n"], "recall_at_n": figures["recall_at_n"],
        "top_n": figures["top_n"], "relevant_from": figures["relevant_from"],
        "baselines": figures["baselines"], "n_iter": model.fit.n_iter,
        "scale": list(model.scale), "notes": notes,
    }
    if model.scan is not None:
        summary["scan"] = {"ks": model.scan.ks.tolist(), "cv_rmse": model.scan.cv_error.tolist(),
                           "reg_cv_rmse": model.reg_curve}
    if args.user is not None:
        summary["top"] = model.recommend(args.user, args.top or DEFAULT_TOP)
    if args.out is not None:
        try:
            write_outputs(args.out, model, test, figures["predicted"])
        except OSError as exc:
            raise output_error(f"cannot write the results to {args.out}: "
                               f"{exc.strerror or exc}") from exc
    write_stdout((json.dumps(summary) if args.json else _text(summary)) + "\n")
    return 0


def _text(summary: dict) -> str:
    lines = [f"k={summary['k']} λ={summary['reg']:g} on {summary['n_ratings']:,} ratings of "
             f"{summary['n_users']:,} users × {summary['n_items']:,} items, fitted in "
             f"{summary['fit_s']:.2f} s: test RMSE {summary['rmse']:.4f}, MAE "
             f"{summary['mae']:.4f} on {summary['n_test']:,} ratings ({summary['cold_start']:,}"
             f" cold start); precision@{summary['top_n']} {summary['precision_at_n']:.3f}, "
             f"recall@{summary['top_n']} {summary['recall_at_n']:.3f}"]
    lines += [f"  baseline {name}: RMSE {rmse:.4f}" for name, rmse in
              summary["baselines"].items()]
    lines += [f"  note: {note}" for note in summary["notes"]]
    for rank, entry in enumerate(summary.get("top", ()), start=1):
        factor = "—" if entry["factor"] is None else f"factor {entry['factor']}"
        lines.append(f"  {rank}. {entry['item']}  {entry['score']:.2f}  ({factor})")
    return "\n".join(lines)


def write_outputs(out: Path, model, test, predicted) -> None:
    """users.csv and items.csv (id, bias, factor 1..k), predictions.csv."""
    from .csvio import neutralise_label

    out.mkdir(parents=True, exist_ok=True)
    fit = model.fit
    for name, ids, factors, bias in (("users.csv", model.user_ids, fit.W, fit.user_bias),
                                     ("items.csv", model.item_ids, fit.H, fit.item_bias)):
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(["id", "bias", *(f"factor {f + 1}" for f in range(fit.k))])
        for i, label in enumerate(ids):
            writer.writerow([neutralise_label(label), repr(float(bias[i])),
                             *(repr(float(v)) for v in factors[i])])
        (out / name).write_text(text.getvalue())
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["user", "item", "rating", "predicted"])
    users = np.asarray(test.user_ids, dtype=object)[test.users]
    items = np.asarray(test.item_ids, dtype=object)[test.items]
    for u, i, r, p in zip(users, items, test.values, predicted, strict=True):
        writer.writerow([neutralise_label(u), neutralise_label(i), repr(float(r)),
                         repr(float(p))])
    (out / "predictions.csv").write_text(text.getvalue())
