"""The one result type every method fills the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .metrics import product


@dataclass(frozen=True)
class Snapshots:
    """The best restart's factors at a few iterations (for the step-through player).

    ``iterations`` (s,), ``A`` (s, n, k), ``S`` (s, k, m).  ``columns``/``rows``
    (n_iter,) are the column of S and row of A updated at each iteration with
    ``sampling="random"`` (else None); ``kaczmarz_rows`` (s, kacziter) are the
    rows of A the rk S-step projected onto in the iteration that ended at each
    snapshot, with random sampling (-1 at the start, where no step has run).
    """

    iterations: np.ndarray
    A: np.ndarray
    S: np.ndarray
    columns: np.ndarray | None = None
    rows: np.ndarray | None = None
    kaczmarz_rows: np.ndarray | None = None

    def approximation(self, index: int) -> np.ndarray:
        """A S at snapshot ``index``, (n, m), never inf (see :func:`metrics.product`)."""
        return product(self.A[index], self.S[index])

    def updated(self, index: int) -> tuple[int | None, int | None, tuple[int, ...]]:
        """What the last iteration before snapshot ``index`` updated: the column of
        S, the row of A, and the rows of A the rk S-step projected onto (sorted,
        each once).  ``(None, None, ())`` at the start, and with sampling="sweep",
        where every column and row is updated."""
        t = int(self.iterations[index])
        if t == 0 or self.columns is None or self.rows is None:
            return None, None, ()
        kaczmarz = () if self.kaczmarz_rows is None else tuple(
            int(r) for r in np.unique(self.kaczmarz_rows[index]))
        return int(self.columns[t - 1]), int(self.rows[t - 1]), kaczmarz


@dataclass(frozen=True)
class NMFResult:
    """Outcome of :func:`nmf_core.factorize`.

    Attributes
    ----------
    A, S : the best restart's factors, (n, k) and (k, m); never NaN or inf.
    rel_error : ‖X − AS‖_F / ‖X‖_F of the returned A, S (on observed cells when masked).
    errors : the best restart's relative error curve; ``errors[t]`` is the error
        after t iterations, ``errors[0]`` the starting point's.
    all_errors : every restart's curve (shorter where a restart diverged).
    best_run : index of the best restart.
    n_iter : iterations run by the best restart.
    elapsed_s : wall-clock seconds for the whole call.
    diverged : per-restart flags.
    params : the validated parameters used.
    success : False when every restart diverged.
    truncated : True when the time cap or a callback stopped the run early.
    message : one line saying how the run ended.
    times : seconds since the call began at each point of ``errors`` (restarts
        run together, so they share one clock).
    objective : the best restart's objective (loss + penalty, in X's units, in
        scikit-learn's convention: ½‖X − AS‖² for the Frobenius loss) after each
        iteration (clipped to float max where it would overflow, for X near 1e300);
        ``all_objectives`` every restart's.  ``errors`` is the curve the
        chart plots, √(2·objective)/‖X‖ computed on X scaled to max 1: exactly the
        relative error for the Frobenius loss without penalty
        (:data:`curve_label` says which; :mod:`nmf_core.objective`).
    sparseness : Hoyer's sparseness of A's columns and of S's rows, averaged,
        ``{"A": ..., "S": ...}`` (0 = flat, 1 = a single non-zero).
    """

    A: np.ndarray
    S: np.ndarray
    rel_error: float
    errors: np.ndarray
    all_errors: tuple[np.ndarray, ...]
    best_run: int
    n_iter: int
    elapsed_s: float
    diverged: np.ndarray
    params: dict[str, Any]
    success: bool = True
    truncated: bool = False
    message: str = ""
    snapshots: Snapshots | None = field(default=None, repr=False)
    times: np.ndarray | None = field(default=None, repr=False)
    objective: np.ndarray | None = field(default=None, repr=False)
    all_objectives: tuple[np.ndarray, ...] | None = field(default=None, repr=False)
    sparseness: dict[str, float] | None = None

    @property
    def loss(self):
        return self.params.get("loss", "frobenius")

    @property
    def curve_label(self) -> str:
        """What ``errors`` holds, for a chart's axis."""
        from .objective import Objective, curve_label

        penalised = Objective.from_settings(self.params, (1, 1)).penalised
        return curve_label(self.loss, penalised)

    @property
    def approximation(self) -> np.ndarray:
        """A @ S, never inf: clipped to ±float max where it would overflow
        (:func:`nmf_core.metrics.product`)."""
        return product(self.A, self.S)

    @property
    def n_diverged(self) -> int:
        return int(np.count_nonzero(self.diverged))

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures of the run (no matrices)."""
        return {
            "method": self.params["method"],
            "k": self.params["k"],
            "shape": [int(self.A.shape[0]), int(self.S.shape[1])],
            "rel_error": float(self.rel_error),
            "n_iter": int(self.n_iter),
            "elapsed_s": float(self.elapsed_s),
            "best_run": int(self.best_run),  # 0-based, as the attribute and all_errors
            "best_restart": int(self.best_run) + 1,  # 1-based, as the CLI text and errors.csv
            "diverged": [bool(d) for d in self.diverged],
            "success": bool(self.success),
            "truncated": bool(self.truncated),
            "message": self.message,
            "params": dict(self.params),
            "loss": self.loss,
            "objective": None if self.objective is None else float(self.objective[-1]),
            "sparseness": None if self.sparseness is None else dict(self.sparseness),
        }
