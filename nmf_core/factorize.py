"""The single entry point: ``factorize(X, k, method=...)``."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from .budget import cap_tolerance, refuse_over_cap
from .datamatrix import DenseMatrix, as_data_matrix
from .errors import MatrixError, ParameterError, TimeLimitError
from .fixed import check_fixed
from .guard import Progress, cut_short, objective_units
from .initialization import INITS
from .metrics import relative_error
from .objective import Objective, beta_of, hoyer_sparseness
from .params import PARAMS, check_supported, validate_params
from .precision import working_dtype
from .result import NMFResult, Snapshots
from .solvers import MASKED_METHODS, METHODS, SOLVERS, join_or, solver_class
from .solvers.base import CutShort, deadline
from .sparse.check import check_sparse, is_sparse
from .sparse.masked import FilledMatrix, empty_note, observed_input

DIVERGENCE_FACTOR = 1e6
MAX_SNAPSHOTS = 200
MAX_SNAPSHOT_BYTES = 50 * 2**20


def check_matrix(X, k: int | None = None) -> np.ndarray:
    """Return X as a C-contiguous float64 matrix, or raise MatrixError saying what is wrong.

    X must be 2-D, non-empty, finite, non-negative and not all zero; k, when
    given, must not exceed min(n, m).  Locations are 1-based (row, column).
    """
    if np.ma.isMaskedArray(X) and np.ma.getmaskarray(X).any():
        raise MatrixError(
            f"X is a masked array with {int(np.ma.getmaskarray(X).sum())} masked cell(s); "
            "pass the data and mask=~X.mask (observed cells) to factorize instead")
    X = np.ma.getdata(X)
    if np.iscomplexobj(X) or (isinstance(X, np.ndarray) and X.dtype.kind not in "biuf"):
        kind = "complex" if np.iscomplexobj(X) else f"of type {X.dtype}"
        raise MatrixError(f"X must hold real numbers; got a matrix {kind}")
    try:
        arr = np.array(X, dtype=np.float64, copy=True, order="C")
    except (TypeError, ValueError, OverflowError) as exc:
        raise MatrixError(f"X is not a numeric matrix ({exc})") from None
    if arr.ndim != 2:
        raise MatrixError(f"X must be a 2-D matrix; got {arr.ndim} dimension(s)")
    if arr.size == 0:
        raise MatrixError(f"X is empty (shape {arr.shape[0]}×{arr.shape[1]})")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise MatrixError(
            f"X has {int(bad.sum())} non-finite value(s); the first is {arr[i, j]} "
            f"at row {i + 1}, column {j + 1}"
        )
    negative = arr < 0
    if negative.any():
        i, j = np.argwhere(negative)[0]
        raise MatrixError(
            f"X has {int(negative.sum())} negative value(s); the first is {arr[i, j]:g} "
            f"at row {i + 1}, column {j + 1}"
        )
    if not arr.any():
        raise MatrixError("X is all zeros: there is nothing to factor")
    if k is not None and k > min(arr.shape):
        raise ParameterError(
            f"k = {k} is larger than min(n, m) = {min(arr.shape)} for a "
            f"{arr.shape[0]}×{arr.shape[1]} matrix; lower k"
        )
    return arr


def check_mask(mask, X: np.ndarray) -> np.ndarray:
    """A boolean (n, m) matrix of observed cells (rows or columns with none are allowed:
    their factors are zero)."""
    M = np.asarray(mask)
    if M.shape != X.shape:
        raise MatrixError(f"mask must have X's shape {X.shape}; got {M.shape}")
    if M.dtype != bool:
        if not np.isin(M, (0, 1)).all():
            raise MatrixError("mask must hold only 0/1 or True/False")
        M = M.astype(bool)
    if not (X[M] > 0).any():
        raise MatrixError("X is all zeros on the observed cells: there is nothing to factor")
    return M


def _init_factors(init) -> tuple[np.ndarray, np.ndarray]:
    """A user-given start as two real float matrices ``(A0, S0)``, or ParameterError."""
    if isinstance(init, str) or not isinstance(init, (tuple, list)) or len(init) != 2:
        what = (f"a sequence of {len(init)}" if isinstance(init, (tuple, list))
                else type(init).__name__)
        raise ParameterError(
            f"init must be 'random', 'nndsvd' or a pair (A0, S0) of matrices; got {what}")
    factors = []
    for name, F in zip(("A0", "S0"), init, strict=True):
        try:
            if np.iscomplexobj(F):
                raise TypeError("complex values")
            F = np.array(np.ma.getdata(F), dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ParameterError(f"init: {name} is not a real numeric matrix ({exc})") from None
        if F.ndim != 2:
            raise ParameterError(f"init: {name} must be a 2-D matrix; got {F.ndim} dimension(s)")
        factors.append(F)
    return factors[0], factors[1]


def check_arguments(X, mask, init, nonnegative, snapshots, callback):
    """The arguments the parameter table does not cover, checked before any work:
    a masked array's mask becomes ``mask`` (its masked cells missing), init's form and
    sign, snapshots, callback.  Returns ``(X, mask)``."""
    if mask is not None:
        mask = _as_mask(mask)
    if np.ma.isMaskedArray(X):
        hidden = np.ma.getmaskarray(X)
        X = np.ma.getdata(X)
        if hidden.any():
            observed = ~hidden
            mask = observed if mask is None else (mask & observed if mask.shape == hidden.shape
                                                  else mask)
    if not isinstance(init, str):
        A0, S0 = _init_factors(init)
        if isinstance(nonnegative, (bool, int, np.bool_, np.integer)) and nonnegative == 1:
            for name, F in (("A0", A0), ("S0", S0)):
                negative = F < 0
                if negative.any():
                    i, j = np.argwhere(negative)[0]
                    raise ParameterError(
                        f"init: {name} has {int(negative.sum())} negative entr"
                        f"{'y' if negative.sum() == 1 else 'ies'}, the first {F[i, j]:g} at "
                        f"row {i + 1}, column {j + 1}; NMF (nonnegative on) needs a "
                        "non-negative start")
    if isinstance(snapshots, bool) or not isinstance(snapshots, (int, np.integer)) \
            or snapshots < 0:
        raise ParameterError(
            f"snapshots must be a whole number >= 0 (at most {MAX_SNAPSHOTS} are kept); "
            f"got {snapshots!r}")
    if callback is not None and not callable(callback):
        raise ParameterError(
            f"callback must be a function callback(t, errors) or None; got {callback!r}")
    return X, mask


def _as_mask(mask) -> np.ndarray:
    """``mask`` as a boolean array (shape checked later against X), or MatrixError."""
    if np.ma.isMaskedArray(mask):
        mask = np.ma.filled(mask, False)
    try:
        M = np.asarray(mask)
    except (TypeError, ValueError) as exc:
        raise MatrixError(f"mask is not a 0/1 or True/False matrix ({exc})") from None
    if M.dtype == bool:
        return M
    if M.dtype.kind not in "biuf" or not np.isin(M, (0, 1)).all():
        raise MatrixError("mask must hold only 0/1 or True/False")
    return M.astype(bool)


def _check_init(init, X: np.ndarray, k: int, R: int, scale: float):
    """A user-given start ``(A0, S0)``: checked, scaled like X, repeated per restart."""
    A0, S0 = _init_factors(init)
    n, m = X.shape
    if A0.shape != (n, k) or S0.shape != (k, m):
        raise ParameterError(
            f"init=(A0, S0) must have shapes ({n}, {k}) and ({k}, {m}); "
            f"got {A0.shape} and {S0.shape}"
        )
    if not (np.isfinite(A0).all() and np.isfinite(S0).all()):
        raise ParameterError("init=(A0, S0) must be finite")
    root = float(np.sqrt(scale))  # a Python float keeps float32 factors float32
    W = np.repeat((A0 / root).T[None], R, axis=0)
    H = np.repeat((S0 / root)[None], R, axis=0)
    return np.ascontiguousarray(W), H


def factorize(
    X,
    k: int,
    method: str = "hals",
    *,
    niter: int | None = None,
    kacziter: int | None = None,
    reinit: int | None = None,
    seed: int | None = None,
    init="random",
    nonnegative: bool = True,
    sampling: str | None = None,
    row_sampling: str | None = None,
    loss: str | float | None = None,
    alpha_A: float | None = None,
    alpha_S: float | str | None = None,
    l1_ratio: float | None = None,
    callback: Callable[[int, np.ndarray], bool | None] | None = None,
    max_seconds: float | None = None,
    snapshots: int = 0,
    mask=None,
    missing: str = "zero",
    fixed_A: dict | None = None,
    fixed_S: dict | None = None,
    dtype=None,
) -> NMFResult:
    """Factor a non-negative X (n×m) as A (n×k) · S (k×m).

    Parameters not given take the defaults declared in :mod:`nmf_core.params`.
    ``init`` is "random", "nndsvd" or a pair ``(A0, S0)``.  ``loss`` ("frobenius",
    "kullback-leibler", "itakura-saito" or a float β) and the elastic-net penalty
    ``alpha_A``, ``alpha_S`` ("same": alpha_A's) and ``l1_ratio`` have scikit-learn's
    names, meaning and scaling (:mod:`nmf_core.objective`).  ``callback(t, errors)``
    is called after every iteration t with each restart's curve value (the
    relative error for the Frobenius loss without penalty; see ``NMFResult``); a
    truthy return stops the run.  ``max_seconds`` caps wall-clock time: the run
    stops and returns the best iterate so far, flagged ``truncated``.
    ``snapshots`` > 0 records up to that many (≤ 200, ≤ 50 MB) evenly spaced
    iterates of the best restart for step-through.  ``mask`` (n, m), true on
    observed cells, fits only those cells (methods hals and mu); X's values
    elsewhere are ignored and ``rel_error`` is measured on observed cells.  A
    NumPy masked array X counts its masked cells as missing the same way.
    ``missing="unstored"`` says a scipy.sparse X's stored entries are its observed
    cells (explicit zeros included) and every other cell is missing; by default
    (``"zero"``) an unstored cell is a zero, as in scikit-learn.  Masked runs go to
    the observed-entries engine (CCD++, :mod:`nmf_core.sparse.masked`): O(stored·k) a
    step, never an n×m array, L2 (``l1_ratio=0``) taken; rows and columns with no
    observed cell get zero factors and are counted (``params["empty_rows"]``,
    ``params["empty_cols"]``).
    ``fixed_A={column: vector}`` and ``fixed_S={row: vector}`` hold known columns of
    A or rows of S fixed while the rest are fitted (methods hals and mu; see
    :mod:`nmf_core.fixed`).  ``dtype`` (float64 or float32; default: float32 for a
    float32 X, else float64) is the precision the solver works in and A and S come
    back in; float32 halves memory and time, with relative errors floored near 1e-7.

    Restarts get their own Generators from ``SeedSequence(seed).spawn(reinit)``;
    no global random state is used, so equal inputs give bit-identical results,
    also from several threads at once.
    """
    X, mask = check_arguments(X, mask, init, nonnegative, snapshots, callback)
    asked_dtype, dtype = dtype, working_dtype(dtype, X)
    started = time.perf_counter()
    arguments = locals()  # the keywords are the parameter table's names (tested)
    # None means "the table's default" for the keywords defaulting to None; k, method
    # and nonnegative are always checked as given.
    given = {name: arguments[name] for name in PARAMS if name != "init" and (
        arguments[name] is not None or name in ("k", "method", "nonnegative"))}
    custom_init = not isinstance(init, str)
    if not custom_init:
        given["init"] = init
    params = validate_params(**given)
    if custom_init:
        params["init"] = "custom"
    k, R, niter = params["k"], params["reinit"], params["niter"]
    if is_dask_array(X):
        return _factorize_dask(X, params, init, callback, snapshots,
                               mask if missing != "unstored" else missing, started,
                               fixed_A is not None or fixed_S is not None)
    M = observed = None  # observed: the cells a masked run fits (ObservedEntries)
    if mask is not None or missing == "unstored":
        if params["method"] not in MASKED_METHODS:
            raise ParameterError(
                f"missing values need method {join_or(MASKED_METHODS)}; "
                f"got {params['method']!r}"
            )
        check_supported(solver_class(params["method"], masked=True), params,
                        "with missing values, method")
        observed, X = observed_input(X, mask, missing, k, check_matrix, check_mask)
        if X is not None:
            M = np.zeros(X.shape, bool)
            M[observed.rows, observed.cols] = True
    elif missing != "zero":
        raise ParameterError(f"missing must be 'zero' or 'unstored'; got {missing!r}")
    elif is_sparse(X):
        if not solver_class(params["method"]).sparse:
            takes = join_or(name for name, cls in SOLVERS.items() if cls.sparse)
            raise ParameterError(
                f"method {params['method']!r} does not take a sparse X; use {takes}, or "
                "pass X.toarray() if n×m fits in memory")
        X = check_sparse(X, k)
        losses = getattr(solver_class(params["method"]), "sparse_losses", ("frobenius",))
        if params["loss"] not in losses:
            able = [name for name, cls in SOLVERS.items() if cls.sparse and params["loss"]
                    in getattr(cls, "sparse_losses", ("frobenius",))]
            instead = f" (method {join_or(able)} takes it)" if able else ""
            raise ParameterError(f"a sparse X takes loss {join_or(losses)} with method "
                                 f"{params['method']!r}; got loss={params['loss']!r}{instead}")
    else:
        X = check_matrix(X, k)
    if observed is None:
        _check_zeros_for_loss(X, params["loss"])
    shape = X.shape if observed is None else observed.shape
    fixed = check_fixed(fixed_A, fixed_S, shape, k, params["method"], observed is not None,
                        params["nonnegative"])
    data = None if X is None else as_data_matrix(X)  # from here on X is reached via the seam
    cap = params["max_seconds"]
    _refuse_over_cap(params, shape, observed, data)

    # Work on X scaled to max 1: the relative error is scale-free and nothing
    # overflows for entries up to 1e300.  A and S get √scale each at the end.
    scale = observed.max if observed is not None else data.max()
    Xs = None if data is None else data.divided(scale)
    observed = None if observed is None else observed.divided(scale)  # one copy kept
    if dtype == np.float32 and observed is None and not isinstance(Xs, DenseMatrix):
        if asked_dtype is not None:
            raise ParameterError("dtype=float32 needs a dense X; a sparse X runs in float64")
        dtype = np.dtype(np.float64)  # a float32 sparse X: its runs work in float64
    if dtype == np.float32:  # scaled in float64 first; A and S get √scale back at the end
        single = np.finfo(np.float32)
        if not float(single.tiny) <= scale <= float(single.max):
            raise ParameterError(
                f"X's largest entry {scale:g} is outside float32's range ({single.tiny:.3g} "
                f"to {single.max:.3g}), so float32 factors cannot hold it; use dtype=float64")
        if Xs is not None:  # masked runs keep float32 factors, their products in float64
            Xs = DenseMatrix(Xs.dense().astype(np.float32))
    # The start (init and its error) runs under the cap too, with a little of its slack:
    # cut there, no iterate exists yet, and the run says so instead of returning one.
    # A start that is ready late is returned as it is (the loop stops at once).
    setup_at = None if cap is None else started + (cap + cap_tolerance(cap)) / 2
    try:
        with deadline(setup_at):
            rngs = [np.random.default_rng(s)
                    for s in np.random.SeedSequence(params["seed"]).spawn(R)]
            if custom_init:
                W, H = _check_init(init, observed if data is None else data, k, R, scale)
            elif observed is None:
                W, H = INITS[params["init"]](Xs, k, rngs)
            elif M is not None:  # start from X with missing cells at the observed mean
                dense = Xs.dense()
                filled = DenseMatrix(np.where(M, dense, dense[M].mean()))
                W, H = INITS[params["init"]](filled, k, rngs)
            else:  # the same, as an operator: nothing n×m is formed
                W, H = INITS[params["init"]](FilledMatrix(observed), k, rngs)
            # The objective of X scaled to max 1: f = scale^β · f' (see nmf_core.objective).
            objective = Objective.from_settings(params, shape).for_scaled(scale)
            solver = solver_class(params["method"], masked=observed is not None)(
                Xs, params, rngs, mask=observed, objective=objective)
            if fixed is not None:
                fixed.place(W, H, np.sqrt(scale))
                fixed.hold(solver)
            if W.dtype != dtype:
                W = np.ascontiguousarray(W, dtype=dtype)
                H = np.ascontiguousarray(H, dtype=dtype)
            params["fixed_A"] = [] if fixed is None else list(fixed.A_columns)
            params["fixed_S"] = [] if fixed is None else list(fixed.S_rows)
            params["dtype"] = dtype.name
            # measure(W, H) is the objective f' per restart; a masked solver's step returns
            # its squared residual on the observed cells, f' = ½·that (Frobenius only).
            if observed is None:
                x_sq, half = Xs.squared_norm(), 1.0

                def measure(W, H):
                    return objective.value(Xs, W, H)
            else:
                x_sq, half = observed.x_sq, 0.5

                def measure(W, H):
                    return objective.from_squared_residuals(observed.squared_residuals(W, H),
                                                            W, H)
            with np.errstate(all="ignore"):
                start_errors = np.sqrt(np.maximum(2 * measure(W, H), 0) / x_sq)
            if not np.isfinite(start_errors).all():
                raise ParameterError(
                    "init=(A0, S0) is too large: A0 @ S0 overflows; scale it down")
    except CutShort:
        raise TimeLimitError(_start_too_slow(params)) from None
    progress = Progress(start_errors, niter, started, DIVERGENCE_FACTOR)
    recorder = (_Recorder(snapshots, niter, W, H, params.get("kacziter") or 1)
                if snapshots else None)
    stop_reason = None
    t = 0
    W_prev, H_prev = np.empty_like(W), np.empty_like(H)
    with np.errstate(all="ignore"), deadline(None if cap is None else started + cap):
        for t in range(1, niter + 1):
            np.copyto(W_prev, W)
            np.copyto(H_prev, H)
            try:
                value = solver.step(W, H, t - 1)  # the objective f' per restart
                if value is None:  # the solver had no cheap value (it is exact where small)
                    value = measure(W, H)
                elif half != 1.0:
                    value = half * value
            except CutShort:  # the cap passed inside the step: keep the iterate before it
                np.copyto(W, W_prev)
                np.copyto(H, H_prev)
                solver.reset()
                t -= 1
                stop_reason = _cut_short(t, niter, cap, params)
                break
            # The curve: √(2 f') / ‖X'‖, the relative error for the unpenalised Frobenius loss
            err = np.sqrt(np.maximum(2 * value, 0) / x_sq)
            # Fast check: err ≤ limit means finite and not blown up, and a finite sum
            # of squares means every entry is finite.  Only when it fails are the exact
            # tests run (the squares can also overflow), so the guard's outcome is unchanged.
            # (einsum, not BLAS's vdot: a solver without BLAS calls, as the observed-entries
            # engine, would wake BLAS's threads every step, and they spin: +40 % CPU there)
            if not (progress.within_limit(err)
                    and math.isfinite(np.einsum("rki,rki->", W, W) + np.einsum("rkj,rkj->", H, H))):
                finite = (np.isfinite(err) & np.isfinite(W).all(axis=(1, 2))
                          & np.isfinite(H).all(axis=(1, 2)))
                if progress.guard(t, err, finite):
                    solver.reset()
            if not progress.all_active:  # a stopped restart keeps its last good iterate
                stopped = ~progress.active
                W[stopped], H[stopped] = W_prev[stopped], H_prev[stopped]
            progress.record(t, err)
            if recorder:
                recorder.record(t, W, H, solver)
            stop_reason = progress.stop_reason(t, callback, cap)
            if stop_reason is not None:
                break
    stop_reason = progress.end(t, stop_reason or "")
    if recorder:  # a run stopped early still ends its snapshots at its last iterate
        recorder.record(t, W, H, solver, last=True)
    params["missing"] = 0 if observed is None else observed.cells - observed.stored
    if observed is not None:
        params["empty_rows"] = int(observed.empty.sum())
        params["empty_cols"] = int(observed.empty_cols.sum())
    units = objective_units(x_sq, scale, objective.beta)
    return _finish(Xs, observed, scale, W, H, progress, params, started, stop_reason,
                   recorder, units)


def _cut_short(t: int, niter: int, cap: float, params: dict) -> str:
    """How a run the cap stopped after ``t`` iterations ended; with none, that the factors
    are the start."""
    reason = cut_short(t, niter, cap)
    if t == 0:
        reason += (f"; no iteration finished, so A and S are the start (init "
                   f"{params['init']}), not a fit: raise max_seconds or lower k "
                   f"(now {params['k']})")
    return reason


def _cost_settings(params: dict, observed, data) -> dict:
    """What the solvers' declared cost reads besides k and reinit: the method's settings
    and, for a sparse or masked X, its stored entries."""
    settings = {name: params[name] for name in ("kacziter", "sampling", "loss")}
    if observed is not None:
        settings["stored"] = observed.stored
    elif data is not None and data.stored < data.cells:
        settings["stored"] = data.stored
    return settings


def _refuse_over_cap(params: dict, shape, observed, data) -> None:
    """Refuse, before any work, a run whose single iteration is estimated over its time
    cap's tolerance (nmf_core.budget.refuse_over_cap), naming the setting to lower."""
    reason = refuse_over_cap(shape, params["k"], params["method"], params["reinit"],
                             params["max_seconds"], masked=observed is not None,
                             **_cost_settings(params, observed, data))
    if reason:
        raise TimeLimitError(reason)


