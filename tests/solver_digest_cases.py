"""The cases of the solver digest test (tests/test_solver_digests.py).

Every method × sampling × mask × init (× row sampling and nonnegative where they
apply), at small sizes, plus one matrix above the Gram-identity threshold.  Each
case's digest is a SHA-256 of A, S, every restart's curve and the snapshots'
picks and Kaczmarz rows.  ``python3 tests/solver_digest_cases.py`` rewrites
tests/data/solver_digests.json: run it only to record a deliberate change.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

DIGESTS = Path(__file__).parent / "data" / "solver_digests.json"


def _matrix(n: int, m: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.random((n, 3)) @ rng.random((3, m)) + 0.05 * rng.random((n, m))


def _mask(shape, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    M = rng.random(shape) > 0.25
    M[:, 0] = True
    M[0, :] = True
    return M


def cases():
    """(name, X, kwargs) for every combination the digests cover."""
    small, large = _matrix(14, 11, 0), _matrix(130, 90, 1)
    out = []
    for init in ("random", "nndsvd"):
        for X, size in ((small, "small"), (large, "large")):
            niter = 25 if size == "small" else 8
            for method in ("als", "rk", "hals", "mu"):
                samplings = ("sweep", "random") if method in ("als", "rk") else (None,)
                masks = (False, True) if method in ("hals", "mu") else (False,)
                nonnegs = (True,) if method == "mu" else (True, False)
                rows = ("norm", "uniform") if method == "rk" else (None,)
                for sampling in samplings:
                    for masked in masks:
                        for nonneg in nonnegs:
                            for row_sampling in rows:
                                kw = {"method": method, "init": init, "niter": niter,
                                      "reinit": 3, "seed": 7, "nonnegative": nonneg,
                                      "snapshots": 6}
                                if sampling:
                                    kw["sampling"] = sampling
                                if row_sampling:
                                    kw["row_sampling"] = row_sampling
                                    kw["kacziter"] = 3
                                if masked:
                                    kw["mask"] = _mask(X.shape, 2)
                                name = "-".join(str(v) for v in (
                                    size, method, init, sampling, row_sampling,
                                    "masked" if masked else "full",
                                    "nonneg" if nonneg else "free"))
                                out.append((name, X, kw))
    return out


def digest(result) -> str:
    h = hashlib.sha256()
    for array in (result.A, result.S, *result.all_errors):
        h.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    snaps = result.snapshots
    if snaps is not None:
        for array in (snaps.iterations, snaps.A, snaps.S, snaps.columns, snaps.rows,
                      snaps.kaczmarz_rows):
            h.update(b"-" if array is None else np.ascontiguousarray(array).tobytes())
    h.update(repr((result.best_run, result.n_iter, result.diverged.tolist(),
                   result.success)).encode())
    return h.hexdigest()


def compute():
    from nmf_core import factorize

    out = {}
    for name, X, kw in cases():
        kw = dict(kw)
        k = 3
        out[name] = digest(factorize(X, k, **kw))
    return out


if __name__ == "__main__":
    import subprocess

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=Path(__file__).parent).stdout.strip()
    DIGESTS.write_text(json.dumps({"computed_from_commit": commit, "digests": compute()},
                                  indent=1, sort_keys=True) + "\n")
    print(f"wrote {DIGESTS} from {commit}")
