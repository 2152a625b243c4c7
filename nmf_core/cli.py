"""Command line: ``python3 -m nmf_core factor FILE.csv --k K [...]`` and
``python3 -m nmf_core project NEW.csv --factors S.csv``.

Flags, their ranges and help come from the parameter table.  Bad input exits
with status 2 and a single ``error: ...`` line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import cli_recommend, cli_scale
from .errors import CSVFormatError, NMFInputError
from .importing import add_cli_flags, settings_from_cli
from .params import PARAMS, RESULT_SETTINGS
from .precision import DTYPES
from .sparse.check import is_sparse


class _OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage problem is one ``error:`` line and exit status 2."""

    def error(self, message):
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog="nmf-explorer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    factor = sub.add_parser("factor", help="factor a CSV matrix X ≈ A S")
    factor.add_argument("file", help="CSV, .xlsx or .ods file of non-negative numbers "
                        "(header/labels optional; - reads standard input), a sparse Matrix "
                        "Market .mtx or scipy .npz file (recognised by content), triples with "
                        "--triples, or a built-in data set: factory, swimmer, bars, "
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
    factor.add_argument("--dtype", choices=DTYPES, default=None,
                        help="working precision of the solver and of A and S (default: "
                             "float64); float32 halves memory and time, errors floor near 1e-7")
    factor.add_argument("--allow-negative-factors", dest="nonnegative", action="store_false",
                        help="do not project A and S onto >= 0 (unconstrained factorization)")
    add_cli_flags(factor)  # --missing, --header, --label-column, --drop, --scale, ...
    factor.add_argument("--triples", action="store_true",
                        help="FILE holds (row, column, value[, ...]) lines, with or without a "
                             "header; the ids become the labels (with --missing, cells not "
                             "given are missing, else zeros)")
    factor.add_argument("--out", type=Path, help="folder for A.csv, S.csv, AS.csv (not for "
                        "sparse input, where it would be n×m), errors.csv and settings.json "
                        "(written all or nothing)")
    factor.add_argument("--json", action="store_true", help="print one JSON object of the results")
    cli_scale.add_arguments(factor)  # --scheduler, --workers, --memory-limit
    project = sub.add_parser("project", help="coefficients of new data on fixed factors (NNLS)")
    project.add_argument("file", help="CSV of new data: new rows (with --fixed S, the default), "
                         "or new columns (with --fixed A)")
    project.add_argument("--factors", required=True, type=Path,
                         help="CSV of the fixed factor, e.g. the S.csv or A.csv factor --out "
                              "wrote (labels optional)")
    project.add_argument("--fixed", choices=("S", "A"), default="S",
                         help="which factor --factors holds: S (k×m; the new rows get A's rows, "
                              "n_new×k) or A (n×k; the new columns get S's columns, k×m_new)")
    project.add_argument("--out", type=Path, help="write the coefficients to this CSV file "
                         "(default: print them)")
    project.add_argument("--json", action="store_true",
                         help="print one JSON object: shape, k and the relative error")
    cli_recommend.add_parser(sub)
    return parser


def _load(source: str, settings: dict, triples: bool = False):
    """A CSV, spreadsheet, Matrix Market or .npz file (``-``: standard input), triples,
    or a built-in data set named by its spec (see nmf_core.data)."""
    from .csvio import LoadedMatrix
    from .data import GENERATORS, load_dataset
    from .importing import load_matrix

    if source != "-" and source.partition(":")[0] in GENERATORS and not Path(source).exists():
        data = load_dataset(source)
        return LoadedMatrix(values=data.X, row_labels=data.row_labels,
                            col_labels=data.col_labels, mask=None)
    if triples:
        from .sparse.io import load_triples

        return load_triples(source)
    return load_matrix(source, **settings)


def run_factor(args) -> int:
    from .factorize import factorize

    options = {name: getattr(args, name) for name in RESULT_SETTINGS if name != "nonnegative"}
    options = {name: value for name, value in options.items() if value is not None}
    if cli_scale.wanted(args):  # zarr, Parquet, HDF5: on dask
        return cli_scale.run_factor(args, options, _write_stdout, _OutputError)
    import_settings = settings_from_cli(args)
    loaded = _load(args.file, import_settings, args.triples)
    if args.missing and is_sparse(loaded.values):
        options["missing"] = "unstored"
    elif args.missing:
        options["mask"] = loaded.mask
    result = factorize(loaded.values, args.k, args.method or PARAMS["method"].default,
                       nonnegative=args.nonnegative, max_seconds=args.max_seconds,
                       dtype=args.dtype, **options)
    if args.out is not None:
        from .bundle import BundleWriteError, bundle_files, write_bundle
        files = bundle_files(result, loaded, source=args.file,
                             import_settings=import_settings)
        try:
            write_bundle(args.out, files)
        except BundleWriteError as exc:
            failed = "" if exc.path == args.out else f"{exc.path.name}: "
            raise _OutputError(f"cannot write the results to {args.out}: {failed}{exc.reason} "
                               "(nothing was written)") from exc
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


def run_project(args) -> int:
    from .csvio import load_csv, to_csv_bytes
    from .metrics import relative_error
    from .project import project

    new = load_csv(args.file)
    fixed = load_csv(args.factors)
    if args.fixed == "S":
        coefficients = project(new.values, S=fixed.values)
        rows, cols = new.row_labels, fixed.row_labels
        error = relative_error(new.values, coefficients, fixed.values)
    else:
        coefficients = project(new.values, A=fixed.values)
        rows, cols = fixed.col_labels, new.col_labels
        error = relative_error(new.values, fixed.values, coefficients)
    data = to_csv_bytes(coefficients, rows, cols)
    if args.out is not None:
        try:
            args.out.write_bytes(data)
        except OSError as exc:
            raise _OutputError(f"cannot write the coefficients to {args.out}: "
                               f"{exc.strerror or exc}") from exc
    if args.json:
        _write_stdout(json.dumps({"fixed": args.fixed, "shape": list(coefficients.shape),
                                  "k": int(fixed.values.shape[0 if args.fixed == "S" else 1]),
                                  "rel_error": float(error)}) + "\n")
    elif args.out is not None:
        _write_stdout(f"{coefficients.shape[0]}×{coefficients.shape[1]} coefficients written to "
                      f"{args.out}; relative error of the new data {error:.6g}\n")
    else:
        _write_stdout(data.decode("utf-8"))
    return 0


RUNNERS = {"factor": run_factor, "project": run_project}


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
        return RUNNERS[args.command](args)
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
        if args.command == "project":
            return _error(f"not enough memory to project {args.file}")
        return _error(f"not enough memory to factor {getattr(args, 'file', args.train)} "
                      f"with k={args.k}")
    except OSError as exc:
        source = ((exc.filename if args.command == "project" else None)
                  or getattr(args, "file", None) or exc.filename)
        return _error(f"cannot read {source}: {exc.strerror or exc}")


if __name__ == "__main__":
    sys.exit(main())
