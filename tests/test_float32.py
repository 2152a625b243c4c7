"""float32: float32 input gives float32 factors for every method, dtype= chooses, and
the accuracy floor (about 1e-7 relative) is what float32 allows."""

import numpy as np
import pytest

from nmf_core import ParameterError, factorize
from nmf_core.data import factory_example, synthetic
from nmf_core.datamatrix import DenseMatrix
from nmf_core.solvers.als import least_squares_columns

X64 = synthetic(n=60, m=40, k=4, noise=0.01).X
X32 = X64.astype(np.float32)


@pytest.mark.parametrize("method, options", [
    ("hals", {}), ("mu", {}), ("als", {}), ("als", {"sampling": "random"}), ("rk", {}),
    ("hals", {"mask": X64 > 0.05}), ("mu", {"mask": X64 > 0.05})])
def test_float32_in_float32_out_for_every_method(method, options):
    result = factorize(X32, 4, method, niter=40, seed=1, snapshots=3, **options)
    assert result.A.dtype == np.float32 and result.S.dtype == np.float32
    assert result.snapshots.A.dtype == np.float32
    assert result.params["dtype"] == "float32" and np.isfinite(result.rel_error)
    assert result.success and result.errors[-1] < result.errors[0]


@pytest.mark.parametrize("method", ["hals", "mu", "als"])
def test_float32_follows_float64_to_float32_precision(method):
    r64 = factorize(X64, 4, method, niter=100, seed=2)
    r32 = factorize(X64, 4, method, niter=100, seed=2, dtype="float32")
    assert r64.A.dtype == np.float64 and r32.A.dtype == np.float32
    assert r32.rel_error == pytest.approx(r64.rel_error, rel=1e-3)


def test_accuracy_floor_is_near_1e_7():
    X = factory_example().X
    r64 = factorize(X, 3, "hals", niter=1000, seed=1)
    r32 = factorize(X.astype(np.float32), 3, "hals", niter=1000, seed=1)
    assert r64.rel_error < 1e-12  # an exact fit in float64
    assert 1e-9 < r32.rel_error < 1e-6  # float32's floor, not the method's


def test_dtype_argument():
    assert factorize(X32, 2, niter=5, dtype="float64").A.dtype == np.float64
    assert factorize(X64, 2, niter=5, dtype=np.float32).A.dtype == np.float32
    with pytest.raises(ParameterError, match="dtype must be float64 or float32"):
        factorize(X64, 2, niter=5, dtype="int8")


def test_float32_range_is_checked_and_large_entries_are_scaled_first():
    result = factorize(X64 * 1e36, 4, "hals", niter=50, seed=1, dtype="float32")
    assert result.A.dtype == np.float32 and np.isfinite(result.A).all()
    assert np.isfinite(result.rel_error) and result.rel_error < 0.1
    with pytest.raises(ParameterError, match="outside float32's range"):
        factorize(X64 * 1e300, 4, niter=5, dtype="float32")


def test_als_float32_leaves_the_normal_equations_above_cond_1e3():
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((30, 3)))[0]
    A = U * np.array([1.0, 1.0, 1e-2])  # cond(AᵀA) = 1e4: above float32's 1e3
    X = A @ rng.random((3, 8))
    W = A.T[None].astype(np.float32)
    H = np.zeros((1, 3, 8), dtype=np.float32)
    least_squares_columns(H, W, DenseMatrix(X.astype(np.float32)), None, nonnegative=False)
    exact = np.linalg.lstsq(A, X, rcond=None)[0]
    # cond 1e4 > 1e3: the proximal step (from H = 0), not the normal equations' answer
    assert np.linalg.norm(H[0] - exact) / np.linalg.norm(exact) > 1e-2
    for _ in range(300):  # whose fixed point is the least-squares solution
        least_squares_columns(H, W, DenseMatrix(X.astype(np.float32)), None, nonnegative=False)
    assert np.linalg.norm(H[0] - exact) / np.linalg.norm(exact) < 1e-4
    B = U * np.array([1.0, 1.0, 10 ** -1.5])  # cond(BᵀB) = 1e3 ≤ 1e4: float64's plain solve
    Y = B @ rng.random((3, 8))
    H64 = np.zeros((1, 3, 8))
    least_squares_columns(H64, B.T[None], DenseMatrix(Y), None, nonnegative=False)
    exact64 = np.linalg.lstsq(B, Y, rcond=None)[0]
    assert np.linalg.norm(H64[0] - exact64) / np.linalg.norm(exact64) < 1e-10


def test_load_csv_dtype(tmp_path):
    import io

    from nmf_core import CSVFormatError
    from nmf_core.csvio import load_csv

    assert load_csv(io.StringIO("1,2\n3,4\n")).values.dtype == np.float64
    single = load_csv(io.StringIO("1,2\n3,0.1\n"), dtype="float32").values
    assert single.dtype == np.float32 and single[1, 1] == np.float32(0.1)
    with pytest.raises(CSVFormatError, match="row 2, column 2 is beyond float32's range"):
        load_csv(io.StringIO("1,2\n3,1e40\n"), dtype="float32")
    with pytest.raises(ParameterError, match="dtype must be"):
        load_csv(io.StringIO("1,2\n"), dtype="float16")


def test_cli_dtype(capsys):
    import json

    from nmf_core.cli import main

    assert main(["factor", "factory", "--k", "3", "--dtype", "float32", "--niter", "300",
                 "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["params"]["dtype"] == "float32" and 1e-9 < summary["rel_error"] < 1e-5