def _start_too_slow(params: dict) -> str:
    """The message when the cap passed while the start was prepared (every part of
    which, the draws, the init's products and the start's error, is paid per restart)."""
    lower = (f"lower reinit (now {params['reinit']})" if params["reinit"] > 1
             else f"lower k (now {params['k']})")
    return (f"the time limit max_seconds = {params['max_seconds']:g} s passed while the "
            f"start (init {params['init']} for {params['reinit']} restart(s) and its error) "
            f"was prepared, before any iteration; raise max_seconds or {lower}")


def _check_zeros_for_loss(X, loss) -> None:
    """β ≤ 0 (Itakura–Saito and below) divides by X: refuse zeros, naming the first."""
    if beta_of(loss) > 0:
        return
    if is_sparse(X):
        if X.nnz < X.shape[0] * X.shape[1] or not (X.data > 0).all():
            raise MatrixError(f"loss={loss!r} (β ≤ 0) needs X without zeros; this sparse X "
                              "has unstored or stored zeros")
        return
    zero = X == 0
    if zero.any():
        i, j = np.argwhere(zero)[0]
        raise MatrixError(
            f"loss={loss!r} (β ≤ 0) needs X without zeros; X has {int(zero.sum())} zero "
            f"cell(s), the first at row {i + 1}, column {j + 1}; use kullback-leibler or "
            f"frobenius, or add a small offset")


