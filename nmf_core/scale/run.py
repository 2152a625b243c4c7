"""``factorize`` for a dask array X: the checks, the start, factorize's loop, the result.

The loop is factorize's, step for step, sharing its bookkeeping (:class:`nmf_core.guard.
Progress`): each restart's curve, the divergence guard, the callback, the time cap and the
best-restart choice.
Reading X costs one pass to check it (finite, non-negative, its max, mean and ‖X‖²),
two per iteration (the first of which also gives the starting error) and one for the
final error, measured directly as numpy does.
"""

from __future__ import annotations

import math
import tempfile
import time

import numpy as np

from ..errors import MatrixError, ParameterError
from ..guard import Progress, objective_units
from ..objective import Objective, beta_of, hoyer_of_norms, hoyer_sparseness
from ..result import NMFResult
from ..solvers import join_or
from . import blocks
from .distributed import STEPS, Factors, RowBlocks, direct_residuals
from .engine import engine_for_call

SMALL_A_CELLS = 2_000_000  # an A of at most this many cells (16 MB) is returned as numpy


def factorize_dask(X, params: dict, *, init, callback, started: float,
                   divergence_factor: float) -> NMFResult:
    """The body of ``factorize`` for a dask array (params already validated)."""
    check_objective(params)
    client, engine, owned = engine_for_call()
    try:
        return _run(X, params, init, callback, started, divergence_factor, client, engine,
                    owned)
    finally:
        if owned is not None:
            owned.close()


def check_objective(params: dict) -> None:
    """The losses the dask steps declare (``STEPS[method].losses``), without penalty."""
    step, loss = STEPS[params["method"]], params["loss"]
    if not step.supports_loss(beta_of(loss)):
        able = [name for name, other in STEPS.items() if other.supports_loss(beta_of(loss))]
        raise ParameterError(
            f"with a dask X, method {params['method']!r} minimises the "
            f"{join_or(step.losses)} loss only; loss={loss!r} "
            + (f"needs method {join_or(able)}" if able else "needs X in memory"))
    if Objective.from_settings(params, (1, 1)).penalised:
        raise ParameterError("a dask X is factored without penalty; set alpha_A=alpha_S=0 "
                             "(or pass X in memory)")


def _check(rows: RowBlocks, k: int):
    """factorize's check_matrix on the blocks: (max, mean/max, ‖X/max‖²)."""
    futures, _ = rows.run(rows.each(blocks.check_block, rows.offsets, x=True))
    parts = rows.client.gather(futures)
    for part in parts:
        if part["nonfinite"]:
            i, j, value = part["first_nonfinite"]
            total = sum(p["nonfinite"] for p in parts)
            raise MatrixError(f"X has {total} non-finite value(s); the first is {value} "
                              f"at row {i}, column {j}")
    for part in parts:
        if part["negative"]:
            i, j, value = part["first_negative"]
            total = sum(p["negative"] for p in parts)
            raise MatrixError(f"X has {total} negative value(s); the first is {value:g} "
                              f"at row {i}, column {j}")
    scale = max(p["max"] for p in parts)
    if not scale > 0:
        raise MatrixError("X is all zeros: there is nothing to factor")
    n, m = rows.shape
    if k > min(n, m):
        raise ParameterError(f"k = {k} is larger than min(n, m) = {min(n, m)} for a "
                             f"{n}×{m} matrix; lower k")
    total = math.fsum(p["sum"] * (p["max"] / scale) for p in parts if p["max"] > 0)
    x_sq = math.fsum(p["squares"] * (p["max"] / scale) ** 2 for p in parts if p["max"] > 0)
    return scale, total / (n * m), x_sq


def _start(rows: RowBlocks, params, init, scale):
    """W's blocks on the workers and H on the client, as numpy's init would make them."""
    k, R = params["k"], params["reinit"]
    n, m = rows.shape
    if not isinstance(init, str):
        from ..factorize import _check_init

        W, H = _check_init(init, rows, k, R, scale)  # reads rows.shape only
        parts = [rows.client.scatter(np.ascontiguousarray(W[:, :, o:o + r]))
                 for o, r in zip(rows.offsets, rows.rows, strict=True)]
        return Factors(rows, parts), H
    if params["init"] != "random":
        raise ParameterError(f"init={params['init']!r} needs X in memory; a dask X starts "
                             f"from init='random' or a given (A0, S0)")
    return None


def _random_start(rows: RowBlocks, params, mean: float):
    """random_init's draws, made where they are used: each block skips to its rows."""
    k, R = params["k"], params["reinit"]
    n, m = rows.shape
    seeds = np.random.SeedSequence(params["seed"]).spawn(R)
    spread = np.sqrt(mean / k)
    W = Factors(rows, rows.run(rows.each(blocks.random_block, tuple(seeds), rows.offsets,
                                         rows.rows, k, spread))[0])
    H = np.empty((R, k, m))
    for r, seed in enumerate(seeds):
        bits = np.random.default_rng(seed).bit_generator
        bits.advance(n * k)  # past A's draws
        H[r] = spread * np.random.Generator(bits).random((k, m))
    return W, H


