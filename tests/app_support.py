"""Helpers for the headless app tests (Streamlit's AppTest): open a page with a
query, check it shows no error, read its metrics and plotly figures.

One place for what test_app, test_teaching, test_guide, test_factory_questions
and test_recommend_page all need.
"""

from __future__ import annotations

from pathlib import Path

import plotly.io
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 120  # s for one script run; generous, the machine may be busy


def app(**query) -> AppTest:
    """The app (not yet run) with ``query`` in its address."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at


def page(path: str = "", **query) -> AppTest:
    """The page ``app_pages/<path>.py`` (the workbench when ``path`` is ''), run."""
    at = app(**query).run()
    return at if not path else at.switch_page(f"app_pages/{path}.py").run()


def assert_clean(at: AppTest) -> None:
    """No exception and no error box (the page guard turns crashes into errors)."""
    assert not at.exception
    assert not at.error, [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    """The value of the metric labelled ``label``, or else of the one metric whose
    label starts with it (such as "Best baseline (item mean)")."""
    exact = [m.value for m in at.metric if m.label == label]
    starting = [m.value for m in at.metric if m.label.startswith(label)]
    found = exact or starting
    assert len(found) == 1, f"{len(found)} metrics labelled {label!r}: " \
                            f"{[m.label for m in at.metric]}"
    return found[0]


def charts(at: AppTest) -> dict:
    """Each plotly chart's figure, by the key it was drawn with."""
    return {chart.proto.id.rsplit("-", 1)[-1]: plotly.io.from_json(chart.proto.spec)
            for chart in at.get("plotly_chart")}
