"""Block averaging: shrink a matrix for display without dropping any cell.

A heatmap of a few million cells is several megabytes of JSON and more cells
than a screen has pixels.  Averaging r×c blocks keeps every cell's
contribution (unlike taking every r-th row) and leaves small matrices as they
are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# A result page draws three n×m heatmaps (X, AS, residual).  At 150,000 float32
# cells each (about 0.8 MB of JSON apiece) a page stays under 3 MB for any upload.
MAX_DISPLAY_CELLS = 150_000


@dataclass(frozen=True)
class Downsampled:
    """``values`` (p, q) are means of blocks of ``row_step``×``col_step`` cells.

    ``row_starts`` (p,) and ``col_starts`` (q,) are each block's first row and
    column in the original (0-based); the last block along an axis may be
    smaller.  ``shape`` is the original shape.
    """

    values: np.ndarray
    row_starts: np.ndarray
    col_starts: np.ndarray
    row_step: int
    col_step: int
    shape: tuple[int, int]

    @property
    def reduced(self) -> bool:
        return self.row_step > 1 or self.col_step > 1


def block_steps(shape, max_cells: int = MAX_DISPLAY_CELLS) -> tuple[int, int]:
    """Block sizes (rows, columns) that bring ``shape`` within ``max_cells``.

    Blocks are as square as the matrix allows: a long thin matrix is shortened
    along its long side only.  ``(1, 1)`` when it already fits.
    """
    n, m = (int(s) for s in shape)
    if max_cells < 1:
        raise ValueError(f"max_cells must be at least 1; got {max_cells}")
    if n * m <= max_cells:
        return 1, 1
    step = math.sqrt(n * m / max_cells)
    # A side shorter than the square block keeps full resolution; the other
    # side takes all the reduction.
    if n < step:
        return 1, math.ceil(m / max(1, max_cells // n))
    if m < step:
        return math.ceil(n / max(1, max_cells // m)), 1
    # Near-square blocks (sides within a factor 2 of each other) that keep the
    # most cells; ceil rounding makes the exact square not always the best.
    best = (0, 1, 1)
    for r in range(max(1, math.floor(step / 2)), 2 * math.ceil(step) + 1):
        per_row = max_cells // math.ceil(n / r)
        if per_row < 1:
            continue
        c = math.ceil(m / per_row)
        cells = math.ceil(n / r) * math.ceil(m / c)
        if max(r, c) <= 2 * min(r, c) and cells > best[0]:
            best = (cells, r, c)
    if best[0] == 0:  # no near-square pair fits: square blocks always do in the end
        r = math.ceil(step)
        while math.ceil(n / r) * math.ceil(m / r) > max_cells:
            r += 1
        return r, r
    return best[1], best[2]


def block_average(M, max_cells: int = MAX_DISPLAY_CELLS) -> Downsampled:
    """Average ``M`` (n, m) over blocks so that at most ``max_cells`` remain.

    NaN cells (for instance missing values) are left out of their block's
    mean; a block with no finite cell is NaN.  Returns ``M`` itself (as float)
    when it already fits.
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"block_average needs a 2-D matrix; got {M.ndim} dimension(s)")
    n, m = M.shape
    r, c = block_steps(M.shape, max_cells)
    rows, cols = np.arange(0, n, r), np.arange(0, m, c)
    if r == 1 and c == 1:
        return Downsampled(M, rows, cols, 1, 1, (n, m))
    finite = np.isfinite(M)
    sums = _block_sum(np.where(finite, M, 0.0), rows, cols)
    counts = _block_sum(finite.astype(float), rows, cols)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(counts > 0, sums / counts, np.nan)
    return Downsampled(values, rows, cols, r, c, (n, m))


def _block_sum(M: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    return np.add.reduceat(np.add.reduceat(M, rows, axis=0), cols, axis=1)


def thin_indices(length: int, max_points: int) -> np.ndarray:
    """At most ``max_points`` evenly spaced indices into ``range(length)``,
    always keeping the first and the last (a curve's start and end)."""
    if length <= 0:
        return np.arange(0)
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2; got {max_points}")
    if length <= max_points:
        return np.arange(length)
    return np.unique(np.linspace(0, length - 1, max_points).round().astype(int))
