"""Small untruths (issue #10, requirement 12): predict-first forgets an answer given to
other settings, and the unconstrained panel says what was measured."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from nmf_core.ui.lessons import unconstrained_fit_words

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("empty_cache")


def test_predict_first_clears_its_choice_when_a_setting_changes():
    """Measured: the old choice stayed selected after a change, ready to be revealed."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"fx_predict": "true"})
    at.run()
    at.switch_page("app_pages/factory.py").run()
    at.radio(key="fx_prediction").set_value("hals").run()
    assert not at.button(key="fx_reveal").disabled
    at.slider(key="fx_niter").set_value(60).run()
    assert at.radio(key="fx_prediction").value is None
    assert at.button(key="fx_reveal").disabled
    assert any("Make a prediction" in i.value for i in at.info)


def _run(error, truncated=False, message="finished 200 iterations"):
    return SimpleNamespace(rel_error=error, truncated=truncated, message=message)


def test_the_unconstrained_caption_states_what_was_measured():
    """Measured: "dropping the constraint can only help the fit" beside a worse
    unconstrained error."""
    worse = unconstrained_fit_words(_run(0.01), _run(0.05))
    assert "unconstrained fit is worse" in worse and "local minimum" in worse
    assert "0.05" in worse and "0.01" in worse
    cut = unconstrained_fit_words(_run(0.01), _run(0.05, True, "cut short after 9 of 200 "
                                                                "iterations (time limit 1 s)"))
    assert "cut short after 9 of 200" in cut and "not its finished value" in cut
    better = unconstrained_fit_words(_run(0.05), _run(0.01))
    assert "here it does" in better
