"""Projection: the non-negative coefficients of new data on fixed factors.

``project(X_new, S=S)`` gives the rows of a new A for new rows of data,
``argmin_{A ≥ 0} ‖X_new − A S‖_F``; ``project(X_new, A=A)`` the columns of a new S
for new columns, ``argmin_{S ≥ 0} ‖X_new − A S‖_F`` (the same problem on the
transposes).  Each row is an independent non-negative least-squares problem
(NNLS) on the Gram matrix G = S Sᵀ and b = S x, and all rows are solved at once
by block principal pivoting (Kim & Park 2011, an active-set method):

- each row keeps a passive set F (its positive coefficients); the coefficients
  on F solve ``G_FF c_F = b_F`` exactly (one batched k×k solve for every row, the
  other coefficients fixed at 0), and the gradient is ``y = G c − b``;
- a row is solved when ``c_F ≥ 0`` and ``y ≥ 0`` off F (the KKT conditions);
  otherwise its infeasible indices change sides (all of them while that reduces
  their count, else one at a time: Kim–Park's rule against cycling);
- every answer is checked against the KKT conditions at the end, and a row that
  fails (only when G is nearly singular) is solved by Lawson–Hanson's method
  (:func:`scipy.optimize.nnls`) on the original least-squares form.

So the answer is the exact NNLS solution, not an approximate one; where it is not
unique (S with linearly dependent rows) it is one of the minimisers.  Rows of S
that are zero take coefficient 0.  Each row's answer does not depend on the
other rows in the batch.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

from .errors import MatrixError, ParameterError
from .objective import LOSSES, beta_of

BETA_TOL = 1e-10  # β ≠ 2: stop once an update moves no coefficient by more than this × max
BETA_MAX_ITER = 20_000  # β ≠ 2: multiplicative updates at the most
_EPS = np.finfo(np.float64).eps  # floor of the model and of denominators (as scikit-learn)
MAX_PIVOTS = 100  # pivoting rounds before the Lawson–Hanson fallback takes the rest
_KKT_TOL = 1e-9  # relative slack allowed in the KKT check (rounding of the products)
_CHUNK_CELLS = 2**21  # rows × k² per batch: bounds the memory of the masked k×k systems


def project(X_new, *, S=None, A=None, loss: str = "frobenius") -> np.ndarray:
    """Non-negative coefficients of new data with one factor held fixed.

    ``S`` (k, m) given: ``X_new`` is (p, m), new rows; returns A_new (p, k) ≥ 0
    minimising ``‖X_new − A_new S‖_F``.  ``A`` (n, k) given: ``X_new`` is (n, q),
    new columns; returns S_new (k, q) ≥ 0 minimising ``‖X_new − A S_new‖_F``.
    A 1-D ``X_new`` is one row (with S) or one column (with A) and gives a 1-D
    answer of length k.  The result is float32 when X_new and the factor are
    both float32, else float64; the solve itself runs in float64.
    """
    if (S is None) == (A is None):
        raise ParameterError("project needs exactly one fixed factor: S=... (new rows) "
                             "or A=... (new columns)")
    try:
        beta = beta_of(loss)
    except (KeyError, TypeError, ValueError):
        raise ParameterError(f"loss must be one of {', '.join(LOSSES)} or a number β; "
                             f"got {loss!r}") from None
    if not np.isfinite(beta):
        raise ParameterError(f"loss β must be finite; got {loss!r}")
    rows = S is not None
    factor = _check_factor(S if rows else A, "S" if rows else "A")
    data = np.asarray(X_new)
    single = data.ndim == 1
    if single:
        data = data[None, :] if rows else data[:, None]
    data = _check_data(data)
    F = factor if rows else factor.T  # (k, m): the rows of data are fitted as a F
    D = data if rows else data.T
    if D.shape[1] != F.shape[1]:
        what = "columns" if rows else "rows"
        raise MatrixError(
            f"X_new has {D.shape[1]} {what} but {'S' if rows else 'A'} has {F.shape[1]} "
            f"{'columns' if rows else 'rows'}; they must match")
    out_dtype = (np.float32 if np.asarray(X_new).dtype == np.float32
                 and (S if rows else A).dtype == np.float32 else np.float64)
    if beta == 2:
        coefficients = nnls_rows(D, F)
    else:
        if beta <= 0 and not (D > 0).all():
            i, j = np.argwhere(D <= 0)[0]
            i, j = (i, j) if rows else (j, i)
            raise MatrixError(f"loss β = {beta:g} needs X_new > 0, but row {i + 1}, column "
                              f"{j + 1} is 0 (the divergence is infinite there)")
        coefficients = beta_rows(D, F, beta)
    result = coefficients if rows else coefficients.T
    if single:
        result = result[0] if rows else result[:, 0]
    return np.ascontiguousarray(result, dtype=out_dtype)


def beta_rows(D: np.ndarray, F: np.ndarray, beta: float) -> np.ndarray:
    """C ≥ 0 (p, k) minimising the β-divergence D_β(D | C F), row by row, for β ≠ 2.

    Multiplicative updates with F fixed (Févotte & Idier 2011, with their exponent
    γ(β), so the divergence never increases), ``C ← C ∘ [(D ∘ M^(β−2)) Fᵀ /
    (M^(β−1) Fᵀ)]^γ`` with M = C F floored at machine epsilon, from an equal start,
    until no coefficient moves by more than ``BETA_TOL`` × the largest (at most
    ``BETA_MAX_ITER`` updates).  Rows are independent, so a row's answer does not
    depend on the batch; a row of zeros gives zeros.
    """
    from .solvers.mu import exponent

    gamma = exponent(beta)
    k = F.shape[0]
    scale = D.mean(axis=1, keepdims=True) / max(float(F.sum(axis=0).mean()), _EPS)
    C = np.repeat(scale, k, axis=1)
    F_t = F.T
    totals = np.maximum(F.sum(axis=1), _EPS)[None, :]  # β = 1: the denominator is fixed
    for _ in range(BETA_MAX_ITER):
        model = np.maximum(C @ F, _EPS)
        if beta == 1:
            numerator, denominator = (D / model) @ F_t, totals
        else:
            numerator = (D * model ** (beta - 2)) @ F_t
            denominator = np.maximum(model ** (beta - 1) @ F_t, _EPS)
        ratio = numerator / denominator
        new = C * (ratio if gamma == 1 else ratio ** gamma)
        moved = float(np.abs(new - C).max())
        C = new
        if moved <= BETA_TOL * max(float(C.max()), _EPS):
            break
    return C


def nnls_rows(D: np.ndarray, F: np.ndarray) -> np.ndarray:
    """``argmin_{C ≥ 0} ‖D − C F‖_F`` row by row: D (p, m), F (k, m) -> C (p, k), float64."""
    D = np.asarray(D, dtype=np.float64)
    F = np.asarray(F, dtype=np.float64)
    G = F @ F.T
    out = np.zeros((D.shape[0], F.shape[0]))
    live = np.flatnonzero(np.diagonal(G) > 0)  # a zero row of F: coefficient 0
    if live.size == 0:
        return out
    G, F = G[np.ix_(live, live)], F[live]
    rows = max(1, _CHUNK_CELLS // live.size**2)
    for start in range(0, D.shape[0], rows):
        chunk = D[start:start + rows]
        out[start:start + chunk.shape[0], live] = _solve(chunk, F, G, chunk @ F.T)
    return out


def _solve(D, factor, G, B) -> np.ndarray:
    """Exact NNLS for each row b of B = D Fᵀ with Gram G = F Fᵀ (see the module text)."""
    p, k = B.shape
    try:
        passive = np.linalg.solve(G, B.T).T > 0  # the unconstrained solution's signs
    except np.linalg.LinAlgError:
        passive = np.zeros((p, k), dtype=bool)
    C = np.zeros((p, k))
    todo = np.arange(p)
    best = np.full(p, k + 1)  # Kim–Park: fewest infeasible indices seen, and
    chances = np.full(p, 3)  # full exchanges left before the one-at-a-time rule
    slack = _KKT_TOL * (np.abs(B).max(axis=1) + np.finfo(float).tiny)
    for _ in range(MAX_PIVOTS):
        if todo.size == 0:
            break
        F = passive[todo]
        c = _solve_on(G, B[todo], F)
        y = c @ G - B[todo]
        infeasible = (F & (c < 0)) | (~F & (y < -slack[todo, None]))
        count = infeasible.sum(axis=1)
        C[todo] = c
        fewer = count < best[todo]
        best[todo[fewer]] = count[fewer]
        chances[todo[fewer]] = 3
        full = fewer | (chances[todo] > 0)
        chances[todo[~fewer & full]] -= 1
        flip = np.where(full[:, None], infeasible, False)
        one = np.flatnonzero(~full & (count > 0))  # flip only the last infeasible index
        flip[one, k - 1 - np.argmax(infeasible[one, ::-1], axis=1)] = True
        passive[todo] = F ^ flip
        todo = todo[count > 0]
    bad = ~_kkt_holds(G, B, C, slack)
    for i in np.flatnonzero(bad):  # Lawson–Hanson on the original least-squares form
        C[i] = nnls(factor.T, D[i], maxiter=50 * k)[0]
    return C


def _solve_on(G, B, F) -> np.ndarray:
    """For each row i, c with ``G_FF c_F = b_F`` on F = F[i] and 0 elsewhere: one batched
    solve of G masked to F (the identity off F).  A singular system (dependent rows of
    the factor on F) takes the pseudo-inverse's min-norm solution."""
    k = G.shape[0]
    both = F[:, :, None] & F[:, None, :]
    M = np.where(both, G, 0.0)
    M[:, np.arange(k), np.arange(k)] += ~F  # the identity off F
    rhs = np.where(F, B, 0.0)[:, :, None]
    try:
        c = np.linalg.solve(M, rhs)[:, :, 0]
    except np.linalg.LinAlgError:
        c = (np.linalg.pinv(M) @ rhs)[:, :, 0]
    return np.where(F, c, 0.0)


