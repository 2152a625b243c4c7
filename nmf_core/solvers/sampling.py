"""Index draws for the sampled methods: column picks, uniform streams, weighted picks."""

from __future__ import annotations

import numpy as np

from .base import check_deadline

COMPARE_MAX_CELLS = 50_000  # weighted_picks: draws × rows up to which compare-and-count wins


def column_picks(rngs, size: int, niter: int) -> np.ndarray:
    """One uniformly drawn index in [0, size) per iteration and restart: (R, niter)."""
    picks = np.empty((len(rngs), niter), dtype=np.int64)
    for row, rng in zip(picks, rngs, strict=True):  # many restarts at a large niter add up
        check_deadline()
        row[...] = rng.integers(0, size, niter)
    return picks


class UniformStream:
    """Per-restart uniform draws for the Kaczmarz row choices, fetched in blocks.

    Each restart draws from its own Generator in a fixed order, so the values do
    not depend on the block size, only on the seed.
    """

    def __init__(self, rngs, per_iteration: int, niter: int):
        self.rngs, self.width, self.niter = rngs, per_iteration, niter
        self.block = max(1, min(niter, 2_000_000 // max(1, len(rngs) * per_iteration)))
        self.start, self.buffer = 0, None

    def __call__(self, t: int) -> np.ndarray:
        if self.buffer is None or t >= self.start + self.buffer.shape[1]:
            self.start = t
            rows = min(self.block, self.niter - t)
            self.buffer = np.stack([rng.random((rows, self.width)) for rng in self.rngs])
        return self.buffer[:, t - self.start]


def weighted_picks(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Row indices drawn with probability ∝ ``weights`` (R, n), one per uniform (R, ...).

    Draw u picks the first row whose normalised cumulative weight exceeds u, that is
    the count of cumulative weights ≤ u.  Rows of weight zero are never drawn (their
    interval is empty); if all weights of a restart are zero the draw is arbitrary
    (the caller's step is zero then).
    """
    R, n = weights.shape
    cum = np.add.accumulate(weights, axis=1)  # np.cumsum, without its Python-level wrapper
    total = cum[:, -1:]
    # x / x is exactly 1, so the last non-zero row and any zero rows after it sit at
    # exactly 1.0, above every u < 1: no draw can land past the last non-zero row.
    normalised = cum / (total if total.min() > 0 else np.where(total > 0, total, 1.0))
    flat = uniforms.reshape(R, -1)
    if flat.shape[1] * n <= COMPARE_MAX_CELLS:
        # compare-and-count with no per-restart calls: the comparisons are true on a
        # prefix, so the count is the first false one (argmin); an all-zero restart
        # (every normalised weight 0, all true) gets row 0.
        picks = (normalised[:, None, :] <= flat[:, :, None]).argmin(axis=2)
    else:  # the same counts, by binary search, one restart at a time
        picks = np.stack([np.searchsorted(normalised[r], flat[r], side="right")
                          for r in range(R)])
        picks[picks == n] = 0  # all-zero restarts, as above
    return picks.reshape(uniforms.shape)
