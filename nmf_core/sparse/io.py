"""Read sparse matrix files: Matrix Market (``.mtx``) and scipy ``.npz``.

A file is recognised by its content, not its name: Matrix Market text starts with
``%%MatrixMarket``; a scipy ``.npz`` is a ZIP archive holding ``format.npy`` and the
arrays of its format.  ``.npz`` files are read with ``scipy.sparse.load_npz``,
which never unpickles (``allow_pickle=False``).

Limits: the stored entries, not the cells, are counted (``max_stored``, default
:data:`DEFAULT_MAX_STORED`), and the byte limit follows from it
(:data:`BYTES_PER_STORED` a stored entry).  Sizes are checked from the file's
header before any entry is read, so an oversized or lying file is refused cheaply.
Every problem is one :class:`~nmf_core.errors.MatrixFileError` line.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np

from ..errors import MatrixError, MatrixFileError, ParameterError
from ..importing import DEFAULT_MAX_CELLS, MIB, LoadedMatrix, read_bytes
from ..ratings import BYTES_PER_ENTRY as BYTES_PER_STORED
from ..ratings import DEFAULT_MAX_ENTRIES as DEFAULT_MAX_STORED
from ..ratings import load_ratings
from .check import check_sparse

# The stored-entry limit and the bytes a stored entry may take are declared once, with
# the triples reader (nmf_core.ratings): 20 million entries, 40 bytes each, room for one
# Matrix Market line at full precision ("200000 20000 0.12345678901234568\n" is 33
# bytes) or one triples line with a timestamp.  A .npz takes at most 8 + 8 bytes an
# entry uncompressed, so it always fits under the same byte limit.

def max_bytes_for(max_stored: int) -> int:
    """The byte limit that follows from a stored-entry limit, in whole MiB."""
    return -(-max_stored * BYTES_PER_STORED // MIB) * MIB


DEFAULT_MAX_STORED_BYTES = max_bytes_for(DEFAULT_MAX_STORED)  # 763 MiB


def load_triples(source, *, max_stored: int = DEFAULT_MAX_STORED,
                 max_bytes: int | None = None) -> LoadedMatrix:
    """(row, column, value[, anything else]) lines, with or without a header, as a
    sparse matrix whose stored entries are the given cells; read by the one triples
    reader, :func:`nmf_core.ratings.load_ratings` (its layouts, duplicate rule and
    located errors).  The row and column ids become the labels, in order of first
    appearance.  Cells not given are not stored: pass ``missing="unstored"`` to
    ``factorize`` to treat them as missing rather than zero.
    """
    import scipy.sparse as sp

    ratings = load_ratings(source, max_entries=max_stored,
                           max_bytes=max_bytes_for(max_stored) if max_bytes is None else max_bytes)
    X = sp.coo_array((ratings.values, (ratings.users, ratings.items)), shape=ratings.shape)
    return LoadedMatrix(values=_checked(X, "the triples' values"),
                        row_labels=ratings.user_ids, col_labels=ratings.item_ids)

MATRIX_MARKET_MAGIC = b"%%matrixmarket"
ZIP_MAGIC = b"PK\x03\x04"
_NPZ_MEMBERS = {"csr": ("data", "indices", "indptr"), "csc": ("data", "indices", "indptr"),
                "bsr": ("data", "indices", "indptr"), "coo": ("data", "row", "col"),
                "dia": ("data", "offsets")}


def sparse_kind(head: bytes) -> str | None:
    """"mtx" or "npz" when the first bytes of a file say so, else None."""
    if head.lstrip(b"\xef\xbb\xbf")[: len(MATRIX_MARKET_MAGIC)].lower() == MATRIX_MARKET_MAGIC:
        return "mtx"
    if head.startswith(ZIP_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(head)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None  # a truncated head: the full reader decides
        return "npz" if "format.npy" in names else None
    return None


def read_sparse_bytes(raw: bytes, *, max_stored: int = DEFAULT_MAX_STORED) -> LoadedMatrix:
    """A Matrix Market or .npz file's bytes (the front door's reader, nmf_core.importing)."""
    kind = sparse_kind(raw)
    if kind == "mtx":
        values = _read_matrix_market(raw, max_stored)
    elif kind == "npz":
        values = _read_npz(raw, max_stored)
    else:
        raise MatrixFileError("this file is neither Matrix Market (it would start with "
                              "%%MatrixMarket) nor a scipy .npz sparse matrix")
    return LoadedMatrix(values=values, notes=(f"read as {_KIND_NAMES[kind]}",))


def finish_sparse(loaded: LoadedMatrix, *, transpose: bool, scale: str,
                  sha256: str) -> LoadedMatrix:
    """The front door's ``transpose`` and ``scale`` for a sparse X, without densifying
    (unstored cells count as zeros in a column's mean)."""
    import dataclasses

    import scipy.sparse as sp

    X, notes = loaded.values, list(loaded.notes)
    rows, cols = loaded.row_labels, loaded.col_labels
    if transpose:
        X = _checked(sp.csr_array(X.T), "the matrix")
        rows, cols = cols, rows
        notes.append("transposed: the file's columns are the rows of X")
    column_scale = None
    if scale != "none":
        if scale == "max":
            column_scale = X.max(axis=0).toarray().ravel()
        else:
            column_scale = np.asarray(X.sum(axis=0)).ravel() / X.shape[0]
        column_scale = np.where(column_scale > 0, column_scale, 1.0)
        X = sp.csr_array(X @ sp.diags_array(1.0 / column_scale))
        notes.append(f"scaled: each column divided by its {scale}")
    return dataclasses.replace(loaded, values=X, row_labels=rows, col_labels=cols,
                               notes=tuple(notes), column_scale=column_scale, sha256=sha256)


_KIND_NAMES = {"mtx": "Matrix Market", "npz": "a scipy .npz sparse matrix"}


def load_sparse(source, *, max_stored: int = DEFAULT_MAX_STORED,
                max_bytes: int | None = None) -> LoadedMatrix:
    """Read a Matrix Market or scipy .npz file (a path or binary file-like object).

    Returns a :class:`~nmf_core.csvio.LoadedMatrix` whose ``values`` is a canonical
    float64 ``scipy.sparse.csr_array`` (a dense Matrix Market "array" file gives a
    dense ndarray, held to the CSV cell limit).  Explicit zeros are kept: with
    ``factorize(..., missing="unstored")`` they are observed zeros.
    """
    for name, value in (("max_stored", max_stored), ("max_bytes", max_bytes)):
        if value is None and name == "max_bytes":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name} must be a whole number >= 1; got {value!r}")
    raw = read_bytes(source, max_bytes_for(max_stored) if max_bytes is None else max_bytes)
    return read_sparse_bytes(raw, max_stored=max_stored)


