"""nmf_core.model_selection: cross-validation finds the true k."""

import numpy as np
import pytest

from nmf_core import ParameterError
from nmf_core.data import synthetic
from nmf_core.model_selection import (
    holdout_masks,
    scan_fits,
    scan_k,
    scan_seconds,
    scan_setting_to_lower,
)


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


def test_a_fold_that_hides_nothing_scorable_is_refused_not_nan():
    # 2 x 2: every row and column keeps a cell, so a 10 % holdout hides nothing.
    with pytest.raises(ParameterError, match="fold 1 .* hides no cell .* raise holdout"):
        scan_k(np.array([[1.0, 2.0], [3.0, 4.0]]), [1], niter=5)
    # Mostly zeros: with seed 1 the first fold hides two cells, both zero (0 / 0).
    X = np.zeros((6, 6))
    X[:, 0] = X[0, :] = 1.0
    with pytest.raises(ParameterError, match="fold 1 .* hides only zeros \\(2 cells\\)"):
        scan_k(X, [1], holdout=0.2, seed=1, niter=5)


def test_missing_cells_are_never_fitted_or_scored():
    data = synthetic(40, 30, 3, noise=0.1, seed=2)
    observed = np.random.default_rng(7).random(data.X.shape) > 0.2
    X = np.where(observed, data.X, 1e6)  # garbage where nothing was observed
    for keep in holdout_masks(X.shape, 3, 0.2, np.random.default_rng(1), observed):
        assert not (keep & ~observed).any()  # only observed cells are fitted
        assert keep.any(axis=0).all() and keep.any(axis=1).all()
    scan = scan_k(X, [2, 3, 4], "hals", mask=observed, niter=100, reinit=1, init="nndsvd")
    clean = scan_k(np.where(observed, data.X, 0), [2, 3, 4], "hals", mask=observed,
                   niter=100, reinit=1, init="nndsvd")
    assert np.array_equal(scan.cv_error, clean.cv_error)  # the garbage played no part
    assert scan.best_k == 3 and scan.fit_error.max() < 0.5


def test_time_cap_is_counted_and_cost_estimate_grows_with_the_work():
    X = synthetic(40, 30, 3, seed=0).X
    scan = scan_k(X, [1, 2], "mu", folds=2, niter=5000, reinit=1, max_seconds=0.01)
    assert scan.truncated == scan_fits([1, 2], 2) == 6
    small = scan_seconds((40, 30), range(1, 5), "hals", 3, 100)
    assert scan_seconds((40, 30), range(1, 5), "hals", 3, 200) == pytest.approx(2 * small)
    assert scan_seconds((40, 30), range(1, 5), "hals", 7, 100) == pytest.approx(2 * small)
    assert scan_seconds((40, 30), range(1, 9), "hals", 3, 100) > 2 * small


def test_setting_to_lower_names_the_biggest_saving():
    assert scan_setting_to_lower(range(1, 11), 3, 2000) == "lower niter (now 2,000)"
    assert scan_setting_to_lower(range(1, 11), 9, 200) == "lower folds (now 9)"
    assert scan_setting_to_lower(range(1, 21), 1, 1) == "narrow the k range (now 1–20)"


@pytest.mark.parametrize("factor", [1e-300, 1e-170, 1e160, 1e300])
def test_choose_k_curves_and_best_k_ignore_the_scale_of_x(factor):
    """Measured: synthetic(40, 30, 3) times 1e160 gave NaN held-out errors and best
    k = 1, because the held-out error was measured on the unscaled X."""
    X = synthetic(40, 30, 3, seed=0).X
    options = {"niter": 40, "reinit": 1, "folds": 2}
    plain = scan_k(X, [1, 2, 3, 4], "hals", **options)
    scaled = scan_k(X * factor, [1, 2, 3, 4], "hals", **options)
    assert np.isfinite(scaled.cv_error).all()
    assert np.allclose(scaled.cv_error, plain.cv_error, rtol=1e-6)
    assert np.allclose(scaled.fit_error, plain.fit_error, rtol=1e-6)
    assert scaled.best_k == plain.best_k


