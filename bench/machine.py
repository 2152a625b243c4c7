"""What the numbers were measured on: CPU, BLAS and its threads, versions, settings."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

# Variables that change which BLAS kernel runs or how many threads it uses.
BLAS_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                 "MKL_NUM_THREADS", "NVPL_BLAS_DEBUG_CPU_TYPE")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def numpy_blas() -> dict:
    """threadpoolctl's entry for the BLAS numpy links (the one the solvers use)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {}
    pools = threadpool_info()
    blas = [p for p in pools if p.get("user_api") == "blas"]
    for pool in blas:
        if "numpy" in pool.get("filepath", ""):
            return pool
    return blas[0] if blas else {}


def describe_blas(pool: dict) -> str:
    if not pool:
        return "unknown (threadpoolctl missing)"
    parts = [pool.get("internal_api", "?"), pool.get("version") or ""]
    if pool.get("architecture"):
        parts.append(f"kernel {pool['architecture']}")
    if pool.get("threading_layer"):
        parts.append(pool["threading_layer"])
    return " ".join(p for p in parts if p)


def git_revision(root: Path) -> str:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (rev or "unknown") + (" (with uncommitted changes)" if dirty.strip() else "")


def machine_info(root: Path) -> dict[str, str]:
    """Header lines for the results, in display order."""
    try:
        import sklearn

        sklearn_version = sklearn.__version__
    except ImportError:
        sklearn_version = "not installed"
    pool = numpy_blas()
    env = ", ".join(f"{name}={os.environ[name]}" if name in os.environ else f"{name} unset"
                    for name in BLAS_ENV_VARS)
    return {
        "Date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu_model()}, {os.cpu_count()} logical cores ({platform.machine()})",
        "BLAS (numpy, via threadpoolctl)": describe_blas(pool),
        "BLAS threads": str(pool.get("num_threads", "unknown")),
        "BLAS environment": env,
        "Versions": (f"Python {platform.python_version()}, numpy {np.__version__}, "
                     f"scikit-learn {sklearn_version}"),
        "nmf_core revision": git_revision(root),
    }
