"""The Recommend page through Streamlit's AppTest: bars beside the baselines, the curves,
one user's top N, settings from the URL, uploads."""

from __future__ import annotations

import pytest
from app_support import app, assert_clean, metric
from streamlit.testing.v1 import AppTest

PAGE = "app_pages/recommend.py"
pytestmark = pytest.mark.usefixtures("empty_cache")
SMALL = {"rec_users": "60", "rec_films": "40", "rec_density": "0.3", "rec_genres": "3"}


def page(**query) -> AppTest:
    return app(**query).switch_page(PAGE).run()


def top_lines(at: AppTest) -> list[str]:
    """The numbered lines of the top-N list."""
    text = next(m.value for m in at.markdown if m.value.startswith("1. **"))
    return text.splitlines()


def test_films_with_auto_show_the_bars_both_curves_and_a_top_n():
    at = page(**SMALL)
    assert_clean(at)
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # error bars, RMSE against k, against λ
    rmse = float(metric(at, "Held-out RMSE"))
    assert rmse < float(metric(at, "Best baseline"))
    top = top_lines(at)
    assert len(top) == 10 and len(set(top)) == 10
    assert all("factor " in line for line in top)


def test_url_sets_k_lambda_user_and_n():
    at = page(**SMALL, rec_auto="false", rec_k="2", rec_reg="0.1", rec_user="user 7",
              rec_top_n="4")
    assert_clean(at)
    assert metric(at, "k, λ") == "2, 0.1"
    assert at.selectbox(key="rec_user").value == "user 7"
    assert len(top_lines(at)) == 4
    assert len(at.get("plotly_chart")) == 1  # no curves without auto
    at.selectbox(key="rec_user").set_value("user 9").run()
    assert_clean(at)
    assert at.query_params["rec_user"] in ("user 9", ["user 9"])


def test_uploaded_ratings_and_a_bad_file():
    at = page(rec_data="upload", rec_auto="false", rec_k="2")
    assert_clean(at)
    assert any("Upload a ratings file" in i.value for i in at.info)
    lines = "".join(f"u{u}\tfilm {f}\t{1 + (u * f) % 5}\n" for u in range(30)
                    for f in range(20) if (u + f) % 3)
    at.file_uploader(key="rec_file").set_value(("r.tsv", lines.encode(), "text/plain")).run()
    assert_clean(at)
    assert at.selectbox(key="rec_user").value == "u0"
    assert len(top_lines(at)) == 10
    bad = b"u1,film 1,4\nu2,film 2,great\n"
    at.file_uploader(key="rec_file").set_value(("bad.csv", bad, "text/csv")).run()
    assert [e.value for e in at.error] == [
        "rating 'great' at line 2, field 3 is not a number (1 in the file)"]


def test_too_many_ratings_for_live_cross_validation_fit_the_default_k(monkeypatch):
    from nmf_core.ui import recommend

    monkeypatch.setattr(recommend, "AUTO_MAX_RATINGS", 100)
    at = page(**SMALL)
    assert_clean(at)
    assert any("too many to cross-validate" in w.value for w in at.warning)
    assert metric(at, "k, λ") == "10, 0.05"
    assert len(at.get("plotly_chart")) == 1


def test_a_user_the_data_lacks_falls_back_to_the_first():
    at = page(**SMALL, rec_auto="false", rec_k="2", rec_user="nobody")
    assert_clean(at)
    assert at.selectbox(key="rec_user").value == "user 1"
    assert len(top_lines(at)) == 10
