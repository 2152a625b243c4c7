"""The command line: exit codes, one-line errors, JSON, output files."""

import json
import os
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


def test_a_full_stdout_is_named_not_blamed_on_the_input():
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "nmf_core", "factor", "factory", "--k", "3",
                               "--niter", "5"], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write to standard output: No space left on device\n"


def test_a_reader_that_leaves_early_gets_a_quiet_exit():
    proc = subprocess.Popen([sys.executable, "-m", "nmf_core", "factor", "factory", "--k", "3",
                             "--niter", "5", "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head -c 0`: nobody reads what is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, what a shell reports
    assert stderr == ""


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252", "utf-16"])
def test_any_stdout_encoding_works(encoding):
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    proc = subprocess.run([sys.executable, "-m", "nmf_core", "factor", "factory", "--k", "3",
                           "--niter", "5"], capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode(encoding)
    assert "on 12x10: relative error" in text or "on 12×10: relative error" in text
    bad = subprocess.run([sys.executable, "-m", "nmf_core", "factor", "synthetic:n=0", "--k",
                          "1"], capture_output=True, env=env, timeout=120)
    assert bad.returncode == 2 and b"Traceback" not in bad.stderr


def test_no_arguments_print_the_usage_and_a_help_hint():
    proc = run_cli()
    assert proc.returncode == 2 and proc.stdout == ""
    assert "usage: nmf-explorer" in proc.stderr and "--help" in proc.stderr


def test_the_blank_cell_error_names_the_missing_flag(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("1,2\n,3\n")
    proc = run_cli("factor", str(path), "--k", "1")
    assert proc.returncode == 2
    assert "blank cell" in proc.stderr and "--missing" in proc.stderr


@pytest.mark.parametrize("method", ["als", "rk", "hals", "mu"])
def test_inputs_near_float_max_never_write_inf(method, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("\n".join([",".join(["1.797e308"] * 30)] * 40) + "\n")
    out = tmp_path / "out"
    proc = run_cli("factor", str(path), "--k", "3", "--method", method, "--niter", "30",
                   "--sampling", "sweep", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    assert "inf" not in proc.stdout.lower() and "nan" not in proc.stdout.lower()
    for name in ("A", "S", "AS"):
        values = load_csv(out / f"{name}.csv").values
        assert np.isfinite(values).all(), name
    assert "inf" not in (out / "errors.csv").read_text()


def test_best_run_means_one_thing_in_json_text_and_errors_csv(tmp_path):
    args = ["factor", "factory", "--k", "3", "--method", "rk", "--niter", "30", "--reinit",
            "4", "--seed", "3"]
    summary = json.loads(run_cli(*args, "--json").stdout)
    text = run_cli(*args, "--out", str(tmp_path / "out")).stdout
    restart = summary["best_restart"]
    assert summary["best_run"] == restart - 1  # the 0-based index of NMFResult.best_run
    assert f"best restart {restart};" in text
    lines = (tmp_path / "out" / "errors.csv").read_text().splitlines()
    header, last = lines[0].split(","), lines[-1].split(",")
    best_column = header.index(f"restart {restart}")
    assert last[1] == last[best_column]  # errors.csv's "best" curve is that restart's
