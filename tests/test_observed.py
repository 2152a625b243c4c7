"""The observed-entries engine: fits the observed cells only, at O(nnz) memory."""

import tracemalloc

import numpy as np
import pytest
from scipy import sparse

from nmf_core.errors import MatrixError, ParameterError
from nmf_core.metrics import match_factors
from nmf_core.observed import fit_observed, fit_observed_sparse

NOISE = 0.3


def planted(n=300, m=200, k=4, density=0.3, noise=NOISE, seed=0):
    """Non-negative tastes W, H; a random share of cells observed with noise."""
    rng = np.random.default_rng(seed)
    W, H = rng.gamma(2.0, 0.5, (n, k)), rng.gamma(2.0, 0.5, (m, k))
    rows, cols = np.nonzero(rng.random((n, m)) < density)
    values = np.einsum("tf,tf->t", W[rows], H[cols]) + noise * rng.standard_normal(rows.size)
    test = rng.random(rows.size) < 0.2
    return W, H, rows, cols, values, test


@pytest.mark.parametrize("biased", [False, True])
def test_held_out_rmse_near_the_noise_floor_and_tastes_recovered(biased):
    W, H, rows, cols, values, test = planted(density=0.5)
    fit = fit_observed(rows[~test], cols[~test], values[~test], (300, 200), 4, reg=0.001,
                       biased=biased, niter=100, tol=1e-6)
    rmse = np.sqrt(np.mean((fit.predict(rows[test], cols[test]) - values[test]) ** 2))
    assert rmse <= 1.1 * NOISE
    assert np.all(fit.W >= 0) and np.all(fit.H >= 0)
    assert match_factors(W, fit.W).similarity.min() > 0.95
    assert match_factors(H, fit.H).similarity.min() > 0.95


def test_objective_never_rises_and_the_fit_is_reproducible():
    _, _, rows, cols, values, _ = planted(seed=1)
    fit = fit_observed(rows, cols, values, (300, 200), 3, reg=0.05, biased=True, niter=20,
                       tol=0)
    assert np.all(np.diff(fit.objective) <= 1e-9 * fit.objective[:-1])
    again = fit_observed(rows, cols, values, (300, 200), 3, reg=0.05, biased=True, niter=20,
                         tol=0)
    np.testing.assert_array_equal(fit.W, again.W)
    other = fit_observed(rows, cols, values, (300, 200), 3, reg=0.05, biased=True, niter=20,
                         tol=0, seed=1)
    assert not np.array_equal(fit.W, other.W)


def test_order_of_the_cells_does_not_matter():
    _, _, rows, cols, values, _ = planted(n=40, m=30, seed=2)
    perm = np.random.default_rng(0).permutation(rows.size)
    a = fit_observed(rows, cols, values, (40, 30), 2, niter=10)
    b = fit_observed(rows[perm], cols[perm], values[perm], (40, 30), 2, niter=10)
    np.testing.assert_allclose(a.W, b.W, rtol=1e-10, atol=1e-12)


def test_regularisation_shrinks_the_factors():
    _, _, rows, cols, values, _ = planted(seed=3)
    loose = fit_observed(rows, cols, values, (300, 200), 4, reg=0.0, niter=30)
    tight = fit_observed(rows, cols, values, (300, 200), 4, reg=1.0, niter=30)
    assert np.linalg.norm(tight.W) * np.linalg.norm(tight.H) < (
        np.linalg.norm(loose.W) * np.linalg.norm(loose.H))
    assert tight.train_rmse > loose.train_rmse


def test_empty_rows_and_columns_get_zero_factors_and_are_counted():
    _, _, rows, cols, values, _ = planted(n=50, m=40, seed=4)
    keep = (rows != 7) & (cols != 3) & (cols != 39)
    fit = fit_observed(rows[keep], cols[keep], values[keep], (52, 40), 3, biased=True)
    assert (fit.empty_rows, fit.empty_cols) == (3, 2)  # rows 7, 50, 51; columns 3, 39
    for i in (7, 50, 51):
        assert not fit.W[i].any() and fit.user_bias[i] == 0
    assert not fit.H[[3, 39]].any() and not fit.item_bias[[3, 39]].any()
    assert np.isfinite(fit.W).all() and np.isfinite(fit.H).all()


def test_sparse_input_is_its_stored_entries():
    _, _, rows, cols, values, _ = planted(n=30, m=20, seed=5)
    values[:5] = 0.0  # explicit zeros are observed zeros
    X = sparse.csr_matrix((values, (rows, cols)), shape=(30, 20))
    a = fit_observed_sparse(X, 2, niter=10)
    b = fit_observed(rows, cols, values, (30, 20), 2, niter=10)
    np.testing.assert_allclose(a.W, b.W, rtol=1e-10, atol=1e-12)
    with pytest.raises(ParameterError, match="scipy.sparse"):
        fit_observed_sparse(X.toarray(), 2)


def test_no_n_by_m_array_is_made():
    n = m = 20_000  # n·m float64 would be 3.2 GB
    rng = np.random.default_rng(0)
    key = np.unique(rng.integers(0, n * m, 60_000))
    rows, cols = np.divmod(key, m)
    values = rng.random(rows.size) * 5
    tracemalloc.start()
    fit_observed(rows, cols, values, (n, m), 5, niter=3, biased=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # the stored entries and their copies (~16 arrays of nnz) plus (n + m)·k factors
    assert peak < 16 * 8 * rows.size + 6 * 8 * (n + m) * 5 + 2_000_000


@pytest.mark.parametrize("change, message", [
    (lambda r, c, v: (np.r_[r, r[:2]], np.r_[c, c[:2]], np.r_[v, v[:2]]),
     "2 cells are given more than once; the first is row"),
    (lambda r, c, v: (r + 1, c, v), "row indices are outside 0..29"),
    (lambda r, c, v: (r, c.astype(float), v), "column indices must be integers"),
    (lambda r, c, v: (r, c, np.where(np.arange(v.size) == 3, np.nan, v)), "not finite"),
    (lambda r, c, v: (r[:0], c[:0], v[:0]), "no observed values"),
    (lambda r, c, v: (r, c[:-1], v), "1-D of one length"),
])
def test_bad_cells_are_one_line_errors(change, message):
    _, _, rows, cols, values, _ = planted(n=30, m=20, seed=6)
    rows, cols, values = change(rows, cols, values)
    with pytest.raises(MatrixError, match=message):
        fit_observed(rows, cols, values, (30, 20), 2)


@pytest.mark.parametrize("options", [{"k": -1}, {"reg": -1.0}, {"niter": 1.5},
                                     {"reg_bias": float("nan")}, {"shape": (0, 3)}])
def test_bad_settings_are_parameter_errors(options):
    _, _, rows, cols, values, _ = planted(n=30, m=20, seed=6)
    arguments = {"k": 2, "shape": (30, 20)} | options
    with pytest.raises(ParameterError):
        fit_observed(rows, cols, values, arguments.pop("shape"), arguments.pop("k"),
                     **arguments)
