"""Real-looking exports (tests/data/corpus, made by tests/data/make_corpus.py with pandas,
scikit-learn, openpyxl and odfpy) read back exactly, and what a matrix written by pandas
or numpy reads back as (hypothesis)."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nmf_core.csvio import load_csv
from nmf_core.errors import CSVFormatError

CORPUS = Path(__file__).parent / "data" / "corpus"
GRID = [[1.5, 2.0, 0.25], [3.0, 4.0, 5.0], [0.0, 7.5, 8.0]]
COLUMNS = ("alpha", "beta", "gamma")


@pytest.mark.parametrize("name,row_labels", [
    ("pandas_index.csv", ("r1", "r2", "r3")),
    ("pandas_range_index.csv", ("0", "1", "2")),
    ("pandas_no_index.csv", None),
    ("pandas_tab.tsv", ("r1", "r2", "r3")),
    ("r_write_csv.csv", ("1", "2", "3")),
    ("excel_european.csv", ("r1", "r2", "r3")),
    ("libreoffice.csv", ("r1", "r2", "r3")),
    ("grid.xlsx", ("r1", "r2", "r3")),
    ("grid.ods", ("r1", "r2", "r3")),
])
def test_each_export_reads_back_exactly(name, row_labels):
    loaded = load_csv(CORPUS / name)
    assert loaded.values.tolist() == GRID
    assert loaded.row_labels == row_labels and loaded.col_labels == COLUMNS


def test_a_spreadsheet_is_recognised_by_its_content_not_its_name(tmp_path):
    for name in ("grid.xlsx", "grid.ods"):
        renamed = tmp_path / (name + ".csv")
        renamed.write_bytes((CORPUS / name).read_bytes())
        assert load_csv(renamed).values.tolist() == GRID


def test_iris_with_its_numeric_label_first_or_last():
    first = load_csv(CORPUS / "iris_label_first.csv", label_column="target")
    last = load_csv(CORPUS / "iris_label_last.csv", label_column="target")
    assert first.values.shape == last.values.shape == (150, 4)
    assert np.array_equal(first.values, last.values)
    assert first.row_labels == last.row_labels and set(first.row_labels) == {"0", "1", "2"}
    assert first.label_header == "target"
    dropped = load_csv(CORPUS / "iris_label_first.csv", drop=["target"])
    assert dropped.row_labels is None and np.array_equal(dropped.values, first.values)
    # Without a choice the numeric label is data: 5 columns, as the file says.
    assert load_csv(CORPUS / "iris_label_last.csv").values.shape == (150, 5)


def test_iris_with_a_text_label_last():
    with pytest.raises(CSVFormatError, match=r"line 2, column 5 \('target'\).*label_column"):
        load_csv(CORPUS / "iris_text_label_last.csv")
    loaded = load_csv(CORPUS / "iris_text_label_last.csv", label_column=4)
    assert loaded.values.shape == (150, 4) and loaded.row_labels[0] == "setosa"


def test_a_chosen_sheet_is_read_and_its_error_is_located_in_spreadsheet_notation():
    for name in ("grid.xlsx",):
        with pytest.raises(CSVFormatError, match=r"non-numeric cell 'x' at cell B3 \('b'\)"):
            load_csv(CORPUS / name, sheet="bad")
        with pytest.raises(CSVFormatError, match="cell B3"):
            load_csv(CORPUS / name, sheet=1)


# A matrix written by pandas or numpy reads back exactly -------------------------------

matrices = arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)),
                  elements=st.floats(0, 1e300, allow_subnormal=True)).filter(lambda a: a.any())


@settings(max_examples=150, deadline=None)
@given(matrices, st.booleans(), st.booleans(), st.sampled_from([",", ";", "\t"]))
def test_pandas_to_csv_reads_back_exactly(matrix, index, header, sep):
    frame = pd.DataFrame(matrix, columns=[f"c{j}" for j in range(matrix.shape[1])],
                         index=[f"r{i}" for i in range(matrix.shape[0])])
    loaded = load_csv(io.StringIO(frame.to_csv(index=index, header=header, sep=sep)),
                      header=header if index and not header else "auto")
    assert loaded.values.tobytes() == matrix.tobytes()
    assert loaded.row_labels == (tuple(frame.index) if index else None)
    assert loaded.col_labels == (tuple(frame.columns) if header else None)


@settings(max_examples=150, deadline=None)
@given(matrices, st.booleans(), st.sampled_from([",", ";", "\t"]))
def test_pandas_default_index_reads_back_exactly(matrix, header, sep):
    frame = pd.DataFrame(matrix)  # RangeIndex rows and columns: ",0,1" above "0,..."
    loaded = load_csv(io.StringIO(frame.to_csv(header=header, sep=sep)),
                      header="auto" if header else False,
                      label_column="auto" if header else 0)
    assert loaded.values.tobytes() == matrix.tobytes()
    assert loaded.row_labels == tuple(map(str, range(matrix.shape[0])))


@settings(max_examples=150, deadline=None)
@given(matrices, st.sampled_from([",", ";", "\t"]), st.sampled_from(["%.18e", "%r", "%.17g"]))
def test_numpy_savetxt_reads_back_exactly(matrix, delimiter, fmt):
    out = io.StringIO()
    if fmt == "%r":
        out.write("\n".join(delimiter.join(map(repr, row)) for row in matrix.tolist()))
    else:
        np.savetxt(out, matrix, delimiter=delimiter, fmt=fmt)
    loaded = load_csv(io.StringIO(out.getvalue()))
    assert loaded.values.tobytes() == matrix.tobytes()
    assert loaded.row_labels is None and loaded.col_labels is None
