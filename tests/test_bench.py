"""The issue #4 benchmark's quick mode on the factory case: the table's shape and sanity.

No timing assertions: the figures depend on the machine.  This only checks that every
figure the table promises is there and is a positive, finite number.
"""

import math

import pytest

pytest.importorskip("sklearn")

from bench.run import run  # noqa: E402
from bench.table import COLUMNS, NOT_REACHED, parse_markdown  # noqa: E402

CASE = "factory 12×10 k=3"
TIME_TO_TARGET = ("target: sklearn cd error after 200 it", "sklearn cd", "sklearn mu",
                  "nmf_core hals", "nmf_core als sweep", "nmf_core rk sweep", "nmf_core mu")
PER_ITERATION_PREFIXES = ("two-matmul floor", "nmf_core hals", "sklearn cd", "error tracking",
                          "direct ‖X − AS‖²")


def leading_number(cell: str) -> float:
    return float(cell.split("×")[0].split("%")[0].replace(",", ""))


@pytest.fixture(scope="module")
def quick_factory(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.md"
    document, rows = run(["--quick", "--cases", "factory", "--sections", "ttt,periter,docs",
                          "--output", str(out)])
    return document, rows, out


def test_the_file_written_is_the_table_printed(quick_factory):
    document, _, out = quick_factory
    assert out.read_text() == document
    assert "BLAS" in document and "numpy" in document and "CPU" in document


def test_table_has_the_promised_columns_and_rows(quick_factory):
    document, rows, _ = quick_factory
    table = parse_markdown(document)
    assert table and all(tuple(row) == COLUMNS for row in table)
    assert len(table) == len(rows)
    ttt = [r["Measure"] for r in table if r["Section"] == "time to target"]
    assert tuple(ttt) == TIME_TO_TARGET
    periter = [r["Measure"] for r in table if r["Section"] == "per iteration"]
    assert len(periter) == len(PER_ITERATION_PREFIXES)
    for measure, prefix in zip(periter, PER_ITERATION_PREFIXES, strict=True):
        assert measure.startswith(prefix)
    docs = [r["Measure"] for r in table if r["Section"] == "documents' sizes"]
    assert [m.split()[1] for m in docs] == ["als", "rk"]
    assert {r["Case"] for r in table} == {CASE}


def test_every_figure_is_a_positive_finite_number(quick_factory):
    document, rows, _ = quick_factory
    for row in parse_markdown(document):
        if row["Value"] == NOT_REACHED:  # allowed only where a cap can bind
            assert row["Measure"] not in ("sklearn cd", "nmf_core hals"), row
            continue
        value = leading_number(row["Value"])
        assert math.isfinite(value) and value > 0, row
        if row["Ratio"]:
            ratio = leading_number(row["Ratio"])
            assert math.isfinite(ratio) and ratio > 0, row
    for row in rows:  # the unrounded figures too
        if row.value is not None:
            assert math.isfinite(row.value) and row.value > 0, row


def test_sklearn_cd_is_its_own_reference(quick_factory):
    _, rows, _ = quick_factory
    cd = next(r for r in rows if r.section == "time to target" and r.measure == "sklearn cd")
    assert cd.ratio == pytest.approx(1.0)
    goal = next(r for r in rows if r.measure.startswith("target:"))
    assert 0 < goal.value < 1  # a relative error
