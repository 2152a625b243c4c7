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


def test_a_link_value_the_app_cannot_take_gets_a_notice_naming_it():
    """Measured: /?niter=999999 ran with niter 2000 and said nothing; /?k=abc&method=foo
    was ignored silently."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"niter": "999999", "k": "abc", "method": "foo", "seed": "7"})
    at.run()
    assert not at.exception
    notices = [w.value for w in at.warning if w.value.startswith("The link's")]
    assert any("niter='999999'" in n and "using 2000" in n for n in notices)
    assert any("k='abc'" in n and "using 3" in n for n in notices)
    assert any("method='foo'" in n and "one of als, rk, hals, mu" in n and "using hals" in n
               for n in notices)
    assert not any("seed" in n for n in notices)  # a valid value is taken silently
    assert at.slider(key="niter").value == 2000 and at.selectbox(key="method").value == "hals"
    assert at.query_params.get("niter") in (None, ["2000"], "2000")  # the value in effect
