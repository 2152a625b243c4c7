"""nmf_core.sklearn.NMF: scikit-learn's estimator checks, transform = fit_transform,
the parameters generated from the table, and a grid search in a pipeline."""

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the estimator needs scikit-learn (the bench extra)")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

from nmf_core import ParameterError, factorize, project  # noqa: E402
from nmf_core.params import PARAMS  # noqa: E402
from nmf_core.sklearn import NMF  # noqa: E402

# The checks NMF cannot pass, each with the reason; empty: it passes them all.
EXPECTED_FAILURES: dict[str, str] = {}


def test_check_estimator_fails_exactly_the_listed_checks():
    results = check_estimator(NMF(), on_fail=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert len(results) > 40  # the checks did run
    assert failed == set(EXPECTED_FAILURES)


@pytest.mark.parametrize("method", ["hals", "mu", "als"])
def test_transform_equals_fit_transform(method):
    """scikit-learn #18663: fit(X).transform(X) must be fit_transform(X)."""
    X = np.random.default_rng(0).random((40, 25))
    settings = dict(n_components=4, method=method, niter=60, reinit=2, seed=3)
    W_fit = NMF(**settings).fit_transform(X)
    W_transform = NMF(**settings).fit(X).transform(X)
    assert np.linalg.norm(W_fit - W_transform) <= 1e-10 * np.linalg.norm(W_fit)
    model = NMF(**settings).fit(X)
    core = factorize(X, 4, method, niter=60, reinit=2, seed=3)
    assert np.array_equal(model.components_, core.S)
    # the final exact W-step never makes the fit worse than the solver's last iterate
    assert model.relative_error_ <= core.rel_error * (1 + 1e-12)
    assert model.reconstruction_err_ == pytest.approx(
        np.linalg.norm(X - W_fit @ model.components_))
    assert model.n_iter_ == core.n_iter and np.array_equal(model.errors_, core.errors)
    assert len(model.all_errors_) == 2 and model.best_run_ == core.best_run


@pytest.mark.parametrize("loss", ["kullback-leibler", 0.5])
def test_transform_equals_fit_transform_under_another_loss(loss):
    X = np.random.default_rng(1).random((30, 20)) + 0.01
    settings = dict(n_components=3, method="mu", loss=loss, niter=50, reinit=1, seed=2)
    W_fit = NMF(**settings).fit_transform(X)
    model = NMF(**settings).fit(X)
    W_transform = model.transform(X)
    assert W_fit.min() >= 0
    assert np.linalg.norm(W_fit - W_transform) <= 1e-10 * np.linalg.norm(W_fit)
    # the coefficients minimise the fitted loss, not the Frobenius one
    assert np.array_equal(W_transform, project(X, S=model.components_, loss=loss))
    assert not np.allclose(W_transform, project(X, S=model.components_), rtol=1e-6)


def test_parameters_come_from_the_table():
    params = NMF().get_params()
    assert set(params) == {"n_components"} | (set(PARAMS) - {"k"})
    for name, value in params.items():
        if name != "n_components":
            assert value == PARAMS[name].default, name
            assert PARAMS[name].help in NMF.__doc__, name
    assert NMF(5, method="mu").get_params()["n_components"] == 5
    with pytest.raises(TypeError):
        NMF(wrong=1)
    with pytest.raises(ParameterError, match="method must be one of"):
        NMF(method="svd").fit(np.ones((4, 4)))


def test_transformer_api_inverse_names_and_pandas_output():
    pd = pytest.importorskip("pandas")
    X = np.random.default_rng(1).random((30, 12))
    model = NMF(3, niter=50).fit(X)
    W = model.transform(X)
    assert W.shape == (30, 3) and W.min() >= 0
    assert np.allclose(model.inverse_transform(W), W @ model.components_)
    assert list(model.get_feature_names_out()) == ["nmf0", "nmf1", "nmf2"]
    frame = NMF(3, niter=50).set_output(transform="pandas").fit_transform(
        pd.DataFrame(X, columns=[f"c{i}" for i in range(12)]))
    assert list(frame.columns) == ["nmf0", "nmf1", "nmf2"]
    with pytest.raises(ValueError, match="3 columns"):
        model.inverse_transform(np.ones((2, 4)))
    with pytest.raises(ValueError, match="Negative values"):
        model.transform(-X)


def test_unconstrained_model_transforms_by_least_squares():
    X = np.random.default_rng(2).random((20, 10))
    model = NMF(3, nonnegative=False, method="hals", niter=30).fit(X)
    W = model.transform(X)
    expected = np.linalg.lstsq(model.components_.T, X.T, rcond=None)[0].T
    assert np.allclose(W, expected)


def test_grid_search_over_n_components_in_a_pipeline_on_digits():
    X, y = load_digits(return_X_y=True)
    X, y = X[:360], y[:360]
    pipe = Pipeline([("scale", MinMaxScaler()), ("nmf", NMF(niter=40, reinit=1)),
                     ("classify", LogisticRegression(max_iter=300))])
    search = GridSearchCV(pipe, {"nmf__n_components": [4, 16]}, cv=3).fit(X, y)
    assert search.best_params_["nmf__n_components"] == 16  # more parts: better digits
    assert search.best_score_ > 0.8
    assert search.predict(X[:5]).shape == (5,)


def test_only_this_module_imports_scikit_learn():
    code = ("import sys, nmf_core, nmf_core.cli, nmf_core.project, nmf_core.model_selection;"
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_float32_is_kept():
    X = np.random.default_rng(5).random((30, 10)).astype(np.float32)
    model = NMF(3, niter=40)
    W = model.fit_transform(X)
    assert W.dtype == np.float32 and model.components_.dtype == np.float32
    assert model.transform(X).dtype == np.float32
    assert model.inverse_transform(W).dtype == np.float32
    assert NMF(3, niter=40).fit_transform(X.astype(np.float64)).dtype == np.float64
