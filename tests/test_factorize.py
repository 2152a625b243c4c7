"""nmf_core.factorize: convergence, invariants, reproducibility, divergence guard."""

import importlib
import threading

import numpy as np
import pytest

from nmf_core import MatrixError, ParameterError, factorize
from nmf_core.data import factory_example, synthetic
from nmf_core.metrics import relative_error

FACTORY = factory_example().X

# Iterations documented in the README for reaching 1e-6 on the factory example.
HALS_ITERS, SWEEP_ITERS = 1000, 500


def test_hals_single_restart_recovers_factory_for_most_seeds():
    errors = [factorize(FACTORY, 3, "hals", niter=HALS_ITERS, reinit=1, seed=s).rel_error
              for s in range(10)]
    assert sum(e < 1e-6 for e in errors) >= 9, errors


@pytest.mark.parametrize("method", ["als", "rk"])
def test_documents_methods_in_sweep_mode_with_restarts_recover_factory(method):
    errors = [factorize(FACTORY, 3, method, niter=SWEEP_ITERS, reinit=10, seed=s,
                        sampling="sweep").rel_error for s in range(10)]
    assert sum(e < 1e-6 for e in errors) >= 9, errors


def test_projected_als_restarts_end_far_apart_with_the_documents_sampling():
    """Why restarts matter (lesson 2): with one random column and row per step, restarts
    end orders of magnitude apart.  (In sweep mode the proximal solve for rank-deficient
    steps now takes every single start to the exact fit; they used to stall at 0.077.)"""
    result = factorize(FACTORY, 3, "als", niter=300, reinit=10, seed=1, sampling="random")
    finals = [curve[-1] for curve in result.all_errors]
    assert max(finals) > 30 * min(finals)
    errors = [factorize(FACTORY, 3, "als", niter=300, reinit=1, seed=s, sampling="sweep").rel_error
              for s in range(10)]
    assert max(errors) < 1e-10


@pytest.mark.parametrize("method", ["hals", "mu"])
@pytest.mark.parametrize("X", [FACTORY, synthetic(150, 120, 6, 0.2, seed=4).X],
                         ids=["factory", "noisy-150x120"])
def test_hals_and_mu_errors_never_increase(method, X):
    result = factorize(X, 4, method, niter=300, reinit=3, seed=7)
    # 1e-12 relative, plus an absolute floor of ~50 eps: once the fit is exact
    # (factory, error ~1e-16) the computed error is pure rounding noise.
    floor = 50 * np.finfo(float).eps
    for curve in result.all_errors:
        assert np.all(np.diff(curve) <= 1e-12 * curve[:-1] + floor), np.diff(curve).max()


@pytest.mark.parametrize("method,sampling", [("als", "random"), ("als", "sweep"), ("rk", "random"),
                                             ("rk", "sweep"), ("hals", "sweep"), ("mu", "sweep")])
def test_results_are_nonnegative_and_error_is_consistent(method, sampling):
    result = factorize(FACTORY, 3, method, niter=50, reinit=3, seed=3, sampling=sampling)
    assert (result.A >= 0).all() and (result.S >= 0).all()
    assert result.rel_error == pytest.approx(relative_error(FACTORY, result.A, result.S), rel=1e-9)
    assert result.errors[-1] == pytest.approx(result.rel_error, rel=1e-9)
    assert len(result.errors) == result.n_iter + 1 == 51
    finals = [c[-1] for c in result.all_errors]
    assert finals[result.best_run] == min(finals)


def test_unconstrained_mode_may_go_negative():
    result = factorize(synthetic(30, 20, 3, 0.5, seed=1).X, 3, "hals", nonnegative=False,
                       niter=100, seed=1)
    assert (result.A < 0).any() or (result.S < 0).any()


def test_same_seed_is_bit_identical_and_other_seed_differs():
    kwargs = dict(niter=40, reinit=4, sampling="random", kacziter=3)
    a = factorize(FACTORY, 3, "rk", seed=11, **kwargs)
    b = factorize(FACTORY, 3, "rk", seed=11, **kwargs)
    c = factorize(FACTORY, 3, "rk", seed=12, **kwargs)
    assert np.array_equal(a.A, b.A) and np.array_equal(a.S, b.S)
    assert all(np.array_equal(x, y) for x, y in zip(a.all_errors, b.all_errors, strict=True))
    assert not np.array_equal(a.A, c.A)


