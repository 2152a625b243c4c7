"""Starting points: a scipy.sparse X starts where its dense twin does, without densifying."""

import numpy as np
import pytest
import scipy.sparse as sp

from nmf_core.datamatrix import as_data_matrix
from nmf_core.initialization import INITS
from nmf_core.sparse import matrix
from nmf_core.sparse.matrix import _gram_svd


def _rngs(seed=0, R=2):
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(R)]


@pytest.mark.parametrize("shape, density", [
    ((60, 40), 0.3),  # small: both take the exact SVD
    ((400, 350), 0.05),  # randomized SVD through sparse products
    ((2_000, 120), 0.02),  # thin and (with the limit lowered) large: svds
    ((120, 2_000), 0.02),
])
@pytest.mark.parametrize("init", ["random", "nndsvd"])
def test_sparse_init_equals_dense_init(shape, density, init, monkeypatch):
    monkeypatch.setattr(matrix, "DENSE_SVD_MAX_CELLS", 100_000)
    X = sp.random_array(shape, density=density, rng=1, format="csr")
    W_dense, H_dense = INITS[init](X.toarray(), 5, _rngs())
    W_sparse, H_sparse = INITS[init](X, 5, _rngs())
    assert W_sparse.shape == W_dense.shape and H_sparse.shape == H_dense.shape
    np.testing.assert_allclose(W_sparse, W_dense, rtol=1e-10, atol=1e-10 * np.abs(W_dense).max())
    np.testing.assert_allclose(H_sparse, H_dense, rtol=1e-10, atol=1e-10 * np.abs(H_dense).max())


def test_random_init_is_scaled_from_the_stored_values():
    X = sp.random_array((300, 200), density=0.01, rng=2, format="csc")
    W, H = INITS["random"](X, 4, _rngs(R=1))
    mean = X.sum() / (300 * 200)
    assert np.all(W <= np.sqrt(mean / 4)) and np.all(H <= np.sqrt(mean / 4))
    assert np.all(W > 0)


def test_gram_svd_gives_every_triplet_when_k_is_the_small_side():
    X = sp.random_array((3_000, 40), density=0.05, rng=5, format="csr")
    U, s, Vt = _gram_svd(X, 40)
    np.testing.assert_allclose(s, np.linalg.svd(X.toarray(), compute_uv=False), rtol=1e-8)
    np.testing.assert_allclose((U * s) @ Vt, X.toarray(), atol=1e-8)
    # k = min(n, m): the Gram
    U2, s2, Vt2 = as_data_matrix(X).leading_singular_triplets(40, np.random.default_rng(0))
    np.testing.assert_allclose(s2, s)
