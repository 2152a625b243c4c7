"""The one front door for a user's file: ``load_matrix(source, **import_settings)``.

Formats are recognised by their content, not their name: a ZIP holding
``xl/workbook.xml`` is an Excel workbook (.xlsx), a ZIP whose ``mimetype`` says
``opendocument.spreadsheet`` is a LibreOffice sheet (.ods); anything else is
read as CSV text.  To add a format (a Matrix Market file, a ``.npz``, a table
of triples), append a :class:`Format` to :data:`FORMATS`: a predicate over the
file's first bytes and a reader ``read(raw, max_cells=..., **settings)`` that
returns a :class:`LoadedMatrix`.  Every reader gets the same byte limit
(checked here, before it sees the bytes) and the same import settings, which
are declared once in :data:`IMPORT_SETTINGS` (the app's import step, its URL,
the CLI's flags and the reproduce box all read that table).

After a reader, :func:`finish` applies the settings that do not depend on the
format: ``transpose`` and ``scale``.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .errors import CSVFormatError, ParameterError

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
HEADER_CHOICES = ("auto", True, False)
DECIMAL_CHOICES = ("auto", ".", ",")
THOUSANDS_CHOICES = (None, ",", ".", " ", "'")
SCALE_CHOICES = ("none", "max", "mean")
SCALING_EFFECT = (
    "Scaling divides each column of X by its maximum or its mean, so a column of large "
    "numbers no longer dominates the fit; A is in the scaled units' proportions and each "
    "column of S must be multiplied back by its column's divisor (column_scale) to be in "
    "the file's units.")


@dataclass(frozen=True)
class ImportSetting:
    """One import setting: its keyword name, default, allowed values (None: checked by
    :func:`check_settings`), and one line of help."""

    name: str
    default: object
    help: str
    choices: tuple | None = None


IMPORT_SETTINGS: dict[str, ImportSetting] = {s.name: s for s in (
    ImportSetting("header", "auto", "Is the first row a header? 'auto' (detected), True or "
                  "False.", HEADER_CHOICES),
    ImportSetting("label_column", "auto", "The column of row labels: 'auto' (detected), None "
                  "(no labels), a 0-based column number or a header name; numeric columns "
                  "too (a class label)."),
    ImportSetting("drop", (), "Columns to leave out: 0-based numbers or header names (a "
                  "class label, an id)."),
    ImportSetting("missing", "error", "'mask': blank cells are missing values (masked NMF); "
                  "'error': a blank cell is an error.", MISSING_CHOICES),
    ImportSetting("decimal", "auto", "The decimal mark: 'auto' (a comma only in ';' or tab "
                  "files whose cells look like 1,5), '.' or ','.", DECIMAL_CHOICES),
    ImportSetting("thousands", None, "The thousands separator, never guessed: None, ',', '.', "
                  "' ' or \"'\".", THOUSANDS_CHOICES),
    ImportSetting("transpose", False, "Swap rows and columns after reading.", (False, True)),
    ImportSetting("scale", "none", "'none'; 'max': each column divided by its maximum; "
                  "'mean': each column divided by its mean.", SCALE_CHOICES),
    ImportSetting("sheet", None, "Spreadsheets only: the sheet to read, by 0-based number or "
                  "name (None: the first)."),
)}


@dataclass(frozen=True, eq=False)
class LoadedMatrix:
    """A matrix read from a file.

    ``values`` is float64 (n, m), C-contiguous, finite and non-negative.
    ``mask`` is None unless blank cells were allowed (``missing="mask"``); then
    it is a bool (n, m) array, False where a cell was blank (``values`` holds
    0.0 there).  ``label_header`` is the header above the row labels (the
    top-left cell), ``notes`` say what was detected and why, ``column_scale``
    holds each column's divisor when ``scale`` was used, and ``sha256`` is the
    digest of the file's bytes.
    """

    values: np.ndarray
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None
    mask: np.ndarray | None = None
    label_header: str | None = None
    notes: tuple[str, ...] = ()
    column_scale: np.ndarray | None = None
    sha256: str | None = None


def check_limits(max_cells, max_bytes) -> tuple[int, int]:
    max_bytes = DEFAULT_MAX_BYTES if max_bytes is None else max_bytes
    for name, value in (("max_cells", max_cells), ("max_bytes", max_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name} must be a whole number >= 1; got {value!r}")
    return max_cells, max_bytes


def _column_ref(name: str, value):
    if isinstance(value, bool) or not isinstance(value, (int, str)) or (
            isinstance(value, int) and value < 0):
        raise ParameterError(f"{name} must be a 0-based column number or a header name; "
                             f"got {value!r}")
    return value


def check_settings(**settings) -> dict:
    """The import settings with defaults filled in; ParameterError for a bad one."""
    unknown = sorted(set(settings) - set(IMPORT_SETTINGS))
    if unknown:
        raise ParameterError(f"unknown import setting {unknown[0]!r}; the settings are "
                             + ", ".join(IMPORT_SETTINGS))
    out = {name: settings.get(name, s.default) for name, s in IMPORT_SETTINGS.items()}
    for name, s in IMPORT_SETTINGS.items():
        value = out[name]
        if s.choices is not None and not any(value is c or (
                type(value) is type(c) and value == c) for c in s.choices):
            shown = ", ".join(map(repr, s.choices))
            raise ParameterError(f"{name} must be one of {shown}; got {value!r}")
    if out["label_column"] not in ("auto", None):
        _column_ref("label_column", out["label_column"])
    drop = out["drop"]
    if isinstance(drop, (int, str)) and not isinstance(drop, bool):
        drop = (drop,)
    if not isinstance(drop, (tuple, list)):
        raise ParameterError(f"drop must be a list of column numbers or names; got {drop!r}")
    out["drop"] = tuple(_column_ref("drop", d) for d in drop)
    if out["sheet"] is not None:
        _column_ref("sheet", out["sheet"])
    if out["thousands"] is not None and out["thousands"] == out["decimal"]:
        raise ParameterError("thousands and decimal must differ")
    return out


def changed_settings(settings: dict) -> dict:
    """The import settings that differ from their defaults (``missing`` included), in
    the table's order: the keyword arguments a reproducing ``load_csv`` call needs."""
    out = {}
    for name, s in IMPORT_SETTINGS.items():
        if name not in settings:
            continue
        value = settings[name]
        if name == "drop":
            value = tuple(value)
        if not (value is s.default or (type(value) is type(s.default) and value == s.default)):
            out[name] = list(value) if name == "drop" else value
    return out


