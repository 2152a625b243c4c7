"""The CLI's import flags, stdin, spreadsheets and the --out bundle (issues #10, #11)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from nmf_core import factorize
from nmf_core.cli import main
from nmf_core.csvio import load_csv

CORPUS = Path(__file__).parent / "data" / "corpus"


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "nmf_core", *args], capture_output=True,
                          text=True, timeout=120, input=stdin)


def test_dash_reads_standard_input():
    proc = run_cli("factor", "-", "--k", "1", "--json", stdin=",a,b\n0,1,2\n1,3,4\n")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["shape"] == [2, 2]  # the pandas index is labels


def test_a_refused_file_is_one_located_line():
    proc = run_cli("factor", str(CORPUS / "iris_text_label_last.csv"), "--k", "2")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "line 2, column 5 ('target')" in proc.stderr and "label_column" in proc.stderr


def test_import_flags_match_load_csv(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["factor", str(CORPUS / "iris_label_first.csv"), "--k", "2", "--niter", "20",
                 "--label-column", "target", "--scale", "max", "--out", str(out)])
    assert code == 0
    loaded = load_csv(CORPUS / "iris_label_first.csv", label_column="target", scale="max")
    expected = factorize(loaded.values, 2, "hals", niter=20)
    A = load_csv(out / "A.csv", label_column=0)  # numeric labels (the class) are chosen
    assert np.array_equal(A.values, expected.A) and A.label_header == "target"
    settings = json.loads((out / "settings.json").read_text())
    assert settings["import_settings"]["label_column"] == "target"
    assert settings["import_settings"]["scale"] == "max"


def test_drop_header_decimal_transpose_flags(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id;a;b\n7;1,5;2\n9;3;4\n")
    proc = run_cli("factor", str(path), "--k", "1", "--drop", "id", "--transpose", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["shape"] == [2, 2]
    proc = run_cli("factor", str(path), "--k", "1", "--header", "no", "--json")
    assert proc.returncode == 2 and "line 1, column 1" in proc.stderr


def test_a_spreadsheet_sheet_and_its_located_error():
    proc = run_cli("factor", str(CORPUS / "grid.xlsx"), "--k", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["shape"] == [3, 3]
    proc = run_cli("factor", str(CORPUS / "grid.xlsx"), "--k", "1", "--sheet", "bad")
    assert proc.returncode == 2 and "cell B3" in proc.stderr


def test_a_failed_out_names_the_file_and_leaves_nothing(tmp_path):
    blocker = tmp_path / "out"
    blocker.write_text("a file, not a folder")
    proc = run_cli("factor", "factory", "--k", "3", "--out", str(blocker / "inner"))
    assert proc.returncode == 2 and proc.stderr.startswith("error: cannot write ")
    assert str(blocker) in proc.stderr and proc.stderr.count("\n") == 1
    assert blocker.read_text() == "a file, not a folder"
