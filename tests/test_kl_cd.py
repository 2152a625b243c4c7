"""nmf_core.solvers.kl_cd: Hsieh–Dhillon coordinate descent for the KL loss, reached as
factorize(method="hals", loss="kullback-leibler")."""

import time

import numpy as np
import pytest
import scipy.sparse as sp

from nmf_core import factorize
from nmf_core.datamatrix import DenseMatrix
from nmf_core.errors import ParameterError
from nmf_core.objective import Objective
from nmf_core.solvers.base import CutShort, deadline
from nmf_core.solvers.kl_cd import KLCoordinateDescent, kl_cd_half_step, kl_data

rng = np.random.default_rng(5)
n, m, k = 40, 25, 4
COUNTS = rng.poisson(rng.gamma(1.0, 1.0, (n, k)) @ rng.gamma(0.5, 1.0, (k, m))).astype(float)
COUNTS[3] = 0.0  # a zero row and a zero column besides the Poisson zeros
COUNTS[:, 7] = 0.0
COUNTS /= COUNTS.max()


def kl(X, W, H):
    return Objective(1.0).divergence(DenseMatrix(X), W, H)


def test_counts_have_zeros():
    assert (COUNTS == 0).mean() > 0.2


@pytest.mark.parametrize("l1,l2", [(0.0, 0.0), (0.3, 0.0), (0.0, 0.5)])
def test_every_half_step_lowers_the_objective_and_keeps_the_factors_clean(l1, l2):
    o = Objective(1.0, l1, l2, l1, l2)
    solver = KLCoordinateDescent(COUNTS, o)
    W, H = rng.random((3, k, n)) + 0.01, rng.random((3, k, m)) + 0.01
    data = DenseMatrix(COUNTS)
    before = o.value(data, W, H)
    for _ in range(15):
        kl_cd_half_step(H, W, solver.Xt, solver.zero_t, l1, l2)
        middle = o.value(data, W, H)
        value = solver.step(W, H)  # a whole iteration, its value measured as it goes
        after = o.value(data, W, H)
        assert (middle <= before * (1 + 1e-12)).all() and (after <= middle * (1 + 1e-12)).all()
        np.testing.assert_allclose(value, after, rtol=1e-10)
        assert np.isfinite(W).all() and np.isfinite(H).all()
        assert (W >= 0).all() and (H >= 0).all()
        before = after
    assert (H[:, :, 7] == 0).all() and (W[:, :, 3] == 0).all()  # zero data, zero factor


def test_it_reaches_the_optimum_long_mu_reaches():
    """A rank-2 fit to counts: 300 KL-CD iterations and 5,000 multiplicative updates
    from the same start agree on the objective, and KL-CD meets the first-order (KKT)
    conditions of the KL problem in S: gradient ≥ 0, and 0 where S > 0."""
    X = COUNTS[:, :20]
    start = rng.random((n, 2)) + 0.1, rng.random((2, 20)) + 0.1
    cd = factorize(X, 2, "hals", loss="kullback-leibler", init=start, niter=300, reinit=1)
    mu = factorize(X, 2, "mu", loss="kullback-leibler", init=start, niter=5_000, reinit=1)
    assert cd.objective[-1] == pytest.approx(mu.objective[-1], rel=1e-6)
    model = cd.A @ cd.S
    ratio = np.divide(X, model, out=np.zeros_like(X), where=X > 0)
    gradient_S = cd.A.sum(axis=0)[:, None] - cd.A.T @ ratio  # ∂/∂S of the divergence
    scale = np.abs(cd.A.sum(axis=0))[:, None]
    assert (gradient_S >= -1e-3 * scale).all()
    assert (np.abs(gradient_S[cd.S > 1e-8]) <= 1e-3 * np.broadcast_to(scale, cd.S.shape)[
        cd.S > 1e-8]).all()


