"""Read a user's CSV as a finite, non-negative matrix; write matrices back safely.

``load_csv`` reads raw bytes (bounded by ``max_bytes``), rejects oversized or
binary input before parsing, decodes UTF-8, and converts every cell itself so
that each problem is one ``CSVFormatError`` line naming the first place it
occurs as a user counts: ``line 4, column 2 ('Tue')`` (1-based physical line in
the file, 1-based column including any label column).

Detection rules (each can be overridden by a keyword; each has a test in
tests/test_csvio.py):

* **BOMs and Excel's ``sep=`` line.** Any number of leading UTF-8 BOMs are
  skipped.  A first line ``sep=;`` (Excel) names the delimiter and is skipped.
* **Delimiter.** Comma, semicolon or tab: the one that splits the first 100
  lines into the same number of cells (more than one), then into the most
  numeric cells, then into more columns.
* **Decimal comma** (``decimal="auto"``): read only when the delimiter is
  ``;`` or tab, some cells look like ``1,5`` and none like ``1.5``.  Never with
  a comma delimiter.  ``decimal=","`` forces it (a comma is then never a
  delimiter).
* **Thousands separators are never guessed.**  ``"2,000"`` is refused with a
  hint to load with ``thousands=","``; with it, ``1,234,567`` (groups of three)
  is a number.
* **Text, not broken numbers.**  A cell is *genuine text* when it is not a
  number and not a *decorated number*: a currency sign or percent, thousands
  separators, a Unicode minus, non-ASCII digits or spaces, hexadecimal, or a
  token such as ``NA``, ``N/A``, ``null``, ``TRUE``, ``-``.  Decorated numbers
  are data cells: wherever they are they get a located error, never a label.
* **Row labels** (``label_column="auto"``), in the first column, when
  (a) every cell below the top-left one is not a number and at least one is
  genuine text; or (b) pandas' and R's index: the top-left cell is empty (or
  ``""``) and the column below it holds distinct whole numbers written in
  digits, under a header with text (under a header of numbers both must count
  from 0 or 1, as pandas' default ``,0,1`` does, so a blank top-left cell in a
  matrix of counts is still an error); or (c) R's row names: the top-left cell
  is empty and every cell below it is quoted, under a header with text.  A
  numeric first column that is none of these stays data.
* **Header** (``header="auto"``): the first row is a header when none of its
  data cells is a decorated number, at least one is genuine text, and either
  the first is text (``id,2019,2020``) or none is a number (so a stray word in
  a row of numbers is an error, not a header); or when
  there are row labels and the top-left cell is empty (pandas, R) or genuine
  text (``id,2019,2020`` above ``x,1,2``).  R's ``write.table`` header, one cell
  short, gets its empty top-left cell back.
* ``drop`` leaves columns out before any cell in them is read (a text class
  label, an id); ``label_column`` may name any column, numeric ones included.

``to_csv_bytes`` writes numbers exactly (``repr``) and labels neutralised
against spreadsheet formula injection, in a layout ``load_csv`` reads back.

Large files take a vectorised path (pandas' C parser, which converts numbers
exactly as ``float`` does) when the body is plain: no quotes, ASCII, '.' decimals,
no dropped or chosen columns; anything it does not accept exactly falls back
to the cell-by-cell reader, which gives the located message.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .errors import CSVFormatError, MatrixError, ParameterError
from .importing import (  # noqa: F401 (re-exported: the loader's limits live with it)
    BYTES_PER_CELL,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CELLS,
    MIB,
    MISSING_CHOICES,
    LoadedMatrix,
    check_limits,
    check_settings,
    finish,
    read_bytes,
)

DELIMITERS = (",", ";", "\t")

# Leading bytes of formats people upload by mistake, and what to call them.
BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive that is not an .xlsx or .ods workbook"),
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
_POINT_DECIMAL = re.compile(r"[+-]?\d*\.\d+(?:[eE][+-]?\d+)?")
_SEP_LINE = re.compile(r"sep=([^\r\n\"])[ \t]*(?:\r\n|\r|\n|$)")
_ASCII_SPACE = " \t\n\r\f\v"
_DIGITS = re.compile(r"[0-9]+")
_MAX_SHOWN = 40  # characters of a cell quoted in a message
_SAMPLE_LINES = 100  # non-blank lines looked at to choose the delimiter
_SAMPLE_CELLS = 1000  # cells of each of those lines counted as numeric or not
FAST_PATH_MIN_CHARS = 1 << 15  # smaller files always take the cell-by-cell reader
_FAST_TABLE_MAX_WIDTH = 2000  # wider bodies are parsed as one column of cells
# Tokens that stand for a missing or logical value: data cells, never labels.
_TOKENS = frozenset({"na", "n/a", "nan", "null", "none", "nil", "true", "false", "-", "--",
                     ".", "?", "#n/a", "#na", "#value!", "#div/0!", "#ref!", "#num!",
                     "#name?", "#null!", "missing", "inf", "-inf", "+inf"})
_DECORATIONS = frozenset(",_'%‰()\u2212")
_THOUSANDS_GROUPS = {sep: re.compile(r"[+-]?\d{1,3}(?:" + re.escape(sep) + r"\d{3})+(?:[.,]\d+)?")
                     for sep in (",", ".", " ", "'")}


@dataclass(frozen=True)
class _Row:
    line: int  # 1-based physical line (or spreadsheet row) where the record starts
    cells: list[str]
    quoted: bool = False  # whether its first cell was written in quotes


def load_csv(source, *, max_cells: int = DEFAULT_MAX_CELLS, max_bytes: int | None = None,
             missing: str = "error", header="auto", label_column="auto", drop=(),
             decimal: str = "auto", thousands: str | None = None, transpose: bool = False,
             scale: str = "none", sheet=None, dtype="float64") -> LoadedMatrix:
    """Read ``source`` (a path, ``"-"`` for stdin, or a binary or text file-like
    object, read from its current position) as a matrix.

    The file may be CSV text or a spreadsheet (.xlsx, .ods: recognised by its
    content; ``sheet`` picks one).  ``max_bytes`` defaults to
    ``DEFAULT_MAX_BYTES``; input over it, or with more than ``max_cells`` cells
    (estimated from the raw bytes), is rejected before any parsing.

    Import settings (the module docstring gives the detection rules):
    ``missing="mask"`` allows blank cells and returns a mask of the observed
    ones; ``header`` ('auto', True, False); ``label_column`` ('auto', None, a
    0-based column number or a header name); ``drop`` (columns to leave out,
    by number or name); ``decimal`` ('auto', '.', ','); ``thousands`` (None or
    the separator, never guessed); ``transpose``; ``scale`` ('none', 'max':
    each column divided by its maximum, 'mean': by its mean; the divisors are
    in ``column_scale``).

    ``dtype`` ('float64' or 'float32') is the values' precision; a value beyond
    float32's range is then an error, not an inf.

    Every problem with the input is a ``CSVFormatError``; bad arguments are a
    ``ParameterError``; a path that cannot be opened raises the ``OSError``.
    """
    from .importing import load_matrix
    from .precision import working_dtype

    dtype = working_dtype(dtype)
    loaded = load_matrix(source, max_cells=max_cells, max_bytes=max_bytes, missing=missing,
                       header=header, label_column=label_column, drop=drop, decimal=decimal,
                       thousands=thousands, transpose=transpose, scale=scale, sheet=sheet)
    return loaded if dtype == np.float64 else _as_float32(loaded)


def _as_float32(loaded: LoadedMatrix) -> LoadedMatrix:
    import dataclasses

    big = np.abs(loaded.values) > np.finfo(np.float32).max
    if big.any():
        i, j = np.argwhere(big)[0]
        raise CSVFormatError(f"the value {loaded.values[i, j]:g} at row {i + 1}, column "
                             f"{j + 1} is beyond float32's range (3.4e38); use dtype float64")
    return dataclasses.replace(loaded, values=loaded.values.astype(np.float32))


def parse_csv_bytes(raw: bytes, *, max_cells: int, **settings) -> LoadedMatrix:
    """CSV bytes (within the byte limit) as a matrix, before ``transpose`` and ``scale``."""
    _reject_binary(raw)
    cells_bound = _cells_upper_bound(raw)
    if cells_bound > max_cells:
        raise CSVFormatError(f"the file has about {cells_bound:,} cells, over the limit of "
                             f"{max_cells:,} (max_cells)")
    text = _decode(raw)
    del raw
    text, delimiter, notes = _preamble(text)
    decimal = settings["decimal"]
    if delimiter is None:
        delimiter = _choose_delimiter(text, decimal)
    if decimal == "auto":
        decimal = _choose_decimal(text, delimiter, notes)
    number = number_reader(decimal, settings["thousands"])
    loaded = None
    if len(text) >= FAST_PATH_MIN_CHARS:
        loaded = _fast(text, delimiter, decimal, settings, notes)
    if loaded is None:
        rows = _tokenise(text, delimiter)
        if not rows:
            raise CSVFormatError("the file is empty: there are no rows to read")
        loaded = interpret(rows, settings, number, CSV_PLACES, notes)
    if (delimiter == "," and loaded.values.shape[1] == 2 and loaded.col_labels is None
            and loaded.row_labels is None):
        loaded = _with_note(loaded, "comma-separated, 2 columns, no header: if the commas "
                                    "are decimal commas (one column), load with decimal=','")
    return loaded


def preview_csv(raw: bytes, rows: int = 8, decimal: str = "auto") -> list[list[str]]:
    """The first non-blank records of CSV bytes as split into cells ([] if unreadable)."""
    try:
        _reject_binary(raw)
        text = _decode(raw[: 1 << 20].rsplit(b"\n", 1)[0] if len(raw) > 1 << 20 else raw)
    except CSVFormatError:
        return []
    text, delimiter, _ = _preamble(text)
    delimiter = delimiter or _choose_delimiter(text, decimal)
    return [cells for cells, _ in _sample(text, delimiter)[0][:rows]]


def _with_note(loaded: LoadedMatrix, note: str) -> LoadedMatrix:
    from dataclasses import replace
    return replace(loaded, notes=(*loaded.notes, note))


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


def _preamble(text: str) -> tuple[str, str | None, list[str]]:
    """``text`` without leading BOMs and with Excel's ``sep=X`` line blanked (so lines
    keep their numbers), the delimiter that line names, and notes saying so."""
    notes = []
    text = text.lstrip("\ufeff")
    match = _SEP_LINE.match(text)
    if match is None:
        return text, None, notes
    delimiter = match.group(1)
    notes.append(f"the first line {match.group().strip()!r} (Excel) names the delimiter")
    ended = match.group().endswith(("\n", "\r"))
    return ("\n" if ended else "") + text[match.end():], delimiter, notes


def _lines(text: str):
    """The physical lines of ``text``, as ``open(newline="")`` gives them to the csv module:
    LF, CR and CRLF each end a line and stay on its end."""
    return (match.group() for match in _LINE.finditer(text))


def _is_blank(cells: list[str]) -> bool:
    return len(cells) <= 1 and not "".join(cells).strip()


def _sample(text: str, delimiter: str):
    """The first non-blank records (cells, first cell quoted), with the offsets in ``text``
    where the first record starts and ends."""
    end = 0

    def lines():
        nonlocal end
        for match in _LINE.finditer(text):
            end = match.end()
            yield match.group()

    records, first, start = [], None, 0
    try:
        for cells in csv.reader(lines(), delimiter=delimiter, skipinitialspace=True):
            if not _is_blank(cells):
                if first is None:
                    first = (start, end)
                records.append((cells, text[start:end].lstrip(" \t").startswith('"')))
                if len(records) == _SAMPLE_LINES:
                    break
            start = end
    except csv.Error:
        return [], (0, 0)
    return records, first or (0, 0)


def _decimal_number(cell: str) -> float | None:
    value = _number(cell)
    if value is None and _DECIMAL_COMMA.fullmatch(cell.strip()):
        return _number(cell.replace(",", "."))
    return value


def _choose_delimiter(text: str, decimal: str = "auto") -> str:
    """The delimiter that splits the first lines most consistently into several columns.

    Ties go to the one giving the larger share of numeric cells (a decimal comma
    counts as numeric for ';' and tab), then to more columns, then to the order
    comma, semicolon, tab.  With ``decimal=","`` a comma is never the delimiter.
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
            return (False, 0.0, 0.0, 0)
        if not records:
            return (False, 0.0, 0.0, 0)
        width, agreeing = Counter(len(r) for r in records).most_common(1)[0]
        number = _number if delimiter == "," else _decimal_number
        cells = [cell for r in records for cell in r[:_SAMPLE_CELLS]]
        numeric = sum(number(cell) is not None for cell in cells) / len(cells)
        return (width > 1, agreeing / len(records), numeric, width)

    candidates = [d for d in DELIMITERS if not (decimal == "," and d == ",")]
    return max(candidates, key=score)


