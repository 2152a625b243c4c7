"""Block means of a sparse X and of a result, for display, without densifying.

The app draws a large matrix as means of r×c blocks (:mod:`nmf_core.downsample`).
For a sparse X those means come from the stored entries (``np.add.at`` of each
entry into its block), and for the approximation from the factors: the mean of
(AS) over row block I and column block J is (the mean of A's rows in I) · (the mean
of S's columns in J), since (AS)_ij is linear in row i of A and column j of S.
So nothing of n×m size is ever built: O(stored + (n + m)·k + p·q) memory for p×q
blocks.
"""

from __future__ import annotations

import numpy as np

from ..downsample import MAX_DISPLAY_CELLS, Downsampled, block_steps


def _starts(n: int, m: int, steps) -> tuple[np.ndarray, np.ndarray]:
    return np.arange(0, n, steps[0]), np.arange(0, m, steps[1])


def _sizes(starts: np.ndarray, length: int) -> np.ndarray:
    return np.diff(np.append(starts, length)).astype(float)


def sparse_block_mean(X, max_cells: int = MAX_DISPLAY_CELLS) -> Downsampled:
    """Means of X's blocks (unstored cells count as zeros), from its stored entries."""
    coo = X.tocoo()
    n, m = coo.shape
    steps = block_steps((n, m), max_cells)
    rows, cols = _starts(n, m, steps)
    sums = np.zeros((len(rows), len(cols)))
    np.add.at(sums, (np.asarray(coo.row) // steps[0], np.asarray(coo.col) // steps[1]),
              np.asarray(coo.data, dtype=float))
    cells = np.outer(_sizes(rows, n), _sizes(cols, m))
    return Downsampled(sums / cells, rows, cols, steps[0], steps[1], (n, m))


def block_mean_product(A: np.ndarray, S: np.ndarray,
                       max_cells: int = MAX_DISPLAY_CELLS) -> Downsampled:
    """Means of A @ S's blocks, the same blocks as :func:`sparse_block_mean`'s for that
    shape, as (row-block means of A) @ (column-block means of S)."""
    A, S = np.asarray(A, dtype=float), np.asarray(S, dtype=float)
    n, m = A.shape[0], S.shape[1]
    steps = block_steps((n, m), max_cells)
    rows, cols = _starts(n, m, steps)
    A_blocks = np.add.reduceat(A, rows, axis=0) / _sizes(rows, n)[:, None]
    S_blocks = np.add.reduceat(S, cols, axis=1) / _sizes(cols, m)[None, :]
    with np.errstate(over="ignore", invalid="ignore"):
        values = A_blocks @ S_blocks
    return Downsampled(values, rows, cols, steps[0], steps[1], (n, m))


def difference(first: Downsampled, second: Downsampled) -> Downsampled:
    """first − second, block by block (the residual's block means: the mean is linear)."""
    return Downsampled(first.values - second.values, first.row_starts, first.col_starts,
                       first.row_step, first.col_step, first.shape)
