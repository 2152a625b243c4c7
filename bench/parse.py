"""Parsing a user's file: issue #11, requirement 8.

A 10 MB file of each shape (five million one-cell rows included) is read by
``nmf_core.csvio.load_csv`` in a child process, which reports its own wall time;
its peak resident set size comes from ``os.wait4`` (the wrapper in
:mod:`bench.memory`).  The peer is pandas' ``read_csv`` on the same file, in the
same way, in the same run.

Targets: ≤ 5 s, and a peak of ≤ 10 × the file size + 100 MB.  The peak is the
whole child's; the baseline row is the same child importing pandas and
nmf_core without reading a file, so peak − baseline is what parsing costs.
pandas is not run on the one-row shape: a DataFrame of millions of columns
takes minutes (67 s for 500,000 cells here).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from .memory import _peak_rss_mb
from .table import SKIPPED, Row
from .timing import median

TARGET_S = 5.0
FILE_MB = 10.0

# pandas is imported before the clock starts in both (load_csv imports it on first use).
OURS = ("import sys, time; import pandas; from nmf_core.csvio import load_csv; "
        "t = time.perf_counter(); "
        "X = load_csv(sys.argv[1]).values; "
        "print(time.perf_counter() - t, X.shape, file=sys.stderr)")
BASELINE = ("import sys, pandas, nmf_core.csvio; print(0, file=sys.stderr)")
PEER = ("import sys, time; import pandas as pd; t = time.perf_counter(); "
        "X = pd.read_csv(sys.argv[1], header=None).to_numpy(); "
        "print(time.perf_counter() - t, X.shape, file=sys.stderr)")


def _shapes(megabytes: float) -> dict[str, bytes]:
    """File contents of about ``megabytes`` MB, one per shape."""
    size = int(megabytes * 1e6)
    rng = np.random.default_rng(0)
    one_cell = b"1\n" * (size // 2)
    n = int((size / 20) ** 0.5)
    square = "\n".join(",".join(f"{v:.15f}" for v in row)
                       for row in rng.random((n, n)).tolist()).encode()
    rows = size // 20
    labelled = ("name,value\n" + "".join(f"r{i:07d},{(i % 997) / 7:.6f}\n"
                                          for i in range(rows))).encode()
    wide = b",".join([b"1"] * (size // 2)) + b"\n"
    m = 10
    per_row = m * 19 + 8
    frame = rng.random((size // per_row, m))
    pandas_csv = ("," + ",".join(f"c{j}" for j in range(m)) + "\n" + "".join(
        f"{i}," + ",".join(map(repr, row)) + "\n" for i, row in enumerate(frame.tolist()))).encode()
    return {
        f"{len(one_cell) // 2:,} one-cell rows": one_cell,
        f"{n}×{n} full-precision floats": square,
        f"{rows:,} rows: text label + 1 number, header": labelled,
        f"1 row of {size // 2:,} cells": wide,
        f"pandas to_csv {frame.shape[0]:,}×{m} with index": pandas_csv,
    }


def _measure(script: str, path: Path, root: Path) -> tuple[float, float] | str:
    status, peak_mb, last = _peak_rss_mb([sys.executable, "-c", script, str(path)], root)
    if status != 0:
        return last or f"exit status {status}"
    return float(last.split()[0]), peak_mb


def parse_rows(root: Path, repeats: int, quick: bool) -> list[Row]:
    megabytes = 1.0 if quick else FILE_MB
    repeats = 1 if quick else max(1, min(repeats, 2))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline = _measure(BASELINE, Path(tmp), root)
        base_mb = None if isinstance(baseline, str) else baseline[1]
        rows.append(Row("parse", "—", "baseline: python + pandas + nmf_core imported", base_mb,
                        "MB", detail="peak RSS of a child that reads no file",
                        missing="" if base_mb else SKIPPED))
        for shape, data in _shapes(megabytes).items():
            path = Path(tmp) / "X.csv"
            path.write_bytes(data)
            file_mb = len(data) / 1e6
            budget = 10 * file_mb + 100
            ours = [_measure(OURS, path, root) for _ in range(repeats)]
            peer = ("not run (millions of columns)" if shape.startswith("1 row")
                    else _measure(PEER, path, root))
            label = f"{shape} ({file_mb:.1f} MB)"
            failed = next((o for o in ours if isinstance(o, str)), None)
            if failed:
                rows.append(Row("parse", label, "load_csv", None, missing=SKIPPED,
                                detail=failed[-200:]))
                continue
            seconds = median([o[0] for o in ours])
            peak = max(o[1] for o in ours)
            peer_ok = not isinstance(peer, str)
            rows += [
                Row("parse", label, "load_csv time", seconds, "s",
                    seconds / peer[0] if peer_ok else None, "× pandas read_csv",
                    f"≤ {TARGET_S:g} s", seconds <= TARGET_S,
                    f"child process, median of {repeats}; pandas "
                    + (f"{peer[0]:.2f} s" if peer_ok else peer[-60:])),
                Row("parse", label, "load_csv peak RSS", peak, "MB",
                    peak / peer[1] if peer_ok else None, "× pandas read_csv",
                    f"≤ {budget:.0f} MB (10 × file + 100 MB)", peak <= budget,
                    "ru_maxrss of the child, imports included"
                    + (f" (parse: +{peak - base_mb:.0f} MB over the baseline)" if base_mb
                       else "") + "; pandas "
                    + (f"{peer[1]:.0f} MB" if peer_ok else peer[-60:])),
            ]
    return rows
