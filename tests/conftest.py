"""Fixtures shared by the headless app tests (test_app.py, test_teaching.py).

Imports of the app's modules happen inside the fixtures, so the core's tests
never load streamlit.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def empty_cache():
    """No cached run before or after the test, so no test sees another's result
    (a module opts in with ``pytestmark = pytest.mark.usefixtures("empty_cache")``)."""
    from nmf_core.ui import runs

    runs.clear_cache()
    yield
    runs.clear_cache()


@pytest.fixture
def solver_calls(monkeypatch):
    """The keyword arguments of every factorize call the app makes, from its cached
    runs, from the choose-k scan and from its consensus runs."""
    from nmf_core import consensus, factorize, model_selection
    from nmf_core.ui import runs

    calls = []

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return factorize(*args, **kwargs)

    monkeypatch.setattr(runs, "factorize", counting)
    monkeypatch.setattr(model_selection, "factorize", counting)
    monkeypatch.setattr(consensus, "factorize", counting)
    return calls
