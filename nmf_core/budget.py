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


# The time cap's promise (issue #10): a run given max_seconds = c ends within
# 1.5·c + 0.2 s (cap_tolerance).  Runs check the clock inside their long steps and
# stop there; a run whose single iteration is estimated at more than that is refused
# before it starts, naming the setting to lower (it could at best return its start).
CAP_FACTOR, CAP_SLACK_S = 1.5, 0.2


def cap_tolerance(cap: float) -> float:
    """The wall time a run capped at ``cap`` seconds ends within: 1.5·cap + 0.2 s."""
    return CAP_FACTOR * cap + CAP_SLACK_S


def step_setting_to_lower(shape, k: int, method: str, reinit: int, *, masked: bool = False,
                          **settings) -> str:
    """The setting whose halving saves most of one iteration's time, phrased for the
    user: k, reinit or a whole-number setting the method reads (niter does not count:
    it does not change one iteration's cost)."""
    values = {"k": k, "reinit": reinit}
    values.update({name: settings[name] for name in solver_class(method, masked).settings
                   if PARAMS[name].kind is int and name in settings})

    def cost(name):
        halved = {**values, name: max(1, values[name] // 2)}
        rest = {key: value for key, value in settings.items() if key not in halved}
        return estimate_seconds(shape, halved.pop("k"), method, 1, halved.pop("reinit"),
                                masked=masked, **halved, **rest)

    name = min((name for name in values if values[name] > 1), key=cost, default="k")
    return f"lower {name} (now {values[name]:,})"


def refuse_over_cap(shape, k: int, method: str, reinit: int, cap: float | None, *,
                    masked: bool = False, **settings) -> str:
    """The one-line reason to refuse a run before it starts, or "": refused when one
    iteration is estimated at more than :func:`cap_tolerance` (cap), the most a run
    capped at ``cap`` seconds may take."""
    if cap is None:
        return ""
    step = estimate_seconds(shape, k, method, 1, reinit, masked=masked, **settings)
    most = cap_tolerance(cap)
    if step <= most:
        return ""
    lower = step_setting_to_lower(shape, k, method, reinit, masked=masked, **settings)
    return (f"one iteration of these settings is estimated at about {_seconds(step)}, more "
            f"than a run capped at max_seconds = {cap:g} s may take ({_seconds(most)}), so "
            f"none could finish; {lower}, or raise max_seconds")


def _seconds(value: float) -> str:
    return f"{value:,.0f} s" if value >= 10 else f"{value:.2g} s"
