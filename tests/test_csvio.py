"""CSV loading (accepted layouts, one clear error per problem) and safe export."""

import csv
import io
import re
import time
from pathlib import Path

import numpy as np
import pytest
from loader_support import as_file, one_line_error

from nmf_core import csvio
from nmf_core.csvio import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CELLS,
    LoadedMatrix,
    load_csv,
    neutralise_label,
    to_csv_bytes,
)
from nmf_core.errors import CSVFormatError, ParameterError

GRID = [[1.0, 2.0], [3.0, 4.0]]


def load(data, **options) -> LoadedMatrix:
    return load_csv(as_file(data), **options)


def error(data, **options) -> str:
    return one_line_error(load, data, **options)


# Accepted variants -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "1,2\n3,4\n",
    "1,2\n3,4",  # no final newline
    "1,2\r\n3,4\r\n",  # CRLF
    "1,2\r3,4\r",  # old Mac CR
    "\n1,2\n\n  \n3,4\n\n",  # blank lines
    "1;2\n3;4\n",
    "1\t2\n3\t4\n",
    '"1","2.0"\n"3",4\n',  # quoted numbers
    " 1 , 2\n3 ,\t4 \n",  # surrounding spaces
    '1, "2"\n 3 ,4\n',  # a space before a quote
    "1e0,0.2E1\n+3,.4e1\n",  # scientific notation, sign, leading point
])
def test_plain_numeric_variants(text):
    loaded = load(text)
    assert loaded.values.tolist() == GRID
    assert loaded.row_labels is None and loaded.col_labels is None and loaded.mask is None


def test_values_are_c_contiguous_float64():
    values = load("1,2\n3,4\n").values
    assert values.dtype == np.float64 and values.flags.c_contiguous and values.shape == (2, 2)


def test_utf8_bom_is_skipped():
    loaded = load(b"\xef\xbb\xbfMon,Tue\n1,2\n3,4\n")
    assert loaded.col_labels == ("Mon", "Tue") and loaded.values.tolist() == GRID


def test_header_row():
    loaded = load("Mon,Tue\n1,2\n3,4\n")
    assert loaded.col_labels == ("Mon", "Tue") and loaded.row_labels is None
    assert loaded.values.tolist() == GRID


def test_index_column_without_header():
    loaded = load("a,1,2\nb,3,4\n", header=False)
    assert loaded.row_labels == ("a", "b") and loaded.col_labels is None
    assert loaded.values.tolist() == GRID


def test_a_text_corner_above_text_labels_makes_a_header():
    # Rule: the first row is a header when its first cell is text above text labels
    # (id,2019,2020), even if its other cells are numbers.
    loaded = load("id,2019,2020\nx,1,2\ny,3,4\n")
    assert loaded.row_labels == ("x", "y") and loaded.col_labels == ("2019", "2020")
    assert loaded.label_header == "id" and loaded.values.tolist() == GRID
    assert any("text above the row labels" in note for note in loaded.notes)


@pytest.mark.parametrize("corner", ["", "hour", '""'])
def test_header_and_index(corner):
    loaded = load(f"{corner},Mon,Tue\na,1,2\nb,3,4\n")
    assert loaded.row_labels == ("a", "b") and loaded.col_labels == ("Mon", "Tue")
    assert loaded.values.tolist() == GRID


def test_pandas_to_csv_output_reads_back():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(GRID, index=["a", "b"], columns=[2019, 2020])  # numeric column names
    loaded = load(frame.to_csv())
    assert loaded.row_labels == ("a", "b") and loaded.col_labels == ("2019", "2020")
    assert loaded.values.tolist() == GRID


def test_header_one_cell_short_like_r_write_table():
    loaded = load('"Mon" "Tue"\n'.replace(" ", "\t") + "a\t1\t2\nb\t3\t4\n")
    assert loaded.row_labels == ("a", "b") and loaded.col_labels == ("Mon", "Tue")


