"""nmf_core.objective and the losses and penalties through factorize: scikit-learn's
meaning and iterates, an objective that never rises, and clear refusals."""

import warnings

import numpy as np
import pytest

from nmf_core import factorize
from nmf_core.datamatrix import DenseMatrix
from nmf_core.errors import MatrixError, ParameterError
from nmf_core.objective import Objective, hoyer_sparseness

rng = np.random.default_rng(0)
n, m, k = 30, 20, 4
X = rng.random((n, k)) @ rng.random((k, m)) + 0.1 * rng.random((n, m))
X *= 7 / X.max()  # not max 1: factorize's internal scaling must not show
A0, S0 = rng.random((n, k)) + 0.1, rng.random((k, m)) + 0.1


def penalty(A, S, alpha, l1):
    return (alpha * l1 * m * np.abs(A).sum() + 0.5 * alpha * (1 - l1) * m * (A * A).sum()
            + alpha * l1 * n * np.abs(S).sum() + 0.5 * alpha * (1 - l1) * n * (S * S).sum())


@pytest.mark.parametrize("beta", [2, 1, 0.5, 0])
@pytest.mark.parametrize("alpha,l1_ratio", [(0.0, 0.0), (0.01, 0.5), (0.02, 1.0), (0.01, 0.0)])
def test_mu_iterates_equal_scikit_learn(beta, alpha, l1_ratio):
    """From the same start, 50 mu iterations equal scikit-learn's NMF(solver="mu") to
    1e-10 relative.  scikit-learn updates W first, this project S first: so it runs on
    Xᵀ, where its W is Sᵀ (alpha_W ↔ alpha_S, scaled by n as here) and its H is Aᵀ."""
    sklearn = pytest.importorskip("sklearn.decomposition", reason="the test extra has it")
    from sklearn.decomposition._nmf import _beta_divergence

    model = sklearn.NMF(k, solver="mu", beta_loss=beta, init="custom", max_iter=50, tol=0,
                        alpha_W=alpha, alpha_H="same", l1_ratio=l1_ratio)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "maximum iterations reached"
        S_sk = model.fit_transform(X.T.copy(), W=S0.T.copy(), H=A0.T.copy()).T
    A_sk = model.components_.T
    result = factorize(X, k, "mu", init=(A0, S0), niter=50, reinit=1, loss=beta,
                       alpha_A=alpha, l1_ratio=l1_ratio)
    assert np.linalg.norm(result.A - A_sk) <= 1e-10 * np.linalg.norm(A_sk)
    assert np.linalg.norm(result.S - S_sk) <= 1e-10 * np.linalg.norm(S_sk)
    expected = _beta_divergence(X, result.A, result.S, beta) + penalty(
        result.A, result.S, alpha, l1_ratio)
    assert result.objective[-1] == pytest.approx(expected, rel=1e-9)
    assert result.rel_error == pytest.approx(
        np.linalg.norm(X - result.A @ result.S) / np.linalg.norm(X), rel=1e-12)


GRID = [(method, loss, alpha, l1, masked)
        for method, losses in (("mu", (2, 1, 0.5, 0, 3.0)), ("hals", (2, 1)), ("als", (2,)),
                               ("rk", (2,)))
        for loss in losses
        for alpha, l1 in ((0.0, 0.0), (0.05, 0.5), (0.05, 0.0), (0.05, 1.0))
        for masked in (False, True)
        if not (method == "als" and l1 > 0) and not (method == "rk" and alpha > 0)
        and not (masked and (method not in ("hals", "mu") or loss != 2 or alpha > 0))]


@pytest.mark.parametrize("method,loss,alpha,l1,masked", GRID)
def test_objective_never_rises_and_nothing_is_negative_or_nan(method, loss, alpha, l1, masked):
    mask = rng.random(X.shape) > 0.2 if masked else None
    result = factorize(X, k, method, loss=loss, alpha_A=alpha, l1_ratio=l1, niter=40,
                       reinit=2, seed=3, mask=mask)
    for F in (result.A, result.S, *result.all_objectives, *result.all_errors):
        assert np.isfinite(F).all()
    assert (result.A >= 0).all() and (result.S >= 0).all()
    if method in ("mu", "hals"):  # monotone methods: within 1e-12 relative
        for curve in result.all_objectives:
            assert (np.diff(curve) <= 1e-12 * np.abs(curve[:-1])).all()
    assert 0 <= result.sparseness["A"] <= 1 and 0 <= result.sparseness["S"] <= 1


