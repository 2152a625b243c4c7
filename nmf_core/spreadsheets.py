"""Excel (.xlsx, openpyxl) and LibreOffice (.ods, odfpy) sheets through the CSV rules.

A sheet's cells become the same rows of cell texts the CSV reader makes
(numbers written exactly with ``repr``, text as it is, empty cells blank), so
header, label and number detection, and every message, are the CSV loader's;
a place is named in spreadsheet notation (``cell B7``).  Only stored values are
read (openpyxl ``read_only=True, data_only=True``: a formula gives its cached
result, nothing is evaluated or executed).  The byte limit is checked before
this module sees the file; the cell limit is checked on the sheet's declared
size and the archive's uncompressed size before any cell is parsed, and again
while reading.
"""

from __future__ import annotations

import datetime as _dt
import io
import zipfile

from .csvio import Places, _label_suffix, _Row, interpret, number_reader
from .errors import CSVFormatError, ParameterError
from .importing import BYTES_PER_CELL, zip_kind

# An XML cell takes more bytes than a CSV cell; past this many uncompressed bytes a
# cell, the archive is refused before parsing (a ZIP bomb, or over the cell limit).
XML_BYTES_PER_CELL = 20 * BYTES_PER_CELL


def column_letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


SHEET_PLACES = Places(
    column=lambda c, label: f"column {column_letters(c)}{_label_suffix(label)}",
    cell=lambda row, c, label: f"cell {column_letters(c)}{row}{_label_suffix(label)}",
)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(float(value)) if isinstance(value, float) else str(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def _check_archive(raw: bytes, max_cells: int) -> None:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        size = sum(info.file_size for info in archive.infolist())
    if size > max_cells * XML_BYTES_PER_CELL:
        raise CSVFormatError(f"the workbook unpacks to {size:,} bytes, over the limit for "
                             f"{max_cells:,} cells (max_cells)")


def _pick(names: list[str], sheet) -> int:
    if sheet is None:
        return 0
    if isinstance(sheet, int):
        if sheet >= len(names):
            raise ParameterError(f"sheet {sheet} is out of range: the workbook has "
                                 f"{len(names)} sheet(s): {', '.join(map(repr, names))}")
        return sheet
    if sheet not in names:
        raise ParameterError(f"no sheet named {sheet!r}; the sheets are "
                             + ", ".join(map(repr, names)))
    return names.index(sheet)


def _xlsx_rows(raw: bytes, sheet, max_cells: int):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise CSVFormatError(f"cannot read this .xlsx workbook: {exc}") from None
    try:
        names = book.sheetnames
        ws = book.worksheets[_pick(names, sheet)]
        try:
            declared = (ws.max_row or 0) * (ws.max_column or 0)
        except Exception:
            declared = 0
        if declared > max_cells:
            raise CSVFormatError(f"sheet {names[_pick(names, sheet)]!r} has {declared:,} cells, "
                                 f"over the limit of {max_cells:,} (max_cells)")
        rows, cells = [], 0
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells += len(values)
            if cells > max_cells:
                raise CSVFormatError(f"the sheet has over {max_cells:,} cells (max_cells)")
            rows.append((number, [_text(v) for v in values]))
        return rows
    finally:
        book.close()


def _ods_rows(raw: bytes, sheet, max_cells: int):
    from odf import opendocument, table, text
    from odf.namespaces import OFFICENS, TABLENS

    try:
        doc = opendocument.load(io.BytesIO(raw))
    except Exception as exc:
        raise CSVFormatError(f"cannot read this .ods spreadsheet: {exc}") from None
    sheets = doc.spreadsheet.getElementsByType(table.Table)
    names = [s.getAttrNS(TABLENS, "name") for s in sheets]
    if not sheets:
        raise CSVFormatError("the spreadsheet has no sheets")
    ws = sheets[_pick(names, sheet)]

    def cell_text(cell) -> str:
        kind = cell.getAttrNS(OFFICENS, "value-type")
        if kind in ("float", "percentage", "currency"):
            return cell.getAttrNS(OFFICENS, "value")
        if kind == "boolean":
            return cell.getAttrNS(OFFICENS, "boolean-value").upper()
        if kind in ("date", "time"):
            return cell.getAttrNS(OFFICENS, "date-value" if kind == "date" else "time-value")
        return "\n".join(str(p) for p in cell.getElementsByType(text.P))

    rows, cells, number = [], 0, 0
    for row in ws.getElementsByType(table.TableRow):
        repeat_rows = int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
        values = []
        for cell in row.childNodes:
            if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                continue
            repeat = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
            content = cell_text(cell)
            values.extend([content] * min(repeat, max_cells + 1))
            if len(values) > max_cells:
                break
        while values and values[-1] == "":  # LibreOffice pads rows to the sheet's width
            values.pop()
        if not values:
            number += repeat_rows
            continue
        for _ in range(min(repeat_rows, max_cells + 1)):
            number += 1
            cells += len(values)
            if cells > max_cells:
                raise CSVFormatError(f"the sheet has over {max_cells:,} cells (max_cells)")
            rows.append((number, list(values)))
    return rows


def read_spreadsheet(raw: bytes, *, max_cells: int, sheet=None, decimal="auto",
                     thousands=None, **settings):
    """An .xlsx or .ods file's bytes as a LoadedMatrix (before transpose and scale)."""
    kind = zip_kind(raw)
    _check_archive(raw, max_cells)
    rows = (_xlsx_rows if kind == "xlsx" else _ods_rows)(raw, sheet, max_cells)
    # Trailing empty cells (a sheet's used range is often wider than its data) go.
    width = max((len(_trim(v)) for _, v in rows), default=0)
    records = [_Row(n, (v + [""] * width)[:width]) for n, v in rows if any(c.strip() for c in v)]
    if not records or not width:
        raise CSVFormatError("the sheet is empty: there are no cells to read")
    settings.pop("transpose", None)
    settings.pop("scale", None)
    number = number_reader("." if decimal == "auto" else decimal, thousands)
    notes = [f"a {'.xlsx' if kind == 'xlsx' else '.ods'} spreadsheet"
             + ("" if sheet is None else f", sheet {sheet!r}")]
    return interpret(records, {**settings, "decimal": decimal, "thousands": thousands},
                     number, SHEET_PLACES, notes)


def _trim(values: list[str]) -> list[str]:
    end = len(values)
    while end and not values[end - 1].strip():
        end -= 1
    return values[:end]


def sheet_names(raw: bytes) -> list[str]:
    """The workbook's sheet names, in order ([] if it cannot be read)."""
    try:
        if zip_kind(raw) == "xlsx":
            import openpyxl
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
            try:
                return list(book.sheetnames)
            finally:
                book.close()
        from odf import opendocument, table
        from odf.namespaces import TABLENS
        doc = opendocument.load(io.BytesIO(raw))
        tables = doc.spreadsheet.getElementsByType(table.Table)
        return [t.getAttrNS(TABLENS, "name") for t in tables]
    except Exception:
        return []


def preview_sheet(raw: bytes, sheet=None, rows: int = 8) -> list[list[str]]:
    """The first non-empty rows of a sheet as cell texts ([] if it cannot be read)."""
    try:
        _check_archive(raw, 10**12)
        found = (_xlsx_rows if zip_kind(raw) == "xlsx" else _ods_rows)(raw, sheet, 10**9)
    except Exception:
        return []
    return [_trim(values) for _, values in found if any(c.strip() for c in values)][:rows]
