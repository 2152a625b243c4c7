"""Beyond one machine: ``factorize`` on a ``dask.array.Array``, out of core or on a cluster.

Everything here imports dask; nothing outside this package does, so the base install and
the app never load it.  ``factorize(X)`` with X a dask array comes here for hals and mu.

- :mod:`.engine`: the dask.distributed engine (a LocalCluster sized to the machine, or an
  existing cluster's address), as a context manager.
- :mod:`.readers`: zarr (a local path or any fsspec URL), Parquet numeric columns, HDF5,
  each as a dask array chunked by rows.
- :mod:`.blocks`: the per-row-block numpy kernels the workers run.
- :mod:`.distributed`: the HALS and MU steps with A kept on the workers, and the run loop.
"""

from __future__ import annotations

from .engine import Engine, current_engine
from .readers import open_matrix

__all__ = ["Engine", "current_engine", "open_matrix"]
