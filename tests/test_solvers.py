"""nmf_core.solvers: each update rule does what its docstring's formula says."""

import numpy as np
import pytest

from nmf_core.datamatrix import DenseMatrix
from nmf_core.solvers import (
    gram,
    gram_squared_residuals,
    hals,
    hals_rows,
    kaczmarz_columns,
    least_squares_columns,
    mu_rows,
    rk,
    sampling,
    squared_residuals,
    stacked_product,
    weighted_picks,
)

rng = np.random.default_rng(42)
R, k, n, m = 3, 4, 9, 7
X = rng.random((n, m))
DX = DenseMatrix(X)  # the data-matrix seam the solvers reach X through
W0 = rng.random((R, k, n))
H0 = rng.random((R, k, m))


def objective(W, H, X=X):
    return squared_residuals(X, W, H)


def test_gram_identity_matches_direct_residual():
    HXt, HHt = stacked_product(H0, X.T), gram(H0)
    via_gram = gram_squared_residuals(float(np.vdot(X, X)), W0, HXt, gram(W0), HHt)
    assert np.allclose(via_gram, objective(W0, H0), rtol=1e-12)


def test_least_squares_matches_lstsq_then_projection():
    H = H0.copy()
    least_squares_columns(H, W0, DX, None, nonnegative=False)
    for r in range(R):
        expected = np.linalg.lstsq(W0[r].T, X, rcond=None)[0]
        assert np.allclose(H[r], expected)
    least_squares_columns(H, W0, DX, None, nonnegative=True)
    assert np.allclose(H, np.maximum(H, 0)) and (H >= 0).all()


def test_least_squares_single_column_touches_only_that_column():
    H = H0.copy()
    cols = np.array([0, 3, 6])
    least_squares_columns(H, W0, DX, cols, nonnegative=False)
    for r, j in enumerate(cols):
        expected = np.linalg.lstsq(W0[r].T, X[:, j], rcond=None)[0]
        assert np.allclose(H[r, :, j], expected)
        others = np.delete(np.arange(m), j)
        assert np.array_equal(H[r][:, others], H0[r][:, others])


def test_least_squares_survives_rank_deficient_factor():
    W = W0.copy()
    W[:, 1] = 0.0  # a zero column of A: S S^T would be singular
    H = H0.copy()
    least_squares_columns(H, W, DX, None, nonnegative=True)
    assert np.isfinite(H).all()


def test_least_squares_mixes_direct_and_proximal_restarts():
    """Restarts with a rank-deficient A take the proximal step
    (W Wᵀ + λ I) h = W x + λ h_prev, the others the normal equations' solution;
    repeated, the proximal step reaches the least-squares fit, for all columns and
    for one per restart."""
    from nmf_core.solvers.als import RIDGE

    W = W0.copy()
    W[1, 2] = 0.0  # restart 1: a zero column of A
    W[2, 3] = W[2, 0] * (1 + 1e-9)  # restart 2: two nearly equal columns
    for cols in (None, np.array([0, 3, 6])):
        H = H0.copy()
        least_squares_columns(H, W, DX, cols, nonnegative=False)
        for r in range(R):
            target = X if cols is None else X[:, cols[r]]
            previous = H0[r] if cols is None else H0[r, :, cols[r]]
            got = H[r] if cols is None else H[r, :, cols[r]]
            if r == 0:
                expected = np.linalg.lstsq(W[r].T, target, rcond=None)[0]
                assert np.allclose(got, expected)
            else:
                G = W[r] @ W[r].T
                lam = RIDGE * np.linalg.eigvalsh(G)[-1]
                assert np.allclose((G + lam * np.eye(k)) @ got,
                                   W[r] @ target + lam * previous)
        for _ in range(3000):  # the proximal iteration's fixed point is least squares
            least_squares_columns(H, W, DX, cols, nonnegative=False)
        for r in range(R):
            target = X if cols is None else X[:, cols[r]]
            expected = np.linalg.lstsq(W[r].T, target, rcond=None)[0]
            got = H[r] if cols is None else H[r, :, cols[r]]
            assert np.allclose(W[r].T @ got, W[r].T @ expected, atol=1e-6)
        if cols is None:
            assert np.allclose(H[1, 2], H0[1, 2])  # the dead factor's row is not moved


def test_updates_of_w_are_the_updates_of_h_on_the_transpose():
    """The A-step is the S-step applied to Xᵀ with the roles swapped."""
    W, H = W0.copy(), H0.copy()
    hals_rows(W, stacked_product(H, X.T), gram(H), True, 1, 0.0)
    W_direct = W0.copy()
    for r in range(k):  # the A-update written out by hand for each row of W
        grad = (stacked_product(H0, X.T) - gram(H0) @ W_direct)[:, r]
        W_direct[:, r] = np.maximum(W_direct[:, r] + grad / gram(H0)[:, r, r, None], 0)
    assert np.allclose(W, W_direct)


