"""float32 against float64 (issue #14): hals's per-iteration time on the synthetic
2000×1000, k = 20 case in each precision, measured in the same run, and the error
each reaches in those iterations (float32's floor is about 1e-7 relative)."""

from __future__ import annotations

import dataclasses

import numpy as np

from . import cases, periter
from .table import Row

ITERATIONS = 60


def float32_rows(repeats: int, case: cases.Case | None = None) -> list[Row]:
    """Rows: hals ms/it in float64, in float32 (ratio to float64), and both errors."""
    from nmf_core import factorize

    case = case or cases.load_case("synthetic")
    single = dataclasses.replace(case, X=np.ascontiguousarray(case.X, dtype=np.float32))
    double_s = periter.hals_iteration(case, repeats, ITERATIONS)
    single_s = periter.hals_iteration(single, repeats, ITERATIONS)
    errors = {name: factorize(c.X, c.k, "hals", init="nndsvd", reinit=1, seed=periter.SEED,
                              niter=ITERATIONS).rel_error
              for name, c in (("float64", case), ("float32", single))}
    detail = f"callback-to-callback, mean of {ITERATIONS} it; median of {repeats} runs"
    return [
        Row("float32", case.label, "nmf_core hals, float64", double_s * 1e3, "ms/it",
            detail=detail),
        Row("float32", case.label, "nmf_core hals, float32", single_s * 1e3, "ms/it",
            single_s / double_s, "× float64", detail=detail),
        Row("float32", case.label, f"rel. error after {ITERATIONS} it, float64",
            errors["float64"], spec=".7g"),
        Row("float32", case.label, f"rel. error after {ITERATIONS} it, float32",
            errors["float32"], spec=".7g",
            detail=f"differs from float64 by {abs(errors['float32'] - errors['float64']):.2g}"),
    ]