def _finish(Xs, observed, scale, W, H, progress: Progress, params, started, stop_reason,
            recorder, units=None):
    best = progress.best()
    diverged, lengths = progress.diverged, progress.lengths
    root = float(np.sqrt(scale))  # a Python float keeps float32 factors float32
    A, S = W[best].T * root, H[best] * root
    if observed is None:
        rel_error = relative_error(Xs, W[best].T, H[best])
    else:  # on the observed cells
        sq = observed.squared_residuals(W[best : best + 1], H[best : best + 1])[0]
        rel_error = float(np.sqrt(max(sq, 0.0) / observed.x_sq))
    success = bool((~diverged).any())
    truncated = bool(stop_reason) and success
    message = outcome_message(params, success, stop_reason, diverged, best, lengths,
                              progress.broke)
    note = "" if observed is None else empty_note(observed)
    if note:
        message += f"; {note}"
    all_errors = progress.all_errors()
    all_objectives = None if units is None else progress.objectives(units)
    return NMFResult(
        objective=None if all_objectives is None else all_objectives[best],
        all_objectives=all_objectives,
        sparseness={"A": hoyer_sparseness(A), "S": hoyer_sparseness(S.T)},
        A=np.ascontiguousarray(A), S=np.ascontiguousarray(S), rel_error=rel_error,
        errors=all_errors[best], all_errors=all_errors, best_run=best,
        n_iter=int(lengths[best] - 1), elapsed_s=time.perf_counter() - started,
        diverged=diverged.copy(), params=params, success=success, truncated=truncated,
        message=message, snapshots=recorder.result(best, root) if recorder else None,
        times=progress.times(best),
    )


