"""The recommender's bench rows on a tiny set: every promised row is there, with a
finite figure and a target (no timing assertions: the figures depend on the machine)."""

import math

import pytest

from bench.recommend import K, comparison_rows, large_row
from nmf_core.films import films
from nmf_core.recommend import split_random


@pytest.mark.slow
def test_comparison_rows_name_every_peer_and_both_targets():
    pytest.importorskip("surprise")
    train, test = split_random(films(80, 60, 0.3, genres=3, seed=1).ratings, 0.2, seed=0)
    rows = {row.measure: row for row in comparison_rows("tiny", train, test, 1)}
    for name in ("NMF", "biased NMF", "SVD", "BaselineOnly"):
        assert math.isfinite(rows[f"surprise {name} test RMSE"].value)
    ours = rows[f"nmf_core k={K} test RMSE"]
    assert ours.target and ours.meets is not None and 0 < ours.ratio
    speed = rows[f"nmf_core k={K} fit time"]
    assert speed.value > 0 and speed.meets is not None and "× surprise NMF" in speed.ratio_to
    assert "user + item biases" in rows["baselines test RMSE"].detail


def test_large_row_reports_time_and_memory_from_a_child():
    found = large_row(50, 40, 500, 5.0, 4.0)
    assert [row.measure for row in found] == ["nmf_core k=10 fit time", "peak RSS"]
    assert all(row.value > 0 and row.meets is not None for row in found)
    assert "CPU time" in found[0].detail


def test_a_movielens_folder_is_read_by_its_files(tmp_path):
    from bench.recommend import _movielens

    lines = "".join(f"{u}\t{i}\t{1 + (u + i) % 5}\t{u * 100 + i}\n" for u in range(1, 11)
                    for i in range(1, 11))
    (tmp_path / "u.data").write_text(lines)
    how, train, test = _movielens(tmp_path)
    assert how == "u.data, random 80/20" and train.n_ratings + test.n_ratings == 100
    half = lines.splitlines(keepends=True)
    (tmp_path / "u1.base").write_text("".join(half[:50]))
    (tmp_path / "u1.test").write_text("".join(half[50:]))
    how, train, test = _movielens(tmp_path)
    assert how == "u1 split" and train.n_ratings == test.n_ratings == 50
    with pytest.raises(FileNotFoundError):
        _movielens(tmp_path / "nothing")
