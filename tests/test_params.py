"""nmf_core.params: one declaration drives validation."""

import pytest

from nmf_core import DEFAULTS, PARAMS, ParameterError, validate_params


def test_defaults_validate_and_lie_in_range():
    assert validate_params() == DEFAULTS
    for p in PARAMS.values():
        numeric_default = p.default is not None and not (p.choices and p.default in p.choices)
        if p.low is not None and numeric_default:
            assert p.low <= p.default <= p.high
        if p.ui_high is not None:
            assert p.low <= p.ui_high <= p.high
        if p.ui_low is not None:
            assert p.low <= p.ui_low <= p.slider_high
        if p.choices:
            assert p.default in p.choices
        assert p.help


@pytest.mark.parametrize("name", [n for n, p in PARAMS.items() if p.kind is int])
def test_integer_ranges_are_enforced_at_both_ends(name):
    p = PARAMS[name]
    assert validate_params(**{name: p.low})[name] == p.low
    assert validate_params(**{name: float(p.high)})[name] == p.high
    for bad in (p.low - 1, p.high + 1):
        with pytest.raises(ParameterError, match=f"{name} must be between"):
            validate_params(**{name: bad})
    with pytest.raises(ParameterError, match="whole number"):
        validate_params(**{name: p.low + 0.5})


@pytest.mark.parametrize("value", ["3", None, float("nan"), float("inf"), True, [3]])
def test_non_numbers_are_rejected_with_the_name(value):
    with pytest.raises(ParameterError, match="^k must be"):
        validate_params(k=value)


def test_choices_unknown_names_and_cross_rules():
    with pytest.raises(ParameterError, match="method must be one of als, rk, hals, mu"):
        validate_params(method="svd")
    with pytest.raises(ParameterError, match="unknown parameter 'kaczmarz'"):
        validate_params(kaczmarz=3)
    with pytest.raises(ParameterError, match="non-negative by construction"):
        validate_params(method="mu", nonnegative=False)
    assert validate_params(max_seconds=None)["max_seconds"] is None
    with pytest.raises(ParameterError, match="max_seconds must be between"):
        validate_params(max_seconds=0)


def test_data_source_sliders_are_the_cores_declarations_under_the_apps_keys():
    from nmf_core.data import DATA_SETTINGS, DATA_SOURCE
    from nmf_core.ui.widgets import DATA_CONTROLS, DATA_PARAMS

    assert DATA_PARAMS["data"] is DATA_SOURCE
    for key, (generator, setting) in DATA_CONTROLS.items():
        core, slider = DATA_SETTINGS[generator][setting], DATA_PARAMS[key]
        assert slider.name == key
        for field in ("kind", "help", "low", "high", "ui_low", "ui_high"):
            assert getattr(slider, field) == getattr(core, field), (key, field)
        assert slider.default == (core.default if core.default is not None
                                  else 1 / DATA_SETTINGS["bars"]["size"].default)


def test_a_name_or_a_number():
    """loss and alpha_S take one of their names or a number (loss: canonical names)."""
    assert validate_params(loss=1, method="mu")["loss"] == "kullback-leibler"
    assert validate_params(loss="0.5", method="mu")["loss"] == 0.5
    assert validate_params(alpha_S="0.25")["alpha_S"] == 0.25
    assert validate_params(alpha_S="same")["alpha_S"] == "same"
    for bad in ("poisson", True, float("nan")):
        with pytest.raises(ParameterError, match="^loss must"):
            validate_params(loss=bad)
    with pytest.raises(ParameterError, match="alpha_S must be between"):
        validate_params(alpha_S=-1)


def test_a_penalty_refusal_only_suggests_methods_that_can_run_the_same_data():
    import numpy as np

    from nmf_core import factorize
    from nmf_core.errors import ParameterError

    X = np.random.default_rng(0).random((6, 5))
    mask = np.ones(X.shape, bool)
    mask[0, 0] = False
    with pytest.raises(ParameterError) as masked:
        factorize(X, 2, "hals", mask=mask, alpha_A=0.1, l1_ratio=1.0, niter=2)
    assert "does not take an L1 penalty" in str(masked.value)
    assert "als" not in str(masked.value).split(";")[1]  # als takes no missing values
    with pytest.raises(ParameterError, match="or use als, hals or mu"):
        factorize(X, 2, "rk", alpha_A=0.1, niter=2)
