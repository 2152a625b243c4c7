"""Property tests for the CSV loader: any bytes give a valid matrix or one CSVFormatError.

Profiles: NMF_HYPOTHESIS_PROFILE=ci (default, 500 examples per test), nightly
(20,000) or dev (100).  They are applied to this module's tests only, so other
modules keep their own Hypothesis settings.
"""

import io
import os
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nmf_core import csvio
from nmf_core.csvio import cell_kind, load_csv, neutralise_label, to_csv_bytes
from nmf_core.errors import CSVFormatError

for _name, _examples in (("ci", 500), ("nightly", 20_000), ("dev", 100)):
    settings.register_profile(_name, max_examples=_examples, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
pytestmark = pytest.mark.fuzz  # hundreds of examples: left out of the quick subset
PROFILE = settings.get_profile(os.environ.get("NMF_HYPOTHESIS_PROFILE", "ci"))

# Problems with the file as a whole: their messages need not name a line.
WHOLE_FILE = ("empty", "not a text CSV", "all entries are zero", "(max_cells)", "(max_bytes)",
              "no data rows", "every cell is blank")
DELIMITERS = (",", ";", "\t")
LINE_ENDINGS = ("\n", "\r\n", "\r")
BOM = "\ufeff"
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def outcome(data: bytes, **options):
    """Load ``data``; check it is a valid matrix or a one-line CSVFormatError, and return it."""
    try:
        loaded = load_csv(io.BytesIO(data), **options)
    except CSVFormatError as exc:
        message = str(exc)
        assert len(message.splitlines()) == 1, message
        assert "line" in message.lower() or any(p in message for p in WHOLE_FILE), message
        return exc
    values = loaded.values
    assert isinstance(values, np.ndarray) and values.dtype == np.float64 and values.ndim == 2
    assert values.size and values.flags.c_contiguous
    assert np.isfinite(values).all() and (values >= 0).all() and values.any()
    n, m = values.shape
    assert loaded.row_labels is None or len(loaded.row_labels) == n
    assert loaded.col_labels is None or len(loaded.col_labels) == m
    if options.get("missing", "error") == "error":
        assert loaded.mask is None
    else:
        mask = loaded.mask
        assert mask.shape == (n, m) and mask.any(axis=0).all() and mask.any(axis=1).all()
        assert (values[~mask] == 0).all()
    return loaded


def options_for(header: int, index: int) -> dict:
    """Text labels under a text first label look like a header (id,2019,2020), so a file
    written with labels but no header is read with header=False."""
    return {"header": False} if index and not header else {}


def looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


values = st.one_of(
    st.integers(0, 10**6).map(float),
    st.floats(min_value=0.0, max_value=1e308, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]),
)
# Printable-ish text with delimiters, quotes and line breaks inside; no NUL, no BOM,
# no surrounding spaces, never a number.
labels = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00\ufeff"),
    min_size=1, max_size=8,
).filter(lambda s: s == s.strip() and not looks_numeric(s)
         and cell_kind(s) == cell_kind(neutralise_label(s)) == "text")  # genuine text
number_formats = st.sampled_from([
    repr, "{:.17g}".format, "{:.17e}".format, '"{!r}"'.format, " {!r} ".format,
    lambda x: str(int(x)) if x.is_integer() and x < 1e15 else repr(x),
])


def quoted(label: str, always: bool) -> str:
    if always or any(c in label for c in ',;\t"\r\n'):
        return '"' + label.replace('"', '""') + '"'
    return label


@st.composite
def csv_files(draw, min_side=1, header=None, index=None):
    """A valid CSV of a random grid: (lines of cells, grid, row labels, col labels, layout)."""
    n, m = draw(st.integers(min_side, 6)), draw(st.integers(min_side, 6))
    grid = np.array(draw(st.lists(st.lists(values, min_size=m, max_size=m),
                                  min_size=n, max_size=n)))
    if not grid.any():
        grid[0, 0] = 1.0
    header = draw(st.booleans()) if header is None else header
    index = draw(st.booleans()) if index is None else index
    col_labels = tuple(draw(st.lists(labels, min_size=m, max_size=m))) if header else None
    row_labels = tuple(draw(st.lists(labels, min_size=n, max_size=n))) if index else None
    always_quote = draw(st.booleans())
    rows = []  # lists of cell texts, as written
    if header:
        corner = [quoted(draw(st.sampled_from(["", "name"])), always_quote)] if index else []
        rows.append(corner + [quoted(label, always_quote) for label in col_labels])
    for i in range(n):
        label = [quoted(row_labels[i], always_quote)] if index else []
        rows.append(label + [draw(number_formats)(float(x)) for x in grid[i]])
    return rows, grid, row_labels, col_labels, (int(header), int(index))