def test_the_frobenius_curve_is_the_relative_error_and_the_objective_its_half_square():
    result = factorize(X, k, "hals", niter=30, reinit=1)
    assert result.curve_label.startswith("relative error")
    half = 0.5 * (result.errors * np.linalg.norm(X)) ** 2
    assert np.allclose(result.objective, half, rtol=1e-12)
    assert result.errors[-1] == pytest.approx(result.rel_error, rel=1e-9)
    kl = factorize(X, k, "mu", loss="kullback-leibler", niter=5, reinit=1)
    assert "objective" in kl.curve_label and kl.params["loss"] == "kullback-leibler"
    assert factorize(X, k, "mu", loss=1.0, niter=5).params["loss"] == "kullback-leibler"


def test_l1_makes_the_parts_sparser():
    from nmf_core.data import load_dataset

    bars = load_dataset("bars").X
    plain = factorize(bars, 8, "hals", niter=200, reinit=1, seed=1)
    sparse = factorize(bars, 8, "hals", niter=200, reinit=1, seed=1, alpha_A=0.01, l1_ratio=1.0)
    assert sparse.sparseness["A"] > plain.sparseness["A"]
    assert sparse.sparseness["S"] > plain.sparseness["S"]


def test_refusals_name_the_problem():
    with pytest.raises(ParameterError, match="als.*frobenius.*mu"):
        factorize(X, k, "als", loss="kullback-leibler")
    with pytest.raises(ParameterError, match="rk"):
        factorize(X, k, "rk", alpha_A=0.1)
    with pytest.raises(ParameterError, match="als.*L1"):
        factorize(X, k, "als", alpha_A=0.1, l1_ratio=0.5)
    with pytest.raises(ParameterError, match="missing values.*hals.*L1"):
        factorize(X, k, "hals", alpha_A=0.1, l1_ratio=0.5, mask=np.ones(X.shape, bool))
    factorize(X, k, "hals", alpha_A=0.1, mask=np.ones(X.shape, bool), niter=3)  # L2 is fine
    with pytest.raises(ParameterError, match="loss"):
        factorize(X, k, "mu", loss="poisson")
    zeros = X.copy()
    zeros[4, 6] = zeros[9, 1] = 0.0
    with pytest.raises(MatrixError, match="row 5, column 7"):
        factorize(zeros, k, "mu", loss="itakura-saito")
    factorize(zeros, k, "mu", loss="kullback-leibler", niter=3)  # zeros are fine for KL
    with pytest.raises(ParameterError, match="nonnegative"):
        factorize(X, k, "hals", alpha_A=0.1, l1_ratio=1.0, nonnegative=False)


def test_objective_penalty_and_divergences_by_hand():
    W, H = rng.random((2, k, n)), rng.random((2, k, m))
    o = Objective(1.0, 0.1, 0.2, 0.3, 0.4)
    data = DenseMatrix(X)
    model = W.transpose(0, 2, 1) @ H
    kl = (X * np.log(X / model) - X + model).sum(axis=(1, 2))
    assert np.allclose(o.divergence(data, W, H), kl, rtol=1e-12)
    pen = (0.1 * W.sum(axis=(1, 2)) + 0.1 * (W * W).sum(axis=(1, 2))
           + 0.3 * H.sum(axis=(1, 2)) + 0.2 * (H * H).sum(axis=(1, 2)))
    assert np.allclose(o.value(data, W, H), kl + pen, rtol=1e-12)
    b = 1.5
    expected = ((X ** b + (b - 1) * model ** b - b * X * model ** (b - 1)) / (b * (b - 1)))
    assert np.allclose(Objective(b).divergence(data, W, H), expected.sum(axis=(1, 2)))


def test_hoyer_sparseness_bounds():
    assert hoyer_sparseness(np.ones((5, 2))) == pytest.approx(0.0)
    assert hoyer_sparseness(np.eye(4)) == pytest.approx(1.0)
    assert hoyer_sparseness(np.zeros((3, 3))) == 0.0
