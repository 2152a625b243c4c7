"""nmf_core.data: the factory example and the generators."""

import numpy as np
import pytest

from nmf_core import ParameterError
from nmf_core.data import FACTORY_WEIGHTS, bars, factory_example, swimmer, synthetic


def test_factory_weights_are_the_documents_seeded_draw():
    legacy = np.random.RandomState(1)  # the documents' np.random.seed(1) stream
    assert np.array_equal(FACTORY_WEIGHTS, legacy.randint(0, 2, size=(3, 10)))


def test_factory_example_is_factors_times_weights():
    data = factory_example()
    assert data.X.shape == (12, 10) and data.A.shape == (12, 3) and data.S.shape == (3, 10)
    assert np.array_equal(data.X, data.A @ data.S)
    assert data.X[2, 1] == 14 and data.X[9, 1] == 0.5  # two cells of the printed X
    assert not data.X[[0, 10, 11]].any() and not data.X[:, [2, 9]].any()


def test_synthetic_is_seeded_non_negative_and_noisy():
    a, b = synthetic(40, 30, 4, 0.1, seed=3), synthetic(40, 30, 4, 0.1, seed=3)
    assert np.array_equal(a.X, b.X)
    assert (a.X >= 0).all() and a.X.shape == (40, 30) and a.k == 4
    clean = synthetic(40, 30, 4, 0.0, seed=3)
    assert np.allclose(clean.X, clean.A @ clean.S)
    assert not np.allclose(a.X, a.A @ a.S)
    with pytest.raises(ParameterError, match="true k"):
        synthetic(5, 5, 6)


def test_swimmer_has_every_limb_combination():
    data = swimmer()
    assert data.X.shape == (256, 32 * 32) and data.image_shape == (32, 32)
    assert len({tuple(row) for row in data.X}) == 256  # all images differ
    assert data.S.shape == (17, 1024) and (data.A.sum(axis=1) == 5).all()
    parts = data.S.astype(bool)
    for i in range(1, 17):  # every limb position is a visible part off the torso
        assert parts[i].sum() >= 5 and not (parts[i] & parts[0]).any()


def test_bars_are_unions_of_rows_and_columns():
    data = bars(size=6, n_images=50, seed=1)
    assert data.X.shape == (50, 36) and set(np.unique(data.X)) <= {0.0, 1.0}
    assert data.A.any(axis=1).all()
    img = data.X[0].reshape(6, 6)
    assert np.array_equal(img, np.minimum(data.A[0] @ data.S, 1).reshape(6, 6))