@st.composite
def layouts(draw):
    """How the rows become text: delimiter, line ending, blank lines, final newline, BOM."""
    return {"delimiter": draw(st.sampled_from(DELIMITERS)),
            "ending": draw(st.sampled_from(LINE_ENDINGS)),
            "blank_before": draw(st.lists(st.integers(0, 8), max_size=3)),
            "final_newline": draw(st.booleans()), "bom": draw(st.booleans())}


def render(rows, layout) -> tuple[bytes, list[int]]:
    """The file's bytes, and the 1-based line each row starts on."""
    lines, line_of = [], []
    line = 1  # where the next line starts (quoted labels may hold line breaks)
    for r, cells in enumerate(rows):
        for k in range(layout["blank_before"].count(r)):
            lines.append("  " if k % 2 else "")
            line += 1
        lines.append(layout["delimiter"].join(cells))
        line_of.append(line)
        line += 1 + len(LINE_BREAK.findall(lines[-1]))
    ending = layout["ending"]
    text = ending.join(lines) + (ending if layout["final_newline"] else "")
    return ((BOM if layout["bom"] else "") + text).encode(), line_of


# (1) anything at all ------------------------------------------------------------------

csv_alphabet = st.sampled_from(list("0123456789.,;\t\n\r \"'eE+-naifINAFx_") + ["\ufeff", "é"])
junk = st.one_of(
    st.binary(max_size=400),
    st.text(csv_alphabet, max_size=400).map(str.encode),
    st.lists(st.sampled_from([b"PK\x03\x04", b"\x00", b"\xef\xbb\xbf", b"\xff", b"1,", b"2;",
                              b"\n", b"\r\n", b'"', b"nan", b"-1", b"a"]), max_size=50)
    .map(b"".join),
)


@PROFILE
@given(data=junk, missing=st.sampled_from(["error", "mask"]),
       max_cells=st.sampled_from([5_000_000, 20]), max_bytes=st.sampled_from([None, 200]))
def test_any_bytes_give_a_matrix_or_a_located_error(data, missing, max_cells, max_bytes):
    outcome(data, missing=missing, max_cells=max_cells, max_bytes=max_bytes)


# (2) near-valid files with faults injected --------------------------------------------

TEXT_CELLS = st.one_of(
    st.from_regex(r"[A-Za-z%$#!?][A-Za-z0-9%$#!?.]{0,6}", fullmatch=True)
    .filter(lambda s: not looks_numeric(s)),
    st.sampled_from(["1_000", "١٢", "0x1F", "N/A", "-", ".", "1.2.3", "5%", "1e", "e5"]),
)
NON_FINITE = st.sampled_from(["nan", "NaN", "-nan", "inf", "-inf", "+Inf", "Infinity",
                              "-infinity", "1e999", "-1e999", "1E400"])
CELL_FAULTS = {
    "text": TEXT_CELLS,
    "blank": st.sampled_from(["", " ", "  "]),
    "non-finite": NON_FINITE,
    "negative": st.floats(min_value=1e-300, max_value=1e300).map(lambda x: repr(-x)),
}
PROBLEM_WORDS = {"text": "non-numeric", "blank": "missing value", "non-finite": "not finite",
                 "negative": "negative"}


@PROFILE
@given(st.data(), csv_files(min_side=2), layouts())
def test_bad_cells_are_reported_at_the_first_place(data, file, layout):
    """Bad cells in different rows and columns of a grid of at least 2 × 2 can never
    look like a header row or an index column, so the error must name the first exactly."""
    rows, grid, _, _, (skip_rows, skip_cols) = file
    n, m = grid.shape
    kinds = data.draw(st.lists(st.sampled_from(sorted(CELL_FAULTS)), min_size=1, max_size=3))
    fault_rows = data.draw(st.permutations(range(n)))
    fault_cols = data.draw(st.permutations(range(m)))
    faults = {}
    for kind, i, j in zip(kinds, fault_rows, fault_cols, strict=False):  # min(k, n, m) faults
        if kind in ("text", "blank") and not skip_rows and (i, j) == (0, 0):
            # text there makes the first row a header; a blank, pandas' empty corner
            kind = "negative"
        faults[(i, j)] = kind
        rows[skip_rows + i][skip_cols + j] = data.draw(CELL_FAULTS[kind])
    raw, line_of = render(rows, layout)
    result = outcome(raw, **options_for(skip_rows, skip_cols))
    message = str(result)
    assert isinstance(result, CSVFormatError), message
    fatal = sorted(pos for pos, kind in faults.items() if kind != "negative")
    first = fatal[0] if fatal else min(faults)
    i, j = first
    assert f"line {line_of[skip_rows + i]}, column {skip_cols + j + 1}" in message, message
    assert PROBLEM_WORDS[faults[first]] in message, message
    if not fatal:
        assert message.startswith(f"{len(faults)} negative value"), message


