"""The run bookkeeping factorize's loop and the dask loop (:mod:`nmf_core.scale.run`)
share: each restart's curve and clock, the divergence guard, the stopping rules (every
restart stopped, the callback, the time cap) and the best-restart choice.  One object
serves both loops, so a change to the guard is a change to both.
"""

from __future__ import annotations

import time

import numpy as np


def cut_short(t: int, niter: int, cap: float) -> str:
    """The stop reason of a run the time cap ended after iteration t."""
    return f"cut short after {t} of {niter} iterations (time limit {cap:g} s)"


def objective_units(x_sq: float, scale: float, beta: float) -> float:
    """f = units · curve²: f = scale^β · f', and f' = ‖X'‖² · curve² / 2."""
    with np.errstate(over="ignore"):
        return float(x_sq / 2 * np.float64(scale) ** beta)


class Progress:
    """The curves of R restarts over ``niter`` iterations, and the divergence guard.

    A restart is stopped at the first iteration whose error is non-finite, whose factors
    turn non-finite, or whose error exceeds ``factor`` × max(its start, 1) (a relative
    error of 1 is what A = 0 gives, so an exact start is never a false alarm).  A stopped
    restart keeps its last iterate that passed; it counts as diverged unless it stopped on
    non-finite arithmetic after an iterate that moved and was no worse than its start
    (then it stops valid, and ``broke`` records the iteration).
    """

    def __init__(self, start_errors, niter: int, started: float, factor: float):
        R = len(start_errors)
        self.niter, self.started = niter, started
        self.curves = np.empty((R, niter + 1))
        self.curves[:, 0] = start_errors
        self.clock = np.empty(niter + 1)
        self.clock[0] = time.perf_counter() - started
        self.lengths = np.full(R, niter + 1)  # valid entries per curve
        self.active = np.isfinite(self.curves[:, 0])
        self.diverged = ~self.active
        self.all_active = bool(self.active.all())
        self.limit = factor * np.maximum(self.curves[:, 0], 1.0)
        self.broke = np.zeros(R, dtype=int)  # iteration at which an iterate turned non-finite

    def within_limit(self, err) -> bool:
        """The fast check: every error is finite and under its limit."""
        return bool((err <= self.limit).all())

    def guard(self, t: int, err, finite) -> bool:
        """Stop the active restarts that fail at iteration t (``finite``: error and factors
        finite, per restart); True when any stopped now (the caller resets its solver and
        puts back their previous iterates, the ones not :attr:`active`)."""
        newly = self.active & ~(finite & ~(err > self.limit))
        if not newly.any():
            return False
        self.lengths[newly] = t
        kept = newly & ~finite & (self.curves[:, t - 1] <= self.curves[:, 0]) & (t > 1)
        self.broke[kept] = t
        self.diverged |= newly & ~kept
        self.active &= ~newly
        self.all_active = False
        return True

    def record(self, t: int, err) -> None:
        """Iteration t's curve values (a stopped restart repeats its last) and its time."""
        if not self.all_active:
            err = np.where(self.active, err, self.curves[:, t - 1])
        self.curves[:, t] = err
        self.clock[t] = time.perf_counter() - self.started

    def stop_reason(self, t: int, callback, cap: float | None) -> str | None:
        """Why the loop stops after iteration t (recorded), or None to go on."""
        if not self.active.any():
            return "every restart diverged" if self.diverged.all() else "stopped"
        if callback is not None and callback(t, self.curves[:, t].copy()):
            return f"stopped by the caller after {t} of {self.niter} iterations"
        if cap is not None and time.perf_counter() - self.started > cap:
            return cut_short(t, self.niter, cap)
        return None

    def end(self, t: int, stop_reason: str) -> str:
        """Close the curves at the last iteration run, t; the stop reason the message
        states ("" when every restart stopped early without all diverging)."""
        self.lengths = np.minimum(self.lengths, t + 1)
        return "" if stop_reason == "stopped" else stop_reason

    def best(self) -> int:
        """The restart with the lowest final error, among those that did not diverge."""
        final = self.curves[np.arange(len(self.lengths)), self.lengths - 1]
        candidates = (np.flatnonzero(~self.diverged) if (~self.diverged).any()
                      else np.arange(len(final)))
        return int(candidates[np.argmin(final[candidates])])

    def all_errors(self) -> tuple[np.ndarray, ...]:
        return tuple(self.curves[r, : self.lengths[r]].copy() for r in range(len(self.lengths)))

    def times(self, r: int) -> np.ndarray:
        return self.clock[: self.lengths[r]].copy()

    def objectives(self, units: float) -> tuple[np.ndarray, ...]:
        """Every restart's objective in X's units, from its curve: f = units · curve²
        (units = ‖X'‖²/2 · scale^β), clipped to float max where it would overflow."""
        big = np.finfo(np.float64).max
        with np.errstate(over="ignore", invalid="ignore"):
            return tuple(np.minimum(c * c * units, big) for c in self.all_errors())
