"""nmf_core.images: rows of a factor as pictures, laid out in one grid."""

import numpy as np
import pytest

from nmf_core import ParameterError
from nmf_core.data import swimmer
from nmf_core.images import rows_as_images, tile_images, tile_index


def test_rows_become_images_scaled_to_their_peak_with_signs_kept():
    S = np.array([[0, 2, 4, 0], [-3, 1, 0, 0], [0, 0, 0, 0]], dtype=float)
    images = rows_as_images(S, (2, 2))
    assert images.shape == (3, 2, 2)
    assert np.array_equal(images[0], [[0, 0.5], [1, 0]])
    assert images[1, 0, 0] == -1 and images[1, 0, 1] == pytest.approx(1 / 3)
    assert not images[2].any()  # an all-zero part stays zero, no NaN
    raw = rows_as_images(S, (2, 2), normalise=False)
    assert np.array_equal(raw.reshape(3, 4), S)


def test_wrong_image_shape_is_named():
    with pytest.raises(ParameterError, match="rows of length 9 are needed for 3×3 images"):
        rows_as_images(np.ones((2, 4)), (3, 3))


def test_tiles_sit_in_a_grid_with_nan_gaps():
    images = np.arange(5 * 2 * 3, dtype=float).reshape(5, 2, 3)
    grid = tile_images(images, columns=3, gap=1)
    assert grid.shape == (2 * 2 + 1, 3 * 3 + 2)
    assert np.array_equal(grid[0:2, 0:3], images[0])
    assert np.array_equal(grid[0:2, 4:7], images[1])
    assert np.array_equal(grid[3:5, 4:7], images[4])
    assert np.isnan(grid[2]).all() and np.isnan(grid[:, 3]).all()  # the gaps
    assert np.isnan(grid[3:5, 8:11]).all()  # the sixth tile is empty
    index = tile_index(5, (2, 3), columns=3)
    assert index[0, 0] == 0 and index[4, 5] == 4 and index[2, 0] == -1 and index[4, 9] == -1


def test_default_grid_is_about_square_and_swimmer_parts_show_as_pictures():
    data = swimmer()
    parts = rows_as_images(data.S, data.image_shape)
    grid = tile_images(parts)  # 17 parts: 5 columns, 4 rows
    assert grid.shape == (4 * 32 + 3, 5 * 32 + 4)
    assert np.nanmax(grid) == 1 and np.nanmin(grid) == 0
    assert np.array_equal(grid[:32, :32], data.S[0].reshape(32, 32))  # the torso
