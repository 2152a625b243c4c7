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