def test_through_factorize_curves_never_rise_with_zeros_restarts_and_float32():
    for dtype in (np.float64, np.float32):
        result = factorize(COUNTS * 9, k, "hals", loss="kullback-leibler", niter=30, reinit=3,
                           seed=2, dtype=dtype)
        for curve in result.all_objectives:
            assert np.isfinite(curve).all()
            assert (np.diff(curve) <= (1e-12 if dtype == np.float64 else 1e-5)
                    * curve[:-1]).all()
        assert (result.A >= 0).all() and (result.S >= 0).all()
        measured = Objective(1.0).divergence(DenseMatrix(COUNTS * 9), result.A.T[None],
                                             result.S[None])
        assert result.objective[-1] == pytest.approx(float(measured[0]),
                                                     rel=1e-9 if dtype == np.float64 else 1e-4)


def test_beats_multiplicative_updates_per_iteration():
    """The reason it exists: after 20 iterations from the same start it is closer to the
    optimum than mu after 20 (an iteration count, not a time)."""
    cd = factorize(COUNTS, k, "hals", loss="kullback-leibler", niter=20, reinit=1, seed=4)
    mu = factorize(COUNTS, k, "mu", loss="kullback-leibler", niter=20, reinit=1, seed=4)
    assert cd.objective[-1] < mu.objective[-1]


def test_held_factors_stay():
    held = rng.random((n, 1)) + 0.1
    result = factorize(COUNTS, k, "hals", loss="kullback-leibler", niter=10, reinit=1,
                       fixed_A={0: held[:, 0]})
    np.testing.assert_allclose(result.A[:, :1] / np.linalg.norm(result.A[:, :1]),
                               held / np.linalg.norm(held), rtol=1e-12)


def test_a_passed_deadline_cuts_the_step_short_and_factorize_stops():
    solver = KLCoordinateDescent(COUNTS, Objective(1.0))
    W, H = rng.random((1, k, n)), rng.random((1, k, m))
    with deadline(time.perf_counter() - 1.0), pytest.raises(CutShort):
        solver.step(W, H)
    big = rng.poisson(3.0, (600, 400)).astype(float)
    result = factorize(big, 10, "hals", loss="kullback-leibler", niter=100_000, reinit=1,
                       max_seconds=0.05)
    assert result.n_iter < 100_000 and np.isfinite(result.A).all()


def test_kl_data_drops_what_the_objective_leaves_out():
    Y = np.array([[0.0, 1e-9, 0.5]])
    assert kl_data(Y).tolist() == [[0.0, 0.0, 0.5]] and kl_data(Y.T).flags.c_contiguous


def test_refusals_name_the_problem():
    with pytest.raises(ParameterError, match="hals.*itakura-saito.*needs method mu"):
        factorize(COUNTS, k, "hals", loss="itakura-saito")
    with pytest.raises(ParameterError, match="nonnegative"):
        factorize(COUNTS, k, "hals", loss="kullback-leibler", nonnegative=False)
    with pytest.raises(ParameterError, match="sparse X takes loss frobenius .*'hals'.*mu"):
        factorize(sp.csr_matrix(COUNTS), k, "hals", loss="kullback-leibler")
    with pytest.raises(ParameterError, match="missing values.*not supported"):
        factorize(COUNTS, k, "hals", loss="kullback-leibler", mask=np.ones(COUNTS.shape, bool))


def test_the_cli_runs_it_and_reports_the_loss(tmp_path, capsys):
    import json

    from nmf_core.cli import main

    path = tmp_path / "counts.csv"
    path.write_text("\n".join(",".join(repr(float(v)) for v in row) for row in COUNTS * 9)
                    + "\n")
    code = main(["factor", str(path), "--k", "3", "--method", "hals", "--loss",
                 "kullback-leibler", "--niter", "15", "--reinit", "1", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    expected = factorize(COUNTS * 9, 3, "hals", loss="kullback-leibler", niter=15, reinit=1)
    assert out["loss"] == "kullback-leibler" and out["method"] == "hals"
    assert out["objective"] == pytest.approx(float(expected.objective[-1]), rel=1e-12)