def test_single_column_with_header():
    loaded = load("count\n1\n2\n")
    assert loaded.col_labels == ("count",) and loaded.values.tolist() == [[1.0], [2.0]]


def test_single_row():
    assert load("1,2,3\n").values.tolist() == [[1.0, 2.0, 3.0]]
    assert load("a,1,2\n").row_labels == ("a",)


def test_labels_may_hold_delimiters_and_quotes_when_quoted():
    loaded = load('"Smith, J",1,2\n"say ""hi""",3,4\n', header=False)
    assert loaded.row_labels == ("Smith, J", 'say "hi"')


def test_semicolon_chosen_over_commas_inside_labels():
    loaded = load("name;x;y\nSmith, J;1;2\nDoe, A;3;4\n")
    assert loaded.row_labels == ("Smith, J", "Doe, A") and loaded.values.tolist() == GRID


def test_path_str_pathlike_binary_and_text_file_objects_agree(tmp_path):
    text = ",Mon,Tue\na,1,2\nb,3,4\n"
    path = tmp_path / "x.csv"
    path.write_text(text)
    results = [load_csv(path), load_csv(str(path)), load_csv(io.BytesIO(text.encode())),
               load_csv(io.StringIO(text))]
    with open(path, "rb") as binary, open(path, encoding="utf-8") as textual:
        results += [load_csv(binary), load_csv(textual)]
    for loaded in results:
        assert loaded.values.tolist() == GRID
        assert loaded.row_labels == ("a", "b") and loaded.col_labels == ("Mon", "Tue")


def test_missing_path_raises_oserror():
    with pytest.raises(FileNotFoundError):
        load_csv("no-such-file.csv")


# Missing values ----------------------------------------------------------------------

def test_blank_cells_are_masked_when_allowed():
    loaded = load("1,,3\n4,5, \n", missing="mask")
    assert loaded.values.tolist() == [[1.0, 0.0, 3.0], [4.0, 5.0, 0.0]]
    assert loaded.mask.tolist() == [[True, False, True], [True, True, False]]
    assert load("1,2\n3,4\n", missing="mask").mask.all()


def test_mask_does_not_allow_nan_text():
    assert "not finite" in error("1,nan\n3,4\n", missing="mask")


@pytest.mark.parametrize("text,needle", [
    ("1,2,3\n,,\n4,5,6\n", "line 2 has no values"),
    ("1,,3\n4,,6\n", "column 2 has no values"),
    ("Mon,Tue\n1,\n2,\n", "column 2 ('Tue') has no values"),
    (",\n,\n", "every cell is blank"),
])
def test_mask_rejects_an_empty_row_column_or_matrix(text, needle):
    assert needle in error(text, missing="mask")


# Errors: one line, the problem, the first place ---------------------------------------

@pytest.mark.parametrize("data,needles", [
    ("", ["empty"]),
    ("\n \r\n\n", ["empty"]),
    (b"\xef\xbb\xbf", ["empty"]),
    ("Mon,Tue\n", ["header", "no data rows"]),
    (",Mon,Tue\n", ["header", "no data rows"]),
    ("Day,Mon,Tue\nx,1,2\ny,3,4\nz,5,abc\n",
     ["non-numeric", "'abc'", "line 4, column 3 ('Tue')"]),
    ("1,2\n3,abc\n", ["non-numeric", "'abc'", "line 2, column 2"]),
    ("1,2\n\n3,x\n4,y\n", ["'x'", "line 3, column 2"]),  # the first of two, blank line counted
    ('1,"2,5"\n3,4\n', ["'2,5'", "line 1, column 2", "decimal comma", "decimal=','"]),
    ('1,"2\n3,4\n', ["line 1, column 2", "quote"]),
    ("1,2\n3,\n", ["missing value", "blank", "line 2, column 2"]),
    ("1,2\n3,  \n", ["missing value", "line 2, column 2"]),
    ("1,2,3\n-1,-2,4\n5,6,-7\n",
     ["3 negative values", "the first is -1", "line 2, column 1"]),
    ("Mon,Tue\n1,2\n3,-0.5\n", ["1 negative value;", "-0.5", "line 3, column 2 ('Tue')"]),
    ("1,2\n3,4,5\n", ["ragged", "line 2 has 3 cells, expected 2"]),
    ("1,2,3\n4,5\n", ["line 2 has 2 cells, expected 3"]),
    ("0,0\n0.0,0e5\n", ["all entries are zero", "nothing to factor"]),
    (b"1,2\n3,\xe9\n", ["not UTF-8", "0xE9", "line 2"]),
    (b"1,2\r\n3,4\r\n\xff", ["not UTF-8", "line 3"]),
])
def test_each_problem_has_a_clear_message(data, needles):
    message = error(data)
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize("spelling", [
    "nan", "NaN", "NAN", "-nan", "inf", "-inf", "+inf", "Inf", "Infinity", "-Infinity",
    "infinity", "1e999", "-1e999",
])
def test_non_finite_spellings(spelling):
    message = error(f"1,2\n3,{spelling}\n")
    assert "not finite" in message and f"'{spelling}'" in message and "line 2, column 2" in message


