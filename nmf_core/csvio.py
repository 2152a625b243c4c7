"""Read a user's CSV as a finite, non-negative matrix; write matrices back safely.

``load_csv`` reads raw bytes (bounded by ``max_bytes``), rejects oversized or
binary input before parsing, decodes UTF-8, finds the delimiter (comma,
semicolon or tab), an optional header row and an optional index column, and
converts every cell itself so that each problem is one ``CSVFormatError`` line
naming the first place it occurs as a user counts: ``line 4, column 2 ('Tue')``
(1-based physical line in the file, 1-based column including any index column).

``to_csv_bytes`` writes numbers exactly (``repr``) and labels neutralised
against spreadsheet formula injection, in a layout ``load_csv`` reads back.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .errors import CSVFormatError, MatrixError, ParameterError

DEFAULT_MAX_CELLS = 5_000_000
# The byte limit follows from the cell limit: 20 bytes a cell, room for a
# full-precision number such as 0.12345678901234568 (19 characters) and its
# delimiter; 5,000,000 cells give 100 MB, rounded up to whole MiB because
# Streamlit's server.maxUploadSize counts MiB.  .streamlit/config.toml sets the
# same 96, so the uploader and the loader refuse the same files.
BYTES_PER_CELL = 20
MIB = 1024 * 1024
DEFAULT_MAX_BYTES = -(-DEFAULT_MAX_CELLS * BYTES_PER_CELL // MIB) * MIB  # 96 MiB
MISSING_CHOICES = ("error", "mask")
DELIMITERS = (",", ";", "\t")

# Leading bytes of formats people upload by mistake, and what to call them.
BINARY_SIGNATURES = (
    (b"PK\x03\x04", "an Excel workbook .xlsx or another ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel workbook .xls"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_ASCII_SPACE = " \t\n\r\f\v"
_MAX_SHOWN = 40  # characters of a cell quoted in a message
_SAMPLE_LINES = 100  # non-blank lines looked at to choose the delimiter


@dataclass(frozen=True, eq=False)
class LoadedMatrix:
    """A matrix read from a CSV.

    ``values`` is float64 (n, m), C-contiguous, finite and non-negative.
    ``mask`` is None unless blank cells were allowed (``missing="mask"``); then
    it is a bool (n, m) array, False where a cell was blank (``values`` holds
    0.0 there).
    """

    values: np.ndarray
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None
    mask: np.ndarray | None = None


@dataclass(frozen=True)
class _Row:
    line: int  # 1-based physical line where the record starts
    cells: list[str]


def load_csv(source, *, max_cells: int = DEFAULT_MAX_CELLS, max_bytes: int | None = None,
             missing: str = "error") -> LoadedMatrix:
    """Read ``source`` (a path, or a binary or text file-like object, read from
    its current position) as a matrix.

    ``max_bytes`` defaults to ``DEFAULT_MAX_BYTES``; input over it, or with
    more than ``max_cells`` cells (estimated from the raw bytes), is rejected
    before any parsing.  ``missing="mask"`` allows blank cells and returns a
    mask of the observed ones.  Every problem with the input is a
    ``CSVFormatError``; bad arguments are a ``ParameterError``; a path that
    cannot be opened raises the ``OSError``.
    """
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    for name, value in (("max_cells", max_cells), ("max_bytes", max_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name} must be a whole number >= 1; got {value!r}")
    if not isinstance(missing, str) or missing not in MISSING_CHOICES:
        raise ParameterError(f"missing must be 'error' or 'mask'; got {missing!r}")

    raw = _read_bytes(source, max_bytes)
    _reject_binary(raw)
    cells_bound = _cells_upper_bound(raw)
    if cells_bound > max_cells:
        raise CSVFormatError(f"the file has about {cells_bound:,} cells, over the limit of "
                             f"{max_cells:,} (max_cells)")
    text = _decode(raw)
    del raw
    rows = _tokenise(text, _choose_delimiter(text))
    if not rows:
        raise CSVFormatError("the file is empty: there are no rows to read")
    return _to_matrix(rows, missing)


def _read_bytes(source, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the source, or CSVFormatError if there is more."""
    if isinstance(source, (str, os.PathLike)):
        size = os.stat(source).st_size
        if size > max_bytes:
            raise CSVFormatError(f"the file is {size:,} bytes, over the limit of "
                                 f"{max_bytes:,} bytes (max_bytes)")
        with open(source, "rb") as file:
            data = file.read(max_bytes + 1)
    elif hasattr(source, "read"):
        data = source.read(max_bytes + 1)
    else:
        raise ParameterError("source must be a path or a file-like object; got "
                             f"{type(source).__name__} (wrap bytes in io.BytesIO)")
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogatepass")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParameterError(f"source.read() returned {type(data).__name__}, not bytes or str")
    if len(data) > max_bytes:
        raise CSVFormatError(f"the file is over the limit of {max_bytes:,} bytes (max_bytes)")
    return bytes(data)


