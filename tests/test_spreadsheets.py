"""Spreadsheets (.xlsx via openpyxl, .ods via odfpy) go through the CSV rules and limits."""

import io
import zipfile

import pytest

from nmf_core import spreadsheets
from nmf_core.csvio import load_csv
from nmf_core.errors import CSVFormatError, ParameterError


def xlsx(rows, title="Sheet") -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods(rows) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Sheet1")
    for values in rows:
        tr = TableRow()
        for value in values:
            if isinstance(value, str):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text=value))
            else:
                cell = TableCell(valuetype="float", value=repr(float(value)))
            tr.addElement(cell)
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@pytest.mark.parametrize("make", [xlsx, ods])
def test_values_labels_and_exact_floats(make):
    loaded = load_csv(io.BytesIO(make([["", "a", "b"], ["x", 0.1, 2], ["y", 1e-300, 4]])))
    assert loaded.values.tolist() == [[0.1, 2.0], [1e-300, 4.0]]
    assert loaded.row_labels == ("x", "y") and loaded.col_labels == ("a", "b")


@pytest.mark.parametrize("make", [xlsx, ods])
def test_errors_are_located_in_spreadsheet_notation(make):
    with pytest.raises(CSVFormatError, match=r"'\$5' at cell A2 \('p'\)"):
        load_csv(io.BytesIO(make([["p", "q"], ["$5", 1], [2, 3]])))
    with pytest.raises(CSVFormatError, match=r"negative value; the first is -1(.0)? at cell B3"):
        load_csv(io.BytesIO(make([["p", "q"], [1, 1], [2, -1]])))


def test_a_formula_is_not_evaluated():
    # openpyxl stores no cached result for a formula it wrote: the cell reads as blank.
    with pytest.raises(CSVFormatError, match="missing value .* at cell B2"):
        load_csv(io.BytesIO(xlsx([["a", "b"], [1, "=__import__('os')"], [2, 3]])))


def test_the_cell_limit_is_checked_before_the_cells_are_read(monkeypatch):
    data = xlsx([[1, 2, 3]] * 20)
    monkeypatch.setattr(spreadsheets, "interpret", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(CSVFormatError, match="max_cells"):
        load_csv(io.BytesIO(data), max_cells=30)


def test_a_zip_bomb_is_refused_before_unpacking():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 50_000_000)
    with pytest.raises(CSVFormatError, match="unpacks to"):
        load_csv(io.BytesIO(out.getvalue()), max_cells=1000)


def test_another_zip_is_named():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("a.txt", "1,2")
    with pytest.raises(CSVFormatError, match="ZIP archive that is not an .xlsx or .ods"):
        load_csv(io.BytesIO(out.getvalue()))


def test_a_missing_sheet_is_a_parameter_error():
    with pytest.raises(ParameterError, match="no sheet named 'nope'; the sheets are 'data'"):
        load_csv(io.BytesIO(xlsx([[1, 2]], title="data")), sheet="nope")


@pytest.mark.parametrize("index,letters", [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"),
                                           (702, "AAA")])
def test_column_letters(index, letters):
    assert spreadsheets.column_letters(index) == letters
