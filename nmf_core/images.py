"""Factors as pictures: when each row of X is an image, so is each learned part.

For the image data sets (:func:`nmf_core.data.swimmer`, :func:`nmf_core.data.bars`)
row i of X is image i flattened, X ≈ A S, and each row of S is a part with the
image's shape.  These helpers turn rows into images and lay several images out
as one matrix (NaN between tiles), which a single heatmap can draw.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ParameterError


def rows_as_images(M, image_shape: tuple[int, int], *, normalise: bool = True) -> np.ndarray:
    """Rows of ``M`` (p, h·w) as images (p, h, w).

    With ``normalise`` each image is divided by its largest |value|, so a faint
    part is as visible as a strong one (NMF fixes a part only up to scale);
    signs are kept, so an unconstrained factor shows its negative pixels.
    """
    M = np.asarray(M, dtype=float)
    h, w = image_shape
    if M.ndim != 2 or M.shape[1] != h * w:
        raise ParameterError(f"rows of length {h * w} are needed for {h}×{w} images; "
                             f"got shape {M.shape}")
    images = M.reshape(M.shape[0], h, w).copy()
    if normalise:
        peak = np.abs(images).max(axis=(1, 2), keepdims=True)
        images /= np.where(peak > 0, peak, 1.0)
    return images


def tile_images(images, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """Images (p, h, w) laid out row by row in a grid of ``columns``, as one
    matrix with ``gap`` NaN pixels between tiles (NaN draws as blank).

    The grid has ``ceil(p / columns)`` rows; missing tiles at the end are NaN.
    ``columns`` defaults to about √p.
    """
    images = np.asarray(images, dtype=float)
    p, h, w = images.shape
    if p == 0:
        raise ParameterError("no images to tile")
    columns = max(1, math.ceil(math.sqrt(p))) if columns is None else max(1, min(columns, p))
    rows = math.ceil(p / columns)
    grid = np.full((rows * h + (rows - 1) * gap, columns * w + (columns - 1) * gap), np.nan)
    for index, image in enumerate(images):
        r, c = divmod(index, columns)
        top, left = r * (h + gap), c * (w + gap)
        grid[top:top + h, left:left + w] = image
    return grid


def tile_index(count: int, image_shape: tuple[int, int], columns: int,
               gap: int = 1) -> np.ndarray:
    """For each pixel of :func:`tile_images`'s grid, the image it shows (-1 in a gap
    or an empty tile): the same layout, built from indices."""
    h, w = image_shape
    labels = np.arange(count, dtype=float)[:, None, None] * np.ones((1, h, w))
    grid = tile_images(labels, columns, gap)
    return np.where(np.isnan(grid), -1, grid).astype(int)
