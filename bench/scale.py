"""Dask rows (issue #13): hals and mu on a 1 GB X streamed from zarr on a local cluster,
against numpy on the same X in memory, the out-of-core floor, and strong scaling.

- *Per iteration*: callback-to-callback median of one run (the first iteration, which
  includes the start, is left out); dask's X is a zarr store on local disk, read per
  iteration twice by hals, once by mu (it is never held in the workers' memory);
  numpy's is the same matrix in memory.  Target: dask ≤ 1.5 × numpy.
- *Floor*: an iteration that streams X cannot beat its reads of it; the store's read
  bandwidth is measured on the same cluster by a pass that only reads the blocks
  (each block summed, nothing else), and the floor is reads × bytes / bandwidth.
  Reported: the percentage of that floor the dask iteration reaches (floor / iteration).
- *Strong scaling*: the dask hals iteration on 1 worker against 2 workers (one thread
  each).

Runs on its own: ``python3 -m bench.scale [--quick]`` prints the rows.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .table import SKIPPED, Row, markdown

K, NITER = 10, 6
READS = {"hals": 2, "mu": 1}  # reads of X per iteration (nmf_core.scale.distributed)
FULL = (250_000, 500)  # 1.0 GB of float64
QUICK = (25_000, 500)  # 100 MB
CHUNK_ROWS = 5_000
RATIO_TARGET = 1.5


def write_store(path: Path, n: int, m: int, seed: int = 0) -> int:
    """A rank-K pattern plus noise, written chunk by chunk; returns its bytes on disk."""
    import zarr

    rng = np.random.default_rng(seed)
    A, S = rng.random((n, K)), rng.random((K, m))
    store = zarr.create_array(path, shape=(n, m), chunks=(CHUNK_ROWS, m), dtype="f8",
                              compressors=None)
    for start in range(0, n, CHUNK_ROWS):
        stop = min(n, start + CHUNK_ROWS)
        store[start:stop] = A[start:stop] @ S + 0.1 * rng.random((stop - start, m))
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def per_iteration(X, niter: int = NITER, method: str = "hals") -> float:
    """Median seconds between callbacks of one run (iteration 1 left out)."""
    from nmf_core import factorize

    stamps = []
    factorize(X, K, method, niter=niter, seed=0,
              callback=lambda t, errors: stamps.append(time.perf_counter()))
    return float(np.median(np.diff(stamps)))


def _block_sum(block) -> np.ndarray:
    return np.array([[float(block.sum())]])


def read_seconds(X, repeats: int = 3) -> float:
    """Median time of one pass that reads every block of X and sums it (on the cluster)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        X.map_blocks(_block_sum, chunks=(1, 1)).sum().compute()
        times.append(time.perf_counter() - started)
    return float(np.median(times))


def scale_rows(repeats: int = 3, quick: bool = False) -> list[Row]:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
        import zarr  # noqa: F401
    except ImportError as exc:
        return [Row("scale", "—", "dask rows", None, missing=SKIPPED,
                    detail=f"the scale extra is not installed ({exc.name})")]
    from nmf_core.scale import Engine, open_matrix

    n, m = QUICK if quick else FULL
    folder = Path(tempfile.mkdtemp(prefix="nmf-bench-scale-"))
    try:
        path = folder / "X.zarr"
        nbytes = write_store(path, n, m)
        case = f"{n:,}×{m} zarr ({nbytes / 1e9:.2g} GB), k={K}"
        X = open_matrix(str(path)).X
        timed = {}
        for workers in (2, 1):
            with Engine(workers=workers):
                for method in READS if workers == 2 else ("hals",):
                    timed[method, workers] = per_iteration(X, method=method)
                if workers == 2:
                    read = read_seconds(X, repeats)
        dense = np.asarray(X.compute(scheduler="threads"))
        numpy_s = {method: per_iteration(dense, method=method) for method in READS}
        del dense
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rows = [Row("scale", case, "zarr read bandwidth (2 workers)", nbytes / read / 1e9, "GB/s",
                detail=f"one pass reading and summing every block; median of {repeats}")]
    for method, reads in READS.items():
        dask_s = timed[method, 2]
        floor = reads * read
        rows += [
            Row("scale", case, f"numpy {method}, X in memory", numpy_s[method] * 1e3, "ms/it",
                detail=f"callback-to-callback median of {NITER - 1} it"),
            Row("scale", case, f"dask {method}, local cluster of 2 workers, X streamed from "
                "zarr", dask_s * 1e3, "ms/it", dask_s / numpy_s[method], "× numpy",
                f"≤ {RATIO_TARGET}× numpy", dask_s / numpy_s[method] <= RATIO_TARGET,
                f"{reads} read(s) of X per iteration; same seed, same iterates"),
            Row("scale", case, f"out-of-core floor of dask {method}: {reads} read(s) of X",
                floor * 1e3, "ms/it", 100 * floor / dask_s, "% of floor reached",
                detail="floor / dask iteration: 100% would be pure streaming"),
        ]
    rows.append(Row("scale", case, "dask hals, 1 worker", timed["hals", 1] * 1e3, "ms/it",
                    timed["hals", 1] / timed["hals", 2], "× 2 workers",
                    detail="strong scaling 1 → 2 workers (ratio = speed-up; 2 cores)"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m bench.scale",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK[0]:,}×{QUICK[1]} "
                        "(100 MB) instead of 1 GB")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(markdown(scale_rows(args.repeats, args.quick)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
