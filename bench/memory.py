"""Peak memory of the CLI factoring the 2000×1000, k=20 case: issue #4, item 6.

The matrix is written to a CSV file and ``python3 -m nmf_core factor FILE.csv --k 20
--seed 0`` (the CLI's defaults otherwise) runs in a child process; its peak resident
set size is that child's ``ru_maxrss`` (KiB on Linux) from ``os.wait4``.

Why a small wrapper process forks the child rather than this process: Linux keeps the
high-water RSS of the address space a process had *before* ``exec``, and a child forked
(or vforked) from this process starts with this process's pages — hundreds of MB once
scikit-learn and the cases are loaded — so ``RUSAGE_CHILDREN`` read here would report
the benchmark's own size.  The wrapper is a bare ``python -c`` of about 10 MB, less than
any Python child reaches anyway.

If the CLI is missing or fails, a small ``python -c`` script that loads the CSV with
``np.loadtxt`` and calls ``factorize`` is measured instead, and the table says so.

Budget: 250 MB + 4 × the input array's bytes (float64).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BASE_BUDGET_MB = 250.0
FALLBACK_SCRIPT = (
    "import sys, numpy as np; from nmf_core import factorize; "
    "X = np.loadtxt(sys.argv[1], delimiter=','); "
    "r = factorize(X, int(sys.argv[2]), seed=0); print(r.rel_error)"
)


@dataclass
class MemoryResult:
    peak_mb: float
    budget_mb: float
    input_mb: float
    how: str  # what ran


# argv: report-file command...; forks, execs the command, writes "maxrss_kib status".
WRAPPER = (
    "import os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execvp(sys.argv[2], sys.argv[2:])\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(f'{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')\n"
)


def _peak_rss_mb(cmd: list[str], cwd: Path) -> tuple[int, float, str]:
    """Run ``cmd``; return (exit status, peak RSS in MB, last stderr line)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cwd), env.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rusage.txt"
        done = subprocess.run([sys.executable, "-c", WRAPPER, str(report), *cmd], cwd=cwd,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, errors="replace")
        if not report.exists():
            raise RuntimeError(f"the memory wrapper failed: {done.stderr.strip()[-300:]}")
        maxrss_kib, status = (int(v) for v in report.read_text().split())
    lines = done.stderr.strip().splitlines()
    return status, maxrss_kib * 1024 / 1e6, lines[-1] if lines else ""


def cli_peak_memory(X: np.ndarray, k: int, root: Path) -> MemoryResult:
    input_mb = X.astype(np.float64).nbytes / 1e6
    budget_mb = BASE_BUDGET_MB + 4 * input_mb
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "X.csv"
        np.savetxt(path, X, delimiter=",", fmt="%.10g")
        cli = [sys.executable, "-m", "nmf_core", "factor", str(path), "--k", str(k),
               "--seed", "0"]
        status, peak_mb, last = _peak_rss_mb(cli, root)
        how = f"python3 -m nmf_core factor X.csv --k {k} --seed 0"
        if status != 0:
            reason = last or f"exit status {status}"
            status, peak_mb, last = _peak_rss_mb(
                [sys.executable, "-c", FALLBACK_SCRIPT, str(path), str(k)], root)
            how = f"fallback script np.loadtxt + factorize (CLI failed: {reason})"
            if status != 0:
                raise RuntimeError(f"the fallback script failed too: {last}")
    return MemoryResult(peak_mb, budget_mb, input_mb, how)
