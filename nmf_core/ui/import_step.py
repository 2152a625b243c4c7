"""The import step after an upload: the file's first cells as split, what was detected
and why, and the settings that correct it.

Every setting is a widget bound to the URL (``csv_header``, ``csv_label_column`` and
``csv_drop`` by the column's shown name, such as ``column 1 (target)``,
``csv_drop``, ``csv_decimal``, ``csv_thousands``, ``csv_transpose``, ``csv_scale``,
``csv_sheet``, ``csv_image_h``, ``csv_image_w``; the file itself never is), and the
same settings reach the reproduce box as ``load_csv``'s keyword arguments
(:data:`nmf_core.importing.IMPORT_SETTINGS` is the one table).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..importing import IMPORT_SETTINGS, SCALING_EFFECT, check_settings, preview, sheet_names
from .widgets import BIND, keep_across_pages, remember

AUTO, NONE = "auto", "none"
HEADER_CHOICES = {"auto": "auto", "yes": True, "no": False}
THOUSANDS_CHOICES = {"none": None, ",": ",", ".": ".", "'": "'", "space": " "}
SCALE_LABELS = {"none": "as read", "max": "each column to max 1", "mean": "each column to mean 1"}
KEYS = ("csv_header", "csv_label_column", "csv_drop", "csv_decimal", "csv_thousands",
        "csv_transpose", "csv_scale", "csv_sheet", "csv_image_h", "csv_image_w")


def _column_name(first_row: list[str]):
    def name(option: str) -> str:
        if option in (AUTO, NONE):
            return {AUTO: "auto (detected)", NONE: "none"}[option]
        j = int(option)
        head = first_row[j].strip() if j < len(first_row) else ""
        return f"column {j + 1}" + (f" ({head[:24]})" if head else "")
    return name


def import_controls(raw: bytes, name: str, missing: bool, container=None):
    """Draw the import step for ``raw``; return (import settings, image shape or None, the
    expander to report into)."""
    box = (container or st).expander(f"Import: how {name} is read", expanded=True)
    for key in KEYS:
        keep_across_pages(key)
    sheets = sheet_names(raw)
    sheet = None
    if sheets:
        choice = box.selectbox("Sheet", sheets, key="csv_sheet", bind=BIND,
                               help=IMPORT_SETTINGS["sheet"].help)
        remember("csv_sheet", choice, sheets[0])
        sheet = None if choice == sheets[0] else choice
    cells = preview(raw, sheet=sheet)
    width = max((len(row) for row in cells), default=1)
    if cells:
        box.caption("The file's first cells, as split (before any header, label or number "
                    "is detected):")
        grid = pd.DataFrame([row + [""] * (width - len(row)) for row in cells],
                            columns=[f"column {j + 1}" for j in range(width)])
        box.dataframe(grid, hide_index=True, height=min(36 * (len(cells) + 1) + 2, 330))
    first_row = cells[0] if cells else []
    columns = [str(j) for j in range(width)]
    label_name = _column_name(first_row)
    left, middle, right = box.columns(3)
    label = left.selectbox("Row labels", [AUTO, NONE, *columns], key="csv_label_column",
                           bind=BIND, format_func=label_name,
                           help=IMPORT_SETTINGS["label_column"].help)
    drop = middle.multiselect("Columns to leave out", columns, key="csv_drop", bind=BIND,
                              format_func=label_name, help=IMPORT_SETTINGS["drop"].help)
    header = right.selectbox("Header row", list(HEADER_CHOICES), key="csv_header", bind=BIND,
                             help=IMPORT_SETTINGS["header"].help)
    decimal = left.selectbox("Decimal mark", ["auto", ".", ","], key="csv_decimal", bind=BIND,
                             help=IMPORT_SETTINGS["decimal"].help)
    thousands = middle.selectbox("Thousands separator", list(THOUSANDS_CHOICES),
                                 key="csv_thousands", bind=BIND,
                                 help=IMPORT_SETTINGS["thousands"].help)
    transpose = right.checkbox("Transpose", key="csv_transpose", bind=BIND,
                               help=IMPORT_SETTINGS["transpose"].help)
    scale = box.radio("Scaling", list(SCALE_LABELS), key="csv_scale", bind=BIND, horizontal=True,
                      captions=list(SCALE_LABELS.values()), help=IMPORT_SETTINGS["scale"].help)
    box.caption(SCALING_EFFECT)
    left, right, _ = box.columns(3)
    image_h = left.number_input("Rows are images: height h (0: not images)", 0, 4096, 0,
                                key="csv_image_h", bind=BIND)
    image_w = right.number_input("width w", 0, 4096, 0, key="csv_image_w", bind=BIND)
    for key, value, default in (("csv_label_column", label, AUTO), ("csv_drop", drop, []),
                                ("csv_header", header, "auto"), ("csv_decimal", decimal, "auto"),
                                ("csv_thousands", thousands, "none"),
                                ("csv_transpose", transpose, False), ("csv_scale", scale, "none"),
                                ("csv_image_h", image_h, 0), ("csv_image_w", image_w, 0)):
        remember(key, value, default)
    settings = check_settings(
        missing="mask" if missing else "error", header=HEADER_CHOICES[header],
        label_column="auto" if label == AUTO else None if label == NONE else int(label),
        drop=tuple(int(j) for j in drop), decimal=decimal,
        thousands=THOUSANDS_CHOICES[thousands], transpose=bool(transpose), scale=scale,
        sheet=sheet)
    image_shape = (int(image_h), int(image_w)) if image_h and image_w else None
    return settings, image_shape, box


def report(box, matrix) -> None:
    """What was detected and why, and the matrix as read (its first rows and columns)."""
    n, m = matrix.shape
    detected = "; ".join(matrix.notes) if matrix.notes else "plain numbers, no labels"
    box.markdown(f"**Read as X ({n:,} × {m:,}).** Detected: {detected}.")
    rows = matrix.row_labels[:8] if matrix.row_labels else None
    cols = matrix.col_labels[:12] if matrix.col_labels else None
    frame = pd.DataFrame(matrix.shown_X[:8, :12], index=rows, columns=cols)
    if matrix.label_header:
        frame.index.name = matrix.label_header
    box.dataframe(frame, height=min(36 * (len(frame) + 1) + 2, 330))
    if matrix.image_shape is None and matrix.requested_image_shape is not None:
        h, w = matrix.requested_image_shape
        box.warning(f"Rows cannot be {h}×{w} images: a row has {m} values, not {h * w}.")


def sparse_report(box, matrix) -> None:
    """A sparse upload as read: its shape, stored entries and density, and its first
    stored entries (never the matrix as a grid)."""
    from .data_source import density_text

    n, m = matrix.shape
    detected = "; ".join(matrix.notes) if matrix.notes else "a sparse matrix"
    box.markdown(f"**Read as sparse X ({n:,} × {m:,}): {matrix.stored:,} stored entries, "
                 f"{density_text(matrix)}.** Detected: {detected}. Cells not stored are "
                 "zeros.")
    coo = matrix.X[: min(n, 8)].tocoo()
    rows = matrix.row_labels or [str(i + 1) for i in range(n)]
    cols = matrix.col_labels or [str(j + 1) for j in range(m)]
    first = pd.DataFrame({"row": [rows[i] for i in coo.row[:12]],
                          "column": [cols[j] for j in coo.col[:12]],
                          "value": coo.data[:12]})
    box.dataframe(first, hide_index=True, height=min(36 * (len(first) + 1) + 2, 330))
