"""Working precision: float64 (the default) or float32, declared once.

float32 halves memory and roughly halves the time of the products, at the cost of
accuracy: relative errors are floored near 1e-7 (float32's eps is 6e-8), so a fit
that reaches 1e-16 in float64 stops near 1e-7.  Each method's numerics follow the
dtype (ALS's normal-equations threshold: cond(WWᵀ) ≤ 1e6 in float64, ≤ 1e3 in
float32; the Gram-identity residual is trusted above 1e-6·‖X‖² in float64 and
1e-4·‖X‖² in float32, its sums taken in float64, and measured directly below).
"""

from __future__ import annotations

import numpy as np

from .errors import ParameterError

DTYPES = ("float64", "float32")
FLOAT32_FLOOR = 1e-7  # the relative error float32 can resolve, about


def working_dtype(dtype, X=None) -> np.dtype:
    """``dtype`` checked (float64 or float32); None: float32 for a float32 X, else float64."""
    if dtype is None:
        return np.dtype(np.float32 if getattr(X, "dtype", None) == np.float32 else np.float64)
    try:
        chosen = np.dtype(dtype)
    except TypeError:
        chosen = None
    if chosen is None or chosen.name not in DTYPES:
        raise ParameterError(f"dtype must be float64 or float32; got {dtype!r}")
    return chosen
