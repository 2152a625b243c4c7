"""The update rules, one module per method, behind one declared protocol.

:mod:`.base` states the protocol (what a solver declares and implements);
:mod:`.products` and :mod:`.sampling` hold what several rules share.  This module
is the registry: the methods, their masked variants, and what each declares,
which the parameter table, the CLI, the app's sliders and the budget read.
"""

from __future__ import annotations

from .als import ALS, least_squares_columns
from .base import Cost, Solver, Trace
from .hals import HALS, MaskedHALS, hals_rows, masked_hals_rows
from .mu import MU, MaskedMU, mu_rows
from .products import (
    gram,
    gram_squared_residuals,
    masked_squared_residuals,
    squared_residuals,
    stacked_product,
)
from .rk import RK, kaczmarz_columns
from .sampling import UniformStream, column_picks, weighted_picks

_ALL: tuple[type[Solver], ...] = (ALS, RK, HALS, MU, MaskedHALS, MaskedMU)

SOLVERS: dict[str, type[Solver]] = {cls.name: cls for cls in _ALL if not cls.mask}
MASKED_SOLVERS: dict[str, type[Solver]] = {cls.name: cls for cls in _ALL if cls.mask}
METHODS: tuple[str, ...] = tuple(SOLVERS)
MASKED_METHODS: tuple[str, ...] = tuple(m for m in METHODS if m in MASKED_SOLVERS)
DOCUMENT_METHODS: tuple[str, ...] = tuple(m for m in METHODS if SOLVERS[m].from_documents)


def solver_class(method: str, masked: bool = False) -> type[Solver]:
    """The class that runs ``method`` (its masked variant when ``masked``)."""
    return (MASKED_SOLVERS if masked else SOLVERS)[method]


def variants(method: str) -> tuple[type[Solver], ...]:
    """Every class that runs ``method``: unmasked, then masked if it has one."""
    return tuple(cls for cls in _ALL if cls.name == method)


def solver_settings() -> tuple[str, ...]:
    """Every setting some solver declares it reads, in declaration order."""
    return tuple(dict.fromkeys(name for cls in _ALL for name in cls.settings))


def methods_reading(setting: str) -> tuple[str, ...]:
    """The methods whose solvers (masked or not) read ``setting``."""
    return tuple(m for m in METHODS if any(setting in cls.settings for cls in variants(m)))


def join_or(names) -> str:
    """``a, b or c``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


__all__ = [
    "ALS", "DOCUMENT_METHODS", "HALS", "MASKED_METHODS", "MASKED_SOLVERS", "METHODS", "MU",
    "RK", "SOLVERS", "Cost", "MaskedHALS", "MaskedMU", "Solver", "Trace", "UniformStream",
    "column_picks", "gram", "gram_squared_residuals", "hals_rows", "join_or",
    "kaczmarz_columns", "least_squares_columns", "masked_hals_rows",
    "masked_squared_residuals", "methods_reading", "mu_rows", "solver_class",
    "solver_settings", "squared_residuals", "stacked_product", "variants", "weighted_picks",
]
