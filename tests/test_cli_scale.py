"""CLI factor on a zarr input: --scheduler/--workers, --out (S.csv, errors.csv, A.zarr),
--json's scheduler, workers and bytes_read."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("dask.array", reason="the scale extra (dask) is not installed")
pytest.importorskip("distributed", reason="the scale extra (distributed) is not installed")
zarr = pytest.importorskip("zarr", reason="the scale extra (zarr) is not installed")

from nmf_core import factorize  # noqa: E402
from nmf_core.cli import main  # noqa: E402


def test_factor_a_zarr_writes_S_errors_and_A_as_zarr(tmp_path, capsys):
    X = np.random.default_rng(1).random((600, 20))  # above the Gram-identity size
    store = zarr.create_array(tmp_path / "X.zarr", shape=X.shape, chunks=(250, 20), dtype="f8")
    store[:] = X
    out = tmp_path / "out"
    status = main(["factor", str(tmp_path / "X.zarr"), "--k", "3", "--niter", "4", "--seed",
                   "2", "--workers", "1", "--out", str(out), "--json"])
    assert status == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["scheduler"] == "local" and summary["workers"] == 1
    assert summary["bytes_read"] == (1 + 2 * 4 + 1) * X.nbytes
    expected = factorize(X, 3, "hals", niter=4, seed=2)
    assert summary["rel_error"] == pytest.approx(expected.rel_error, rel=1e-10)
    assert sorted(p.name for p in out.iterdir()) == ["A.zarr", "S.csv", "errors.csv"]
    A = zarr.open_array(out / "A.zarr", mode="r")[:]
    assert np.linalg.norm(A - expected.A) <= 1e-10 * np.linalg.norm(expected.A)
    assert (out / "errors.csv").read_text().count("\n") == 4 + 2


def test_scale_flags_need_a_scale_input_and_a_bad_address_is_one_line(tmp_path, capsys):
    csv = tmp_path / "X.csv"
    csv.write_text("1,2\n3,4\n")
    assert main(["factor", str(csv), "--k", "1", "--workers", "2"]) == 2
    assert "--workers need(s) a zarr, Parquet or HDF5 input" in capsys.readouterr().err
    assert main(["factor", str(tmp_path / "none.zarr"), "--k", "1"]) == 2
    assert "no zarr store" in capsys.readouterr().err
    assert main(["factor", str(tmp_path / "none.zarr"), "--k", "1", "--scheduler",
                 "nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
