"""nmf_core.ui.runs: a run the time cap cut short (a busy server) is never served later
as if it were the finished one (issue #10, requirement 1)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nmf_core import factorize as real_factorize
from nmf_core.data import factory_example
from nmf_core.ui import runs
from nmf_core.ui.data_source import Matrix

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("empty_cache")


class Busy:
    """factorize as on a loaded machine for the first ``busy_calls`` calls: every
    iteration waits (inside the caller's callback), so the time cap stops it."""

    def __init__(self, busy_calls: int, pause: float = 0.02):
        self.busy_calls, self.pause, self.calls = busy_calls, pause, 0

    def __call__(self, X, *args, callback=None, **kwargs):
        self.calls += 1
        if self.calls <= self.busy_calls:
            inner = callback

            def callback(t, errors):  # noqa: F811 - the slowed-down caller's callback
                time.sleep(self.pause)
                return None if inner is None else inner(t, errors)
        return real_factorize(X, *args, callback=callback, **kwargs)


def factory_matrix() -> Matrix:
    data = factory_example()
    return Matrix(name="factory", X=data.X, fingerprint="factory-test",
                  row_labels=data.row_labels, col_labels=data.col_labels)


SETTINGS = {"k": 3, "method": "hals", "niter": 200, "reinit": 2, "seed": 1,
            "max_seconds": 2.0}


def test_a_cut_short_run_is_recomputed_once_the_server_could_finish_it(monkeypatch):
    busy = Busy(busy_calls=1)
    monkeypatch.setattr(runs, "factorize", busy)
    monkeypatch.setattr(runs, "RETRY_CUT_SHORT_S", 0.0)
    first = runs.run_factorization(factory_matrix(), SETTINGS)
    assert first.truncated and first.n_iter < 200  # the busy moment
    second = runs.run_factorization(factory_matrix(), SETTINGS)
    assert not second.truncated and second.n_iter == 200  # idle now: the full answer
    third = runs.run_factorization(factory_matrix(), SETTINGS)
    assert busy.calls == 2 and third.elapsed_s == second.elapsed_s  # and that one is cached


def test_a_cut_short_run_is_not_recomputed_on_every_rerun(monkeypatch):
    busy = Busy(busy_calls=5)
    monkeypatch.setattr(runs, "factorize", busy)
    monkeypatch.setattr(runs, "RETRY_CUT_SHORT_S", 3600.0)
    first = runs.run_factorization(factory_matrix(), SETTINGS)
    again = runs.run_factorization(factory_matrix(), SETTINGS)
    assert first.truncated and again.truncated and busy.calls == 1  # shown as cut short


def test_a_run_expected_to_pass_the_cap_is_not_retried(monkeypatch):
    busy = Busy(busy_calls=5)
    monkeypatch.setattr(runs, "factorize", busy)
    monkeypatch.setattr(runs, "RETRY_CUT_SHORT_S", 0.0)
    monkeypatch.setattr(runs, "estimate_seconds", lambda *args, **kwargs: 1e9)
    runs.run_factorization(factory_matrix(), SETTINGS)
    runs.run_factorization(factory_matrix(), SETTINGS)
    assert busy.calls == 1  # it would be cut short again: the cut-short one is served


def test_app_after_a_busy_moment_shows_the_full_run(monkeypatch):
    """AppTest: the first visit is slowed past a tiny cap; once the load is gone (the
    cap lifted for the run), the same link shows the finished run, not the cached cut."""
    busy = Busy(busy_calls=1, pause=0.05)
    monkeypatch.setattr(runs, "factorize", busy)
    monkeypatch.setattr(runs, "RETRY_CUT_SHORT_S", 0.0)
    monkeypatch.setattr(runs, "MAX_SECONDS", 0.2)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"niter": "100", "reinit": "1"})
    at.run()
    assert not at.exception
    assert any("cut short" in w.value for w in at.warning)
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update({"niter": "100", "reinit": "1"})
    at.run()
    assert not at.exception
    assert not any("cut short" in w.value for w in at.warning)
    iterations = next(m.value for m in at.metric if m.label == "Iterations")
    assert iterations.replace(",", "") == "100"


def test_a_scan_with_a_cut_short_fit_says_its_best_k_is_unreliable(monkeypatch):
    from nmf_core import model_selection
    from nmf_core.ui import figures

    monkeypatch.setattr(runs, "MAX_SECONDS", 0.5)
    busy = Busy(busy_calls=1000, pause=0.01)
    monkeypatch.setattr(model_selection, "factorize", busy)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("app_pages/choose_k.py")
    at.query_params.update({"data": "synthetic", "ck_ks": ["1", "3"], "ck_niter": "100"})
    at.run()
    assert not at.exception
    best = next(m for m in at.metric if m.label.startswith("Best k"))
    assert "best k unreliable" in str(best.proto.delta)
    scan = model_selection.KScan(ks=[1, 2], fit_error=[0.2, 0.1], cv_error=[0.3, 0.2],
                                 cv_std=[0.0, 0.0], truncated=2)
    star = figures.k_scan_figure(scan).data[2]
    assert star.text[0] == "best k unreliable: 2 fits were cut short"


def test_the_app_estimate_counts_a_mask_and_a_refused_run_says_what_to_lower():
    """The app's run passes its cap to factorize (issue #10 req. 2): the estimate before
    a run counts missing cells (masked runs cost k² a cell), and a run one iteration of
    which is estimated over the cap's tolerance raises the one-line refusal, which
    page_guard shows as an error (its warning is left to that refusal)."""
    import numpy as np

    from nmf_core.errors import TimeLimitError

    settings = {"k": 60, "method": "hals", "niter": 20, "reinit": 5, "seed": 1,
                "max_seconds": 2.0}
    assert runs.warn_if_over_budget((400, 300), settings)
    assert not runs.warn_if_over_budget((400, 300), settings, masked=True)
    X = np.random.default_rng(0).random((600, 500))
    big = Matrix(name="big", X=X, fingerprint="big-test",
                 mask=np.random.default_rng(1).random(X.shape) > 0.1)
    with pytest.raises(TimeLimitError, match=r"lower (k \(now 300\)|reinit \(now 5\))"):
        runs.run_factorization(big, {**settings, "k": 300})
