"""The factory page's "A new day: which factories ran?" and "I know factory 1's
profile" through AppTest (one page load: the page is slow to run)."""

from __future__ import annotations

import pytest
from app_support import charts, metric, page
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("empty_cache")


def factory_page(**query) -> AppTest:
    return page("factory", **query)


def test_new_day_and_known_profile():
    at = factory_page(fx_day_1="0", fx_day_2="1.5", fx_day_3="1")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(h.value == "A new day: which factories ran?" for h in at.header)
    assert float(metric(at, "Fit of the day: NNLS, true profiles")) < 1e-12
    levels = charts(at)["new_day_levels"]
    assert [bar.name for bar in levels.data] == [
        "the truth", "NNLS, true profiles", "NNLS, profiles hals found"]
    assert list(levels.data[0].y) == [0.0, 1.5, 1.0]
    assert all(abs(a - b) < 1e-9 for a, b in zip(levels.data[1].y, [0, 1.5, 1], strict=True))
    assert len(levels.data[2].y) == 3 and min(levels.data[2].y) >= 0
    known_profile_section(at)
    at.slider(key="fx_day_2").set_value(0.0).run()
    assert float(metric(at, "Fit of the day: NNLS, true profiles")) < 1e-12
    at.radio(key="fx_day_mode").set_value("Enter its hourly output").run()
    assert not at.exception and not at.error
    assert any("change any hour" in c.value for c in at.caption)


def known_profile_section(at: AppTest) -> None:
    assert any(h.value == "I know factory 1's profile" for h in at.header)
    figs = charts(at)
    first = {trace.name: list(trace.y) for trace in figs["known_profile_1"].data}
    assert set(first) == {"true profile", "hals, nothing known", "hals, factory 1 known"}
    assert all(abs(a - b) < 1e-12 for a, b in
               zip(first["hals, factory 1 known"], first["true profile"], strict=True))
    assert {"known_profile_2", "known_profile_3"} <= set(figs)
    text = " ".join(m.value for m in at.markdown)
    assert "With factory 1 held fixed the fit's error is" in text