@pytest.mark.parametrize("nonnegative", [True, False])
def test_hals_pass_never_increases_the_objective(nonnegative):
    H = H0.copy()
    before = objective(W0, H)
    hals_rows(H, stacked_product(W0, X), gram(W0), nonnegative, 3, 0.0)
    assert (objective(W0, H) <= before + 1e-12).all()


def test_hals_single_factor_is_the_closed_form():
    W = W0[:, :1].copy()
    H = np.zeros((R, 1, m))
    hals_rows(H, stacked_product(W, X), gram(W), True, 1, 0.0)
    expected = np.maximum(stacked_product(W, X) / gram(W), 0)
    assert np.allclose(H, expected)


def test_mu_update_is_the_lee_seung_ratio():
    H = H0.copy()
    mu_rows(H, stacked_product(W0, X), gram(W0))
    assert np.allclose(H, H0 * stacked_product(W0, X) / (gram(W0) @ H0))
    assert (objective(W0, H) <= objective(W0, H0) + 1e-12).all()


def test_weighted_picks_follow_the_weights_and_skip_zeros():
    weights = np.array([[0.0, 1.0, 0.0, 3.0], [2.0, 0.0, 2.0, 0.0]])
    u = np.random.default_rng(0).random((2, 40_000))
    picks = weighted_picks(weights, u)
    assert not np.isin(picks[0], [0, 2]).any() and not np.isin(picks[1], [1, 3]).any()
    assert np.mean(picks[0] == 3) == pytest.approx(0.75, abs=0.01)
    assert np.mean(picks[1] == 0) == pytest.approx(0.5, abs=0.01)
    edge = weighted_picks(weights, np.full((2, 1), np.nextafter(1.0, 0)))
    assert edge[0, 0] == 3 and edge[1, 0] == 2


def test_one_kaczmarz_step_lands_on_the_chosen_hyperplane():
    H = H0.copy()
    u = np.full((R, 1, m), 0.5)
    rows = kaczmarz_columns(H, W0, DX, None, u, "norm", nonnegative=False)
    for r in range(R):
        for j in range(m):
            i = rows[r, 0, j]
            assert W0[r, :, i] @ H[r, :, j] == pytest.approx(X[i, j])


def test_kaczmarz_skips_zero_rows_under_both_samplings():
    W = W0.copy()
    W[:, :, [0, 4]] = 0.0
    for mode in ("norm", "uniform"):
        H = H0.copy()
        u = np.random.default_rng(1).random((R, 20, m))
        rows = kaczmarz_columns(H, W, DX, None, u, mode, nonnegative=True)
        assert not np.isin(rows, [0, 4]).any()
        assert np.isfinite(H).all() and (H >= 0).all()


