"""Bounded work: estimate a run's wall time before it starts.

The model is per iteration and restart: a fixed Python overhead per array
operation plus a flop term, with constants measured on a 2-core machine with
OpenBLAS (see ``python -m bench``).  It is meant to be right within a small
factor, which is enough to warn before a run and to say which slider to lower.
"""

from __future__ import annotations

OP_SECONDS = 2e-6  # one small numpy operation
FLOP_SECONDS = 1.2e-10  # one multiply-add inside a BLAS product


def estimate_seconds(shape, k: int, method: str, niter: int, reinit: int,
                     kacziter: int = 1, sampling: str = "sweep") -> float:
    """Rough wall time of ``factorize`` with these settings, in seconds.

    Restarts run as one batch, so the Python overhead is paid once per
    iteration and the arithmetic once per restart.
    """
    n, m = shape
    nmk = n * m * k
    direct_error = 2 * nmk  # ‖X − AS‖ formed directly
    if method == "hals":
        passes = max(1, min(10, 1 + max(n, m) // (2 * k)))
        overhead, flops = 2 * passes * k * 4, 4 * nmk + 2 * passes * (n + m) * k * k
    elif method == "mu":
        overhead, flops = 20, 4 * nmk
    elif method == "als":
        overhead, flops = 30, 40 * (n + m) * k * k + 2 * nmk + direct_error
    else:  # rk
        columns = (n + m) if sampling == "sweep" else 2
        overhead = 2 * kacziter * 12
        flops = kacziter * columns * k * 50 + 2 * (n + m) * k + direct_error
    return float(niter * (overhead * OP_SECONDS + reinit * flops * FLOP_SECONDS))


def slider_to_lower(k: int, method: str, niter: int, reinit: int, kacziter: int = 1) -> str:
    """The setting whose reduction saves most time, phrased for the user."""
    choices = {"niter": niter, "reinit": reinit}
    if method == "rk":
        choices["kacziter"] = kacziter
    name = max(choices, key=choices.get)
    return f"lower {name} (now {choices[name]})"
