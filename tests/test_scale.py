"""nmf_core.scale: factorize on dask arrays matches numpy; the readers."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

da = pytest.importorskip("dask.array", reason="the scale extra (dask) is not installed")
pytest.importorskip("distributed", reason="the scale extra (distributed) is not installed")

from nmf_core import MatrixError, ParameterError, factorize  # noqa: E402
from nmf_core.data import synthetic  # noqa: E402
from nmf_core.scale import Engine, open_matrix  # noqa: E402

TOL = 1e-10


@pytest.fixture(scope="module")
def engine():
    """One local cluster of two threads for the module (processes cost seconds to start;
    the out-of-core test and test_scale_engine.py use worker processes)."""
    with Engine(workers=2, processes=False) as running:
        yield running


def relative(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(b))


def assert_same_run(dask_result, numpy_result):
    assert relative(dask_result.A, numpy_result.A) < TOL
    assert relative(dask_result.S, numpy_result.S) < TOL
    assert dask_result.best_run == numpy_result.best_run
    assert dask_result.n_iter == numpy_result.n_iter
    assert np.array_equal(dask_result.diverged, numpy_result.diverged)
    assert dask_result.message == numpy_result.message
    for ours, theirs in zip(dask_result.all_errors, numpy_result.all_errors, strict=True):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=0)
    assert dask_result.rel_error == pytest.approx(numpy_result.rel_error, rel=TOL)
    np.testing.assert_allclose(dask_result.objective, numpy_result.objective, rtol=TOL)
    for factor in ("A", "S"):
        assert dask_result.sparseness[factor] == pytest.approx(
            numpy_result.sparseness[factor], rel=TOL, abs=TOL)


X_SMALL = synthetic(700, 120, 6, 0.05, seed=4).X


@pytest.mark.parametrize("method", ["hals", "mu"])
@pytest.mark.parametrize("reinit", [1, 3])
def test_same_seed_same_result_as_numpy(engine, method, reinit):
    X = da.from_array(X_SMALL, chunks=(150, 40))  # uneven row blocks, split columns
    ours = factorize(X, 6, method, niter=12, reinit=reinit, seed=11)
    theirs = factorize(X_SMALL, 6, method, niter=12, reinit=reinit, seed=11)
    assert_same_run(ours, theirs)
    assert isinstance(ours.A, np.ndarray) and ours.params["scale"]["A"] == "numpy"
    assert ours.params["scale"]["workers"] == 2
    # check, start (also the first step's W X), 2 per step (mu: its pass also forms the next
    # step's W X), final error
    reads = 1 + 1 + (2 * 12 - 1 if method == "hals" else 12) + 1
    assert ours.params["scale"]["bytes_read"] == reads * X_SMALL.nbytes


@pytest.mark.parametrize("reinit", [1, 3])
def test_mu_kullback_leibler_matches_numpy_reading_X_once_per_iteration(engine, reinit):
    X = da.from_array(X_SMALL, chunks=(150, 40))
    kwargs = {"niter": 12, "reinit": reinit, "seed": 5, "loss": "kullback-leibler"}
    ours = factorize(X, 6, "mu", **kwargs)
    theirs = factorize(X_SMALL, 6, "mu", **kwargs)
    assert_same_run(ours, theirs)
    assert ours.errors[-1] < ours.errors[0]  # the KL curve falls
    # check, start (which also gives the first step its terms), one per step, final error
    assert ours.params["scale"]["bytes_read"] == (1 + 1 + 12 + 1) * X_SMALL.nbytes


def test_mu_kullback_leibler_after_the_guard_stops_a_restart(engine, monkeypatch):
    """A restart stopped by the guard resets the step's cached terms, as numpy's model."""
    fz = importlib.import_module("nmf_core.factorize")
    kwargs = {"niter": 6, "reinit": 3, "seed": 7, "loss": "kullback-leibler"}
    grown = [e[1] / max(e[0], 1.0) for e in factorize(X_SMALL, 6, "mu", **kwargs).all_errors]
    monkeypatch.setattr(fz, "DIVERGENCE_FACTOR", float(np.median(grown)))  # limit: the median
    theirs = factorize(X_SMALL, 6, "mu", **kwargs)
    assert 0 < theirs.diverged.sum() < 3  # the test's premise: some stop, some go on
    assert_same_run(factorize(da.from_array(X_SMALL, chunks=(200, 120)), 6, "mu", **kwargs),
                    theirs)


def test_losses_and_penalties_a_dask_X_does_not_take_are_refused(engine):
    X = da.from_array(X_SMALL, chunks=(200, 120))
    with pytest.raises(ParameterError, match="'hals' minimises the frobenius loss only; "
                                             "loss='kullback-leibler' needs method mu"):
        factorize(X, 3, "hals", loss="kullback-leibler")
    with pytest.raises(ParameterError, match="itakura-saito' needs X in memory"):
        factorize(X, 3, "mu", loss="itakura-saito")
    with pytest.raises(ParameterError, match="without penalty"):
        factorize(X, 3, "mu", alpha_A=0.1)


def test_custom_init_unconstrained_and_tiny_matrix_match_numpy(engine):
    rng = np.random.default_rng(0)
    X = rng.random((60, 30))  # below the Gram-identity size: errors measured directly
    init = (rng.random((60, 4)), rng.random((4, 30)))
    for kwargs in ({"init": init}, {"nonnegative": False, "seed": 2}):
        ours = factorize(da.from_array(X, chunks=(25, 30)), 4, "hals", niter=8, **kwargs)
        assert_same_run(ours, factorize(X, 4, "hals", niter=8, **kwargs))


def test_divergence_guard_callback_and_time_cap_work_as_in_numpy(engine):
    huge = (np.full((12, 3), 1e160), np.full((3, 10), 1e-160))
    X = synthetic(12, 10, 3, 0.0, seed=1).X
    ours = factorize(da.from_array(X, chunks=(5, 10)), 3, "hals", init=huge, niter=6, reinit=2)
    assert_same_run(ours, factorize(X, 3, "hals", init=huge, niter=6, reinit=2))
    assert not ours.success and np.isfinite(ours.A).all()

    Xd = da.from_array(X_SMALL, chunks=(200, 120))
    seen = []
    stopped = factorize(Xd, 6, "mu", niter=50, seed=0,
                        callback=lambda t, errors: seen.append(errors) or t == 3)
    assert stopped.n_iter == 3 and stopped.truncated and len(seen) == 3
    assert "stopped by the caller after 3" in stopped.message
    capped = factorize(Xd, 6, "hals", niter=10_000, seed=0, max_seconds=0.5)
    assert capped.truncated and 0 < capped.n_iter < 10_000 and "cut short" in capped.message


def test_large_A_stays_a_dask_array_on_the_cluster(engine, monkeypatch):
    run = importlib.import_module("nmf_core.scale.run")
    monkeypatch.setattr(run, "SMALL_A_CELLS", 100)
    ours = factorize(da.from_array(X_SMALL, chunks=(100, 120)), 6, "hals", niter=5, seed=1)
    assert isinstance(ours.A, da.Array) and ours.params["scale"]["A"] == "dask"
    assert ours.A.chunks[0] == (100,) * 7  # aligned with X's row blocks
    theirs = factorize(X_SMALL, 6, "hals", niter=5, seed=1)
    assert relative(ours.A.compute(), theirs.A) < TOL


def test_methods_and_options_that_need_X_in_memory_refuse_a_dask_X(engine):
    X = da.from_array(X_SMALL, chunks=(200, 120))
    for method in ("als", "rk"):
        with pytest.raises(ParameterError, match="needs X in memory"):
            factorize(X, 3, method, niter=2)
    with pytest.raises(ParameterError, match="need X in memory"):
        factorize(X, 3, "hals", mask=np.ones(X.shape, bool))
    with pytest.raises(ParameterError, match="nndsvd"):
        factorize(X, 3, "hals", init="nndsvd")
    with pytest.raises(ParameterError, match="snapshots"):
        factorize(X, 3, "hals", snapshots=5)


def test_bad_dask_input_is_named_like_numpy_input(engine):
    bad = X_SMALL.copy()
    bad[321, 7] = -2.5
    with pytest.raises(MatrixError, match="negative value.*-2.5 at row 322, column 8"):
        factorize(da.from_array(bad, chunks=(100, 120)), 3, "hals")
    bad[321, 7] = np.nan
    with pytest.raises(MatrixError, match="non-finite value.*at row 322, column 8"):
        factorize(da.from_array(bad, chunks=(100, 120)), 3, "hals")
    with pytest.raises(MatrixError, match="all zeros"):
        factorize(da.zeros((50, 20), chunks=(10, 20)), 3, "hals")
    with pytest.raises(ParameterError, match="k = 30 is larger"):
        factorize(da.from_array(X_SMALL[:, :20], chunks=(100, 20)), 30, "hals")
    with pytest.raises(MatrixError, match="2-D"):
        factorize(da.ones((4, 4, 4)), 2, "hals")


def test_readers_give_row_blocks_of_the_same_matrix(tmp_path, monkeypatch):
    zarr = pytest.importorskip("zarr")
    readers = importlib.import_module("nmf_core.scale.readers")
    monkeypatch.setattr(readers, "BLOCK_BYTES", 50 * 7 * 8)  # about 50 rows per block
    X = np.random.default_rng(3).random((90, 7))
    store = zarr.create_array(tmp_path / "X.zarr", shape=X.shape, chunks=(20, 3), dtype="f8")
    store[:] = X
    opened = open_matrix(str(tmp_path / "X.zarr"))
    assert np.array_equal(opened.X.compute(), X)
    assert opened.X.chunks == ((40, 40, 10), (7,))  # whole store chunks of 20 rows
    group = zarr.open_group(tmp_path / "G.zarr", mode="w")
    group.create_array("counts", data=X)
    group.create_array("other", data=X[:3])
    assert np.array_equal(open_matrix(f"{tmp_path / 'G.zarr'}::counts").X.compute(), X)
    with pytest.raises(MatrixError, match="name one"):
        open_matrix(str(tmp_path / "G.zarr"))
    with pytest.raises(MatrixError, match="no zarr store"):
        open_matrix(str(tmp_path / "missing.zarr"))


def test_parquet_numeric_columns_and_hdf5_datasets(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow reads Parquet")
    pq = pytest.importorskip("pyarrow.parquet")
    X = np.random.default_rng(5).random((50, 3))
    table = pa.table({"name": [f"r{i}" for i in range(50)], "a": X[:, 0], "b": X[:, 1],
                      "c": (X[:, 2] * 10).astype(np.int64)})
    pq.write_table(table, tmp_path / "X.parquet", row_group_size=16)
    opened = open_matrix(str(tmp_path / "X.parquet"))
    assert opened.col_labels == ("a", "b", "c")
    assert opened.X.chunks[0] == (16, 16, 16, 2)
    expected = np.column_stack([X[:, 0], X[:, 1], (X[:, 2] * 10).astype(np.int64)])
    assert np.array_equal(opened.X.compute(), expected)
    h5py = pytest.importorskip("h5py", reason="h5py reads HDF5")
    with h5py.File(tmp_path / "X.h5", "w") as f:
        f.create_dataset("group/X", data=X, chunks=(10, 3))
    assert np.array_equal(open_matrix(str(tmp_path / "X.h5")).X.compute(), X)
    assert np.array_equal(open_matrix(f"{tmp_path / 'X.h5'}::group/X").X.compute(), X)
    with pytest.raises(MatrixError, match="no dataset"):
        open_matrix(f"{tmp_path / 'X.h5'}::nope")
