"""The code box: the shown Python and CLI reproduce the result bit for bit."""

import json
import subprocess
import sys

from nmf_core import factorize, validate_params
from nmf_core.data import load_dataset
from nmf_core.reproduce import cli_command, python_code

SPEC = "synthetic:n=40,m=30,k=3,noise=0.1,seed=5"


def test_python_and_cli_reproduce_the_run(tmp_path):
    params = validate_params(method="rk", k=3, niter=30, reinit=3, seed=9, sampling="random",
                             kacziter=4)
    expected = factorize(load_dataset(SPEC).X, **{
        k: v for k, v in params.items() if k not in ("max_seconds",)})

    code = python_code(SPEC, params)
    proc = subprocess.run([sys.executable, "-c", code.replace(
        "print(result.rel_error)", "print(repr(result.rel_error))")],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == expected.rel_error

    command = cli_command(SPEC, params) + " --json"
    assert command.startswith("python -m nmf_core factor")
    proc = subprocess.run(command.replace("python", sys.executable, 1), shell=True,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rel_error"] == expected.rel_error


def test_settings_a_method_ignores_are_left_out():
    params = validate_params(method="hals", k=2)
    assert "kacziter" not in python_code("factory", params)
    assert "--sampling" not in cli_command("factory", params)
    assert "--allow-negative-factors" in cli_command(
        "factory", validate_params(method="hals", k=2, nonnegative=False))
