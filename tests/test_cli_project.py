"""``nmf-explorer project NEW.csv --factors S.csv``: NNLS coefficients from the CLI."""

import json

import numpy as np

from nmf_core import project
from nmf_core.cli import main
from nmf_core.csvio import load_csv, to_csv_bytes


def _files(tmp_path):
    rng = np.random.default_rng(0)
    S = rng.random((3, 8))
    truth = rng.random((5, 3)) * (rng.random((5, 3)) > 0.4)
    new = truth @ S
    (tmp_path / "S.csv").write_bytes(to_csv_bytes(S, ("f1", "f2", "f3"),
                                                  tuple(f"c{j}" for j in range(8))))
    (tmp_path / "new.csv").write_bytes(to_csv_bytes(new, tuple(f"r{i}" for i in range(5)),
                                                    tuple(f"c{j}" for j in range(8))))
    return S, truth, new


def test_project_prints_the_coefficients_with_labels(tmp_path, capsys):
    S, truth, new = _files(tmp_path)
    assert main(["project", str(tmp_path / "new.csv"), "--factors", str(tmp_path / "S.csv")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == ",f1,f2,f3" and out.splitlines()[1].startswith("r0,")
    (tmp_path / "got.csv").write_text(out)
    got = load_csv(tmp_path / "got.csv").values
    assert np.array_equal(got, project(new, S=S)) and np.allclose(got, truth, atol=1e-10)


def test_project_columns_with_a_fixed_a_json_and_out(tmp_path, capsys):
    S, truth, new = _files(tmp_path)
    (tmp_path / "A.csv").write_bytes(to_csv_bytes(S.T))
    (tmp_path / "cols.csv").write_bytes(to_csv_bytes(new.T))
    code = main(["project", str(tmp_path / "cols.csv"), "--factors", str(tmp_path / "A.csv"),
                 "--fixed", "A", "--json", "--out", str(tmp_path / "S_new.csv")])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["shape"] == [3, 5] and summary["k"] == 3 and summary["rel_error"] < 1e-12
    assert np.allclose(load_csv(tmp_path / "S_new.csv").values, truth.T, atol=1e-10)


def test_project_mismatch_is_one_error_line(tmp_path, capsys):
    _files(tmp_path)
    code = main(["project", str(tmp_path / "new.csv"), "--factors", str(tmp_path / "S.csv"),
                 "--fixed", "A"])
    err = capsys.readouterr().err
    assert code == 2 and err == "error: X_new has 5 rows but A has 3 rows; they must match\n"
