"""Never densified: tracemalloc on a 200,000 × 20,000 matrix with 2,000,000 stored entries.

One n·m array of even one byte a cell would be 4 GB; the bound checked here is the
stored bytes of X (a CSR and a CSC copy and one transient copy allowed) plus
O((n + m)·k·R) plus a stated constant: about 220 MB here, against 32 GB for X as float64.
"""

import tracemalloc

import numpy as np
import pytest

from nmf_core.initialization import INITS
from nmf_core.sparse.check import check_sparse
from nmf_core.sparse.generate import uniform_sparse

N, M, STORED, K, R = 200_000, 20_000, 2_000_000, 5, 2
CONSTANT = 16 * 2**20  # interpreter, scipy's temporaries, small k×k and (k+10)-wide work


@pytest.fixture(scope="module")
def X():
    return uniform_sparse(N, M, STORED, seed=0)


def _bound(X) -> int:
    stored = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    factors = 8 * (N + M) * K * R  # A and S for every restart
    sketch = 8 * (N + M) * (K + 10)  # the randomized SVD's sketches (once, for all restarts)
    return 3 * stored + 4 * factors + 4 * sketch + CONSTANT


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_bound_is_far_below_one_dense_array(X):
    assert _bound(X) < N * M / 10  # 1/10 of a one-byte-a-cell array, 1/80 of float64


@pytest.mark.parametrize("step", ["check", "random", "nndsvd"])
def test_boundary_check_and_inits_allocate_nothing_n_by_m(X, step):
    rngs = [np.random.default_rng(s) for s in range(R)]
    run = {"check": lambda: check_sparse(X, K),
           "random": lambda: INITS["random"](X, K, rngs),
           "nndsvd": lambda: INITS["nndsvd"](X, K, rngs)}[step]
    assert _peak(run) <= _bound(X)


@pytest.mark.parametrize("missing", ["zero", "unstored"])
def test_factorize_allocates_nothing_n_by_m(X, missing):
    from nmf_core import factorize

    result = []
    peak = _peak(lambda: result.append(
        factorize(X, K, "hals", niter=2, reinit=R, seed=0, missing=missing)))
    assert peak <= _bound(X)
    assert result[0].A.shape == (N, K) and np.isfinite(result[0].rel_error)
