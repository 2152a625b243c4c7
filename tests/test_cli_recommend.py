"""``python -m nmf_core recommend``: the JSON contract, --out files, one-line errors."""

import csv
import json

import pytest

from nmf_core.cli import main
from nmf_core.films import films

CONTRACT = {"rmse", "mae", "fit_s", "k", "reg", "n_users", "n_items", "n_ratings",
            "cold_start", "baselines"}


@pytest.fixture(scope="module")
def ratings_file(tmp_path_factory):
    ratings = films(120, 80, 0.3, noise=0.3, genres=3, seed=2).ratings
    path = tmp_path_factory.mktemp("ratings") / "u.data"
    path.write_text("".join(f"{ratings.user_ids[u]}\t{ratings.item_ids[i]}\t{int(v)}\t{t}\n"
                            for t, (u, i, v) in enumerate(zip(ratings.users, ratings.items,
                                                              ratings.values, strict=True))))
    return path


def run(capsys, *argv):
    try:
        status = main(["recommend", *map(str, argv)])
    except SystemExit as exit:  # argparse's usage errors
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def test_json_contract(ratings_file, capsys):
    status, out, err = run(capsys, ratings_file, "--k", 3, "--json", "--user", "user 1",
                           "--top", 4)
    assert status == 0 and err == ""
    summary = json.loads(out)
    assert CONTRACT <= set(summary)
    assert summary["k"] == 3 and summary["reg"] == 0.05
    assert summary["n_ratings"] + summary["n_test"] == 120 * 80 * 0.3
    assert summary["n_users"] == 120 and summary["cold_start"] == 0
    assert set(summary["baselines"]) == {"global mean", "user mean", "item mean",
                                         "user + item biases"}
    assert summary["rmse"] < min(summary["baselines"].values())
    assert len(summary["top"]) == 4
    assert all(set(entry) == {"item", "score", "factor"} for entry in summary["top"])
    assert summary["fit_s"] > 0


def test_test_file_auto_and_out(ratings_file, tmp_path, capsys):
    test = tmp_path / "test.csv"
    test.write_text("userId,movieId,rating\nuser 1,Drama #1,4\nnew user,Drama #1,3\n")
    out_dir = tmp_path / "out"
    status, out, _ = run(capsys, ratings_file, "--test", test, "--k", "auto", "--no-biased",
                         "--niter", 20, "--json", "--out", out_dir)
    summary = json.loads(out)
    assert status == 0 and summary["n_test"] == 2 and summary["cold_start"] == 1
    assert summary["biased"] is False and summary["k"] in summary["scan"]["ks"]
    users = list(csv.reader((out_dir / "users.csv").open()))
    assert users[0] == ["id", "bias", *(f"factor {f + 1}" for f in range(summary["k"]))]
    assert len(users) == 121
    assert len(list(csv.reader((out_dir / "items.csv").open()))) == 81
    predictions = list(csv.reader((out_dir / "predictions.csv").open()))
    assert predictions[0] == ["user", "item", "rating", "predicted"]
    assert predictions[2][:3] == ["new user", "Drama #1", "3.0"]


def test_text_output(ratings_file, capsys):
    status, out, _ = run(capsys, ratings_file, "--k", 2, "--test-fraction", 0.3,
                         "--user", "user 2")
    assert status == 0 and "test RMSE" in out and "baseline user mean" in out
    assert "1. " in out


@pytest.mark.parametrize("argv, message", [
    (["--k", "x"], "argument --k: must be a whole number or 'auto'"),
    (["--k", "0"], "k must be a whole number >= 1"),
    (["--k", "2", "--top", "3"], "--top needs --user"),
    (["--k", "2", "--user", "nobody"], "user 'nobody' has no training rating"),
    (["--k", "2", "--test-fraction", "1.5"], "test fraction must be between 0 and 1"),
    (["--k", "2", "--reg", "-1"], "--reg must be a finite number >= 0"),
    (["--k", "2", "--test", "missing.tsv"], "cannot read missing.tsv"),
    (["--k", "2", "--test", "x", "--test-fraction", "0.2"], "not allowed with argument"),
])
def test_bad_input_is_one_error_line(ratings_file, capsys, argv, message, monkeypatch,
                                     tmp_path):
    monkeypatch.chdir(tmp_path)
    status, _, err = run(capsys, ratings_file, *argv)
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_bad_ratings_file_is_located(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,x,1\nb,y,lots\n")
    status, _, err = run(capsys, bad, "--k", 1)
    assert status == 2 and err == ("error: rating 'lots' at line 2, field 3 is not a number "
                                   "(1 in the file)\n")
