"""Bounded work: estimate a run's wall time before it starts.

The model is per iteration and restart: a fixed Python overhead per array
operation plus a flop term, with constants measured on a 2-core machine with
OpenBLAS (see ``python -m bench``).  Each solver declares its own per-iteration
cost (:meth:`nmf_core.solvers.base.Solver.cost`); this module only prices it.
It is meant to be right within a small factor, which is enough to warn before a
run and to say which slider to lower.
"""

from __future__ import annotations

from .params import PARAMS
from .solvers import solver_class

OP_SECONDS = 2e-6  # one small numpy operation
FLOP_SECONDS = 1.2e-10  # one multiply-add inside a BLAS product


def estimate_seconds(shape, k: int, method: str, niter: int, reinit: int,
                     kacziter: int = 1, sampling: str = "sweep", *, masked: bool = False,
                     **settings) -> float:
    """Rough wall time of ``factorize`` with these settings, in seconds.

    Restarts run as one batch, so the Python overhead is paid once per
    iteration and the arithmetic once per restart.  ``masked``: with a mask of
    observed cells.  Other settings the solver reads go in ``settings``.
    """
    settings = {"kacziter": kacziter, "sampling": sampling, **settings}
    ops, flops = solver_class(method, masked).cost(tuple(shape), k, settings)
    return float(niter * (ops * OP_SECONDS + reinit * flops * FLOP_SECONDS))


def slider_to_lower(k: int, method: str, niter: int, reinit: int, kacziter: int = 1,
                    **settings) -> str:
    """The setting whose reduction saves most time, phrased for the user: the
    largest of niter, reinit and the whole-number settings the method reads."""
    values = {"niter": niter, "reinit": reinit, "kacziter": kacziter, **settings}
    choices = {"niter": niter, "reinit": reinit}
    for name in solver_class(method).settings:
        if PARAMS[name].kind is int and name in values:
            choices[name] = values[name]
    name = max(choices, key=choices.get)
    return f"lower {name} (now {choices[name]})"
