"""The workbench's L1 lesson line on the image data (swimmer, bars): Hoyer's
sparseness of A and S without an L1 penalty and with one, both measured live
through the cached runs (:func:`.runs.run_factorization`)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..errors import NMFInputError
from ..result import NMFResult
from ..solvers import solver_class
from . import runs
from .data_source import Matrix
from .widgets import solver_settings

L1_DATA = ("swimmer", "bars")  # the data sets whose parts the line is about
SUGGESTED = {"alpha_A": 0.01, "alpha_S": "same", "l1_ratio": 1.0}  # the README's figures
L1_METHOD = "hals"
LINE = "L1 makes the parts sparser"  # the suggestion's method when the current one takes no L1


def has_l1(settings: dict[str, Any]) -> bool:
    """Whether ``settings`` put an L1 penalty on A or S."""
    alpha_A = float(settings.get("alpha_A", 0.0))
    alpha_S = settings.get("alpha_S", "same")
    alpha_S = alpha_A if alpha_S in (None, "same") else float(alpha_S)
    return float(settings.get("l1_ratio", 0.0)) > 0 and max(alpha_A, alpha_S) > 0


def without_penalty(settings: dict[str, Any]) -> dict[str, Any]:
    """The same settings with both alphas 0 (alpha_S kept "same" when it was)."""
    alpha_S = settings.get("alpha_S", "same")
    return {**settings, "alpha_A": 0.0, "alpha_S": alpha_S if alpha_S == "same" else 0.0}


def l1_pair(settings: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], bool]:
    """(before, after, current_is_after): the settings of the run without the L1
    penalty and of the run with it.  With an L1 penalty the current run is the
    "after"; without one the "after" adds :data:`SUGGESTED` (on hals when the
    current method takes no L1)."""
    if has_l1(settings):
        return without_penalty(settings), settings, True
    method = settings["method"]
    if "l1" not in solver_class(method).penalties:
        method = L1_METHOD
        return (solver_settings(without_penalty(settings), method),
                solver_settings({**settings, **SUGGESTED}, method), False)
    return settings, {**settings, **SUGGESTED}, False


def sparseness_line(matrix: Matrix, result: NMFResult, settings: dict[str, Any]) -> None:
    """On swimmer or bars: "L1 makes the parts sparser", with the Hoyer sparseness
    of A and S before and after (nothing on other data or when a run fails)."""
    if matrix.spec is None or matrix.spec.split(":")[0] not in L1_DATA:
        return
    before_settings, after_settings, current_is_after = l1_pair(settings)
    try:
        other = runs.run_factorization(matrix, before_settings if current_is_after
                                       else after_settings)
        before, after = (other, result) if current_is_after else (result, other)
        if after_settings["method"] != settings["method"]:
            before = runs.run_factorization(matrix, before_settings)
    except NMFInputError:
        return
    if before.sparseness is None or after.sparseness is None:
        return
    if current_is_after:
        how = "this run's L1 penalty against the same settings with alpha 0"
    else:
        how = (f"try alpha_A = {SUGGESTED['alpha_A']:g}, l1_ratio = {SUGGESTED['l1_ratio']:g}"
               + (f" (method {after_settings['method']})"
                  if after_settings["method"] != settings["method"] else "")
               + ": figures measured live, without it and with it")
    sparser = all(after.sparseness[f] > before.sparseness[f] for f in ("A", "S"))
    lead = (LINE if sparser else
            "L1 usually makes the parts sparser, but not fully here (with k at the number "
            "of true parts they are sparse already; a large alpha zeroes whole parts)")
    st.info(f"{lead}: Hoyer sparseness of A "
            f"{before.sparseness['A']:.2f} → {after.sparseness['A']:.2f}, of S "
            f"{before.sparseness['S']:.2f} → {after.sparseness['S']:.2f} "
            f"(0 flat, 1 a single non-zero; {how}).", icon=":material/grain:")
