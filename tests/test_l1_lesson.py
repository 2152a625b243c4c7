"""The workbench's L1 lesson line (nmf_core/ui/l1_lesson.py), through AppTest: on
bars it sets Hoyer's sparseness without and with the L1 penalty side by side,
and on other data it is absent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nmf_core.ui.l1_lesson import LINE, has_l1, l1_pair

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("empty_cache")


def l1_lines(**query) -> list[str]:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return [info.value for info in at.info if "Hoyer sparseness of A" in info.value]


def figures(line: str) -> list[tuple[float, float]]:
    """The (before, after) pairs of A and of S in the line."""
    return [(float(a), float(b)) for a, b in re.findall(r"(\d\.\d\d) → (\d\.\d\d)", line)]


def test_on_bars_with_an_l1_penalty_the_after_figures_are_sparser():
    lines = l1_lines(data="bars", method="hals", k="8", niter="100", reinit="1",
                     alpha_A="0.01", l1_ratio="1")
    assert len(lines) == 1 and lines[0].startswith(LINE) and "alpha 0" in lines[0]
    pairs = figures(lines[0])
    assert len(pairs) == 2  # A, then S
    assert all(after > before for before, after in pairs)  # A and S sparser with L1


def test_without_a_penalty_the_line_suggests_settings_with_live_figures():
    lines = l1_lines(data="bars", method="hals", k="8", niter="100", reinit="1")
    assert len(lines) == 1 and "try alpha_A = 0.01, l1_ratio = 1" in lines[0]
    assert len(figures(lines[0])) == 2


def test_on_factory_data_the_line_is_absent():
    assert l1_lines(niter="30") == []


def test_the_pair_is_without_then_with_l1():
    current = {"method": "hals", "alpha_A": 0.05, "alpha_S": "same", "l1_ratio": 0.5}
    before, after, current_is_after = l1_pair(current)
    assert current_is_after and after == current and not has_l1(before)
    before, after, current_is_after = l1_pair({**current, "l1_ratio": 0.0})
    assert not current_is_after and has_l1(after) and not has_l1(before)
    assert not has_l1({"alpha_A": 0.0, "alpha_S": 0.1, "l1_ratio": 0.0})
    assert has_l1({"alpha_A": 0.0, "alpha_S": 0.1, "l1_ratio": 1.0})
