"""bench/est.py's float32 rows on a small case: present, positive and finite (no timing
assertions: the figures depend on the machine)."""

import math

import pytest

from bench import cases, est


def test_float32_rows_are_measured():
    rows = est.float32_rows(1, cases.load_case("factory"))
    assert [r.measure for r in rows][:2] == ["nmf_core hals, float64", "nmf_core hals, float32"]
    assert all(r.value is not None and math.isfinite(r.value) and r.value > 0 for r in rows)
    assert rows[1].ratio == pytest.approx(rows[1].value / rows[0].value)
    assert rows[1].ratio_to == "× float64"