def outcome_message(params, success: bool, stop_reason: str, diverged, best: int, lengths,
                    broke=None) -> str:
    """The one line saying how a run ended (the numpy and the dask loops both use it)."""
    R = len(diverged)
    if not success:
        message = (f"every restart diverged; showing the last finite iterate of restart "
                   f"{best + 1} ({divergence_advice(params)})")
    elif stop_reason:
        message = stop_reason
    else:
        ran = int(lengths.max() - 1)
        message = (f"finished {params['niter']} iterations" if ran == params["niter"]
                   else f"every restart stopped early, the last after {ran} of "
                        f"{params['niter']} iterations")
        if diverged.any():
            message += f"; {int(diverged.sum())} of {R} restarts diverged"
    if broke is not None and broke.any():
        which = np.flatnonzero(broke)
        names = ", ".join(f"{r + 1} (at iteration {broke[r]})" for r in which)
        message += (f"; restart{'s' if len(which) > 1 else ''} {names} stopped where "
                    "the arithmetic turned non-finite, keeping the last finite iterate")
    return message


def is_dask_array(X) -> bool:
    """True for a dask.array.Array, without importing dask when nothing has loaded it."""
    import sys

    array = sys.modules.get("dask.array")
    return array is not None and isinstance(X, array.Array)