@pytest.mark.slow
def test_the_time_cap_holds_per_fit_so_a_scan_ends_within_its_fits_times_the_tolerance():
    """max_seconds caps each of the scan's fits (stated in scan_k): 6 fits capped at
    0.3 s, each far longer uncapped, end within 6 × (1.5 × 0.3 + 0.2) s; a cap per
    scan would have ended them all within one tolerance, cutting all but the first."""
    import time

    from nmf_core.budget import cap_tolerance

    X = synthetic(400, 300, 8, seed=0).X
    started = time.monotonic()
    scan = scan_k(X, [20, 30], "hals", folds=2, niter=100_000, reinit=2, max_seconds=0.3)
    elapsed = time.monotonic() - started
    fits = scan_fits([20, 30], 2)
    assert scan.truncated == fits == 6
    assert elapsed <= fits * cap_tolerance(0.3)
    assert elapsed > 0.3 * fits  # every fit ran to its own cap
    assert np.isfinite(scan.cv_error).all() and np.isfinite(scan.fit_error).all()


# ------------------------------------------------------------------ sparse X (issue #12)
def _planted_sparse(n=160, m=120, k=3, density=0.35, noise=0.05, seed=0):
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    full = rng.random((n, k)) @ rng.random((k, m)) + 0.1
    rows, cols = np.nonzero(rng.random((n, m)) < density)
    values = full[rows, cols] * (1 + noise * rng.standard_normal(rows.size))
    return sp.csr_array((np.maximum(values, 0.0), (rows, cols)), shape=(n, m))


def test_sparse_scan_holds_out_stored_entries_and_finds_the_planted_k():
    X = _planted_sparse()
    scan = scan_k(X, [1, 2, 3, 6, 10], missing="unstored", folds=2, niter=150, reinit=1)
    assert scan.best_k == 3
    assert scan.cv_error[-1] > scan.cv_error[2]  # k = 10 overfits the observed entries
    assert np.all(np.diff(scan.fit_error) <= 1e-9)  # more factors fit the stored ones better


def test_holdout_entries_keep_a_stored_entry_in_every_row_and_column():
    from nmf_core.model_selection import holdout_entries

    X = _planted_sparse(density=0.05, seed=1).tocoo()
    masks = holdout_entries(X.row, X.col, X.shape, 3, 0.4, np.random.default_rng(0))
    for keep in masks:
        assert 0.3 < 1 - keep.mean() < 0.45
        assert set(X.row[keep]) == set(X.row) and set(X.col[keep]) == set(X.col)
    assert not np.array_equal(masks[0], masks[1])


def test_sparse_scan_never_makes_an_n_by_m_array():
    import tracemalloc

    import scipy.sparse as sp

    n, m, stored = 100_000, 20_000, 200_000  # n·m float64 would be 16 GB
    rng = np.random.default_rng(0)
    key = np.unique(rng.integers(0, n * m, stored))
    X = sp.csr_array((rng.random(key.size) + 0.5, np.divmod(key, m)), shape=(n, m))
    tracemalloc.start()
    try:
        scan = scan_k(X, [2], missing="unstored", folds=2, niter=3, reinit=1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.isfinite(scan.cv_error).all()
    # the entries, a train copy per fold and the engine's residual arrays, plus factors
    assert peak < 40 * 12 * key.size + 20 * 8 * (n + m) * 2 + 16 * 2**20


def test_sparse_scan_needs_its_stored_entries_to_be_the_observed_cells():
    X = _planted_sparse(n=30, m=20)
    with pytest.raises(ParameterError, match="pass missing='unstored'"):
        scan_k(X, [1, 2])
    with pytest.raises(ParameterError, match="takes no mask"):
        scan_k(X, [1, 2], missing="unstored", mask=np.ones(X.shape, bool))


def test_holdout_masks_keep_nothing_in_a_row_or_column_with_nothing_observed():
    """Every row and column keeps one observed cell, if it has one: an empty row or
    column must not get an invented observed cell (X is 0 there)."""
    observed = np.random.default_rng(3).random((12, 9)) < 0.6
    observed[4] = False
    observed[:, 7] = False
    for keep in holdout_masks(observed.shape, 4, 0.3, np.random.default_rng(0), observed):
        assert not (keep & ~observed).any()
        has = observed.any(axis=1)
        assert keep[has].any(axis=1).all() and keep[:, observed.any(axis=0)].any(axis=0).all()


def test_a_sparse_scan_names_a_bad_missing_value():
    X = _planted_sparse(n=30, m=20)
    with pytest.raises(ParameterError, match=r"missing must be 'zero' or 'unstored'; got 'nan'"):
        scan_k(X, [1, 2], missing="nan")

