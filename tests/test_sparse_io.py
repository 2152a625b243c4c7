"""Matrix Market and scipy .npz readers: content sniffing, limits, one-line errors."""

import io
import zipfile

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

from nmf_core.errors import CSVFormatError, MatrixFileError
from nmf_core.sparse.io import (
    BYTES_PER_STORED,
    DEFAULT_MAX_STORED,
    DEFAULT_MAX_STORED_BYTES,
    load_sparse,
    load_triples,
    max_bytes_for,
    sparse_kind,
)

HEADER = b"%%MatrixMarket matrix coordinate real general\n"


def _matrix():
    return sp.random_array((30, 20), density=0.2, rng=3, format="csr") * 5


def _npz(X, compressed=True) -> bytes:
    buffer = io.BytesIO()
    sp.save_npz(buffer, X, compressed=compressed)
    return buffer.getvalue()


def _mtx(X, **kwargs) -> bytes:
    buffer = io.BytesIO()
    scipy.io.mmwrite(buffer, X, **kwargs)
    return buffer.getvalue()


def test_limits_are_declared_once_and_the_byte_limit_follows():
    from nmf_core import ratings

    assert DEFAULT_MAX_STORED == 20_000_000
    assert DEFAULT_MAX_STORED is ratings.DEFAULT_MAX_ENTRIES  # one declaration
    assert DEFAULT_MAX_STORED_BYTES == ratings.DEFAULT_MAX_BYTES
    assert DEFAULT_MAX_STORED_BYTES == max_bytes_for(DEFAULT_MAX_STORED)
    assert DEFAULT_MAX_STORED_BYTES >= DEFAULT_MAX_STORED * BYTES_PER_STORED
    assert DEFAULT_MAX_STORED_BYTES % 2**20 == 0


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "bsr", "dia"])
def test_npz_round_trip_in_every_format(fmt):
    X = _matrix()
    loaded = load_sparse(io.BytesIO(_npz(X.asformat(fmt))))
    assert isinstance(loaded.values, sp.csr_array) and loaded.values.dtype == np.float64
    assert loaded.values.has_canonical_format
    assert abs(loaded.values - X).max() == 0


def test_npz_from_a_sparse_matrix_and_a_path(tmp_path):
    X = sp.csc_matrix(_matrix())
    path = tmp_path / "x.data"  # the name says nothing: the content decides
    path.write_bytes(_npz(X, compressed=False))
    assert abs(load_sparse(path).values - X).max() == 0


def test_matrix_market_general_symmetric_pattern_and_dense():
    X = _matrix()
    assert abs(load_sparse(io.BytesIO(_mtx(X))).values - X).max() == 0
    Y = X[:20, :20] + X[:20, :20].T
    assert abs(load_sparse(io.BytesIO(_mtx(Y, symmetry="symmetric"))).values - Y).max() == 0
    pattern = load_sparse(io.BytesIO(
        b"%%MatrixMarket matrix coordinate pattern general\n3 3 2\n1 1\n3 2\n")).values
    assert pattern.toarray().tolist() == [[1, 0, 0], [0, 0, 0], [0, 1, 0]]
    dense = load_sparse(io.BytesIO(_mtx(X.toarray()))).values
    assert isinstance(dense, np.ndarray) and np.array_equal(dense, X.toarray())


def test_explicit_zeros_are_kept_as_stored_entries():
    loaded = load_sparse(io.BytesIO(HEADER + b"2 2 2\n1 1 0\n2 2 3.5\n")).values
    assert loaded.nnz == 2 and loaded[0, 0] == 0 and loaded[1, 1] == 3.5


def test_sniffing_by_content():
    assert sparse_kind(_mtx(_matrix())[:100]) == "mtx"
    assert sparse_kind(b"\xef\xbb\xbf%%matrixmarket matrix") == "mtx"
    assert sparse_kind(_npz(_matrix())) == "npz"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("sheet.xml", "<x/>")
    assert sparse_kind(buffer.getvalue()) is None
    assert sparse_kind(b"a,b\n1,2\n") is None


