"""Fixed factors (semi-supervised NMF): known columns of A, or rows of S, held fixed
while the rest are fitted.

``factorize(X, k, fixed_A={0: a})`` holds column 0 of A at the vector ``a``
(length n, in X's units) for every restart and iteration; ``fixed_S={r: s}``
holds row r of S at ``s`` (length m).  Indices are 0-based; both may be given
(a factor with both fixed is entirely known).  The other entries are fitted as
usual, from the usual start; the fixed ones never change (to rounding, from the
internal scaling).  Methods whose solvers declare ``fixed_factors`` (hals and
mu, masked or not) support it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .solvers import METHODS as _METHODS
from .solvers import join_or, solver_class, variants

FIXED_METHODS = tuple(m for m in _METHODS if all(c.fixed_factors for c in variants(m)))


@dataclass(frozen=True)
class Fixed:
    """Checked fixed factors: ``A_columns`` with ``A_values`` (c, n), ``S_rows`` with
    ``S_values`` (r, m)."""

    A_columns: tuple[int, ...]
    A_values: np.ndarray
    S_rows: tuple[int, ...]
    S_values: np.ndarray

    def place(self, W, H, root: float) -> None:
        """Put the fixed values into every restart's start (W = Aᵀ/√scale, H = S/√scale)."""
        if self.A_columns:
            W[:, list(self.A_columns), :] = self.A_values / root
        if self.S_rows:
            H[:, list(self.S_rows), :] = self.S_values / root

    def hold(self, solver) -> None:
        solver.held_A, solver.held_S = self.A_columns, self.S_rows


def check_fixed(fixed_A, fixed_S, shape, k: int, method: str, masked: bool,
                nonnegative: bool) -> Fixed | None:
    """``fixed_A``/``fixed_S`` checked against X's shape and k, or ParameterError."""
    if fixed_A is None and fixed_S is None:
        return None
    if not solver_class(method, masked=masked).fixed_factors:
        raise ParameterError(f"fixed factors need method {join_or(FIXED_METHODS)}; "
                             f"got {method!r}")
    n, m = shape
    A_columns, A_values = _one("fixed_A", fixed_A, "column of A", n, k, nonnegative)
    S_rows, S_values = _one("fixed_S", fixed_S, "row of S", m, k, nonnegative)
    return Fixed(A_columns, A_values, S_rows, S_values)


def _one(name, fixed, what: str, length: int, k: int, nonnegative: bool):
    if fixed is None:
        return (), np.zeros((0, length))
    if not isinstance(fixed, dict):
        raise ParameterError(f"{name} must be a dict {{index: vector}} of the {what}s to hold "
                             f"fixed; got {type(fixed).__name__}")
    indices, values = [], []
    for index, vector in sorted(fixed.items(), key=lambda item: str(item[0])):
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not (
                0 <= index < k):
            raise ParameterError(f"{name}: index {index!r} must be a whole number from 0 to "
                                 f"k - 1 = {k - 1} (a {what})")
        try:
            v = np.array(vector, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"{name}[{index}] is not a numeric vector ({exc})") from None
        if v.size != length:
            raise ParameterError(f"{name}[{index}] must have {length} values (a {what}); "
                                 f"got {v.size}")
        if not np.isfinite(v).all():
            raise ParameterError(f"{name}[{index}] must be finite")
        if nonnegative and (v < 0).any():
            raise ParameterError(f"{name}[{index}] has negative values; NMF (nonnegative on) "
                                 "needs a non-negative fixed factor")
        indices.append(int(index))
        values.append(v)
    order = np.argsort(indices)
    return tuple(indices[i] for i in order), np.array([values[i] for i in order])
