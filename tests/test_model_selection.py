"""nmf_core.model_selection: cross-validation finds the true k."""

import numpy as np
import pytest

from nmf_core import ParameterError
from nmf_core.data import synthetic
from nmf_core.model_selection import holdout_masks, scan_k


def test_holdout_masks_hide_about_the_share_but_no_whole_line():
    masks = holdout_masks((30, 20), 3, 0.1, np.random.default_rng(0))
    assert len(masks) == 3
    for keep in masks:
        assert keep.any(axis=0).all() and keep.any(axis=1).all()
        assert 0.05 < 1 - keep.mean() < 0.15
    assert not np.array_equal(masks[0], masks[1])


def test_cross_validation_recovers_true_rank():
    data = synthetic(60, 50, 4, noise=0.05, seed=1)
    scan = scan_k(data.X, range(1, 9), "hals", folds=3, niter=200, reinit=1, init="nndsvd")
    assert scan.best_k == 4
    assert np.all(np.diff(scan.fit_error) <= 1e-3)  # training error keeps falling with k
    assert scan.cv_error[-1] > scan.cv_error[3]  # held-out error rises again past the truth


def test_scan_rejects_bad_ranges():
    X = synthetic(10, 8, 2, seed=0).X
    with pytest.raises(ParameterError, match="min\\(n, m\\) = 8"):
        scan_k(X, [2, 9])
    with pytest.raises(ParameterError, match="holdout"):
        scan_k(X, [2], holdout=0.7)
