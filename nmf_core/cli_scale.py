"""``factor`` on a zarr, Parquet or HDF5 matrix, run on dask (see nmf_core.scale).

``--scheduler local|ADDRESS`` picks the engine (default: a LocalCluster sized to the
machine, closed at the end); ``--workers`` and ``--memory-limit`` size the local one.
``--out`` writes S.csv and errors.csv as for a CSV, and A as the zarr array A.zarr
beside them (A has X's n rows, so it is written by the workers, never gathered).
``--json`` adds ``scheduler``, ``workers`` and ``bytes_read`` (bytes of X read).
Imports of dask happen here only when such a file is factored.
"""

from __future__ import annotations

import json

SCALE_FLAGS = ("scheduler", "workers", "memory_limit")


def add_arguments(factor) -> None:
    factor.add_argument("--scheduler", help="for a zarr/Parquet/HDF5 input: 'local' (default: "
                        "a dask LocalCluster on this machine) or the address of a running "
                        "dask scheduler, e.g. tcp://host:8786")
    factor.add_argument("--workers", type=int, help="local cluster: worker processes "
                        "(default: one per core)")
    factor.add_argument("--memory-limit", dest="memory_limit",
                        help="local cluster: memory per worker, e.g. 4GB (default: the "
                             "machine's memory shared out)")


def wanted(args) -> bool:
    """True when this file goes to dask; a scale flag on another input is an error."""
    from .errors import ParameterError
    from .scale.readers import is_scale_source

    if is_scale_source(args.file):
        return True
    given = [f"--{name.replace('_', '-')}" for name in SCALE_FLAGS
             if getattr(args, name, None) is not None]
    if given:
        raise ParameterError(f"{', '.join(given)} need(s) a zarr, Parquet or HDF5 input; "
                             f"{args.file} is factored in memory")
    return False


def run_factor(args, options: dict, write_stdout, output_error) -> int:
    from .bundle import errors_csv
    from .csvio import to_csv_bytes
    from .errors import ParameterError
    from .factorize import factorize
    from .scale import Engine, open_matrix

    if getattr(args, "missing", False):
        raise ParameterError("--missing needs X in memory; a zarr, Parquet or HDF5 input is "
                             "factored without missing values")
    if getattr(args, "dtype", None) == "float32":
        raise ParameterError("--dtype float32 needs X in memory; a zarr, Parquet or HDF5 "
                             "input is factored in float64")
    opened = open_matrix(args.file)
    with Engine(args.scheduler, args.workers, args.memory_limit):
        result = factorize(opened.X, args.k, args.method or "hals",
                           nonnegative=args.nonnegative, max_seconds=args.max_seconds,
                           **options)
        if args.out is not None:
            try:
                args.out.mkdir(parents=True, exist_ok=True)
                factors = tuple(f"factor {i + 1}" for i in range(result.S.shape[0]))
                (args.out / "S.csv").write_bytes(to_csv_bytes(result.S, factors,
                                                              opened.col_labels))
                (args.out / "errors.csv").write_bytes(errors_csv(result))
                _write_A(result.A, args.out / "A.zarr")
            except OSError as exc:
                raise output_error(f"cannot write the results to {args.out}: "
                                   f"{exc.strerror or exc}") from exc
    where = result.params["scale"]
    n, m = opened.X.shape
    if args.json:
        summary = result.summary()
        summary.update(scheduler=where["scheduler"], workers=where["workers"],
                       bytes_read=where["bytes_read"])
        text = json.dumps(summary, default=str)
    else:
        text = (f"{result.params['method']} k={result.params['k']} on {n}×{m} "
                f"({args.file}): relative error {result.rel_error:.6g} after "
                f"{result.n_iter} iterations in {result.elapsed_s:.3f} s on "
                f"{where['workers']} dask worker(s) at {where['scheduler']}; "
                f"{where['bytes_read'] / 1e9:.3g} GB of X read (best restart "
                f"{result.best_run + 1}; {result.message})")
    write_stdout(text + "\n")
    return 0 if result.success else 1


def _write_A(A, path) -> None:
    """A (n, k) as a zarr array, written block by block where A lives."""
    import shutil

    import dask.array as da

    if path.exists():
        shutil.rmtree(path)
    A = A if isinstance(A, da.Array) else da.from_array(A, chunks=(max(1, 2**20 // max(
        1, A.shape[1])), A.shape[1]))
    A.to_zarr(str(path))
