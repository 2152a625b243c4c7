"""Command line: ``python3 -m nmf_core factor FILE.csv --k K [...]``.

Flags, their ranges and help come from the parameter table.  Bad input exits
with status 2 and a single ``error: ...`` line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import cli_recommend
from .errors import CSVFormatError, NMFInputError
from .params import PARAMS, RESULT_SETTINGS


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
    for name in ("k", "method", *RESULT_SETTINGS, "max_seconds"):
        p = PARAMS[name]
        if p.kind is bool:  # nonnegative: --allow-negative-factors below
            continue
        flag = "--" + name.replace("_", "-")
        kwargs = {"help": f"{p.help} (default: {p.default})", "default": None}
        if p.number_too:  # a name or a number: the parameter table checks it
            kwargs["metavar"] = "{" + ",".join(p.choices) + "} or NUMBER"
        elif p.choices:
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
    cli_recommend.add_parser(sub)
    return parser


def _write_outputs(out: Path, result, loaded) -> None:
    from .csvio import to_csv_bytes

    out.mkdir(parents=True, exist_ok=True)
    factors = tuple(f"factor {i + 1}" for i in range(result.A.shape[1]))
    rows, cols = loaded.row_labels, loaded.col_labels
    (out / "A.csv").write_bytes(to_csv_bytes(result.A, rows, factors))
    (out / "S.csv").write_bytes(to_csv_bytes(result.S, factors, cols))
    (out / "AS.csv").write_bytes(to_csv_bytes(result.approximation, rows, cols))
    n = max(len(c) for c in result.all_errors)
    curves = np.full((n, len(result.all_errors)), np.nan)
    for r, curve in enumerate(result.all_errors):
        curves[: len(curve), r] = curve
    lines = ["iteration,best," + ",".join(f"restart {r + 1}" for r in range(curves.shape[1]))]
    for t in range(n):
        best = result.errors[t] if t < len(result.errors) else ""
        cells = ["" if np.isnan(v) else repr(float(v)) for v in curves[t]]
        lines.append(",".join([str(t), repr(float(best)) if best != "" else "", *cells]))
    (out / "errors.csv").write_text("\n".join(lines) + "\n")


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
    options = {name: getattr(args, name) for name in RESULT_SETTINGS if name != "nonnegative"}
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
        text = json.dumps(result.summary())
    else:  # restarts are numbered from 1 here, in errors.csv and in --json's best_restart
        text = (f"{result.params['method']} k={result.params['k']} on "
                f"{loaded.values.shape[0]}×{loaded.values.shape[1]}: relative error "
                f"{result.rel_error:.6g} after {result.n_iter} iterations in "
                f"{result.elapsed_s:.3f} s (best restart {result.best_run + 1}; "
                f"{result.message})")
    _write_stdout(text + "\n")
    return 0 if result.success else 1


class _OutputError(Exception):
    """The results could not be written (--out); the message says where."""


class _StdoutError(Exception):
    """Standard output could not be written (a full disk, a closed file)."""


# What a stream that cannot encode the package's few non-ASCII signs prints instead.
ASCII_FALLBACK = str.maketrans({"×": "x", "−": "-", "–": "-", "≤": "<=", "≥": ">=",
                                "²": "^2", "…": "...", "√": "sqrt", "‖": "||", "≈": "~"})


def _encodable(text: str, stream) -> str:
    """``text`` as ``stream`` can encode it: the ASCII fallback for × and friends,
    then ``?`` for anything else (any PYTHONIOENCODING works)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        return text.translate(ASCII_FALLBACK).encode(encoding, "replace").decode(encoding)


def _write_stdout(text: str) -> None:
    try:
        sys.stdout.write(_encodable(text, sys.stdout))
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _StdoutError(f"cannot write to standard output: {exc.strerror or exc}") from exc


def _error(message: str) -> int:
    """One ``error:`` line on stderr; exit status 2."""
    try:
        sys.stderr.write(_encodable(f"error: {message}\n", sys.stderr))
        sys.stderr.flush()
    except OSError:
        pass  # nowhere left to say it; the status still does
    return 2


BROKEN_PIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader left


def _drop_stdout() -> None:
    """Point stdout at /dev/null: Python's own flush at exit would fail again on what
    is still buffered and print a traceback-like warning."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


BLANK_CELL_HINT = "; pass --missing to treat blank cells as missing values (hals or mu)"


def main(argv=None) -> int:
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):  # nothing asked: the usage and a hint
        return _error(f"no command given\n{parser.format_usage().rstrip()}\n"
                      "run with --help for the commands, or 'factor --help' for its options")
    args = parser.parse_args(argv)
    try:
        if args.command == "recommend":
            return cli_recommend.run(args, _write_stdout, _OutputError)
        return run_factor(args)
    except BrokenPipeError:  # the reader left (``| head``): exit quietly, as Unix tools do
        _drop_stdout()
        return BROKEN_PIPE_STATUS
    except CSVFormatError as exc:
        blank = "blank cell" in str(exc) and not getattr(args, "missing", True)
        return _error(f"{exc}{BLANK_CELL_HINT if blank else ''}")
    except _StdoutError as exc:
        _drop_stdout()
        return _error(str(exc))
    except (NMFInputError, _OutputError) as exc:
        return _error(str(exc))
    except MemoryError:
        return _error(f"not enough memory to factor {getattr(args, 'file', args.train)} "
                      f"with k={args.k}")
    except OSError as exc:
        source = getattr(args, "file", None) or exc.filename
        return _error(f"cannot read {source}: {exc.strerror or exc}")


if __name__ == "__main__":
    sys.exit(main())
