"""Command line: ``python -m nmf_core factor FILE.csv --k K [...]``.

Flags, their ranges and help come from the parameter table.  Bad input exits
with status 2 and a single ``error: ...`` line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import NMFInputError
from .params import PARAMS


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage problem is one ``error:`` line and exit status 2."""

    def error(self, message):
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="nmf-explorer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    factor = sub.add_parser("factor", help="factor a CSV matrix X ≈ A S")
    factor.add_argument("file", help="CSV file of non-negative numbers (header/index optional), "
                        "or a built-in data set: factory, swimmer, bars, "
                        "synthetic:n=100,m=80,k=5,noise=0.05,seed=0")
    for name in ("k", "method", "niter", "kacziter", "reinit", "seed", "init", "sampling",
                 "row_sampling", "max_seconds"):
        p = PARAMS[name]
        flag = "--" + name.replace("_", "-")
        kwargs = {"help": f"{p.help} (default: {p.default})", "default": None}
        if p.choices:
            kwargs["choices"] = p.choices
        else:
            kwargs["type"] = p.kind
        if name == "k":
            kwargs.update(required=True, help=p.help)
        factor.add_argument(flag, dest=name, **kwargs)
    factor.add_argument("--allow-negative-factors", dest="nonnegative", action="store_false",
                        help="do not project A and S onto >= 0 (unconstrained factorization)")
    factor.add_argument("--missing", action="store_true",
                        help="treat blank cells as missing values (masked NMF; hals or mu)")
    factor.add_argument("--out", type=Path, help="folder for A.csv, S.csv, AS.csv, errors.csv")
    factor.add_argument("--json", action="store_true", help="print one JSON object of the results")
    return parser


def _write_outputs(out: Path, result, loaded) -> None:
    from .csvio import to_csv_bytes
    from .tables import error_curves_csv

    out.mkdir(parents=True, exist_ok=True)
    factors = tuple(f"factor {i + 1}" for i in range(result.A.shape[1]))
    rows, cols = loaded.row_labels, loaded.col_labels
    (out / "A.csv").write_bytes(to_csv_bytes(result.A, rows, factors))
    (out / "S.csv").write_bytes(to_csv_bytes(result.S, factors, cols))
    (out / "AS.csv").write_bytes(to_csv_bytes(result.approximation, rows, cols))
    (out / "errors.csv").write_bytes(error_curves_csv(result))


def _load(source: str, missing: bool):
    """A CSV file, or a built-in data set named by its spec (see nmf_core.data)."""
    from .csvio import LoadedMatrix, load_csv
    from .data import GENERATORS, load_dataset

    if source.partition(":")[0] in GENERATORS and not Path(source).exists():
        data = load_dataset(source)
        return LoadedMatrix(values=data.X, row_labels=data.row_labels,
                            col_labels=data.col_labels, mask=None)
    return load_csv(source, missing="mask" if missing else "error")


def run_factor(args) -> int:
    from .factorize import factorize

    loaded = _load(args.file, args.missing)
    options = {name: getattr(args, name) for name in
               ("niter", "kacziter", "reinit", "seed", "init", "sampling", "row_sampling")}
    options = {name: value for name, value in options.items() if value is not None}
    if args.missing:
        options["mask"] = loaded.mask
    result = factorize(loaded.values, args.k, args.method or PARAMS["method"].default,
                       nonnegative=args.nonnegative, max_seconds=args.max_seconds, **options)
    if args.out is not None:
        try:
            _write_outputs(args.out, result, loaded)
        except OSError as exc:
            raise _OutputError(f"cannot write the results to {args.out}: "
                               f"{exc.strerror or exc}") from exc
    if args.json:
        print(json.dumps(result.summary()))
    else:
        print(f"{result.params['method']} k={result.params['k']} on "
              f"{loaded.values.shape[0]}×{loaded.values.shape[1]}: relative error "
              f"{result.rel_error:.6g} after {result.n_iter} iterations in "
              f"{result.elapsed_s:.3f} s (best restart {result.best_run + 1}; {result.message})")
    return 0 if result.success else 1


class _OutputError(Exception):
    """The results could not be written (--out); the message says where."""


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run_factor(args)
    except (NMFInputError, _OutputError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"error: not enough memory to factor {args.file} with k={args.k}",
              file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