@st.composite
def damaged(draw, text: str) -> str:
    """``text`` with one structural fault."""
    kind = draw(st.sampled_from(["drop cell", "add cell", "quote", "mixed delimiter", "bom",
                                 "long line", "long cell", "bytes", "cut"]))
    at = draw(st.integers(0, len(text)))
    lines = text.split("\n")
    line = draw(st.integers(0, len(lines) - 1))
    if kind == "drop cell":
        lines[line] = lines[line].rsplit(",", 1)[0]
    elif kind == "add cell":
        lines[line] += ",1"
    elif kind == "quote":
        return text[:at] + '"' + text[at:]
    elif kind == "mixed delimiter":
        lines[line] = lines[line].replace(",", draw(st.sampled_from([";", "\t"])), 1)
    elif kind == "bom":
        return text[:at] + BOM + text[at:]
    elif kind == "long line":
        lines[line] += ",1" * draw(st.sampled_from([100, 20_000]))
    elif kind == "long cell":
        lines[line] += "," + "9" * draw(st.sampled_from([1000, 200_000]))
    elif kind == "bytes":
        return text[:at] + draw(st.text(max_size=5)) + text[at:]
    elif kind == "cut":
        return text[:at]
    return "\n".join(lines)


@PROFILE
@given(st.data(), csv_files(), st.sampled_from(["error", "mask"]))
def test_structural_faults_give_a_matrix_or_a_located_error(data, file, missing):
    rows, *_ = file
    text = "\n".join(",".join(cells) for cells in rows)
    broken = data.draw(damaged(text))
    outcome(broken.encode("utf-8", errors="surrogatepass"), missing=missing)


@PROFILE
@given(csv_files(min_side=2, header=False, index=False),
       st.sets(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=8))
def test_blank_cells_are_masked(file, holes):
    rows, grid, *_ = file
    n, m = grid.shape
    expected = np.ones((n, m), dtype=bool)
    for i, j in holes:
        if i < n and j < m:
            rows[i][j] = ""
            expected[i, j] = False
    result = outcome(render(rows, {"delimiter": ",", "ending": "\n", "blank_before": [],
                                   "final_newline": True, "bom": False})[0], missing="mask")
    if expected.any(axis=0).all() and expected.any(axis=1).all() and grid[expected].any():
        assert not isinstance(result, CSVFormatError), result
        assert (result.mask == expected).all()
        assert result.values[expected].tobytes() == grid[expected].tobytes()
    else:
        assert isinstance(result, CSVFormatError)


# (3) valid files read back exactly ----------------------------------------------------

@PROFILE
@given(csv_files(), layouts())
def test_valid_files_give_exactly_the_grid(file, layout):
    rows, grid, row_labels, col_labels, (header, index) = file
    loaded = outcome(render(rows, layout)[0], **options_for(header, index))
    assert not isinstance(loaded, CSVFormatError), loaded
    assert loaded.values.tobytes() == grid.tobytes()
    assert loaded.row_labels == row_labels and loaded.col_labels == col_labels


@PROFILE
@given(csv_files(), layouts(), st.sampled_from(["none", "blank", "negative", "text"]))
def test_the_fast_path_gives_the_careful_readers_matrix(file, layout, fault):
    """The vectorised reader (used on large files) returns exactly what the cell-by-cell
    reader returns, or leaves the file to it; forced here on small files."""
    rows, grid, _, _, (header, index) = file
    if fault != "none":
        rows[-1][-1] = {"blank": "", "negative": "-1", "text": "x"}[fault]
    raw = render(rows, layout)[0]
    options = options_for(header, index)
    careful = outcome(raw, **options)
    saved = csvio.FAST_PATH_MIN_CHARS
    csvio.FAST_PATH_MIN_CHARS = 0
    try:
        fast = outcome(raw, **options)
    finally:
        csvio.FAST_PATH_MIN_CHARS = saved
    assert type(fast) is type(careful)
    if isinstance(careful, CSVFormatError):
        assert str(fast) == str(careful)
    else:
        assert fast.values.tobytes() == careful.values.tobytes()
        assert (fast.row_labels, fast.col_labels, fast.label_header) == (
            careful.row_labels, careful.col_labels, careful.label_header)


@PROFILE
@given(st.data(), csv_files())
def test_export_reads_back_bit_for_bit(data, file):
    _, grid, row_labels, col_labels, _ = file
    loaded = outcome(to_csv_bytes(grid, row_labels, col_labels))
    assert not isinstance(loaded, CSVFormatError), loaded
    assert loaded.values.tobytes() == grid.tobytes()
    if row_labels is not None and col_labels is None:  # a numbered header is written
        col_labels = tuple(str(j + 1) for j in range(grid.shape[1]))
    for read, written in ((loaded.row_labels, row_labels), (loaded.col_labels, col_labels)):
        assert read == (None if written is None else tuple(map(neutralise_label, written)))