def column_ref(text: str):
    """A column named on the command line or in a URL: 'auto', 'none', a 0-based number,
    or a header name."""
    text = text.strip()
    if text.lower() in ("auto", "none"):
        return text.lower() if text.lower() == "auto" else None
    return int(text) if text.isdigit() else text


def cli_words(settings: dict) -> list[str]:
    """The ``factor`` flags for the import settings that differ from their defaults."""
    words = []
    for name, value in changed_settings(settings).items():
        flag = "--" + name.replace("_", "-")
        if name == "missing":
            words.append("--missing")
        elif name == "transpose":
            words.append("--transpose")
        elif name == "drop":
            for ref in value:
                words += ["--drop", str(ref)]
        elif name == "header":
            words += [flag, "yes" if value else "no"]
        else:
            words += [flag, "none" if value is None else str(value)]
    return words


def add_cli_flags(parser) -> None:
    """The import settings as ``factor`` flags (read back by :func:`settings_from_cli`)."""
    s = IMPORT_SETTINGS
    parser.add_argument("--missing", action="store_true", help=s["missing"].help)
    parser.add_argument("--header", choices=("auto", "yes", "no"), default="auto",
                        help=s["header"].help)
    parser.add_argument("--label-column", type=column_ref, default="auto",
                        help=s["label_column"].help + " ('none' for None)")
    parser.add_argument("--drop", type=column_ref, action="append", default=[],
                        help=s["drop"].help + " Repeat for several.")
    parser.add_argument("--decimal", choices=DECIMAL_CHOICES, default="auto",
                        help=s["decimal"].help)
    parser.add_argument("--thousands", choices=[c for c in THOUSANDS_CHOICES if c],
                        default=None, help=s["thousands"].help)
    parser.add_argument("--transpose", action="store_true", help=s["transpose"].help)
    parser.add_argument("--scale", choices=SCALE_CHOICES, default="none", help=s["scale"].help)
    parser.add_argument("--sheet", type=column_ref, default=None, help=s["sheet"].help)


def settings_from_cli(args) -> dict:
    header = {"auto": "auto", "yes": True, "no": False}[args.header]
    sheet = None if args.sheet in (None, "auto") else args.sheet
    return check_settings(missing="mask" if args.missing else "error", header=header,
                          label_column=args.label_column, drop=tuple(args.drop),
                          decimal=args.decimal, thousands=args.thousands,
                          transpose=args.transpose, scale=args.scale, sheet=sheet)


def read_bytes(source, max_bytes: int) -> bytes:
    """At most ``max_bytes`` of the source, or CSVFormatError if there is more.

    ``source`` is a path, ``"-"`` (standard input), or a binary or text file-like
    object read from its current position.
    """
    if isinstance(source, str) and source == "-":
        import sys
        source = sys.stdin.buffer
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


def zip_kind(raw: bytes) -> str | None:
    """'xlsx' or 'ods' for a spreadsheet ZIP, 'zip' for another ZIP, None otherwise."""
    if not raw.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return "xlsx"
            if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
                return "ods"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return "zip"
    return "zip"