@pytest.mark.parametrize("body, message", [
    (HEADER + b"3 3 2\n1 1 1.0\n1 1 2.0\n", "row 1, column 1 is given 2 times"),
    (HEADER + b"3 3 2\n1 1 1.0\n2 3 -2.0\n", "1 negative value(s); the first is -2 at row 2, "
                                             "column 3"),
    (HEADER + b"3 3 2\n1 1 nan\n2 1 2.0\n", "non-finite value(s); the first is nan at row 1"),
    (HEADER + b"3 3 2\n1 1 1\n4 1 2.0\n", "Row index out of bounds"),
    (HEADER + b"3 3 3\n1 1 1\n2 1 2.0\n", "cannot be read"),
    (b"%%MatrixMarket matrix coordinate complex general\n3 3 1\n1 1 1 1\n", "complex"),
    (HEADER + b"3 3 2\n1 1 0\n2 1 0\n", "all zeros"),
    (HEADER + b"0 3 0\n", "empty"),
    (b"%%MatrixMarket garbage\n", "not a readable Matrix Market header"),
    (b"hello,1\n", "neither Matrix Market"),
    (b"PK\x03\x04 not really a zip", "neither Matrix Market"),
])
def test_bad_matrix_market_is_one_line(body, message):
    with pytest.raises(MatrixFileError, match="^[^\n]*$") as info:
        load_sparse(io.BytesIO(body))
    assert message in str(info.value)
    assert isinstance(info.value, CSVFormatError)  # callers of the loaders catch one type


def test_stored_entry_limit_is_checked_from_the_header():
    # the header claims 25 million entries and the file holds one: refused before reading
    with pytest.raises(MatrixFileError, match="25,000,000 stored entries, over the limit of "
                                              "20,000,000"):
        load_sparse(io.BytesIO(HEADER + b"3000000 30 25000000\n1 1 1\n"))
    X = _matrix()
    with pytest.raises(MatrixFileError, match=f"{X.nnz:,} stored entries, over the limit of 10 "):
        load_sparse(io.BytesIO(_npz(X)), max_stored=10)
    with pytest.raises(MatrixFileError, match=f"{X.nnz:,} stored entries"):
        load_sparse(io.BytesIO(_mtx(X)), max_stored=10)
    # symmetric files count both triangles
    Y = X[:20, :20] + X[:20, :20].T
    with pytest.raises(MatrixFileError, match="over the limit"):
        load_sparse(io.BytesIO(_mtx(Y, symmetry="symmetric")), max_stored=Y.nnz - 1)


def test_byte_limit_follows_the_stored_limit():
    body = _mtx(_matrix())
    with pytest.raises(CSVFormatError, match="over the limit of .* bytes"):
        load_sparse(io.BytesIO(body), max_stored=len(body) // BYTES_PER_STORED // 2**20 + 1,
                    max_bytes=100)
    with pytest.raises(CSVFormatError, match="over the limit of 1,048,576 bytes"):
        load_sparse(io.BytesIO(body + b"%" * 2**20), max_stored=1)


