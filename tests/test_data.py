"""nmf_core.data: the factory example and the generators."""

import inspect

import numpy as np
import pytest

from nmf_core import ParameterError
from nmf_core.csvio import DEFAULT_MAX_CELLS
from nmf_core.data import (
    BARS_PARAMS,
    DATA_SETTINGS,
    FACTORY_WEIGHTS,
    GENERATORS,
    MAX_CELLS,
    SYNTHETIC_PARAMS,
    bars,
    factory_example,
    load_dataset,
    parse_dataset_spec,
    swimmer,
    synthetic,
)


def test_factory_weights_are_the_documents_seeded_draw():
    legacy = np.random.RandomState(1)  # the documents' np.random.seed(1) stream
    assert np.array_equal(FACTORY_WEIGHTS, legacy.randint(0, 2, size=(3, 10)))


def test_factory_example_is_factors_times_weights():
    data = factory_example()
    assert data.X.shape == (12, 10) and data.A.shape == (12, 3) and data.S.shape == (3, 10)
    assert np.array_equal(data.X, data.A @ data.S)
    assert data.X[2, 1] == 14 and data.X[9, 1] == 0.5  # two cells of the printed X
    assert not data.X[[0, 10, 11]].any() and not data.X[:, [2, 9]].any()


def test_synthetic_is_seeded_non_negative_and_noisy():
    a, b = synthetic(40, 30, 4, 0.1, seed=3), synthetic(40, 30, 4, 0.1, seed=3)
    assert np.array_equal(a.X, b.X)
    assert (a.X >= 0).all() and a.X.shape == (40, 30) and a.k == 4
    clean = synthetic(40, 30, 4, 0.0, seed=3)
    assert np.allclose(clean.X, clean.A @ clean.S)
    assert not np.allclose(a.X, a.A @ a.S)
    with pytest.raises(ParameterError, match="true k"):
        synthetic(5, 5, 6)


def test_swimmer_has_every_limb_combination():
    data = swimmer()
    assert data.X.shape == (256, 32 * 32) and data.image_shape == (32, 32)
    assert len({tuple(row) for row in data.X}) == 256  # all images differ
    assert data.S.shape == (17, 1024) and (data.A.sum(axis=1) == 5).all()
    parts = data.S.astype(bool)
    for i in range(1, 17):  # every limb position is a visible part off the torso
        assert parts[i].sum() >= 5 and not (parts[i] & parts[0]).any()


def test_bars_are_unions_of_rows_and_columns():
    data = bars(size=6, n_images=50, seed=1)
    assert data.X.shape == (50, 36) and set(np.unique(data.X)) <= {0.0, 1.0}
    assert data.A.any(axis=1).all()
    img = data.X[0].reshape(6, 6)
    assert np.array_equal(img, np.minimum(data.A[0] @ data.S, 1).reshape(6, 6))


# The settings' one declaration: generators, specs and sliders read it ---------------------

SETTINGS = [(name, p) for name, table in DATA_SETTINGS.items() for p in table.values()]


@pytest.mark.parametrize("dataset,param", SETTINGS, ids=lambda x: getattr(x, "name", x))
def test_declared_defaults_and_slider_ends_lie_in_the_valid_range(dataset, param):
    assert param.help
    if param.default is not None:
        assert param.low <= param.default <= param.high
    assert param.low <= param.slider_low <= param.slider_high <= param.high


@pytest.mark.parametrize("dataset,param", [(d, p) for d, p in SETTINGS if p.kind is int],
                         ids=lambda x: getattr(x, "name", x))
def test_specs_enforce_the_declared_integer_range_at_both_ends(dataset, param):
    small = {"synthetic": "n=20,m=20,k=2", "bars": "size=4,n_images=10"}[dataset]
    for good in (param.low, min(param.high, 8) if param.name != "seed" else param.high):
        settings = parse_dataset_spec(f"{dataset}:{param.name}={good}")[1]
        assert settings[param.name] == good
    for bad in (param.low - 1, param.high + 1):
        with pytest.raises(ParameterError, match=f"^{dataset} data: {param.name} must be "
                                                 f"between {param.low:,} and {param.high:,}"):
            load_dataset(f"{dataset}:{small},{param.name}={bad}")


@pytest.mark.parametrize("spec,needle", [
    ("synthetic:seed=-1", "synthetic data: seed must be between 0 and 4,294,967,295; got -1"),
    ("bars:seed=-1", "bars data: seed must be between 0 and 4,294,967,295; got -1"),
    ("synthetic:noise=11", "noise must be between 0 and 10"),
    ("synthetic:noise=nan", "noise must be finite; got nan (noise is from 0 to 10)"),
    ("synthetic:n=2.5", "n must be a whole number; got 2.5 (n is from 1 to 5,000,000)"),
    ("synthetic:n=abc", "n must be a number; got 'abc' (n is from 1 to 5,000,000)"),
    ("bars:probability=1.5", "probability must be between 0 and 1"),
    ("bars:size=65", "size must be between 2 and 64"),
    ("synthetic:n=100000,m=100000",
     "synthetic data: n × m must be at most 5,000,000 cells; got 100,000 × 100,000"),
    ("bars:size=64,n_images=100000",
     "bars data: n_images × size² must be at most 5,000,000 cells; got 100,000 × 64²"),
    ("synthetic:n=3,m=4,k=5", "true k = 5 must be at most min(n, m) = 3"),
    ("synthetic:size=3", "synthetic data has no setting 'size'; it takes n, m, k, noise, seed"),
    ("factory:n=3", "factory data has no setting 'n'; it takes no settings"),
    ("synthetic:n", "write name=value"),
    ("svd", "unknown data set 'svd'"),
])
def test_bad_specs_are_one_line_parameter_errors(spec, needle):
    with pytest.raises(ParameterError) as info:
        load_dataset(spec)
    assert needle in str(info.value) and "\n" not in str(info.value)


def test_the_cell_limit_is_the_loaders_and_is_checked_before_allocating(monkeypatch):
    assert MAX_CELLS == DEFAULT_MAX_CELLS
    monkeypatch.setattr(np.random, "default_rng", lambda *a: pytest.fail("allocated"))
    with pytest.raises(ParameterError, match="at most 5,000,000 cells"):
        synthetic(n=MAX_CELLS, m=2, k=1)
    with pytest.raises(ParameterError, match="at most 5,000,000 cells"):
        bars(size=64, n_images=1221)


def test_the_whole_valid_range_is_accepted_not_just_the_sliders():
    assert synthetic(1, 3, 1, noise=10, seed=2**32 - 1).X.shape == (1, 3)
    assert bars(size=20, n_images=1, probability=1.0).X.shape == (1, 400)
    assert synthetic(2500, 2000, 1, noise=0).X.size == MAX_CELLS  # exactly at the limit
    assert load_dataset("synthetic:n=1e2,m=50,k=3").X.shape == (100, 50)


def test_specs_name_the_generators_arguments():
    for name, table in DATA_SETTINGS.items():
        assert list(table) == list(inspect.signature(GENERATORS[name]).parameters)
    assert set(SYNTHETIC_PARAMS) == {"n", "m", "k", "noise", "seed"}
    assert set(BARS_PARAMS) == {"size", "n_images", "probability", "seed"}
