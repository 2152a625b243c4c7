"""nmf_core.downsample."""

import math

import numpy as np
import pytest

from nmf_core.downsample import block_average, block_steps


def test_small_matrix_is_left_alone():
    M = np.arange(12.0).reshape(3, 4)
    d = block_average(M, max_cells=12)
    assert not d.reduced and d.values.shape == (3, 4)
    assert np.array_equal(d.values, M)


@pytest.mark.parametrize("shape", [(1000, 1000), (501, 500), (5000, 3), (2, 400_000), (777, 333)])
def test_steps_bring_any_shape_within_the_cap(shape):
    r, c = block_steps(shape, 250_000)
    n, m = shape
    assert math.ceil(n / r) * math.ceil(m / c) <= 250_000
    assert r >= 1 and c >= 1


def test_block_means_keep_every_cell_and_the_total():
    rng = np.random.default_rng(0)
    M = rng.random((103, 57))
    d = block_average(M, max_cells=200)
    assert d.reduced and d.values.size <= 200
    # Each block's mean times its cell count sums back to the total.
    rows = np.diff(np.append(d.row_starts, 103))
    cols = np.diff(np.append(d.col_starts, 57))
    assert np.isclose((d.values * np.outer(rows, cols)).sum(), M.sum())
    assert d.values[0, 0] == pytest.approx(M[: d.row_step, : d.col_step].mean())


def test_nan_cells_are_left_out_of_their_block():
    M = np.ones((4, 4))
    M[0, 0] = np.nan
    M[2:, 2:] = np.nan
    d = block_average(M, max_cells=4)
    assert d.values[0, 0] == 1.0
    assert np.isnan(d.values[1, 1])


def test_rejects_non_matrices():
    with pytest.raises(ValueError):
        block_average(np.ones(5))


def test_thin_indices_keep_the_ends_and_the_cap():
    from nmf_core.downsample import thin_indices

    assert list(thin_indices(5, 10)) == [0, 1, 2, 3, 4]
    idx = thin_indices(100_001, 500)
    assert idx[0] == 0 and idx[-1] == 100_000 and len(idx) <= 500
    assert np.all(np.diff(idx) > 0)
    assert len(thin_indices(0, 10)) == 0
