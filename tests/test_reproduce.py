"""The code box: the shown Python and CLI reproduce the result bit for bit."""

import hashlib
import json
import subprocess
import sys

import numpy as np

from nmf_core import factorize, validate_params
from nmf_core.csvio import load_csv
from nmf_core.data import load_dataset
from nmf_core.reproduce import cli_command, python_code

SPEC = "synthetic:n=40,m=30,k=3,noise=0.1,seed=5"
# Appended to the shown code: a digest of A and S, to compare them bit for bit.
_PRINT_FACTORS = ("\nimport hashlib\nprint(repr(result.rel_error), hashlib.sha256("
                  "result.A.tobytes() + result.S.tobytes()).hexdigest())\n")


def _digest(A, S) -> str:
    return hashlib.sha256(np.ascontiguousarray(A).tobytes()
                          + np.ascontiguousarray(S).tobytes()).hexdigest()


def test_python_and_cli_reproduce_the_run(tmp_path):
    params = validate_params(method="rk", k=3, niter=30, reinit=3, seed=9, sampling="random",
                             kacziter=4)
    expected = factorize(load_dataset(SPEC).X, **{
        k: v for k, v in params.items() if k not in ("max_seconds",)})

    code = python_code(SPEC, params)
    proc = subprocess.run([sys.executable, "-c", code + _PRINT_FACTORS],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    error, digest = proc.stdout.split()[-2:]
    assert float(error) == expected.rel_error
    assert digest == _digest(expected.A, expected.S)  # A and S bit for bit

    out = tmp_path / "out"
    command = cli_command(SPEC, params) + f" --json --out {out}"
    assert command.startswith("python3 -m nmf_core factor")
    proc = subprocess.run(command.replace("python3", sys.executable, 1), shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rel_error"] == expected.rel_error
    assert np.array_equal(load_csv(out / "A.csv").values, expected.A)
    assert np.array_equal(load_csv(out / "S.csv").values, expected.S)


def test_settings_a_method_ignores_are_left_out():
    params = validate_params(method="hals", k=2)
    assert "kacziter" not in python_code("factory", params)
    assert "--sampling" not in cli_command("factory", params)
    assert "--allow-negative-factors" in cli_command(
        "factory", validate_params(method="hals", k=2, nonnegative=False))


def test_masked_csv_code_reproduces_the_run(tmp_path):
    from nmf_core.csvio import load_csv

    path = tmp_path / "gaps.csv"
    path.write_text(",a,b,c,d\nx,1,2,,4\ny,2,4,1,8\nz,1,,3,1\nw,0,1,2,3\n")
    loaded = load_csv(str(path), missing="mask")
    params = validate_params(method="hals", k=2, niter=50, reinit=2, seed=3)
    expected = factorize(loaded.values, mask=loaded.mask, **{
        k: v for k, v in params.items() if k != "max_seconds"})

    code = python_code(str(path), params, csv=True, missing=True)
    assert "missing='mask'" in code and "mask=loaded.mask" in code
    proc = subprocess.run([sys.executable, "-c", code.replace(
        "print(result.rel_error)", "print(repr(result.rel_error))")],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == expected.rel_error

    command = cli_command(str(path), params, missing=True) + " --json"
    assert "--missing" in command
    proc = subprocess.run(command.replace("python3", sys.executable, 1), shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rel_error"] == expected.rel_error


def test_image_data_set_specs_round_trip():
    from nmf_core.data import dataset_spec

    spec = dataset_spec("bars", size=6, n_images=80, probability=0.2, seed=4)
    assert load_dataset(spec).X.shape == (80, 36)
    assert "bars:size=6,n_images=80,probability=0.2,seed=4" in cli_command(
        spec, validate_params(method="hals", k=12))
    assert load_dataset("swimmer").image_shape == (32, 32)


def test_import_settings_reach_load_csv_and_the_cli(tmp_path):
    from pathlib import Path

    from nmf_core.reproduce import cli_command, load_call, python_code

    corpus = Path(__file__).parent / "data" / "corpus" / "iris_label_first.csv"
    settings = {"label_column": "target", "scale": "max", "drop": (), "transpose": False,
                "missing": "error", "header": "auto"}
    assert load_call("x.csv", settings) == "load_csv('x.csv', label_column='target', scale='max')"
    params = {"method": "hals", "k": 2, "niter": 20, "reinit": 1, "seed": 0, "init": "random",
              "nonnegative": True, "sampling": "sweep", "kacziter": 5, "row_sampling": "norm"}
    code = python_code(str(corpus), params, csv=True, import_settings=settings)
    assert "label_column='target', scale='max')" in code
    namespace = {}
    exec(code.replace("print(result.rel_error)", ""), namespace)
    loaded = load_csv(corpus, label_column="target", scale="max")
    assert namespace["X"].tobytes() == loaded.values.tobytes()
    line = cli_command("x.csv", params, import_settings={**settings, "drop": ("id",)})
    assert "--label-column target --drop id --scale max" in line