def _too_many(count: int, max_stored: int, what: str = "stored entries") -> MatrixFileError:
    return MatrixFileError(f"the file has {count:,} {what}, over the limit of "
                           f"{max_stored:,} (max_stored)")


def _checked(X, what: str):
    try:
        return check_sparse(X, what=what)
    except MatrixError as exc:
        raise MatrixFileError(str(exc)) from None


# ----------------------------------------------------------------------- Matrix Market
def _read_matrix_market(raw: bytes, max_stored: int):
    import scipy.io

    try:
        n, m, entries, layout, field, symmetry = scipy.io.mminfo(io.BytesIO(raw))
    except (ValueError, IndexError, OSError) as exc:
        raise MatrixFileError(f"not a readable Matrix Market header ({_first_line(exc)})") from None
    if field in ("complex", "hermitian") or symmetry == "hermitian":
        raise MatrixFileError("the Matrix Market file holds complex values; NMF needs real, "
                              "non-negative ones")
    if n < 1 or m < 1:
        raise MatrixFileError(f"the Matrix Market matrix is empty (shape {n}×{m})")
    if layout == "array":
        if n * m > DEFAULT_MAX_CELLS:
            raise _too_many(n * m, DEFAULT_MAX_CELLS, "cells (a dense Matrix Market array)")
    else:
        stored = entries * (1 if symmetry == "general" else 2)
        if stored > max_stored:
            raise _too_many(stored, max_stored)
        for size, name in ((n, "rows"), (m, "columns")):
            if size > max_stored:
                raise _too_many(size, max_stored, name)
    try:
        X = scipy.io.mmread(io.BytesIO(raw))
    except (ValueError, IndexError, OverflowError, OSError, RuntimeError) as exc:
        raise MatrixFileError(f"the Matrix Market entries cannot be read ({_first_line(exc)})"
                              ) from None
    if layout == "array":
        from ..factorize import check_matrix

        try:
            return check_matrix(X)
        except MatrixError as exc:
            raise MatrixFileError(str(exc)) from None
    _reject_duplicates(X.row, X.col, m)
    return _checked(X, "the Matrix Market matrix")