@dataclass(frozen=True)
class Format:
    """A file format the front door dispatches to by content."""

    name: str
    detect: Callable[[bytes], bool]
    read: Callable[..., LoadedMatrix]


def _read_spreadsheet(raw, **kwargs):
    from .spreadsheets import read_spreadsheet
    return read_spreadsheet(raw, **kwargs)


def _sparse_kind(raw):
    from .sparse.io import sparse_kind
    return sparse_kind(raw)


def _read_sparse(raw, **kwargs):  # Matrix Market or scipy .npz: see nmf_core.sparse.io
    from .sparse.io import read_sparse_bytes
    return read_sparse_bytes(raw)


def _read_csv(raw, **kwargs):
    from .csvio import parse_csv_bytes
    return parse_csv_bytes(raw, **kwargs)


# Tried in order; the last (CSV text) takes everything, so insert new formats before it.
FORMATS: list[Format] = [
    Format("spreadsheet", lambda raw: zip_kind(raw) in ("xlsx", "ods"), _read_spreadsheet),
    Format("sparse", lambda raw: _sparse_kind(raw) is not None, _read_sparse),
    Format("csv", lambda raw: True, _read_csv),
]


def load_matrix(source, *, max_cells: int = DEFAULT_MAX_CELLS, max_bytes: int | None = None,
                **settings) -> LoadedMatrix:
    """Read ``source`` (a path, ``"-"`` for stdin, or a file-like object) as a matrix,
    whatever its format (CSV text, .xlsx, .ods), with the import settings of
    :data:`IMPORT_SETTINGS` (see :func:`nmf_core.csvio.load_csv` for the rules)."""
    max_cells, max_bytes = check_limits(max_cells, max_bytes)
    settings = check_settings(**settings)
    raw = read_bytes(source, max_bytes)
    return read_raw(raw, max_cells=max_cells, **settings)


def read_raw(raw: bytes, *, max_cells: int = DEFAULT_MAX_CELLS, **settings) -> LoadedMatrix:
    """A file's bytes (already within the byte limit) through the matching format."""
    settings = check_settings(**settings)
    reader = next(f for f in FORMATS if f.detect(raw))
    loaded = reader.read(raw, max_cells=max_cells, **settings)
    return finish(loaded, transpose=settings["transpose"], scale=settings["scale"],
                  sha256=hashlib.sha256(raw).hexdigest())


def preview(raw: bytes, *, rows: int = 8, columns: int = 12, decimal: str = "auto",
            sheet=None) -> list[list[str]]:
    """The first ``rows`` × ``columns`` cells of a file as its reader splits them, before
    any header, label or number is detected (what the import step shows)."""
    if zip_kind(raw) in ("xlsx", "ods"):
        from .spreadsheets import preview_sheet
        cells = preview_sheet(raw, sheet, rows)
    else:
        from .csvio import preview_csv
        cells = preview_csv(raw, rows, decimal)
    return [row[:columns] for row in cells[:rows]]


def sheet_names(raw: bytes) -> list[str]:
    """A spreadsheet's sheet names ([] for CSV text)."""
    if zip_kind(raw) not in ("xlsx", "ods"):
        return []
    from .spreadsheets import sheet_names as names
    return names(raw)


def finish(loaded: LoadedMatrix, *, transpose: bool, scale: str, sha256: str) -> LoadedMatrix:
    """Transpose and scale a loaded matrix (the settings every format shares)."""
    values, mask, notes = loaded.values, loaded.mask, list(loaded.notes)
    rows, cols = loaded.row_labels, loaded.col_labels
    if not isinstance(values, np.ndarray):  # a sparse matrix: nmf_core.sparse.io
        from .sparse.io import finish_sparse

        return finish_sparse(loaded, transpose=transpose, scale=scale, sha256=sha256)
    if transpose:
        values = np.ascontiguousarray(values.T)
        mask = None if mask is None else np.ascontiguousarray(mask.T)
        rows, cols = cols, rows
        notes.append("transposed: the file's columns are the rows of X")
    column_scale = None
    if scale != "none":
        observed = np.ones(values.shape, bool) if mask is None else mask
        if scale == "max":
            column_scale = np.max(np.where(observed, values, 0.0), axis=0)
        else:
            counts = observed.sum(axis=0)
            column_scale = np.where(observed, values, 0.0).sum(axis=0) / np.maximum(counts, 1)
        column_scale = np.where(column_scale > 0, column_scale, 1.0)
        values = values / column_scale
        notes.append(f"scaled: each column divided by its {scale}")
    return replace(loaded, values=values, mask=mask, row_labels=rows, col_labels=cols,
                   notes=tuple(notes), column_scale=column_scale, sha256=sha256)
