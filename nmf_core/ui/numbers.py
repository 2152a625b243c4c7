"""Compact number formats for metric boxes (issue #10, readable on a projector).

At 1280x720 and 150 % zoom a page is 853 CSS pixels wide; with the sidebar open a
row of five metric boxes leaves about 90 px each.  Every ``st.metric`` value is
written by one of these helpers, so none is longer than :data:`MAX_CHARS`, and
:data:`METRIC_CSS` lets the value's font shrink with the window.
"""

from __future__ import annotations

import math

MAX_CHARS = 8  # what a metric box holds at 150 % zoom with the sidebar open

# The value's font: Streamlit's 2.25rem on a wide screen, down to 1.1rem on a narrow one.
METRIC_CSS = """<style>
[data-testid="stMetricValue"] { font-size: clamp(1.1rem, 2.3vw, 2.25rem); }
[data-testid="stMetricLabel"] p { white-space: normal; }
</style>"""


def _exponent(value: float, digits: int) -> str:
    """``1.6e-3`` rather than Python's ``1.6e-03``."""
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def number(value: float, digits: int = 3) -> str:
    """Any real number in ``digits`` significant figures, exponent form outside 1e-3..1e5."""
    value = float(value)
    if not math.isfinite(value):
        return {math.inf: "∞", -math.inf: "−∞"}.get(value, "n/a")
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.{digits}g}"
    return _exponent(value, max(digits - 2, 0))


def error(value: float) -> str:
    """A relative error: four figures down to 1e-4, then ``1.6e-5``."""
    value = float(value)
    if math.isfinite(value) and (value == 0 or 1e-4 <= abs(value) < 1e4):
        return f"{value:.4g}"
    return number(value, 3) if not math.isfinite(value) else _exponent(value, 1)


def count(n: int) -> str:
    """A whole number: ``12,345`` up to five digits, then ``123k``, ``1.2M``, ``3.4G``."""
    n = int(n)
    if abs(n) < 100_000:
        return f"{n:,}"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size:
            return f"{n / size:.3g}{suffix}"
    return f"{n:,}"  # pragma: no cover (every n here is at least 1e5)


def seconds(value: float) -> str:
    """A duration: ``850 µs``, ``12 ms``, ``1.25 s``, ``85 s``, ``2.1 min``, ``1.5 h``."""
    value = float(value)
    if value < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if value < 1:
        return f"{value * 1e3:.3g} ms"
    if value < 100:
        return f"{value:.3g} s"
    if value < 6000:
        return f"{value / 60:.3g} min"
    return f"{value / 3600:.3g} h"


def of(part: int, whole: int) -> str:
    """``3 of 5``."""
    return f"{count(part)} of {count(whole)}"