def _kkt_holds(G, B, C, slack) -> np.ndarray:
    """Per row: c ≥ 0, and the gradient y = G c − b is 0 where c > 0 and ≥ 0 where c = 0,
    to ``slack`` (relative to the size of b and of the products)."""
    y = C @ G - B
    scale = slack[:, None] + _KKT_TOL * (np.abs(C) @ np.abs(G))
    return ((C >= 0) & (y >= -scale) & ((C == 0) | (np.abs(y) <= scale))).all(axis=1)


def _check_factor(F, name: str) -> np.ndarray:
    arr = np.asarray(F)
    if arr.ndim != 2 or arr.size == 0:
        raise MatrixError(f"{name} must be a non-empty 2-D matrix; got shape {arr.shape}")
    try:
        arr = arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise MatrixError(f"{name} is not a numeric matrix ({exc})") from None
    _finite_non_negative(arr, name)
    return arr


def _check_data(X) -> np.ndarray:
    if X.ndim != 2 or X.size == 0:
        raise MatrixError(f"X_new must be a non-empty 1-D or 2-D matrix; got shape {X.shape}")
    try:
        X = X.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise MatrixError(f"X_new is not a numeric matrix ({exc})") from None
    _finite_non_negative(X, "X_new")
    return X


def _finite_non_negative(arr, name: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MatrixError(f"{name} has {int(bad.sum())} non-finite value(s); the first is "
                          f"{arr[i, j]} at row {i + 1}, column {j + 1}")
    negative = arr < 0
    if negative.any():
        i, j = np.argwhere(negative)[0]
        raise MatrixError(f"{name} has {int(negative.sum())} negative value(s); the first is "
                          f"{arr[i, j]:g} at row {i + 1}, column {j + 1}")
