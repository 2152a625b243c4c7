"""nmf_core.fingerprint."""

import numpy as np

from nmf_core.fingerprint import fingerprint


def test_same_shape_different_bytes_differ():
    X = np.zeros((1000, 1000))
    Y = X.copy()
    Y[617, 423] = 1e-12  # one cell that a sampling hash would likely skip
    assert fingerprint(X) != fingerprint(Y)


def test_equal_matrices_agree_whatever_the_layout():
    X = np.arange(12.0).reshape(3, 4)
    assert fingerprint(X) == fingerprint(np.asfortranarray(X))
    assert fingerprint(X) == fingerprint(X.copy())


def test_shape_dtype_and_mask_count():
    X = np.arange(12.0).reshape(3, 4)
    assert fingerprint(X) != fingerprint(X.reshape(4, 3))
    assert fingerprint(X) != fingerprint(X.astype(np.float32))
    mask = np.ones((3, 4), dtype=bool)
    assert fingerprint(X) != fingerprint(X, mask)
    other = mask.copy()
    other[0, 0] = False
    assert fingerprint(X, mask) != fingerprint(X, other)
