"""The solver protocol: what every update rule declares and what factorize calls.

Shapes, used throughout: ``X`` is (n, m); a batch of ``R`` restarts holds
``W`` (R, k, n), the transposes of A, and ``H`` (R, k, m), the S factors, so
that ``X ≈ W[r].T @ H[r]``.  Storing A transposed makes the two half-steps the
same problem: updating H against X with W fixed is exactly updating W against
X.T with H fixed.  Each rule is therefore written once, for H, and applied to W
through ``X.T``.

A solver class declares, as class attributes:

- ``name``: the method's name (``factorize(method=name)``);
- ``settings``: the parameter-table settings it reads besides the ones every
  run has (k, niter, reinit, seed, init, max_seconds); the table's method lists,
  the CLI, the sliders' visibility and the reproduce code derive from these;
- ``losses``: the losses it minimises (``ANY_BETA`` for all); ``penalties``: which
  of the elastic net's "l1" and "l2" terms it takes; ``mask``: whether it fits only observed
  cells (the masked variant of its method); ``sparse``: whether it takes sparse
  X; ``backends``: the array back ends it runs on; ``from_documents``: whether
  it is one of the documents' methods; ``fixed_factors``: whether it can hold
  given rows of S and columns of A fixed (it then never updates the rows of H
  listed in ``held_S`` nor the rows of W listed in ``held_A``, which factorize sets).

and implements

- ``__init__(X, settings, rngs, mask=None, objective=FROBENIUS)``: X, scaled to max 1, as a
  :class:`~nmf_core.datamatrix.DataMatrix` (the only way a solver reaches it), the
  validated settings, one Generator per restart, the boolean mask of observed
  cells for a masked solver, and the :class:`~nmf_core.objective.Objective` for X
  so scaled (loss and penalty weights);
- ``step(W, H, t)`` may raise :class:`CutShort` (through :func:`check_deadline`)
  part-way when the run's time cap has passed; factorize then restores W and H;
- ``step(W, H, t)``: one iteration (S first, then A, as in the documents) in
  place; returns the objective (loss plus penalty) per restart when it has it
  cheaply from products it formed (exact where it is small), else None, and
  factorize measures it;
- ``reset()``: forget any state carried between steps (called when a restart is
  dropped by the divergence guard);
- ``trace()``: what the step-through player shows besides the factors
  (:class:`Trace`);
- ``cost(shape, k, settings)`` (a classmethod): the per-iteration cost,
  :class:`Cost`, for :mod:`nmf_core.budget`.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, NamedTuple

import numpy as np

from ..objective import Objective, loss_name

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline",
                                                                      default=None)


class CutShort(Exception):  # noqa: N818 (a signal, not an error)
    """Raised inside a step when the run's deadline has passed: factorize restores
    the iterate from before the step and stops there."""


def check_deadline() -> None:
    """Raise :class:`CutShort` if this run's deadline (:func:`deadline`) has passed.

    Long steps call it between their parts (groups of HALS rows, masked rows, Kaczmarz
    steps, per-restart products), and so does the start (per restart's draws, the
    randomized SVD's products), so a time cap holds within one part."""
    at = _DEADLINE.get()
    if at is not None and time.perf_counter() > at:
        raise CutShort


@contextmanager
def deadline(at: float | None) -> Iterator[None]:
    """Within this block, :func:`check_deadline` stops a step after ``at``
    (time.perf_counter seconds; None: never).  Per thread, so runs in parallel
    threads keep their own deadlines."""
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


ANY_BETA = "any β-divergence"
FROBENIUS = Objective()


class Trace(NamedTuple):
    """What a run's player shows besides the factors.

    ``picks``: with random sampling, (columns, rows), each (R, niter): the column of
    S and the row of A updated at each iteration, else None.  ``kaczmarz_rows``
    (R, kacziter): the rows of A the latest S-step projected onto (its first
    column's), else None.
    """

    picks: tuple[np.ndarray, np.ndarray] | None = None
    kaczmarz_rows: np.ndarray | None = None


class Cost(NamedTuple):
    """One iteration's cost: ``ops`` small numpy calls (paid once for the batch) and
    ``flops`` multiply-adds per restart."""

    ops: float
    flops: float


NO_TRACE = Trace()


class Solver:
    """Base class of the update rules; see the module docstring for the protocol."""

    name: ClassVar[str]
    settings: ClassVar[tuple[str, ...]] = ()
    losses: ClassVar[tuple[str, ...]] = ("frobenius",)  # ANY_BETA: every β-divergence
    penalties: ClassVar[tuple[str, ...]] = ()  # of "l1", "l2": the elastic net it takes
    mask: ClassVar[bool] = False
    sparse: ClassVar[bool] = False
    backends: ClassVar[tuple[str, ...]] = ("numpy",)
    from_documents: ClassVar[bool] = False
    fixed_factors: ClassVar[bool] = False
    held_S: tuple[int, ...] = ()  # rows of S (of H) the solver must not update
    held_A: tuple[int, ...] = ()  # columns of A (rows of W) the solver must not update

    def __init__(self, X, settings: Mapping[str, Any], rngs, mask=None,
                 objective: Objective = FROBENIUS):
        self.X = X

    @classmethod
    def supports_loss(cls, beta: float) -> bool:
        return ANY_BETA in cls.losses or loss_name(beta) in cls.losses

    def step(self, W, H, t: int):
        raise NotImplementedError

    def reset(self) -> None:
        """Nothing is carried between steps by default."""

    def trace(self) -> Trace:
        return NO_TRACE

    @classmethod
    def cost(cls, shape, k: int, settings: Mapping[str, Any]) -> Cost:
        raise NotImplementedError
