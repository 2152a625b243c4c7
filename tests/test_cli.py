"""The command line: exit codes, one-line errors, JSON, output files."""

import json
import subprocess
import sys

import numpy as np
import pytest

from nmf_core import factorize
from nmf_core.cli import main
from nmf_core.csvio import load_csv
from nmf_core.data import factory_example


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "nmf_core", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def factory_csv(tmp_path):
    path = tmp_path / "factory.csv"
    data = factory_example()
    lines = ["hour," + ",".join(data.col_labels)]
    lines += [f"{label}," + ",".join(repr(float(v)) for v in row)
              for label, row in zip(data.row_labels, data.X, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_output_has_the_documented_fields(factory_csv):
    proc = run_cli("factor", str(factory_csv), "--k", "3", "--method", "hals", "--niter", "300",
                   "--seed", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for key in ("method", "k", "shape", "rel_error", "n_iter", "elapsed_s", "best_run",
                "diverged"):
        assert key in out
    assert out["shape"] == [12, 10] and out["k"] == 3 and out["method"] == "hals"
    expected = factorize(factory_example().X, 3, "hals", niter=300, seed=2)
    assert out["rel_error"] == expected.rel_error  # bit for bit, through JSON's repr


def test_out_folder_keeps_labels_and_exact_values(factory_csv, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["factor", str(factory_csv), "--k", "3", "--method", "rk", "--niter", "20",
                 "--reinit", "2", "--sampling", "random", "--out", str(out)])
    assert code == 0
    expected = factorize(factory_example().X, 3, "rk", niter=20, reinit=2, sampling="random")
    A, S, AS = (load_csv(out / f"{name}.csv") for name in ("A", "S", "AS"))
    assert np.array_equal(A.values, expected.A) and np.array_equal(S.values, expected.S)
    assert A.row_labels == factory_example().row_labels
    assert S.col_labels == factory_example().col_labels
    assert AS.values.shape == (12, 10)
    errors = (out / "errors.csv").read_text().splitlines()
    assert errors[0].startswith("iteration,best,restart 1,restart 2")
    assert len(errors) == 1 + 21
    assert "relative error" in capsys.readouterr().out


def test_builtin_dataset_spec_needs_no_file():
    proc = run_cli("factor", "synthetic:n=30,m=20,k=2,noise=0,seed=4", "--k", "2", "--json",
                   "--niter", "50")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["shape"] == [30, 20]


@pytest.mark.parametrize("args,needle", [
    (["factor", "missing-file.csv", "--k", "2"], "cannot read missing-file.csv"),
    (["factor", "{csv}", "--k", "0"], "k must be between 1 and"),
    (["factor", "{csv}", "--k", "11"], "k = 11 is larger than min(n, m) = 10"),
    (["factor", "{csv}", "--k", "2", "--method", "svd"], "invalid choice: 'svd'"),
    (["factor", "{csv}", "--k", "two"], "invalid int value: 'two'"),
    (["factor", "{bad}", "--k", "2"], "line 2"),
    (["factor", "{csv}", "--k", "2", "--method", "als", "--missing"], "need method hals or mu"),
    (["factor", "{csv}"], "required: --k"),
    (["factor", "synthetic:seed=-1", "--k", "1"],
     "synthetic data: seed must be between 0 and 4,294,967,295; got -1"),
    (["factor", "bars:seed=-1", "--k", "1"], "bars data: seed must be between 0 and"),
    (["factor", "synthetic:n=100000,m=100000", "--k", "1"],
     "synthetic data: n × m must be at most 5,000,000 cells"),
    (["factor", "bars:size=64,n_images=100000", "--k", "1"],
     "bars data: n_images × size² must be at most 5,000,000 cells"),
    (["factor", "synthetic:noise=abc", "--k", "1"],
     "synthetic data: noise must be a number; got 'abc' (noise is from 0 to 10)"),
    (["factor", "synthetic:size=4", "--k", "1"], "synthetic data has no setting 'size'"),
])
def test_bad_input_is_one_line_and_status_2(args, needle, factory_csv, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,abc\n")
    args = [a.format(csv=factory_csv, bad=bad) for a in args]
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_values_are_masked(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("1,2,3\n2,,6\n3,6,9\n4,8,\n")
    proc = run_cli("factor", str(path), "--k", "1", "--missing", "--json", "--niter", "200")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rel_error"] < 1e-6  # rank one on the observed cells


def test_max_seconds_cuts_a_long_run_short(tmp_path):
    proc = run_cli("factor", "synthetic:n=300,m=200,k=10,seed=1", "--k", "10", "--method", "rk",
                   "--niter", "100000", "--max-seconds", "0.5", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["truncated"] and "cut short" in out["message"] and out["n_iter"] < 100000


def test_an_unwritable_out_folder_is_named_not_blamed_on_the_input(factory_csv, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder\n")
    done = run_cli("factor", str(factory_csv), "--k", "3", "--niter", "5",
                   "--out", str(blocker / "results"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: cannot write the results to {blocker / 'results'}")
    assert "cannot read" not in done.stderr and "Traceback" not in done.stderr