def _choose_decimal(text: str, delimiter: str, notes: list[str]) -> str:
    """',' when the delimiter is ';' or tab and the first lines hold cells like 1,5 and
    none like 1.5; else '.'."""
    if delimiter == ",":
        return "."
    commas = points = 0
    example = ""
    for cells, _ in _sample(text, delimiter)[0]:
        for cell in cells:
            cell = cell.strip()
            if _DECIMAL_COMMA.fullmatch(cell):
                commas += 1
                example = example or cell
            elif _POINT_DECIMAL.fullmatch(cell):
                points += 1
    if commas and not points:
        name = "tab" if delimiter == "\t" else repr(delimiter)
        notes.append(f"decimal commas: the delimiter is {name} and cells such as {example!r} "
                     "look like 1,5")
        return ","
    return "."


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
                quoted = text[start:start + 64].lstrip(" \t").startswith('"')
                rows.append(_Row(lines_read + 1, cells, quoted))
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


# ------------------------------------------------------------------------ what a cell is

def _number(cell: str) -> float | None:
    """The cell's value if it spells a number (nan and inf included), else None."""
    if not cell.isascii() or "_" in cell:  # float() also takes '1_000' and non-ASCII digits
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def number_reader(decimal: str = ".", thousands: str | None = None):
    """A function: a cell's text -> its value (None if it is not a number), for that
    decimal mark and thousands separator (only in groups of three digits)."""
    if decimal in (".", "auto") and thousands is None:
        return _number
    point = "." if decimal == "auto" else decimal
    groups = None if thousands is None else re.compile(
        r"[+-]?\d{1,3}(?:" + re.escape(thousands) + r"\d{3})+(?:" + re.escape(point)
        + r"\d*)?(?:[eE][+-]?\d+)?")

    def number(cell: str) -> float | None:
        text = cell.strip(_ASCII_SPACE)
        if groups is not None and groups.fullmatch(text):
            text = text.replace(thousands, "")
        if point == ",":
            if "." in text:
                return None
            text = text.replace(",", ".")
        return _number(text)

    return number


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


