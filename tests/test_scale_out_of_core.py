"""Out of core, proven: a zarr X larger than the workers' memory, factored on dask.

Two workers with 400 MB each factor a 1 GB zarr array for 5 iterations; no worker is
lost or restarted, and the result matches numpy's on the same data read whole.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("dask.array", reason="the scale extra (dask) is not installed")
pytest.importorskip("distributed", reason="the scale extra (distributed) is not installed")
zarr = pytest.importorskip("zarr", reason="the scale extra (zarr) is not installed")

from nmf_core import factorize  # noqa: E402
from nmf_core.scale import Engine, open_matrix  # noqa: E402

N, M, CHUNK_ROWS = 250_000, 500, 5_000  # 1.0 GB of float64 in 50 chunks of 20 MB
WORKERS, MEMORY = 2, "400MB"
K, NITER, SEED = 10, 5, 0


def _write_store(path) -> int:
    """X, uniform noise on a rank-K pattern, written chunk by chunk (seeded); its size."""
    rng = np.random.default_rng(2026)
    A, S = rng.random((N, K)), rng.random((K, M))
    store = zarr.create_array(path, shape=(N, M), chunks=(CHUNK_ROWS, M), dtype="f8",
                              compressors=None)
    for start in range(0, N, CHUNK_ROWS):
        stop = start + CHUNK_ROWS
        store[start:stop] = A[start:stop] @ S + 0.1 * rng.random((CHUNK_ROWS, M))
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _workers(engine) -> dict:
    return {address: info["id"] for address, info in
            engine.client.scheduler_info(n_workers=-1)["workers"].items()}


@pytest.mark.slow
def test_a_zarr_larger_than_the_workers_memory_is_factored_as_numpy_would(tmp_path):
    path = tmp_path / "X.zarr"
    on_disk = _write_store(path)
    with Engine(workers=WORKERS, memory_limit=MEMORY) as engine:
        limits = [w["memory_limit"] for w in
                  engine.client.scheduler_info(n_workers=-1)["workers"].values()]
        assert on_disk > sum(limits) and on_disk > 0.95e9  # X is more than they hold
        before = _workers(engine)
        ours = factorize(open_matrix(str(path)).X, K, "hals", niter=NITER, seed=SEED)
        assert _workers(engine) == before  # none killed, restarted or replaced
        assert ours.params["scale"]["A"] == "dask"  # n·k = 2.5e6: A stayed on the workers
        ours_A = ours.A.compute()  # while the cluster holding it is up
    assert ours.params["scale"]["bytes_read"] == (2 * NITER + 2) * N * M * 8
    X = zarr.open_array(path, mode="r")[:]
    theirs = factorize(X, K, "hals", niter=NITER, seed=SEED)
    del X
    for name, ours_F, theirs_F in (("A", ours_A, theirs.A), ("S", ours.S, theirs.S)):
        assert np.linalg.norm(ours_F - theirs_F) <= 1e-10 * np.linalg.norm(theirs_F), name
    np.testing.assert_allclose(ours.errors, theirs.errors, rtol=1e-10, atol=0)
    assert ours.rel_error == pytest.approx(theirs.rel_error, rel=1e-10)
    assert ours.errors[-1] < ours.errors[0]