def _run(X, params, init, callback, started, divergence_factor, client, engine, owned):
    k, niter = params["k"], params["niter"]
    rows = RowBlocks(X, client)
    scale, mean, x_sq = _check(rows, k)
    start = _start(rows, params, init, scale)
    W, H = start if start is not None else _random_start(rows, params, mean)
    solver = STEPS[params["method"]](rows, scale, x_sq, params)

    with np.errstate(all="ignore"):
        start_errors = np.sqrt(np.maximum(solver.start(W, H), 0) / x_sq)
    if not np.isfinite(start_errors).all():
        raise ParameterError("init=(A0, S0) is too large: A0 @ S0 overflows; scale it down")
    progress = Progress(start_errors, niter, started, divergence_factor)
    stop_reason, t = None, 0
    with np.errstate(all="ignore"):
        for t in range(1, niter + 1):
            W_prev, H_prev = W, H
            W, H, sq, finite_W = solver.step(W, H)
            err = np.sqrt(np.maximum(sq, 0) / x_sq)
            finite = np.isfinite(err) & finite_W & np.isfinite(H).all(axis=(1, 2))
            if progress.guard(t, err, finite):
                solver.reset()
            if not progress.all_active:  # a stopped restart keeps its last good iterate
                active = progress.active
                W = W.where(active, W_prev)
                H = np.where(active[:, None, None], H, H_prev)
            progress.record(t, err)
            stop_reason = progress.stop_reason(t, callback, params["max_seconds"])
            if stop_reason is not None:
                break
    stop_reason = progress.end(t, stop_reason or "")
    params["missing"] = 0
    return _finish(rows, scale, x_sq, W, H, progress, params, started, stop_reason, engine,
                   owned)


def _finish(rows, scale, x_sq, W, H, progress: Progress, params, started, stop_reason,
            engine, owned):
    from ..factorize import outcome_message

    best = progress.best()
    diverged, lengths = progress.diverged, progress.lengths
    root = float(np.sqrt(scale))
    sliced = rows.run(rows.each(blocks.slice_restart, W.W, best) +
                      rows.each(blocks.column_norms, W.W, best))[0]
    best_W = Factors(rows, sliced[:len(rows)])
    l1, l2 = blocks.combined_norms(rows.client.gather(sliced[len(rows):]))
    sq = direct_residuals(rows, scale, best_W, H[best:best + 1])[0]
    rel_error = float(math.sqrt(sq) / math.sqrt(x_sq))
    A = _result_A(W, best, root, rows, owned)
    S = np.ascontiguousarray(H[best] * root)
    success = bool((~diverged).any())
    message = outcome_message(params, success, stop_reason, diverged, best, lengths,
                              progress.broke)
    where = {"scheduler": "local" if owned is not None or (engine and engine.owns_cluster)
             else rows.client.scheduler.address,
             "workers": len(rows.client.scheduler_info(n_workers=-1)["workers"]),
             "bytes_read": rows.bytes_read, "A": "numpy" if isinstance(A, np.ndarray)
             else "dask"}
    params["scale"] = where
    all_errors = progress.all_errors()
    beta = beta_of(params["loss"])
    all_objectives = progress.objectives(objective_units(x_sq, scale, beta))
    return NMFResult(
        A=A, S=S, rel_error=rel_error, errors=all_errors[best], all_errors=all_errors,
        best_run=best, n_iter=int(lengths[best] - 1), elapsed_s=time.perf_counter() - started,
        diverged=diverged.copy(), params=params, success=success,
        truncated=bool(stop_reason) and success, message=message, snapshots=None,
        times=progress.times(best), objective=all_objectives[best],
        all_objectives=all_objectives,
        sparseness={"A": hoyer_of_norms(l1, l2, rows.shape[0]),
                    "S": hoyer_sparseness(S.T)},
    )


def _result_A(W: Factors, best: int, root: float, rows: RowBlocks, owned):
    """numpy when n·k ≤ SMALL_A_CELLS; else a dask array: on the cluster (persisted) when
    the caller's cluster outlives the call, or in a temporary zarr store when the call
    started its own cluster, which closes now."""
    n, _ = rows.shape
    A = W.restart(best, root)
    if n * A.shape[1] <= SMALL_A_CELLS:
        return np.ascontiguousarray(A.compute())
    if owned is None:
        return A.persist()
    import dask.array as da

    store = tempfile.mkdtemp(prefix="nmf-A-") + "/A.zarr"
    A.to_zarr(store)
    return da.from_zarr(store)