@pytest.mark.parametrize("nonnegative", [True, False])
def test_block_diagonal_kaczmarz_matches_the_step_by_step_loop(nonnegative, monkeypatch):
    """Few columns take one block-diagonal product per step; it must agree with the
    plain loop, and a restart that turns non-finite must not touch the others."""
    cols = np.array([0, 3, 6])
    u = np.random.default_rng(2).random((R, 6, 1))
    small = H0.copy()
    rows = kaczmarz_columns(small, W0, DX, cols, u, "norm", nonnegative)
    monkeypatch.setattr(rk, "_AFFINE_MAX_CELLS", 0)
    plain = H0.copy()
    assert np.array_equal(kaczmarz_columns(plain, W0, DX, cols, u, "norm", nonnegative), rows)
    assert np.allclose(small, plain, rtol=1e-12, atol=1e-12)
    monkeypatch.undo()
    W = W0.copy()
    W[1, :, :] = 1e-160  # restart 1: squared norms underflow to subnormal, steps overflow
    broken = H0.copy()
    with np.errstate(all="ignore"):
        kaczmarz_columns(broken, W, DX, cols, u, "norm", nonnegative)
    monkeypatch.setattr(rk, "_AFFINE_MAX_CELLS", 0)
    reference = H0.copy()
    with np.errstate(all="ignore"):
        kaczmarz_columns(reference, W, DX, cols, u, "norm", nonnegative)
    assert not np.isfinite(broken[1]).all()  # the case the fallback is for
    for r in (0, 2):
        assert np.isfinite(broken[r]).all()
        assert np.allclose(broken[r], reference[r], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("nonnegative", [True, False])
def test_hals_fast_rows_match_the_row_by_row_form(nonnegative):
    """The three-call form (diagonal taken out of the sum) is the same update as the
    documented row-by-row formula, which is still used when a factor is zero."""
    fast, slow = H0.copy(), H0.copy()
    WX, WWt = stacked_product(W0, X), gram(W0)
    hals_rows(fast, WX, WWt, nonnegative, 4, 0.0)
    hals._hals_rows_with_zero_factors(slow, WX, WWt, np.einsum("rkk->rk", WWt),
                                         nonnegative, 4, 0.0)
    assert np.allclose(fast, slow, rtol=1e-10, atol=1e-12)
    W = W0.copy()
    W[:, 2] = 0.0  # a zero factor: its row of H has no effect and is kept
    H = H0.copy()
    hals_rows(H, stacked_product(W, X), gram(W), nonnegative, 4, 0.0)
    assert np.array_equal(H[:, 2], H0[:, 2]) and np.isfinite(H).all()


def test_kaczmarz_workspace_reuse_changes_nothing():
    """Reused block buffers (kept by RK between calls) give the very same steps, also
    after a call whose maps went non-finite."""
    cols = np.array([1, 4, 2])
    u = np.random.default_rng(5).random((R, 6, 1))
    W_bad = W0.copy()
    W_bad[1] = 1e-160
    workspace = {}
    for W in (W0, W_bad, W0):
        fresh, reused = H0.copy(), H0.copy()
        with np.errstate(all="ignore"):
            kaczmarz_columns(fresh, W, DX, cols, u, "norm", True)
            kaczmarz_columns(reused, W, DX, cols, u, "norm", True, workspace)
        assert np.array_equal(fresh, reused, equal_nan=True)
    assert workspace  # the block path ran and kept its buffer


def test_weighted_picks_compare_and_binary_search_agree(monkeypatch):
    weights = np.random.default_rng(3).random((4, 9))
    weights[:, [2, 8]] = 0.0
    weights[3] = 0.0  # an all-zero restart: row 0 on both paths
    u = np.random.default_rng(4).random((4, 50, 2))
    counted = weighted_picks(weights, u)
    monkeypatch.setattr(sampling, "COMPARE_MAX_CELLS", 0)
    searched = weighted_picks(weights, u)
    assert np.array_equal(counted, searched)
    assert not np.isin(counted[:3], [2, 8]).any() and (counted[3] == 0).all()


def test_every_solver_declares_the_protocol():
    """Names, settings that exist in the parameter table, losses, a cost; and the
    table's method lists are the solvers' declarations."""
    import inspect

    from nmf_core import factorize
    from nmf_core.params import PARAMS, RESULT_SETTINGS
    from nmf_core.solvers import MASKED_SOLVERS, METHODS, SOLVERS, methods_reading, variants

    assert PARAMS["method"].choices == METHODS == tuple(SOLVERS)
    for method in METHODS:
        for cls in variants(method):
            assert cls.name == method and set(cls.settings) <= set(RESULT_SETTINGS)
            assert cls.supports_loss(2.0)
            ops, flops = cls.cost((30, 20), 3, {"kacziter": 2, "sampling": "sweep"})
            assert ops > 0 and flops > 0
    for name in RESULT_SETTINGS:
        readers = methods_reading(name)
        assert PARAMS[name].methods == (readers or METHODS)
    assert PARAMS["kacziter"].methods == ("rk",) and "mu" not in PARAMS["nonnegative"].methods
    assert all(cls.mask for cls in MASKED_SOLVERS.values())
    keywords = set(inspect.signature(factorize).parameters)
    assert set(PARAMS) <= keywords  # factorize reads its settings by the table's names


@pytest.mark.parametrize("sampling_mode", ["random", "sweep"])
def test_trace_gives_the_player_its_picks_and_kaczmarz_rows(sampling_mode):
    from nmf_core.solvers import RK, solver_class

    settings = {"nonnegative": True, "sampling": sampling_mode, "niter": 4, "kacziter": 3,
                "row_sampling": "norm"}
    rngs = [np.random.default_rng(s) for s in range(R)]
    solver = solver_class("rk")(DX, settings, rngs)
    assert isinstance(solver, RK) and solver.trace().kaczmarz_rows is None
    W, H = W0.copy(), H0.copy()
    solver.step(W, H, 0)
    trace = solver.trace()
    assert trace.kaczmarz_rows.shape == (R, 3)
    assert (trace.picks is None) == (sampling_mode == "sweep")
    if trace.picks is not None:
        assert trace.picks[0].shape == (R, 4) and trace.picks[0].max() < m
    assert solver_class("hals")(DX, settings, rngs).trace().picks is None