def test_no_global_random_state_is_used_or_disturbed():
    state = np.random.get_state()
    factorize(FACTORY, 3, "rk", niter=20, reinit=2, seed=0, sampling="random")
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_eight_threads_reproduce_their_serial_runs():
    X = synthetic(80, 60, 4, 0.1, seed=2).X
    jobs = [(m, s) for s in range(2) for m in ("als", "rk", "hals", "mu")]

    def run(method, seed):
        return factorize(X, 4, method, niter=30, reinit=2, seed=seed, sampling="random"
                         if method in ("als", "rk") else "sweep")

    serial = [run(m, s) for m, s in jobs]
    threaded = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def worker(i):
        barrier.wait()
        threaded[i] = run(*jobs[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for one, other in zip(serial, threaded, strict=True):
        assert np.array_equal(one.A, other.A) and np.array_equal(one.S, other.S)
        assert np.array_equal(one.errors, other.errors)


def test_divergence_guard_flags_restart_and_returns_finite_result():
    """A badly balanced start: A0 S0 is moderate but A0ᵀA0 overflows, so the
    first HALS update produces inf/NaN."""
    huge = (np.full((12, 3), 1e160), np.full((3, 10), 1e-160))
    result = factorize(FACTORY, 3, "hals", init=huge, niter=10, reinit=2, seed=0)
    assert result.diverged.all() and not result.success
    assert "diverged" in result.message
    assert np.isfinite(result.A).all() and np.isfinite(result.S).all()
    assert all(np.isfinite(c).all() for c in result.all_errors)
    assert np.isfinite(result.rel_error)
    with pytest.raises(ParameterError, match="overflows"):
        factorize(FACTORY, 3, "mu", init=(huge[0], huge[1] * 1e300))


def test_error_growth_past_guard_is_flagged_and_finite_restart_preferred(monkeypatch):
    fz = importlib.import_module("nmf_core.factorize")

    # Lower the growth threshold so that any rise above the start counts: the
    # documents' unprojected RK with uniform rows overshoots on some restarts.
    monkeypatch.setattr(fz, "DIVERGENCE_FACTOR", 1.0)
    result = factorize(FACTORY, 3, "rk", niter=100, reinit=8, seed=0, sampling="random",
                       nonnegative=False, row_sampling="uniform", init=(
                           np.full((12, 3), 0.01), np.full((3, 10), 0.01)))
    curves = result.all_errors
    flagged = np.flatnonzero(result.diverged)
    assert flagged.size, "expected some restart to rise above its start"
    for r in flagged:
        assert curves[r][-1] <= curves[r][0] and len(curves[r]) <= 100
    if (~result.diverged).any():
        assert not result.diverged[result.best_run]


def test_time_cap_returns_best_so_far_and_says_so():
    X = synthetic(300, 200, 10, 0.1, seed=0).X
    result = factorize(X, 10, "rk", niter=100_000, sampling="sweep", max_seconds=0.3, seed=0)
    assert result.truncated and result.success
    assert "cut short" in result.message
    # the cap is also checked inside an iteration, so on a busy machine even the first
    # may be cut short: the start is then the best iterate so far
    assert 0 <= result.n_iter < 100_000 and len(result.errors) == result.n_iter + 1
    assert result.elapsed_s < 5


def test_callback_sees_every_iteration_and_can_stop():
    seen = []

    def callback(t, errors):
        seen.append((t, errors.shape))
        return t == 7

    result = factorize(FACTORY, 3, "hals", niter=50, reinit=2, callback=callback)
    assert seen == [(t, (2,)) for t in range(1, 8)]
    assert result.n_iter == 7 and result.truncated


def test_extreme_scales_stay_finite():
    for scale in (1e-300, 1e300):
        result = factorize(FACTORY * scale, 3, "hals", niter=200, seed=1)
        assert np.isfinite(result.A).all() and np.isfinite(result.S).all()
        assert result.rel_error < 0.2


def test_masked_fit_ignores_missing_cells():
    data = synthetic(50, 40, 3, 0.0, seed=5)
    mask = np.random.default_rng(1).random(data.X.shape) > 0.2
    corrupted = np.where(mask, data.X, 1e6)  # values at missing cells must not matter
    for method in ("hals", "mu"):
        result = factorize(corrupted, 3, method, mask=mask, niter=400, seed=0)
        held = ~mask
        held_error = np.linalg.norm((data.X - result.approximation)[held]) / np.linalg.norm(
            data.X[held])
        assert result.rel_error < 0.02 and held_error < 0.05, (method, held_error)
        assert result.params["missing"] == int(held.sum())


@pytest.mark.parametrize("bad,match", [
    (np.array([1.0, 2.0]), "2-D"),
    (np.zeros((3, 3)), "all zeros"),
    (np.array([[1.0, -2.0], [3.0, 4.0]]), "negative value.*row 1, column 2"),
    (np.array([[1.0, np.nan], [3.0, 4.0]]), "non-finite.*row 1, column 2"),
    (np.empty((0, 3)), "empty"),
])
def test_unfactorable_matrices_get_one_line_messages(bad, match):
    with pytest.raises(MatrixError, match=match):
        factorize(bad, 1)


def test_parameter_errors_name_the_parameter():
    with pytest.raises(ParameterError, match="k = 11 is larger than min"):
        factorize(FACTORY, 11)
    with pytest.raises(ParameterError, match="niter must be between"):
        factorize(FACTORY, 3, niter=0)
    with pytest.raises(ParameterError, match="missing values need method hals or mu"):
        factorize(FACTORY, 3, "als", mask=np.ones_like(FACTORY, dtype=bool))
    with pytest.raises(ParameterError, match="init=.*shapes"):
        factorize(FACTORY, 3, init=(np.ones((2, 2)), np.ones((2, 2))))


def test_input_matrix_is_not_modified():
    X = FACTORY.copy()
    factorize(X, 3, "rk", niter=5, sampling="random")
    assert np.array_equal(X, FACTORY)


def test_snapshots_follow_the_best_restart():
    result = factorize(FACTORY, 3, "rk", niter=60, reinit=3, seed=2, sampling="random",
                       snapshots=7)
    snap = result.snapshots
    assert snap.iterations[0] == 0 and snap.iterations[-1] == 60 and len(snap.iterations) == 7
    assert np.allclose(snap.A[-1], result.A) and np.allclose(snap.S[-1], result.S)
    for t, A, S in zip(snap.iterations, snap.A, snap.S, strict=True):
        assert relative_error(FACTORY, A, S) == pytest.approx(result.errors[t], rel=1e-9)
    assert snap.columns.shape == (60,) and snap.rows.shape == (60,)
    assert snap.kaczmarz_rows.shape == (7, 5)  # at the snapshots only, -1 before any step
    assert (snap.kaczmarz_rows[0] == -1).all() and (snap.kaczmarz_rows[1:] >= 0).all()


def test_kaczmarz_never_projects_onto_zero_rows():
    """The factory's first and last two hours are zero rows of X, hence of A after one step."""
    result = factorize(FACTORY, 3, "rk", niter=200, reinit=1, seed=2, sampling="random",
                       kacziter=5, snapshots=200)
    snaps = result.snapshots
    rows = snaps.kaczmarz_rows[snaps.iterations > 50]  # by then A's zero rows are exactly 0
    assert rows.shape[0] > 100 and rows.shape[1] == 5
    assert not np.isin(rows, [0, 10, 11]).any()


def test_snapshots_stay_within_their_byte_cap_with_many_kaczmarz_steps():
    from nmf_core.factorize import MAX_SNAPSHOT_BYTES

    X = synthetic(60, 50, 4, seed=1).X
    result = factorize(X, 4, "rk", niter=400, reinit=50, kacziter=1000, sampling="random",
                       snapshots=200, seed=0)
    snaps = result.snapshots
    R = 50  # every restart's factors and Kaczmarz rows are kept until the best is known
    kept = len(snaps.iterations) * R * (snaps.A[0].nbytes + snaps.S[0].nbytes
                                        + snaps.kaczmarz_rows[0].nbytes)
    assert 2 <= len(snaps.iterations) < 200 and kept <= MAX_SNAPSHOT_BYTES
    assert snaps.kaczmarz_rows.shape == (len(snaps.iterations), 1000)


def test_a_run_cut_short_ends_its_snapshots_at_its_last_iterate():
    result = factorize(FACTORY, 3, "rk", niter=1000, reinit=2, sampling="random", snapshots=3,
                       callback=lambda t, errors: t == 123)
    snaps = result.snapshots
    assert result.n_iter == 123 and snaps.iterations[-1] == 123
    assert np.array_equal(snaps.A[-1], result.A) and np.array_equal(snaps.S[-1], result.S)


def test_times_follow_the_curve_and_grow():
    result = factorize(FACTORY, 3, "hals", niter=30, reinit=2)
    assert result.times.shape == result.errors.shape
    assert np.all(np.diff(result.times) >= 0) and result.times[-1] <= result.elapsed_s