def _factorize_dask(X, params, init, callback, snapshots, mask, started, fixed) -> NMFResult:
    """A dask array X runs on nmf_core.scale: hals and mu, A kept on the workers, in
    float64 whatever X's dtype."""
    from .scale.run import factorize_dask

    if "dask" not in solver_class(params["method"]).backends:
        runs = join_or(m for m in METHODS if "dask" in solver_class(m).backends)
        raise ParameterError(f"method {params['method']!r} needs X in memory (it samples or "
                             f"solves whole columns); a dask X runs {runs}")
    if mask is not None:
        raise ParameterError("missing values (a mask, or missing='unstored') need X in "
                             "memory; a dask X is factored without them")
    if snapshots:
        raise ParameterError("snapshots need X in memory; a dask X records none")
    if fixed:
        raise ParameterError("fixed_A and fixed_S need X in memory; a dask X fits every "
                             "factor")
    params["dtype"], params["fixed_A"], params["fixed_S"] = "float64", [], []
    return factorize_dask(X, params, init=init, callback=callback, started=started,
                          divergence_factor=DIVERGENCE_FACTOR)


def divergence_advice(params: dict) -> str:
    """What to try when every restart diverged, from the settings actually used."""
    tips = []
    if params.get("method") in ("als", "rk", "hals") and not params.get("nonnegative", True):
        tips.append("turn nonnegative on")
    if params.get("k", 1) > 1:
        tips.append(f"a smaller k (now {params['k']})")
    if params.get("method") != "hals":
        tips.append("method hals")
    if params.get("init") not in ("nndsvd", "custom"):
        tips.append("init nndsvd")
    elif params.get("init") == "nndsvd":
        tips.append("init random")
    if not tips:
        tips.append("check the data for extreme values")
    return "try " + ", ".join(tips[:-1]) + (" or " if len(tips) > 1 else "") + tips[-1]


