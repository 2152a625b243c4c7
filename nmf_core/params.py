"""The parameter table: every tunable setting, declared once.

Validation (``validate_params``), the app's sliders and the CLI's flags all read
this table, so a range or default is changed in exactly one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .errors import ParameterError
from .objective import Objective, beta_of, loss_name
from .solvers import (
    DOCUMENT_METHODS,
    METHODS,
    SOLVERS,
    join_or,
    methods_reading,
    solver_settings,
    variants,
)

__all__ = ["DEFAULTS", "DOCUMENT_METHODS", "METHODS", "PARAMS", "RESULT_SETTINGS", "Param",
           "validate_params"]


@dataclass(frozen=True)
class Param:
    """One setting: its type, valid range or choices, default and help text.

    ``ui_low``/``ui_high`` bound the app's slider where the valid range is wider
    than a slider can usefully show (the CLI and the core accept the whole valid
    range).  ``methods`` is filled in from the solvers' declarations (the methods
    whose solver reads the setting; every method for the settings every run has).
    ``reproducible``: the setting decides the result (a time cap does not).
    """

    name: str
    kind: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    ui_high: float | None = None
    optional: bool = False
    methods: tuple[str, ...] = METHODS  # the methods that use it (see the table below)
    ui_low: float | None = None
    reproducible: bool = True
    number_too: bool = False  # besides the choices, any number in [low, high]

    def applies_to(self, method: str) -> bool:
        return method in self.methods

    @property
    def slider_low(self) -> float | None:
        return self.ui_low if self.ui_low is not None else self.low

    @property
    def slider_high(self) -> float | None:
        return self.ui_high if self.ui_high is not None else self.high

    def validate(self, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        if value is None and self.optional:
            return None
        if self.number_too and not (isinstance(value, str) and value in self.choices):
            if isinstance(value, str) and _is_number(_float_or_text(value)):
                value = float(value)
            if not _is_number(value) or isinstance(value, bool):
                raise ParameterError(f"{self.name} must be one of {', '.join(self.choices)} "
                                     f"or a number; got {value!r}")
            return self._number(float(value))
        if self.choices is not None:
            if not isinstance(value, str) or value not in self.choices:
                raise ParameterError(
                    f"{self.name} must be one of {', '.join(self.choices)}; got {value!r}"
                )
            return value
        if self.kind is bool:
            if not (isinstance(value, (bool, int, np.bool_, np.integer)) and value in (0, 1)):
                raise ParameterError(f"{self.name} must be true or false; got {value!r}")
            return bool(value)
        if isinstance(value, bool) or not _is_number(value):
            raise ParameterError(f"{self.name} must be a number; got {value!r}")
        return self._number(value)

    def _number(self, value: Any) -> Any:
        as_float = float(value)
        if not math.isfinite(as_float):
            raise ParameterError(f"{self.name} must be finite; got {value!r}")
        if self.kind is int:
            if as_float != int(as_float):
                raise ParameterError(f"{self.name} must be a whole number; got {value!r}")
            value = int(value)
        else:
            value = as_float
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ParameterError(
                f"{self.name} must be between {_fmt(self.low)} and {_fmt(self.high)}; got {value}"
            )
        return value


def _float_or_text(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return not isinstance(value, str)


def _fmt(x: float | None) -> str:
    return "any" if x is None else f"{x:g}" if isinstance(x, float) else f"{x:,}"


_ALL = (
    Param("method", str, "hals",
          "Solver. als and rk are the documents' methods (corrected); hals and mu are "
          "the reference methods. hals is the fast default for real data.",
          choices=METHODS),
    Param("k", int, 3, "Number of factors: columns of A and rows of S. At most min(n, m).",
          low=1, high=500, ui_high=20),
    Param("niter", int, 200, "Outer iterations per restart.", low=1, high=100_000, ui_high=2000),
    Param("reinit", int, 5,
          "Independent restarts from different random starts; the best final error wins.",
          low=1, high=100, ui_high=20),
    Param("seed", int, 1, "Random seed: the same seed gives the same result, bit for bit.",
          low=0, high=2**32 - 1, ui_high=999),
    Param("init", str, "random",
          "Starting point: random (uniform, scaled to X) or nndsvd (SVD-based, "
          "Boutsidis-Gallopoulos with NNDSVDa zero filling; the same for every restart).",
          choices=("random", "nndsvd")),
    Param("sampling", str, "sweep",
          "als and rk only. random: the documents' step, one random column of S and one "
          "random row of A per iteration. sweep: every column, then every row, vectorised.",
          choices=("random", "sweep")),
    Param("kacziter", int, 5,
          "Kaczmarz projection steps per column of S and per row of A (rk only).",
          low=1, high=1000, ui_high=50),
    Param("row_sampling", str, "norm",
          "rk only. How Kaczmarz rows are drawn: norm (probability proportional to the "
          "squared row norm, Strohmer-Vershynin) or uniform (as in the documents). "
          "Zero rows are never drawn.",
          choices=("norm", "uniform")),
    Param("nonnegative", bool, True,
          "Project A and S onto >= 0 after each update (this is what makes it NMF). "
          "mu is non-negative by construction."),
    Param("loss", str, "frobenius",
          "What is minimised, in scikit-learn's names: frobenius (1/2 ||X - AS||^2), "
          "kullback-leibler (generalised KL divergence, for counts), itakura-saito "
          "(for spectra; X must have no zeros), or any number beta for the "
          "beta-divergence. mu takes every loss; hals frobenius and kullback-leibler "
          "(coordinate descent, the fast one for KL); als and rk the Frobenius loss only.",
          choices=("frobenius", "kullback-leibler", "itakura-saito"), number_too=True),
    Param("alpha_A", float, 0.0,
          "Penalty weight on A, in scikit-learn's convention (alpha_W): "
          "alpha_A * l1_ratio * m * ||A||_1 + 1/2 alpha_A (1 - l1_ratio) m ||A||_F^2.",
          low=0.0, high=1e6, ui_high=1.0),
    Param("alpha_S", float, "same",
          "Penalty weight on S (scikit-learn's alpha_H), scaled by n; same: alpha_A's.",
          choices=("same",), number_too=True, low=0.0, high=1e6, ui_high=1.0),
    Param("l1_ratio", float, 0.0,
          "Elastic-net mix of the penalty: 0 is ridge (L2), 1 is lasso (L1, sparse parts).",
          low=0.0, high=1.0),
    Param("max_seconds", float, None,
          "Wall-clock cap per run: stop and return the best iterate so far when reached.",
          low=0.01, high=86_400.0, optional=True, reproducible=False),
)

# A setting some solver declares is used by the methods whose solvers read it.
_SOLVER_READ = solver_settings()
_ALL = tuple(replace(p, methods=methods_reading(p.name)) if p.name in _SOLVER_READ else p
             for p in _ALL)
PARAMS: dict[str, Param] = {p.name: p for p in _ALL}
DEFAULTS: dict[str, Any] = {p.name: p.default for p in _ALL}
# The settings besides method and k that decide a result, in the table's order:
# factorize's keywords, the CLI's flags, the app's sliders and the reproduce code.
RESULT_SETTINGS: tuple[str, ...] = tuple(
    p.name for p in _ALL if p.reproducible and p.name not in ("method", "k"))


def validate_params(**values: Any) -> dict[str, Any]:
    """Validate settings against the table; unknown names are errors.

    Missing names take their defaults. Cross-parameter rules (that need no data)
    are checked here too.
    """
    unknown = sorted(set(values) - set(PARAMS))
    if unknown:
        raise ParameterError(f"unknown parameter {unknown[0]!r}; known: {', '.join(PARAMS)}")
    out = dict(DEFAULTS)
    for name, value in values.items():
        out[name] = PARAMS[name].validate(value)
    method = out["method"]
    out["loss"] = loss_name(beta_of(out["loss"]))
    if not out["nonnegative"] and "nonnegative" not in SOLVERS[method].settings:
        raise ParameterError(
            f"method {method!r} is non-negative by construction; nonnegative=False needs "
            f"{join_or(methods_reading('nonnegative'))}"
        )
    check_supported(SOLVERS[method], out)
    return out


def _penalties_used(values: dict[str, Any]) -> tuple[str, ...]:
    objective = Objective.from_settings(values, (1, 1))
    used = []
    if objective.l1_A or objective.l1_S:
        used.append("l1")
    if objective.l2_A or objective.l2_S:
        used.append("l2")
    return tuple(used)


def check_supported(solver, values: dict[str, Any], what: str = "method") -> None:
    """Raise ParameterError unless ``solver`` (a class) declares the loss and the
    penalties these validated settings ask for."""
    method, beta = values["method"], beta_of(values["loss"])
    if not solver.supports_loss(beta):
        able = [m for m in METHODS  # of the same kind (masked or not)
                if any(c.supports_loss(beta) and c.mask == solver.mask for c in variants(m))]
        needs = f" needs method {join_or(able)}" if able else " is not supported"
        raise ParameterError(
            f"{what} {method!r} minimises the {join_or(solver.losses)} loss only; "
            f"loss={values['loss']!r}{needs}")
    for penalty in _penalties_used(values):
        if penalty not in solver.penalties:
            kind = {"l1": "an L1 penalty (l1_ratio > 0)", "l2": "an L2 penalty (l1_ratio < 1)"}
            able = [m for m in METHODS if m != method  # of the same kind (masked or not)
                    and any(penalty in c.penalties and c.mask == solver.mask
                            for c in variants(m))]
            instead = f", or use {join_or(able)}" if able else ""
            raise ParameterError(
                f"{what} {method!r} does not take {kind[penalty]}; set alpha_A and alpha_S "
                f"to 0{instead}")
    if "l1" in _penalties_used(values) and not values["nonnegative"]:
        raise ParameterError("an L1 penalty (l1_ratio > 0) needs nonnegative factors")
    if beta != 2 and not values["nonnegative"]:
        raise ParameterError(f"loss={values['loss']!r} needs nonnegative factors (the model "
                             "must stay positive); set nonnegative=True")
