"""bench/losses.py: the #17 rows' shape and rules on a tiny case (no timings asserted)."""

import numpy as np
import pytest

pytest.importorskip("sklearn", reason="the bench extra has scikit-learn")

from bench.losses import RATIO_TARGET, _poisson, _rows  # noqa: E402
from bench.table import NOT_REACHED  # noqa: E402


def test_a_kl_case_gives_the_target_then_one_row_per_method():
    X = _poisson(40, 30, 3, seed=1)
    rows = _rows("tiny counts", X, 3, ("hals", "mu"), 1.0, 0.0, 0.0, "mu", 1)
    assert [r.measure for r in rows] == ["target: sklearn mu objective after 200 it",
                                         "nmf_core hals", "nmf_core mu"]
    goal = rows[0].value
    assert goal > 0 and np.isfinite(goal)
    for row in rows[1:]:
        if row.value is None:  # not reached: said so, with the best objective
            assert row.missing == NOT_REACHED and "best objective" in row.detail
        else:
            assert row.ratio > 0 and row.meets == (row.ratio <= RATIO_TARGET)
            assert row.detail.endswith("median of 1")