def _decorated(cell: str) -> bool:
    """Whether a cell that is not a plain number is one with decoration, or a
    missing-value or logical token: a data cell, never a label."""
    text = cell.strip()
    if not text:
        return False
    if text.lower() in _TOKENS:
        return True
    text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    text = "".join(c for c in text if c not in _DECORATIONS
                   and unicodedata.category(c) not in ("Sc", "Zs", "Cf"))
    if not text:
        return False
    try:
        float(text)  # takes non-ASCII digits
        return True
    except ValueError:
        pass
    if text[:2].lower() in ("0x", "+0", "-0") or text[:3].lower() in ("+0x", "-0x"):
        try:
            int(text, 16)
            return True
        except ValueError:
            return False
    return False


def cell_kind(cell: str, number=_number) -> str:
    """'blank', 'number', 'decorated' (a number with decoration, or NA/TRUE-like) or
    'text' (genuine text, the only kind that makes a label or a header)."""
    if not cell.strip():
        return "blank"
    if number(cell) is not None:
        return "number"
    return "decorated" if _decorated(cell) else "text"


def _shown(text: str) -> str:
    """``text`` quoted for a one-line message: control characters and invisible
    ones (a non-breaking space, say) escaped, so the message shows them."""
    text = text.strip(_ASCII_SPACE)
    return repr(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…")


# ----------------------------------------------------------- rows of cells -> a matrix

@dataclass(frozen=True)
class Places:
    """How a format names a column and a cell in its messages."""

    column: object  # (file column, 0-based; header label or None) -> str
    cell: object  # (line or row, file column, label) -> str


def _label_suffix(label):
    return f" ({_shown(label)})" if label else ""


CSV_PLACES = Places(
    column=lambda c, label: f"column {c + 1}{_label_suffix(label)}",
    cell=lambda line, c, label: f"line {line}, column {c + 1}{_label_suffix(label)}",
)


def _resolve(ref, names: list[str], what: str, width: int) -> int:
    if isinstance(ref, int):
        if ref >= width:
            raise ParameterError(f"{what} {ref} is out of range: the file has {width} "
                                 f"column{'s' if width > 1 else ''} (0 to {width - 1})")
        return ref
    if ref in names:
        return names.index(ref)
    shown = ", ".join(_shown(n) for n in names[:8]) + (", …" if width > 8 else "")
    raise ParameterError(f"{what} {ref!r} is not a name in the first row ({shown})")


def _layout(rows: list[list[str]], quoted: list[bool], settings: dict, number, notes: list):
    """(header?, the label column or None, the data columns) by the module's rules."""
    first = rows[0]
    refs = (*settings["drop"], settings["label_column"])
    names = [cell.strip() for cell in first] if any(isinstance(r, str) for r in refs) else []
    width = len(first)
    dropped = sorted({_resolve(ref, names, "drop", width) for ref in settings["drop"]})
    # Ranges while no column is taken out, so a row of millions of cells costs nothing here.
    kept = [j for j in range(width) if j not in dropped] if dropped else range(width)
    if dropped:
        notes.append("left out: " + ", ".join(f"column {j + 1}" for j in dropped))
    choice = settings["label_column"]
    if choice == "auto":
        label = _auto_label(rows, quoted, kept, number, notes) if len(kept) > 1 else None
    elif choice is None:
        label = None
    else:
        label = _resolve(choice, names, "label_column", width)
        if label in dropped:
            raise ParameterError(f"label_column {choice!r} is also in drop")
        notes.append(f"column {label + 1} holds the row labels (chosen)")
    if isinstance(kept, range) and label in (None, 0):
        data_cols = kept if label is None else range(1, width)
    else:
        data_cols = [j for j in kept if j != label]
    if not data_cols:
        raise CSVFormatError("no data columns are left once the label column and the "
                             "dropped columns are taken out")
    header = settings["header"]
    if header == "auto":
        header = _auto_header(rows, label, data_cols, number, notes)
    else:
        notes.append("the first row is a header (chosen)" if header else "no header (chosen)")
    return header, label, data_cols


def _auto_label(rows, quoted, kept, number, notes) -> int | None:
    c = kept[0]
    column = [cells[c] for cells in rows]
    below = column[1:] or column
    kinds = [cell_kind(cell, number) for cell in below]
    if cell_kind(column[0], number) != "number" and "number" not in kinds and "text" in kinds:
        example = below[kinds.index("text")]
        notes.append(f"column {c + 1} holds the row labels: its cells are text "
                     f"(such as {_shown(example)})")
        return c
    if column[0].strip() or len(rows) < 2:
        return None
    if is_written_index(column[1:], [rows[0][j] for j in kept[1:]], number):
        notes.append(f"column {c + 1} holds the row labels: distinct whole numbers under an "
                     "empty top-left cell, an index as pandas and R write it")
        return c
    if all(quoted[1:]) and any(cell_kind(rows[0][j], number) == "text" for j in kept[1:]):
        notes.append(f"column {c + 1} holds the row labels: quoted cells under an empty "
                     "top-left cell, R's row names")
        return c
    return None


def _counting(cells: list[str]) -> bool:
    """Whether ``cells`` spell 0, 1, 2, ... or 1, 2, 3, ... (digits only)."""
    if not all(_DIGITS.fullmatch(cell.strip()) for cell in cells):
        return False
    values = [int(cell) for cell in cells]
    return values[:1] in ([0], [1]) and values == list(range(values[0], values[0] + len(values)))


def is_written_index(cells: list[str], names: list[str], number=_number) -> bool:
    """Whether ``cells`` (below an empty top-left cell, beside the header ``names``) are an
    index as pandas and R write it: whole numbers in digits, distinct, under a header
    with text; or, under a header of numbers, counting from 0 or 1 like the header
    (pandas' default ``,0,1`` above ``0,...``), so a blank cell at the top left of a
    matrix of counts is not taken for one."""
    if not cells or not all(_DIGITS.fullmatch(cell.strip()) for cell in cells):
        return False
    if any(cell_kind(name, number) == "text" for name in names):
        return len(set(map(int, cells))) == len(cells)
    return _counting(cells) and _counting(names)


def _auto_header(rows, label, data_cols, number, notes) -> bool:
    first = rows[0]
    if label is not None and len(rows) > 1:
        corner = first[label]
        if not corner.strip():
            notes.append("the first row is a header: its top-left cell is empty")
            return True
        if cell_kind(corner, number) == "text":
            notes.append(f"the first row is a header: its first cell {_shown(corner)} is text "
                         "above the row labels")
            return True
    if cell_kind(first[data_cols[0]], number) == "number":
        return False  # a number first: a header then needs none (one-row files stay fast)
    kinds = [cell_kind(first[j], number) for j in data_cols]
    if "decorated" not in kinds and "text" in kinds and (
            kinds[0] == "text" or "number" not in kinds):
        example = first[data_cols[kinds.index("text")]]
        notes.append(f"the first row is a header: it holds text (such as {_shown(example)})")
        return True
    return False


def interpret(rows: list[_Row], settings: dict, number=_number, places: Places = CSV_PLACES,
              notes=()) -> LoadedMatrix:
    """Rows of cell texts as a LoadedMatrix, by the module's detection rules.

    Shared by the CSV reader and the spreadsheet reader (``places`` names cells
    in each one's terms); ``number`` reads a cell with the file's decimal mark.
    """
    notes = list(notes)
    first = rows[0]
    # R's write.table leaves out the empty top-left cell: its header is one cell short.
    if (len(rows) > 1 and len(first.cells) + 1 == len(rows[1].cells)
            and all(number(cell) is None for cell in first.cells)
            and cell_kind(rows[1].cells[0], number) == "text"):
        first = rows[0] = _Row(first.line, ["", *first.cells], first.quoted)
    width = len(first.cells)
    for row in rows:
        if len(row.cells) != width:
            raise CSVFormatError(f"ragged rows: line {row.line} has {len(row.cells)} cells, "
                                 f"expected {width} like line {first.line}")
    header, label, data_cols = _layout([row.cells for row in rows], [row.quoted for row in rows],
                                       settings, number, notes)
    if header and len(rows) == 1:
        raise CSVFormatError("the file has a header row but no data rows")
    body = rows[1:] if header else rows
    col_labels = tuple(first.cells[j].strip() for j in data_cols) if header else None
    row_labels = tuple(row.cells[label].strip() for row in body) if label is not None else None
    label_header = first.cells[label].strip() if header and label is not None else None

    def column(j: int) -> str:
        return places.column(data_cols[j], col_labels[j] if col_labels else None)

    def where(i: int, j: int) -> str:
        return places.cell(body[i].line, data_cols[j], col_labels[j] if col_labels else None)

    values, mask = _convert(body, data_cols, settings["missing"], number, where)
    if mask is not None:
        _check_mask(mask, body, column)
    _check_values(values, body, data_cols, where)
    return LoadedMatrix(values, row_labels, col_labels, mask, label_header, tuple(notes))


def _convert(body: list[_Row], data_cols: list[int], missing: str, number, where):
    """Float64 values and the mask of non-blank cells (None unless missing='mask')."""
    values = np.empty((len(body), len(data_cols)))
    mask = np.ones(values.shape, dtype=bool) if missing == "mask" else None
    contiguous = data_cols[-1] - data_cols[0] + 1 == len(data_cols)  # ascending, distinct
    start, stop = data_cols[0], data_cols[-1] + 1
    plain_numbers = number is _number
    for i, row in enumerate(body):
        cells = row.cells[start:stop] if contiguous else [row.cells[j] for j in data_cols]
        plain = False
        if plain_numbers:
            try:  # fast path: a row of plain finite numbers
                numbers = list(map(float, cells))
                joined = "".join(cells)
                plain = math.isfinite(sum(numbers)) and joined.isascii() and "_" not in joined
            except ValueError:
                plain = False
        if not plain:
            numbers = []
            for j, cell in enumerate(cells):
                value = _cell_value(cell, missing, number,
                                    lambda: where(i, j))  # noqa: B023 (called now)
                if value is None:
                    mask[i, j] = False
                numbers.append(0.0 if value is None else value)
        values[i] = numbers
    return values, mask


def _hint(cell: str, number) -> str:
    """Why a cell is not a number, when it looks like one."""
    text = cell.strip()
    if number is _number:
        for sep, groups in _THOUSANDS_GROUPS.items():
            if groups.fullmatch(text):
                return (f" (thousands separators are never guessed: load with "
                        f"thousands={sep!r} to read it as {text.replace(sep, '')})")
        if _DECIMAL_COMMA.fullmatch(text):
            return (f" (a decimal comma: load with decimal=',' to read it as "
                    f"{text.replace(',', '.')}; it is detected only in ';' or tab separated "
                    "files)")
    elif _POINT_DECIMAL.fullmatch(text) and _number(text) is not None:
        return " (a decimal point in a file read with decimal commas: load with decimal='.')"
    if "\n" in cell or "\r" in cell:
        return " (a quote left open runs it over several lines)"
    if _foreign_number(cell):
        char = next(c for c in cell if not c.isascii())
        name = " ".join(filter(None, (f"U+{ord(char):04X}", unicodedata.name(char, ""))))
        return (f" (it contains {name}: a number is written with ASCII digits, sign, "
                "point and e only)")
    if text.lower() in _TOKENS:
        return (" (a missing-value or logical marker: leave missing cells blank and load "
                "with missing='mask'; write logical values as 1 and 0)")
    if _decorated(text):
        return " (a number with decoration, such as a currency sign or %: write plain numbers)"
    if text:
        return (" (text: if the column holds labels, choose it as the label column "
                "(label_column) or leave it out (drop))")
    return ""


def _cell_value(cell: str, missing: str, number, where) -> float | None:
    """The cell's finite value, None for a blank cell when allowed, else CSVFormatError."""
    if not cell.strip():
        if missing == "mask":
            return None
        raise CSVFormatError(f"missing value (blank cell) at {where()} (load with "
                             "missing='mask' to fit around blank cells)")
    value = number(cell)
    if value is None:
        raise CSVFormatError(f"non-numeric cell {_shown(cell)} at {where()}{_hint(cell, number)}")
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


def _check_values(values: np.ndarray, body: list[_Row], data_cols, where) -> None:
    negative = values < 0
    count = int(np.count_nonzero(negative))
    if count:
        i, j = np.unravel_index(int(np.argmax(negative)), values.shape)
        cell = body[i].cells[data_cols[j]].strip()
        cell = cell if len(cell) <= _MAX_SHOWN else repr(float(values[i, j]))
        plural = "s" if count > 1 else ""
        raise CSVFormatError(f"{count:,} negative value{plural}; the first is {cell} at "
                             f"{where(i, j)} (NMF needs non-negative data)")
    if not values.any():
        raise CSVFormatError("all entries are zero: nothing to factor")


# ------------------------------------------------------------- the vectorised fast path

def _fast(text: str, delimiter: str, decimal: str, settings: dict, notes: list):
    """The matrix through pandas' C parser when the file is plain, else None.

    Plain: no quotes in the body, '.' decimals, no thousands separator, no chosen
    or dropped columns, and (checked on the whole file after parsing) the
    layout the first lines suggest holds for every row, every value finite and
    non-negative, not all zero.  Whatever is not plain returns None, and the
    cell-by-cell reader gives the exact matrix or the located message.
    """
    if (decimal != "." or settings["thousands"] is not None or settings["drop"]
            or settings["label_column"] not in ("auto", None)):
        return None
    sample, (first_start, first_end) = _sample(text, delimiter)
    if not sample or any(len(cells) != len(sample[0][0]) for cells, _ in sample):
        return None
    width = len(sample[0][0])
    notes = list(notes)
    header, label, data_cols = _layout([c for c, _ in sample], [q for _, q in sample],
                                       settings, _number, notes)
    if label not in (None, 0) or list(data_cols[:1]) != [0 if label is None else 1] or (
            data_cols[-1] != width - 1 or len(data_cols) != width - (label == 0)):
        return None
    start = first_end if header else first_start
    if text.find('"', start) != -1:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if label is None or _number(sample[-1][0][0]) is not None:  # numbers: no labels
                values = _read_numbers(_Chunks(text, start, ascii_only=True), delimiter,
                                       width)
                if values is None:
                    return None
                row_labels = None
                if label == 0:
                    row_labels = _first_column_text(_Chunks(text, start), delimiter)
                    if not is_written_index(list(row_labels), sample[0][0][1:]):
                        return None
                    values = values[:, 1:]
            else:
                # Bytes here: pandas reads a text column from a file object 2x slower.
                values, row_labels = _read_labelled(text[start:].encode(), delimiter, width)
                if values is None:
                    return None
    except (ValueError, TypeError, IndexError, MemoryError, OverflowError, _NotPlain):
        return None
    except Exception:  # pandas' own parser errors
        return None
    if row_labels is not None and len(row_labels) != values.shape[0]:
        return None
    if not values.size or not np.isfinite(values).all() or (values < 0).any() or not values.any():
        return None
    first = sample[0][0]
    col_labels = tuple(first[j].strip() for j in data_cols) if header else None
    label_header = first[0].strip() if header and label is not None else None
    mask = np.ones(values.shape, bool) if settings["missing"] == "mask" else None
    return LoadedMatrix(np.ascontiguousarray(values, dtype=np.float64), row_labels, col_labels,
                        mask, label_header, tuple(notes))


class _NotPlain(Exception):
    """The body holds what the fast path leaves to the careful reader."""


class _Chunks:
    """``text[start:]`` as a binary file pandas reads in pieces, so the body is never
    copied whole (``ascii_only``: a non-ASCII character stops the read)."""

    def __init__(self, text: str, start: int, ascii_only: bool = False):
        self.text, self.position, self.ascii_only = text, start, ascii_only

    def read(self, size: int = -1) -> bytes:
        end = len(self.text) if size is None or size < 0 else self.position + size
        piece = self.text[self.position:end]
        self.position += len(piece)
        if self.ascii_only and not piece.isascii():
            raise _NotPlain
        return piece.encode()

    def whole(self) -> bytes:
        return self.read()

    def __iter__(self):  # pandas checks for a file-like object by these two
        return iter(())

    def rewound(self) -> _Chunks:
        return _Chunks(self.text, self.position, self.ascii_only)


def _pandas_csv(data, delimiter: str, **options):
    import pandas as pd
    source = data if isinstance(data, _Chunks) else io.BytesIO(data)
    return pd.read_csv(source, sep=delimiter, header=None, na_filter=False,
                       skipinitialspace=True, engine="c", quoting=csv.QUOTE_NONE,
                       **options)


def _read_numbers(data: bytes, delimiter: str, width: int):
    """The (n, width) numbers of a quote-free ASCII body, or None if a row is not
    ``width`` plain numbers."""
    if width <= _FAST_TABLE_MAX_WIDTH:
        # In pieces, into one array sized by the line count: no concatenated copy.
        text = data.text
        at = data.position
        bound = (text.count("\n", at) + text.count("\r", at) - text.count("\r\n", at)) + 1
        values = np.empty((bound, width))
        n = 0
        for frame in _pandas_csv(data, delimiter, dtype=np.float64, chunksize=1 << 18):
            if frame.shape[1] != width or n + len(frame) > bound:
                return None
            values[n:n + len(frame)] = frame.to_numpy(np.float64)
            n += len(frame)
        return values[:n] if n > bound // 2 else values[:n].copy()
    # Wide rows: one column of cells, after checking that every line has width cells.
    flat = data.whole().replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    codes = np.frombuffer(flat, np.uint8)
    ends = np.flatnonzero(codes == 10)
    if not flat.endswith(b"\n"):
        ends = np.append(ends, len(flat))
    starts = np.concatenate(([0], ends[:-1] + 1))
    filled = ends > starts
    delimiters = np.flatnonzero(codes == ord(delimiter))
    counts = np.searchsorted(delimiters, ends) - np.searchsorted(delimiters, starts)
    if (counts[filled] != width - 1).any():
        return None
    n = int(filled.sum())
    del codes, ends, starts, filled, delimiters, counts
    column = _pandas_csv(flat.replace(delimiter.encode(), b"\n"), delimiter, dtype=np.float64)
    if column.shape != (n * width, 1):
        return None
    return column.to_numpy(np.float64).reshape(n, width)


def _first_column_text(data: bytes, delimiter: str) -> tuple[str, ...]:
    frame = _pandas_csv(data, delimiter, usecols=[0], dtype=object)
    return tuple(str(cell).strip() for cell in frame[0].tolist())


def _read_labelled(data: bytes, delimiter: str, width: int):
    """Text labels in the first column and numbers in the rest, or (None, None)."""
    if width > _FAST_TABLE_MAX_WIDTH:
        return None, None
    # Every column named: a defaultdict loses its default after pandas' first chunk.
    frame = _pandas_csv(data, delimiter,
                        dtype={j: (object if j == 0 else np.float64) for j in range(width)})
    if frame.shape[1] != width:
        return None, None
    labels = frame[0].astype(str).str.strip()
    # Only a label starting like a number (a digit, sign, point, inf or nan) can be one.
    maybe = labels[labels.str[:1].isin(tuple("0123456789+-.iInN"))].tolist()
    if any(_number(label) is not None for label in maybe):
        return None, None  # a number among the labels: the careful reader decides
    labels = labels.tolist()
    values = frame.iloc[:, 1:].to_numpy(np.float64)
    return values, tuple(labels)


# ------------------------------------------------------------------------- export

def neutralise_label(label) -> str:
    """``label`` as text, with a leading ``'`` if a spreadsheet could run it as a formula.

    OWASP's CSV-injection advice: prefix cells starting with = + - @ tab or CR.
    """
    text = str(label)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv_bytes(matrix, row_labels=None, col_labels=None, corner: str = "") -> bytes:
    """``matrix`` as UTF-8 CSV: exact numbers (``repr``), neutralised labels.

    With ``col_labels`` the first line is a header; with ``row_labels`` the first
    column holds them, the header's top-left cell is empty, and a header is written
    even without ``col_labels`` (the columns numbered from 1); ``corner`` is its
    top-left cell (the header of the label column).  With neither,
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
    corner = [] if row_labels is None else [neutralise_label(corner)]
    if row_labels is not None and col_labels is None:
        # Without a header a text first label would read back as a header's corner.
        col_labels = [str(j + 1) for j in range(values.shape[1])]
    if col_labels is not None:
        writer.writerow(corner + [neutralise_label(label) for label in col_labels])
    for i, row in enumerate(values.tolist()):
        cells = ["" if math.isnan(x) else repr(x) for x in row]
        writer.writerow(cells if row_labels is None else [neutralise_label(row_labels[i]), *cells])
    return out.getvalue().encode("utf-8")