def _reject_binary(raw: bytes) -> None:
    for signature, kind in BINARY_SIGNATURES:
        if raw.startswith(signature):
            advice = ("save it as CSV UTF-8" if "UTF-16" in kind else "export it as CSV")
            raise CSVFormatError(f"this file is not a text CSV (it looks like {kind}); {advice}")
    if b"\x00" in raw:
        raise CSVFormatError("this file is not a text CSV (it contains NUL bytes, so it is "
                             "binary data or UTF-16 text); export it as CSV UTF-8")


def _line_breaks(raw: bytes, end: int | None = None) -> int:
    """How many line breaks (LF, CR or CRLF) ``raw[:end]`` holds."""
    part = raw if end is None else raw[:end]
    return part.count(b"\n") + part.count(b"\r") - part.count(b"\r\n")


def _cells_upper_bound(raw: bytes) -> int:
    """At least the number of cells whichever delimiter is chosen."""
    last_line_unended = not raw.endswith((b"\n", b"\r"))
    return _line_breaks(raw) + max(raw.count(d.encode()) for d in DELIMITERS) + last_line_unended


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_breaks(raw, exc.start) + 1
        raise CSVFormatError(
            f"not UTF-8 text: invalid byte 0x{raw[exc.start]:02X} at line {line} "
            f"(byte {exc.start + 1:,}); save the file as CSV UTF-8") from None


def _lines(text: str):
    """The physical lines of ``text``, as ``open(newline="")`` gives them to the csv module:
    LF, CR and CRLF each end a line and stay on its end."""
    return (match.group() for match in _LINE.finditer(text))


def _is_blank(cells: list[str]) -> bool:
    return len(cells) <= 1 and not "".join(cells).strip()


def _choose_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently into several columns.

    Ties go to the one giving more numeric cells, then to more columns, then to
    the order comma, semicolon, tab.
    """
    sample = []
    for line in _lines(text):
        if line.strip():
            sample.append(line)
            if len(sample) == _SAMPLE_LINES:
                break

    def score(delimiter):
        try:
            records = [r for r in csv.reader(sample, delimiter=delimiter, skipinitialspace=True)
                       if not _is_blank(r)]
        except csv.Error:
            return (False, 0.0, 0, 0)
        if not records:
            return (False, 0.0, 0, 0)
        width, agreeing = Counter(len(r) for r in records).most_common(1)[0]
        numeric = sum(_number(cell) is not None for r in records for cell in r)
        return (width > 1, agreeing / len(records), numeric, width)

    return max(DELIMITERS, key=score)


def _tokenise(text: str, delimiter: str) -> list[_Row]:
    """The non-blank records of ``text``, each with the line it starts on.

    A quote that is never closed (the csv module then reads the rest of the
    file as one cell) is an error naming where it opens.
    """
    end = 0  # where the lines given to the reader so far end in ``text``

    def lines():
        nonlocal end
        for match in _LINE.finditer(text):
            end = match.end()
            yield match.group()

    reader = csv.reader(lines(), delimiter=delimiter, skipinitialspace=True)
    rows = []
    lines_read = start = 0
    last = None  # the final record: its first line, cells and offset in ``text``
    try:
        for cells in reader:
            if not _is_blank(cells):
                rows.append(_Row(lines_read + 1, cells))
            last = (lines_read + 1, cells, start)
            lines_read, start = reader.line_num, end
    except csv.Error as exc:
        raise CSVFormatError(f"cannot split line {lines_read + 1} into cells: {exc}") from None
    if last is not None:
        _check_quotes_closed(text, delimiter, *last)
    return rows


def _check_quotes_closed(text: str, delimiter: str, line: int, cells: list[str], start: int):
    """CSVFormatError if the final record (from ``start`` in ``text``) ends inside a
    quoted cell.

    Only the final record can: an open quote runs to the end of the file.  The
    csv module's strict mode says so ("unexpected end of data"); the open cell
    is then the record's last, starting after the line breaks of the cells
    before it.
    """
    try:
        for _ in csv.reader(_lines(text[start:]), delimiter=delimiter, skipinitialspace=True,
                            strict=True):
            pass
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return  # another irregularity, which the lenient reader accepts
        opened = line + sum(len(_LINE_BREAK.findall(cell)) for cell in cells[:-1])
        raise CSVFormatError(
            f"unclosed quote: the quote that opens line {opened}, column {len(cells)} is never "
            "closed (everything after it would be one cell); add the closing \" or remove "
            "the quote") from None


def _number(cell: str) -> float | None:
    """The cell's value if it spells a number (nan and inf included), else None."""
    if not cell.isascii() or "_" in cell:  # float() also takes '1_000' and non-ASCII digits
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _foreign_number(cell: str) -> bool:
    """Whether ``cell`` looks like a number but for non-ASCII characters: a
    non-breaking or zero-width space, a Unicode minus, non-ASCII digits."""
    if cell.isascii():
        return False
    try:
        float(cell)  # takes Unicode spaces and digits
        return True
    except ValueError:
        return _number("".join(c for c in cell if c.isascii()).strip()) is not None


