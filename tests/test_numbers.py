"""nmf_core/ui/numbers.py: every metric value fits a narrow box (issue #10, req. 10)."""

import math

import numpy as np
import pytest

from nmf_core.ui import numbers

VALUES = [0.0, 1.6e-3, 0.1234567, 1.0, 3.14159, 12345.678, 1e-300, 1e300, -2.5e-7,
          1.797e308, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("value", VALUES)
def test_every_format_is_short(value):
    for text in (numbers.number(value), numbers.error(value)):
        assert len(text) <= numbers.MAX_CHARS, text


def test_exponents_are_written_compactly():
    assert numbers.error(1.6e-5) == "1.6e-5"
    assert numbers.number(2.5e-7) == "2.5e-7"
    assert numbers.error(0.1234567) == "0.1235"
    assert numbers.number(1e300) == "1.0e300"


def test_numbers_round_trip_to_their_shown_precision():
    rng = np.random.default_rng(0)
    for value in 10.0 ** rng.uniform(-300, 300, 200):
        assert float(numbers.error(value)) == pytest.approx(value, rel=0.06)


@pytest.mark.parametrize(("n", "text"), [(0, "0"), (999, "999"), (12_345, "12,345"),
                                         (123_456, "123k"), (1_234_567, "1.23M"),
                                         (5_000_000_000, "5G")])
def test_counts(n, text):
    assert numbers.count(n) == text


@pytest.mark.parametrize(("s", "text"), [(0.0, "0 µs"), (8.5e-4, "850 µs"),
                                         (0.012, "12 ms"), (1.254, "1.25 s"),
                                         (85.0, "85 s"), (126.0, "2.1 min"),
                                         (7200.0, "2 h")])
def test_seconds(s, text):
    assert numbers.seconds(s) == text
    assert len(text) <= numbers.MAX_CHARS


def test_of():
    assert numbers.of(3, 5) == "3 of 5"