class _Recorder:
    """Evenly spaced copies of every restart's factors, and at those iterations the
    rows the rk S-step projected onto, capped in count and in bytes."""

    def __init__(self, count: int, niter: int, W, H, kacziter: int):
        R = W.shape[0]
        per_snapshot = W.nbytes + H.nbytes + R * kacziter * np.dtype(np.intp).itemsize
        count = int(min(count, MAX_SNAPSHOTS, max(1, MAX_SNAPSHOT_BYTES // per_snapshot)))
        self.wanted = set(np.unique(np.linspace(0, niter, count).round().astype(int)).tolist())
        self.iterations, self.W, self.H = [0], [W.copy()], [H.copy()]
        self.picks, self.kaczmarz = None, [None]  # kaczmarz: aligned with iterations

    def record(self, t, W, H, solver, *, last: bool = False):
        """Keep iteration ``t`` if it is wanted, or if it is the ``last`` one run."""
        if not (t in self.wanted or last) or t == self.iterations[-1]:
            return
        trace = solver.trace()
        self.picks = trace.picks
        rows = trace.kaczmarz_rows
        self.iterations.append(t)
        self.W.append(W.copy())
        self.H.append(H.copy())
        self.kaczmarz.append(None if rows is None else rows.copy())

    def result(self, best: int, root: float) -> Snapshots:
        n_iter = self.iterations[-1]
        cols = rows = kacz = None
        if self.picks is not None:
            cols, rows = self.picks[0][best, :n_iter], self.picks[1][best, :n_iter]
            kept = [k for k in self.kaczmarz if k is not None]
            if kept:
                kacz = np.full((len(self.iterations), kept[0].shape[1]), -1, dtype=np.intp)
                for index, k in enumerate(self.kaczmarz):
                    if k is not None:
                        kacz[index] = k[best]
        return Snapshots(
            iterations=np.array(self.iterations),
            A=np.stack([w[best].T * root for w in self.W]),
            S=np.stack([h[best] * root for h in self.H]),
            columns=cols, rows=rows, kaczmarz_rows=kacz,
        )