def _is_label(cell: str) -> bool:
    return _number(cell) is None


def _shown(text: str) -> str:
    """``text`` quoted for a one-line message: control characters and invisible
    ones (a non-breaking space, say) escaped, so the message shows them."""
    text = text.strip(_ASCII_SPACE)
    return repr(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…")


def _to_matrix(rows: list[_Row], missing: str) -> LoadedMatrix:
    first = rows[0]
    # R's write.table leaves out the empty top-left cell: its header is one cell short.
    if (len(rows) > 1 and len(first.cells) + 1 == len(rows[1].cells)
            and all(map(_is_label, first.cells)) and _is_label(rows[1].cells[0])):
        first = rows[0] = _Row(first.line, ["", *first.cells])
    width = len(first.cells)
    for row in rows:
        if len(row.cells) != width:
            raise CSVFormatError(f"ragged rows: line {row.line} has {len(row.cells)} cells, "
                                 f"expected {width} like line {first.line}")

    # An index column: text in the first column of every row (the header's corner included).
    has_index = (width > 1 and all(_is_label(row.cells[0]) for row in rows)
                 and any(row.cells[0].strip() for row in rows[1:] or rows))
    start = 1 if has_index else 0
    names = first.cells[start:]
    # A header: text (or blanks) in every data column of the first row, or pandas' empty corner.
    has_header = ((has_index and not first.cells[0].strip())
                  or (all(map(_is_label, names)) and any(name.strip() for name in names)))
    if has_header and len(rows) == 1:
        raise CSVFormatError("the file has a header row but no data rows")
    body = rows[1:] if has_header else rows
    col_labels = tuple(name.strip() for name in names) if has_header else None
    row_labels = tuple(row.cells[0].strip() for row in body) if has_index else None

    def column(j: int) -> str:
        label = f" ({_shown(col_labels[j])})" if col_labels else ""
        return f"column {j + start + 1}{label}"

    def where(i: int, j: int) -> str:
        return f"line {body[i].line}, {column(j)}"

    values, mask = _convert(body, start, missing, where)
    if mask is not None:
        _check_mask(mask, body, column)
    _check_values(values, body, start, where)
    return LoadedMatrix(values, row_labels, col_labels, mask)


def _convert(body: list[_Row], start: int, missing: str, where):
    """Float64 values and the mask of non-blank cells (None unless missing='mask')."""
    values = np.empty((len(body), len(body[0].cells) - start))
    mask = np.ones(values.shape, dtype=bool) if missing == "mask" else None
    for i, row in enumerate(body):
        cells = row.cells[start:]
        try:  # fast path: a row of plain finite numbers
            numbers = list(map(float, cells))
            joined = "".join(cells)
            plain = math.isfinite(sum(numbers)) and joined.isascii() and "_" not in joined
        except ValueError:
            plain = False
        if not plain:
            numbers = []
            for j, cell in enumerate(cells):
                value = _cell_value(cell, missing, lambda: where(i, j))  # noqa: B023 (called now)
                if value is None:
                    mask[i, j] = False
                numbers.append(0.0 if value is None else value)
        values[i] = numbers
    return values, mask


def _cell_value(cell: str, missing: str, where) -> float | None:
    """The cell's finite value, None for a blank cell when allowed, else CSVFormatError."""
    if not cell.strip():
        if missing == "mask":
            return None
        raise CSVFormatError(f"missing value (blank cell) at {where()}")
    value = _number(cell)
    if value is None:
        hint = ""
        if _DECIMAL_COMMA.fullmatch(cell.strip()):
            hint = " (decimal commas are not supported: use a point)"
        elif "\n" in cell or "\r" in cell:
            hint = " (a quote left open runs it over several lines)"
        elif _foreign_number(cell):
            char = next(c for c in cell if not c.isascii())
            name = " ".join(filter(None, (f"U+{ord(char):04X}", unicodedata.name(char, ""))))
            hint = (f" (it contains {name}: a number is written with ASCII digits, sign, "
                    "point and e only)")
        raise CSVFormatError(f"non-numeric cell {_shown(cell)} at {where()}{hint}")
    if not math.isfinite(value):
        why = "too large for float64" if cell.strip()[-1].isdigit() else "NaN or infinity"
        raise CSVFormatError(f"value {_shown(cell)} at {where()} is not finite ({why})")
    return value


def _check_mask(mask: np.ndarray, body: list[_Row], column) -> None:
    """Missing values are allowed, but not a whole row, a whole column, or everything."""
    if not mask.any():
        raise CSVFormatError("every cell is blank: nothing to factor")
    empty_rows = np.flatnonzero(~mask.any(axis=1))
    if empty_rows.size:
        line = body[empty_rows[0]].line
        raise CSVFormatError(f"line {line} has no values (every cell in it is blank)")
    empty_cols = np.flatnonzero(~mask.any(axis=0))
    if empty_cols.size:
        raise CSVFormatError(f"{column(int(empty_cols[0]))} has no values (every cell on "
                             f"lines {body[0].line} to {body[-1].line} is blank)")


def _check_values(values: np.ndarray, body: list[_Row], start: int, where) -> None:
    negative = values < 0
    count = int(np.count_nonzero(negative))
    if count:
        i, j = np.unravel_index(int(np.argmax(negative)), values.shape)
        cell = body[i].cells[start + j].strip()
        cell = cell if len(cell) <= _MAX_SHOWN else repr(float(values[i, j]))
        plural = "s" if count > 1 else ""
        raise CSVFormatError(f"{count:,} negative value{plural}; the first is {cell} at "
                             f"{where(i, j)} (NMF needs non-negative data)")
    if not values.any():
        raise CSVFormatError("all entries are zero: nothing to factor")


def neutralise_label(label) -> str:
    """``label`` as text, with a leading ``'`` if a spreadsheet could run it as a formula.

    OWASP's CSV-injection advice: prefix cells starting with = + - @ tab or CR.
    """
    text = str(label)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv_bytes(matrix, row_labels=None, col_labels=None) -> bytes:
    """``matrix`` as UTF-8 CSV: exact numbers (``repr``), neutralised labels.

    With ``col_labels`` the first line is a header; with ``row_labels`` the first
    column holds them (and the header's top-left cell is empty).  With neither,
    the output is plain numbers.  NaN is written as a blank cell (what
    ``load_csv(missing="mask")`` reads as missing).  ``load_csv`` reads the
    result back bit for bit, with the same labels when they are not numeric,
    blank, padded with spaces, or changed by ``neutralise_label``.
    """
    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2:
        raise MatrixError(f"matrix must be 2-D; got shape {values.shape}")
    for name, labels, size in (("row_labels", row_labels, values.shape[0]),
                               ("col_labels", col_labels, values.shape[1])):
        if labels is not None and len(labels) != size:
            raise ParameterError(f"{name} has {len(labels)} labels for {size} "
                                 f"{'rows' if name == 'row_labels' else 'columns'}")
    out = io.StringIO()
    writer = csv.writer(out)  # CRLF ends rows; CR or LF in a label is quoted
    corner = [] if row_labels is None else [""]
    if col_labels is not None:
        writer.writerow(corner + [neutralise_label(label) for label in col_labels])
    for i, row in enumerate(values.tolist()):
        cells = ["" if math.isnan(x) else repr(x) for x in row]
        writer.writerow(cells if row_labels is None else [neutralise_label(row_labels[i]), *cells])
    return out.getvalue().encode("utf-8")