@pytest.mark.parametrize("cell", ["1_000", "١", "0x10", "1.2.3", "5%", "--1", "1e", "e5"])
def test_what_python_float_might_take_is_still_text(cell):
    assert "non-numeric" in error(f"1,2\n3,{cell}\n")


@pytest.mark.parametrize("data,kind", [
    (b"PK\x03\x04\x14\x00\x06\x00", "xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", ".xls"),
    (b"%PDF-1.7\n", "PDF"),
    (b"\x1f\x8b\x08\x00", "gzip"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xfeM\x00o\x00n\x00", "UTF-16"),
    (b"1,2\n3,\x004\n", "NUL"),
])
def test_binary_input_is_named(data, kind):
    message = error(data)
    assert "not a text CSV" in message and kind in message


def test_a_long_cell_is_shortened_in_the_message():
    message = error("1,2\n3," + "x" * 10_000 + "\n")
    assert len(message) < 200 and "line 2, column 2" in message


def test_a_cell_over_the_csv_field_limit_is_a_format_error():
    assert "line 2" in error('1,2\n3,"' + "9" * 200_000 + '"\n')


def test_control_characters_stay_on_one_line():
    error("Mon,Tue\n1,a\u2028b\n")  # error() asserts a single line


@pytest.mark.parametrize("data,place", [
    ('"1,2\n3,4\n', "line 1, column 1"),  # was "a header row but no data rows"
    ('1,2\n3,"4', "line 2, column 2"),  # was read as 4
    ('1,2\n3,4\n"', "line 3, column 1"),  # was read as a blank line
    ('1,2\n\n\n3,"4\r\n\r\n5', "line 4, column 2"),
    ('a,"b\nc"\n1,2\n3,"4\n5\n', "line 4, column 2"),  # after a closed multi-line label
    ('1\t"x\ny"\t"3\n4\t5\n', "line 2, column 3"),  # where the label ends
    ('"1;2\n3;4\n', "line 1, column 1"),
])
def test_an_unclosed_quote_is_named_where_it_opens(data, place):
    message = error(data)
    assert message.startswith("unclosed quote:") and f"opens {place} is never closed" in message


def test_closed_and_stray_quotes_are_not_called_unclosed():
    assert load('"1","2"\n3,"4"\n').values.tolist() == GRID
    assert "unclosed" not in error('1,2\n3,a"b\n')  # a quote inside a cell is text
    assert "unclosed" not in error('1,2\n"x"y,4\n')


@pytest.mark.parametrize("cell,shown,name", [
    ("\u00a02", r"'\xa02'", "U+00A0 NO-BREAK SPACE"),
    ("2\u00a0", r"'2\xa0'", "U+00A0 NO-BREAK SPACE"),
    ("1\u200b5", r"'1\u200b5'", "U+200B ZERO WIDTH SPACE"),
    ("\u22122", "'\u22122'", "U+2212 MINUS SIGN"),
    ("\u0664", "'\u0664'", "U+0664 ARABIC-INDIC DIGIT FOUR"),
])
def test_an_invisible_or_foreign_character_in_a_number_is_shown_and_named(cell, shown, name):
    message = error(f"1,2\n3,{cell}\n")
    assert f"non-numeric cell {shown} at line 2, column 2" in message, message
    assert f"(it contains {name}:" in message, message


def test_text_with_accents_gets_no_character_hint():
    message = error("a,b\n1,Z\u00fcrich\n")
    assert "'Zürich'" in message and "U+" not in message


# Limits: checked on the raw bytes, before any parsing ---------------------------------

@pytest.fixture
def no_parsing(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the CSV was parsed")
    monkeypatch.setattr(csvio.csv, "reader", fail)


def test_default_limits():
    assert DEFAULT_MAX_CELLS == 5_000_000
    # The byte limit follows from the cell limit at 20 bytes a cell, in whole MiB.
    assert csvio.BYTES_PER_CELL == 20 and DEFAULT_MAX_BYTES % (1024 * 1024) == 0
    assert 0 <= DEFAULT_MAX_BYTES - DEFAULT_MAX_CELLS * 20 < 1024 * 1024
    assert DEFAULT_MAX_BYTES == 96 * 1024 * 1024


def test_the_uploader_and_the_loader_refuse_the_same_files():
    """.streamlit/config.toml's maxUploadSize (MiB, as Streamlit counts it) is the loader's
    byte limit, and the app reads the same constant."""
    from nmf_core.ui.data_source import MAX_UPLOAD_MB

    text = (Path(__file__).parents[1] / ".streamlit" / "config.toml").read_text()
    server = text.split("[server]", 1)[1].split("\n[", 1)[0]  # tomllib needs Python 3.11
    upload_mib = int(re.search(r"^maxUploadSize\s*=\s*(\d+)\s*$", server, re.M).group(1))
    assert upload_mib * 1024 * 1024 == DEFAULT_MAX_BYTES
    assert MAX_UPLOAD_MB == upload_mib


def test_a_full_precision_grid_at_the_cell_limit_fits_the_byte_limit():
    row = ",".join(["0.12345678901234568"] * 1000) + "\n"
    assert len(row) * (DEFAULT_MAX_CELLS // 1000) <= DEFAULT_MAX_BYTES


def test_over_the_byte_limit_is_rejected_without_parsing(no_parsing):
    big = io.BytesIO(b"1," * 25_000_000)  # 50 MB
    start = time.perf_counter()
    with pytest.raises(CSVFormatError, match=r"over the limit of 1,000 bytes \(max_bytes\)"):
        load_csv(big, max_bytes=1000)
    assert time.perf_counter() - start < 0.5
    assert big.tell() == 1001  # read no further than the limit


def test_a_file_over_the_byte_limit_is_not_read(tmp_path, no_parsing, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"1,2\n" * 1000)
    monkeypatch.setattr(csvio, "open", lambda *a, **k: pytest.fail("opened"), raising=False)
    with pytest.raises(CSVFormatError, match=r"4,000 bytes, over the limit of 100 bytes"):
        load_csv(path, max_bytes=100)


def test_over_the_cell_limit_is_rejected_without_parsing(no_parsing):
    with pytest.raises(CSVFormatError,
                       match=r"about 1,002 cells, over the limit of 1,000 \(max_cells\)"):
        load(b"1,2\n" * 501, max_cells=1000)


def test_binary_input_is_rejected_without_parsing(no_parsing):
    with pytest.raises(CSVFormatError, match="xlsx"):
        load(b"PK\x03\x04" + b"1,2\n" * 100)


def test_exactly_at_the_limits_is_fine():
    data = b"1,2\n3,4"
    assert load(data, max_bytes=len(data), max_cells=4).values.tolist() == GRID


@pytest.mark.parametrize("options,needle", [
    ({"missing": "drop"}, "missing must be"),
    ({"max_cells": 0}, "max_cells"),
    ({"max_cells": 1.5}, "max_cells"),
    ({"max_cells": True}, "max_cells"),
    ({"max_bytes": -1}, "max_bytes"),
])
def test_bad_options(options, needle):
    with pytest.raises(ParameterError, match=needle):
        load("1,2\n", **options)


def test_bytes_are_not_a_source():
    with pytest.raises(ParameterError, match="BytesIO"):
        load_csv(b"1,2\n")


# Export ------------------------------------------------------------------------------

@pytest.mark.parametrize("rows,cols", [(None, None), (("a", "b", "c"), None),
                                       (None, ("x", "y")), (("a", "b", "c"), ("x", "y"))])
def test_round_trip_is_exact(rows, cols):
    rng = np.random.default_rng(0)
    matrix = rng.random((3, 2)) * np.array([1e-300, 1e300])
    matrix[0, 0] = 5e-324  # the smallest subnormal
    matrix[1, 1] = 0.0
    loaded = load(to_csv_bytes(matrix, rows, cols))
    assert loaded.values.tobytes() == matrix.tobytes()
    # With row labels the header is always written (numbered columns if unnamed), so a
    # text first label is never taken for a header's corner.
    expected_cols = ("1", "2") if rows is not None and cols is None else cols
    assert loaded.row_labels == rows and loaded.col_labels == expected_cols


def test_round_trip_of_awkward_labels():
    rows = ("Smith, J", 'say "hi"', "two\nlines", "CR\rand CRLF\r\n", "naïve ☕")
    cols = ("2019", "")  # numeric and blank column names survive behind the empty corner
    matrix = np.arange(10.0).reshape(5, 2) + 1
    loaded = load(to_csv_bytes(matrix, rows, cols))
    assert loaded.row_labels == rows[:-2] + ("CR\rand CRLF",) + rows[-1:]
    assert loaded.col_labels == cols and np.array_equal(loaded.values, matrix)


def test_export_writes_nan_as_a_blank_that_masking_reads_back():
    matrix = np.array([[1.0, np.nan], [2.0, 3.0]])
    loaded = load(to_csv_bytes(matrix), missing="mask")
    assert loaded.mask.tolist() == [[True, False], [True, True]]


@pytest.mark.parametrize("label", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx",
                                   "=HYPERLINK(\"http://x\",\"y\")"])
def test_formula_injection_is_neutralised(label):
    assert neutralise_label(label) == "'" + label
    data = to_csv_bytes([[1.0]], [label], [label])
    cells = list(csv.reader(io.StringIO(data.decode(), newline="")))
    assert cells == [["", "'" + label], ["'" + label, "1.0"]]


@pytest.mark.parametrize("label", ["Mon", "a=b", "x-1", "", " =1", "'quoted"])
def test_harmless_labels_are_kept(label):
    assert neutralise_label(label) == label


def test_export_checks_its_arguments():
    with pytest.raises(ValueError, match="2-D"):
        to_csv_bytes([1.0, 2.0])
    with pytest.raises(ValueError, match="row_labels has 1 labels for 2 rows"):
        to_csv_bytes(np.ones((2, 2)), row_labels=["a"])


# Detection rules (each documented in csvio's docstring and the README) ----------------

def test_rule_pandas_index_under_an_empty_corner_is_labels():
    pd = pytest.importorskip("pandas")
    loaded = load(pd.DataFrame(GRID, columns=["a", "b"]).to_csv())  # ",a,b" / "0,1.0,2.0"
    assert loaded.values.tolist() == GRID and loaded.row_labels == ("0", "1")
    assert loaded.col_labels == ("a", "b") and "pandas and R" in " ".join(loaded.notes)


def test_rule_r_write_csv_index_and_quoted_row_names_are_labels():
    loaded = load('"","a","b"\n"1",1,2\n"2",3,4\n')
    assert loaded.row_labels == ("1", "2") and loaded.values.tolist() == GRID
    loaded = load('"","a","b"\n"0.5",1,2\n"7",3,4\n')  # quoted under an empty corner
    assert loaded.row_labels == ("0.5", "7") and "R's row names" in " ".join(loaded.notes)


@pytest.mark.parametrize("text", [
    ",a,b\n0.5,1,2\n0.7,3,4\n",  # not whole numbers
    ",a,b\n1,1,2\n1,3,4\n",  # not distinct
])
def test_rule_a_numeric_first_column_that_is_no_index_stays_data(text):
    assert load(text).values.shape == (2, 3) and load(text).row_labels is None


def test_rule_a_blank_corner_in_a_matrix_of_counts_is_still_an_error():
    assert "missing value" in error(",5,3\n2,4,1\n7,0,3\n")


@pytest.mark.parametrize("cell", ["$5", "5%", '"1,000"', "NA", "N/A", "TRUE", "0x10", "1_000",
                                  "\u00a05", "\uff15", "\u22121", "-", "null"])
def test_rule_decorated_numbers_in_the_first_column_are_data_with_a_located_error(cell):
    message = error(f"price,qty\n{cell},2\n7,4\n")
    assert "line 2, column 1 ('price')" in message, message
    message = error(f"price,qty\n{cell},2\n$7,4\n")  # every cell of the column decorated
    assert "line 2, column 1" in message, message


def test_rule_genuine_text_labels_may_mix_with_decorated_ones():
    loaded = load("name,x\nsodium,1\nNA,2\n")
    assert loaded.row_labels == ("sodium", "NA")


def test_rule_a_numeric_header_above_text_labels_is_a_header():
    loaded = load("id,2019,2020\nx,1,2\ny,3,4\n")
    assert loaded.col_labels == ("2019", "2020") and loaded.values.tolist() == GRID


def test_rule_a_word_among_numbers_in_the_first_row_is_an_error_not_a_header():
    assert "'x' at line 1, column 3" in error("1,2,x\n3,4,5\n")


@pytest.mark.parametrize("boms", [0, 1, 2, 3])
def test_rule_any_number_of_boms_gives_the_same_matrix(boms):
    loaded = load(b"\xef\xbb\xbf" * boms + b"a,b\n1,2\n3,4\n")
    assert loaded.col_labels == ("a", "b") and loaded.values.tolist() == GRID


@pytest.mark.parametrize("text", ["a;b\n1,5;2,5\n3;4\n", "a\tb\n1,5\t2,5\n3\t4\n",
                                  "sep=;\na;b\n1,5;2,5\n3;4\n", "sep=;\r\n1,5;2,5\r\n3;4\r\n"])
def test_rule_decimal_commas_with_semicolon_or_tab_and_excel_sep_line(text):
    loaded = load(text)
    assert loaded.values.tolist() == [[1.5, 2.5], [3.0, 4.0]]


def test_rule_decimal_commas_are_never_read_with_a_comma_delimiter():
    loaded = load("1,5\n2,5\n3,25\n")
    assert loaded.values.shape == (3, 2) and "decimal=','" in loaded.notes[-1]
    assert load("1,5\n2,5\n3,25\n", decimal=",").values.tolist() == [[1.5], [2.5], [3.25]]


def test_rule_a_point_in_a_decimal_comma_file_is_named():
    assert "decimal='.'" in error("a;b\n1,5;2.5\n", decimal=",")


def test_rule_thousands_are_never_guessed():
    message = error('a,b\n"2,000",1\n')
    assert "thousands separators are never guessed" in message
    assert "thousands=','" in message and "2000" in message
    assert load('a,b\n"2,000",1\n', thousands=",").values.tolist() == [[2000.0, 1.0]]
    assert load("a;b\n1.234.567,5;1\n", thousands=".", decimal=",").values[0, 0] == 1234567.5
    assert "non-numeric" in error('a,b\n"2,00",1\n', thousands=",")  # not groups of three


def test_excel_sep_line_keeps_line_numbers():
    assert "line 3, column 2" in error("sep=;\na;b\n1;x\n")


# Import settings ----------------------------------------------------------------------

def test_a_numeric_label_column_can_be_chosen_by_number_or_name():
    text = "label,p0,p1\n3,1,2\n5,3,4\n"
    for choice in (0, "label"):
        loaded = load(text, label_column=choice)
        assert loaded.row_labels == ("3", "5") and loaded.label_header == "label"
        assert loaded.values.tolist() == GRID and loaded.col_labels == ("p0", "p1")


def test_a_text_label_in_the_last_column_is_refused_with_advice_then_chosen():
    text = "a,b,cls\n1,2,x\n3,4,y\n"
    assert "label_column" in error(text)
    loaded = load(text, label_column="cls")
    assert loaded.row_labels == ("x", "y") and loaded.values.tolist() == GRID
    assert load(text, drop=[2]).row_labels is None


def test_dropped_columns_are_not_read():
    loaded = load("id,a,b,cls\n7,1,2,x\n9,3,4,y\n", drop=["id", 3])
    assert loaded.values.tolist() == GRID and loaded.col_labels == ("a", "b")


def test_transpose_swaps_values_labels_and_mask():
    loaded = load(",a,b\nx,1,\ny,3,4\n", transpose=True, missing="mask")
    assert loaded.values.tolist() == [[1.0, 3.0], [0.0, 4.0]]
    assert loaded.row_labels == ("a", "b") and loaded.col_labels == ("x", "y")
    assert loaded.mask.tolist() == [[True, True], [False, True]]


@pytest.mark.parametrize("scale,divisors", [("max", [3.0, 8.0]), ("mean", [2.0, 5.0])])
def test_scaling_divides_each_column_and_keeps_the_divisors(scale, divisors):
    loaded = load("a,b\n1,2\n3,8\n", scale=scale)
    assert loaded.column_scale.tolist() == divisors
    assert np.array_equal(loaded.values * loaded.column_scale, [[1.0, 2.0], [3.0, 8.0]])


def test_scaling_leaves_an_all_zero_column_at_zero():
    loaded = load("a,b\n1,0\n3,0\n", scale="max")
    assert loaded.values[:, 1].tolist() == [0.0, 0.0] and loaded.column_scale[1] == 1.0


@pytest.mark.parametrize("options,needle", [
    ({"label_column": 5}, "out of range"), ({"drop": ["nope"]}, "not a name"),
    ({"scale": "log"}, "scale"), ({"decimal": ";"}, "decimal"), ({"header": "yes"}, "header"),
    ({"label_column": 0, "drop": [0]}, "also in drop"), ({"thousands": ",", "decimal": ","},
                                                         "differ"),
])
def test_bad_import_settings_are_parameter_errors(options, needle):
    with pytest.raises(ParameterError, match=needle):
        load("a,b,c\n1,2,3\n", **options)


def test_the_sha256_of_the_input_bytes_is_kept():
    import hashlib
    data = b"a,b\n1,2\n"
    assert load(data).sha256 == hashlib.sha256(data).hexdigest()


def test_a_large_file_takes_the_fast_path_with_the_same_result(monkeypatch):
    rows = "".join(f"r{i},{i % 7}.5,{i}\n" for i in range(3000))
    text = "name,a,b\n" + rows
    fast = load(text)
    monkeypatch.setattr(csvio, "FAST_PATH_MIN_CHARS", 10**9)
    careful = load(text)
    assert fast.values.tobytes() == careful.values.tobytes()
    assert fast.row_labels == careful.row_labels and fast.col_labels == careful.col_labels
    monkeypatch.setattr(csvio, "FAST_PATH_MIN_CHARS", 0)
    assert "line 3002, column 3" in error(text + "r,1,x\n")