def _reject_duplicates(rows, cols, m: int) -> None:
    """A cell given twice is ambiguous (sum? last one?) in a file: refuse it."""
    linear = rows.astype(np.int64) * m + cols
    order = np.argsort(linear, kind="stable")
    same = linear[order][1:] == linear[order][:-1]
    if same.any():
        first = order[1:][np.argmax(same)]
        raise MatrixFileError(f"row {rows[first] + 1}, column {cols[first] + 1} is given "
                              f"{int((linear == linear[first]).sum())} times; give each "
                              "cell once")


def _first_line(exc) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


# ----------------------------------------------------------------------- scipy .npz
def _read_npz(raw: bytes, max_stored: int):
    import scipy.sparse as sp

    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = {info.filename: info for info in archive.infolist()}
        value = _small_member(archive, "format.npy").item()
        layout = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        members = _NPZ_MEMBERS.get(layout)
        if members is None:
            raise MatrixFileError(f"the .npz holds an unknown sparse format {layout!r}")
        missing = [name for name in (*members, "shape") if f"{name}.npy" not in infos]
        if missing:
            raise MatrixFileError(f"the .npz ({layout}) lacks {', '.join(missing)}.npy")
        shape = tuple(int(v) for v in _small_member(archive, "shape.npy").ravel())
        stored = _npy_length(archive, "data.npy")
        # ZIP sizes are claimed, not proven; np.load stops at the claimed size
        unpacked = sum(info.file_size for info in infos.values())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise MatrixFileError(f"not a readable scipy .npz ({_first_line(exc)})") from None
    if len(shape) != 2:
        raise MatrixFileError(f"the .npz matrix must be 2-D; its shape is {shape}")
    if stored > max_stored:
        raise _too_many(stored, max_stored)
    for size, name in zip(shape, ("rows", "columns"), strict=True):
        if size > max_stored:
            raise _too_many(size, max_stored, name)
    if unpacked > BYTES_PER_STORED * max_stored + 16 * sum(shape) + MIB:
        raise MatrixFileError(f"the .npz unpacks to {unpacked:,} bytes, more than its "
                              f"{stored:,} stored entries need")
    try:
        X = sp.load_npz(io.BytesIO(raw))  # allow_pickle=False inside
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile) as exc:
        raise MatrixFileError(f"the .npz arrays cannot be read ({_first_line(exc)})") from None
    try:
        X.check_format(full_check=True) if hasattr(X, "check_format") else None
    except ValueError as exc:
        raise MatrixFileError(f"the .npz arrays are inconsistent ({_first_line(exc)})") from None
    if layout == "coo":
        _reject_duplicates(X.row, X.col, X.shape[1])
    return _checked(X, "the .npz matrix")


def _small_member(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    info = archive.getinfo(name)
    if info.file_size > 4096:
        raise ValueError(f"{name} is {info.file_size:,} bytes; it should be a few")
    with archive.open(name) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _npy_length(archive: zipfile.ZipFile, name: str) -> int:
    """The length of a 1-D .npy member, from its header alone."""
    with archive.open(name) as member:
        version = np.lib.format.read_magic(member)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _, _ = read(member)
    return int(np.prod(shape))
