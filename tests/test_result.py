"""nmf_core.result: the step-through snapshots say what each step touched."""

import numpy as np

from nmf_core import factorize
from nmf_core.data import factory_example, synthetic


def test_snapshots_name_the_column_and_rows_each_random_step_updated():
    X = factory_example().X
    result = factorize(X, 3, "rk", niter=40, reinit=2, seed=4, sampling="random", kacziter=3,
                       snapshots=200)
    snaps = result.snapshots
    assert list(snaps.iterations) == list(range(41))  # ≤ 200 asked: every iteration kept
    assert snaps.updated(0) == (None, None, ())
    for index in (1, 17, 40):
        column, row, kaczmarz = snaps.updated(index)
        before, after = snaps.S[index - 1], snaps.S[index]
        changed = np.flatnonzero((before != after).any(axis=0))
        assert set(changed) <= {column}  # only the drawn column of S moved
        changed_rows = np.flatnonzero((snaps.A[index - 1] != snaps.A[index]).any(axis=1))
        assert set(changed_rows) <= {row}
        assert 1 <= len(kaczmarz) <= 3 and all(0 <= r < 12 for r in kaczmarz)
        assert np.allclose(snaps.approximation(index), snaps.A[index] @ snaps.S[index])
    assert np.array_equal(snaps.A[-1], result.A) and np.array_equal(snaps.S[-1], result.S)


def test_sweeps_have_no_single_update_and_sparse_snapshots_stay_capped():
    X = synthetic(30, 20, 3, seed=0).X
    snaps = factorize(X, 3, "hals", niter=1000, reinit=1, snapshots=500).snapshots
    assert len(snaps.iterations) == 200 and snaps.iterations[-1] == 1000
    assert snaps.updated(5) == (None, None, ())
