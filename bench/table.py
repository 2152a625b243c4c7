"""One results table: a row per figure, rendered as markdown."""

from __future__ import annotations

import math
from dataclasses import dataclass

COLUMNS = ("Section", "Case", "Measure", "Value", "Unit", "Ratio", "Target", "Status", "Detail")
NOT_REACHED = "not reached"
SKIPPED = "skipped"


@dataclass
class Row:
    """One figure.  ``value`` is None when the figure could not be measured (then
    ``missing`` says "not reached" or "skipped" and ``detail`` says why)."""

    section: str
    case: str
    measure: str
    value: float | None
    unit: str = ""
    ratio: float | None = None
    ratio_to: str = ""  # e.g. "× sklearn cd", "× floor", "% of iteration"
    target: str = ""
    meets: bool | None = None
    detail: str = ""
    missing: str = ""
    spec: str = ""  # format spec for value, e.g. ".6f"; default: three significant figures

    def cells(self) -> tuple[str, ...]:
        if self.value is None:
            value = self.missing or SKIPPED
        else:
            value = format(self.value, self.spec) if self.spec else fmt(self.value)
        if self.ratio is None:
            ratio = ""
        elif self.ratio_to.startswith("%"):
            ratio = f"{self.ratio:.1f}{self.ratio_to}"
        else:
            ratio = f"{fmt(self.ratio)}{self.ratio_to}"
        status = "" if self.meets is None else ("meets" if self.meets else "**misses**")
        if self.value is None and self.target:
            status = "**misses**" if self.missing == NOT_REACHED else "n/a"
        return (self.section, self.case, self.measure, value, self.unit, ratio,
                self.target, status, self.detail)


def fmt(x: float) -> str:
    """Three significant figures, no scientific notation for everyday magnitudes."""
    if x is None or not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    magnitude = abs(x)
    if magnitude >= 1000:
        return f"{x:,.0f}"
    if magnitude >= 0.001:
        digits = max(0, 2 - int(math.floor(math.log10(magnitude))))
        return f"{x:.{digits}f}"
    return f"{x:.3g}"


def markdown(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = (c.replace("|", "\\|") for c in row.cells())
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_markdown(text: str) -> list[dict[str, str]]:
    """The table's rows as dicts keyed by column name (for tests and for reading results.md)."""
    rows, header = [], None
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in _split(line)]
        if header is None:
            header = cells
        elif set(line) <= set("|-: "):
            continue
        else:
            rows.append(dict(zip(header, cells, strict=False)))
    return rows


def _split(line: str) -> list[str]:
    out, cell, escaped = [], "", False
    for ch in line.strip()[1:-1]:
        if ch == "|" and not escaped:
            out.append(cell)
            cell = ""
        else:
            cell += ch
        escaped = ch == "\\"
    out.append(cell)
    return out