def _rewrite(raw: bytes, replace: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            if name not in replace:
                dst.writestr(name, src.read(name))
        for name, array in replace.items():
            if array is not None:
                member = io.BytesIO()
                np.lib.format.write_array(member, array, allow_pickle=True)
                dst.writestr(name, member.getvalue())
    return out.getvalue()


def test_npz_that_would_unpickle_or_is_inconsistent_is_refused():
    raw = _npz(_matrix())
    pickled = _rewrite(raw, {"data.npy": np.array([object()] * 3, dtype=object)})
    with pytest.raises(MatrixFileError, match="cannot be read"):
        load_sparse(io.BytesIO(pickled))
    bad_indices = _matrix().indices.copy()
    bad_indices[0] = 10_000
    with pytest.raises(MatrixFileError, match="inconsistent|cannot be read"):
        load_sparse(io.BytesIO(_rewrite(raw, {"indices.npy": bad_indices})))
    with pytest.raises(MatrixFileError, match="lacks indptr.npy"):
        load_sparse(io.BytesIO(_rewrite(raw, {"indptr.npy": None})))
    with pytest.raises(MatrixFileError, match="unknown sparse format 'lil'"):
        load_sparse(io.BytesIO(_rewrite(raw, {"format.npy": np.array(b"lil")})))
    negative = _matrix()
    negative.data[4] = -1
    with pytest.raises(MatrixFileError, match="negative"):
        load_sparse(io.BytesIO(_npz(negative)))


def test_triples_keep_their_ids_as_labels_and_only_the_given_cells():
    text = b"row,col,value\ngeneA,cell7,3\ngeneB,cell2,0\ngeneA,cell2,1.5\n"
    loaded = load_triples(io.BytesIO(text))
    assert loaded.row_labels == ("geneA", "geneB") and loaded.col_labels == ("cell7", "cell2")
    X = loaded.values
    assert isinstance(X, sp.csr_array) and X.nnz == 3  # the explicit zero is stored
    assert X.toarray().tolist() == [[3.0, 1.5], [0.0, 0.0]]


def test_triples_errors_and_limit():
    with pytest.raises(CSVFormatError, match="negative value"):
        load_triples(io.BytesIO(b"1\t1\t2\n2\t1\t-1\n"))
    with pytest.raises(CSVFormatError, match="over the limit of 2 ratings"):
        load_triples(io.BytesIO(b"1 1 2\n2 1 1\n3 3 3\n"), max_stored=2)


# ------------------------------------------------------------------ CLI and front door
def _cli(argv, capsys):
    from nmf_core.cli import main

    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_factors_mtx_npz_and_triples(tmp_path, capsys):
    import json

    X = _matrix() + sp.random_array((30, 20), density=0.05, rng=9, format="csr")
    (tmp_path / "x.mtx").write_bytes(_mtx(X))
    (tmp_path / "x.npz").write_bytes(_npz(X))
    for name in ("x.mtx", "x.npz"):
        status, out, err = _cli(["factor", str(tmp_path / name), "--k", "2", "--niter", "20",
                                 "--json"], capsys)
        assert status == 0, err
        assert json.loads(out)["method"] == "hals"
    triples = tmp_path / "t.tsv"
    triples.write_text("user\titem\trating\nann\tfilm1\t4\nbob\tfilm2\t5\nann\tfilm2\t1\n"
                       "cy\tfilm1\t2\ncy\tfilm3\t3\n")
    out_dir = tmp_path / "out"
    status, out, err = _cli(["factor", str(triples), "--triples", "--missing", "--k", "1",
                             "--niter", "10", "--out", str(out_dir)], capsys)
    assert status == 0, err
    assert "3×3" in out
    assert (out_dir / "A.csv").read_text().splitlines()[1].startswith("ann,")
    assert not (out_dir / "AS.csv").exists()  # n×m for a sparse X: left out
    settings = json.loads((out_dir / "settings.json").read_text())
    assert settings["params"]["missing"] == 4  # 9 cells, 5 observed


def test_cli_bad_sparse_file_is_one_error_line(tmp_path, capsys):
    bad = tmp_path / "bad.mtx"
    bad.write_bytes(HEADER + b"2 2 1\n1 1 -3\n")
    status, out, err = _cli(["factor", str(bad), "--k", "1"], capsys)
    assert status == 2 and err.count("\n") == 1 and "negative value" in err


def test_front_door_reads_sparse_and_transposes_and_scales_without_densifying():
    from nmf_core.importing import load_matrix

    X = _matrix()
    loaded = load_matrix(io.BytesIO(_npz(X)), transpose=True, scale="max")
    assert isinstance(loaded.values, sp.csr_array) and loaded.values.shape == (20, 30)
    column_max = loaded.values.max(axis=0).toarray().ravel()
    np.testing.assert_allclose(column_max[column_max > 0], 1.0)
    assert loaded.sha256 and any("Matrix Market" in n or ".npz" in n for n in loaded.notes)
