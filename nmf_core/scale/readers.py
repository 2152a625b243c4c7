"""Matrices too large for memory, opened as dask arrays chunked by rows.

``open_matrix(source)`` reads by the name's ending:

- ``*.zarr`` (a local path, or any URL fsspec opens: ``s3://…``, ``gs://…``, ``https://…``);
  ``store.zarr::name`` picks an array inside a zarr group;
- ``*.parquet`` / ``*.pq``: the numeric columns, one block per row group (needs pyarrow);
- ``*.h5`` / ``*.hdf5``: ``file.h5::dataset`` (or the file's only 2-D dataset; needs h5py).

Blocks hold whole rows, about :data:`BLOCK_BYTES` each, in multiples of the store's own
row chunks, so no chunk is read twice.  Nothing is read here beyond the metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import MatrixError

BLOCK_BYTES = 48 * 2**20  # target bytes of X per row block: fewer, larger tasks (each one
# costs the scheduler about a millisecond), yet a few per worker of 400 MB
ZARR = (".zarr",)
PARQUET = (".parquet", ".pq")
HDF5 = (".h5", ".hdf5", ".he5")
SUFFIXES = ZARR + PARQUET + HDF5


@dataclass(frozen=True)
class ScaleMatrix:
    """A dask array X (n, m) chunked by rows, with its column labels when the file has them."""

    X: object
    col_labels: tuple[str, ...] | None
    source: str


def is_scale_source(source: str) -> bool:
    """True for a name :func:`open_matrix` reads (by its ending, before any ``::name``)."""
    return str(source).partition("::")[0].rstrip("/").lower().endswith(SUFFIXES)


def row_block(rows_chunk: int, m: int, itemsize: int) -> int:
    """Rows per block: whole store chunks, about BLOCK_BYTES in all."""
    rows_chunk = max(1, int(rows_chunk))
    target = max(1, BLOCK_BYTES // max(1, m * itemsize))
    return rows_chunk * max(1, target // rows_chunk)


def open_matrix(source: str) -> ScaleMatrix:
    """The matrix at ``source`` as a row-chunked dask array (see the module docstring)."""
    path, _, name = str(source).partition("::")
    lower = path.rstrip("/").lower()
    if lower.endswith(ZARR):
        return _zarr(path, name, source)
    if lower.endswith(PARQUET):
        return _parquet(path, source)
    if lower.endswith(HDF5):
        return _hdf5(path, name, source)
    raise MatrixError(f"{source}: not a zarr, Parquet or HDF5 name (endings: "
                      f"{', '.join(SUFFIXES)})")


def _matrix_check(shape, dtype, where: str) -> None:
    if len(shape) != 2:
        raise MatrixError(f"{where} must be a 2-D matrix; it has {len(shape)} dimension(s)")
    if not (np.issubdtype(dtype, np.number) or dtype == np.bool_) or \
            np.issubdtype(dtype, np.complexfloating):
        raise MatrixError(f"{where} is not a real numeric matrix (dtype {dtype})")


def _zarr(path: str, name: str, source: str) -> ScaleMatrix:
    import dask.array as da
    import zarr
    import zarr.errors

    try:
        node = zarr.open(path, mode="r")
    except (FileNotFoundError, zarr.errors.NodeNotFoundError) as exc:
        raise MatrixError(f"{source}: no zarr store there ({exc})") from None
    if isinstance(node, zarr.Group):
        arrays = dict(node.arrays())
        if name:
            if name not in arrays:
                raise MatrixError(f"{source}: the zarr group has no array {name!r}; it has "
                                  f"{', '.join(sorted(arrays)) or 'none'}")
            node = arrays[name]
        elif len(arrays) == 1:
            node = next(iter(arrays.values()))
        else:
            raise MatrixError(f"{path}: a zarr group of {len(arrays)} arrays; name one as "
                              f"{path}::NAME ({', '.join(sorted(arrays)) or 'none'})")
    _matrix_check(node.shape, node.dtype, source)
    rows = row_block(node.chunks[0], node.shape[1], node.dtype.itemsize)
    X = da.from_zarr(node, chunks=(rows, node.shape[1]))
    return ScaleMatrix(X, None, source)


def _parquet_file(path: str):
    import fsspec
    import pyarrow.parquet as pq

    return pq.ParquetFile(fsspec.open(path, "rb").open())


def _parquet_group(path: str, group: int, columns: list[str]) -> np.ndarray:
    table = _parquet_file(path).read_row_group(group, columns=columns)
    return np.column_stack([table.column(c).to_numpy(zero_copy_only=False).astype(np.float64)
                            for c in columns])


def _parquet(path: str, source: str) -> ScaleMatrix:
    try:
        import pyarrow as pa
    except ImportError:
        raise MatrixError(f"{source}: reading Parquet needs pyarrow "
                          f"(python3 -m pip install pyarrow)") from None
    import dask.array as da
    from dask import delayed

    try:
        file = _parquet_file(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise MatrixError(f"{source}: cannot read it as Parquet ({exc})") from None
    schema = file.schema_arrow
    columns = [f.name for f in schema
               if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
               or pa.types.is_boolean(f.type)]
    if not columns:
        raise MatrixError(f"{source}: no numeric columns (it has {', '.join(schema.names)})")
    meta = file.metadata
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    parts = [da.from_delayed(delayed(_parquet_group, pure=True)(path, g, columns),
                             (rows, len(columns)), dtype=np.float64)
             for g, rows in enumerate(sizes) if rows]
    if not parts:
        raise MatrixError(f"{source}: the Parquet file has no rows")
    return ScaleMatrix(da.concatenate(parts), tuple(columns), source)


def _hdf5_read(path: str, name: str, start: int, stop: int) -> np.ndarray:
    import h5py

    with h5py.File(path, "r") as f:
        return f[name][start:stop]


def _hdf5(path: str, name: str, source: str) -> ScaleMatrix:
    try:
        import h5py
    except ImportError:
        raise MatrixError(f"{source}: reading HDF5 needs h5py "
                          f"(python3 -m pip install h5py)") from None
    import dask.array as da
    from dask import delayed

    if not Path(path).is_file():
        raise MatrixError(f"{source}: no such file")
    try:
        with h5py.File(path, "r") as f:
            found = []
            f.visititems(lambda key, obj: found.append(key)
                         if isinstance(obj, h5py.Dataset) and obj.ndim == 2 else None)
            if not name:
                if len(found) != 1:
                    raise MatrixError(f"{path}: {len(found)} 2-D datasets; name one as "
                                      f"{path}::NAME ({', '.join(found) or 'none'})")
                name = found[0]
            if name not in f:
                raise MatrixError(f"{source}: no dataset {name!r}; 2-D datasets: "
                                  f"{', '.join(found) or 'none'}")
            ds = f[name]
            _matrix_check(ds.shape, ds.dtype, source)
            shape, dtype = ds.shape, ds.dtype
            chunk_rows = ds.chunks[0] if ds.chunks else 1
    except OSError as exc:
        raise MatrixError(f"{source}: cannot read it as HDF5 ({exc})") from None
    rows = row_block(chunk_rows, shape[1], dtype.itemsize)
    parts = [da.from_delayed(delayed(_hdf5_read, pure=True)(path, name, s, min(s + rows,
                                                                               shape[0])),
                             (min(s + rows, shape[0]) - s, shape[1]), dtype=dtype)
             for s in range(0, shape[0], rows)]
    return ScaleMatrix(da.concatenate(parts), None, source)
