"""nmf_core.consensus: Brunet et al.'s consensus matrix, cophenetic correlation and
the dispersion, on hand-made labels and on data with planted clusters."""

import numpy as np
import pytest

from nmf_core import ParameterError
from nmf_core.consensus import (
    cluster_labels,
    consensus,
    consensus_matrix,
    consensus_scan,
    cophenetic_correlation,
    dispersion,
    leaf_order,
)


def planted(n=40, m=60, k=3, seed=3, noise=0.1):
    """Each column of X belongs to one of k clusters: a multiple of its cluster's profile."""
    rng = np.random.default_rng(seed)
    A = rng.random((n, k))
    A[rng.random((n, k)) < 0.5] = 0
    A += 2 * np.eye(k)[np.arange(n) % k]
    S = np.zeros((k, m))
    S[np.arange(m) % k, np.arange(m)] = rng.uniform(0.5, 1.5, m)
    return A @ S + noise * rng.random((n, m))


def test_consensus_matrix_counts_pairs_together():
    labels = np.array([[0, 0, 1, -1], [1, 1, 1, 0], [2, 0, 0, 0]])
    C = consensus_matrix(labels)
    assert np.allclose(np.diag(C), 1)
    assert C[0, 1] == pytest.approx(2 / 3) and C[1, 2] == pytest.approx(2 / 3)
    assert C[0, 3] == 0 and C[2, 3] == pytest.approx(1 / 3)  # -1 is never with anything
    assert np.array_equal(C, C.T)


def test_measures_on_clean_and_mixed_matrices():
    labels = np.array([[0, 0, 1, 1, 2]] * 3)
    C = consensus_matrix(labels)
    assert cophenetic_correlation(C) == pytest.approx(1.0)
    assert dispersion(C) == pytest.approx(1.0)
    half = np.full((4, 4), 0.5)
    np.fill_diagonal(half, 1.0)
    assert dispersion(half) == pytest.approx(0.25)  # only the diagonal is certain
    assert np.isnan(cophenetic_correlation(np.ones((4, 4))))  # one cluster: undefined
    noisy = consensus_matrix(np.array([[0, 0, 1, 1, 1, 0], [0, 1, 1, 0, 1, 0],
                                       [1, 0, 1, 1, 0, 0]]))
    assert cophenetic_correlation(noisy) < 0.999 and dispersion(noisy) < 1


def test_leaf_order_puts_each_block_together():
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1, 2], 5)
    shuffled = rng.permutation(truth)
    C = consensus_matrix(shuffled[None, :])
    ordered = shuffled[leaf_order(C)]
    assert np.count_nonzero(np.diff(ordered)) == 2  # three contiguous blocks


def test_cluster_labels_take_the_largest_factor_and_skip_zeros():
    S = np.array([[1.0, 0.0, 0.2, 0.0], [0.5, 2.0, 0.1, 0.0]])
    assert list(cluster_labels(S, "columns")) == [0, 1, 0, -1]
    assert list(cluster_labels(S.T, "rows")) == [0, 1, 0, -1]


def test_planted_clusters_give_cophenetic_one_at_the_true_k_and_less_beyond():
    scan = consensus_scan(planted(), [3, 4, 5], "hals", restarts=8, niter=100, seed=3)
    cophenetic = dict(zip(scan.ks.tolist(), scan.cophenetic, strict=True))
    assert cophenetic[3] == pytest.approx(1.0, abs=1e-12)
    assert cophenetic[4] < 1 - 1e-4 and cophenetic[5] < 1 - 1e-4
    at3 = scan.at(3)
    assert at3.restarts == 8 and at3.matrix.shape == (60, 60) and at3.dispersion == 1.0
    truth = np.arange(60) % 3
    assert np.array_equal(at3.matrix == 1, truth[:, None] == truth[None, :])


def test_rows_axis_and_the_settings_checks():
    X = planted(n=12, m=18)
    rows = consensus(X, 2, "mu", restarts=3, axis="rows", niter=20, seed=1)
    assert rows.matrix.shape == (12, 12) and rows.labels.shape == (3, 12)
    with pytest.raises(ParameterError, match="at least 2 restarts"):
        consensus(X, 2, restarts=1)
    with pytest.raises(ParameterError, match="leave init and reinit unset"):
        consensus(X, 2, restarts=3, init="nndsvd")
    with pytest.raises(ParameterError, match="axis must be one of"):
        consensus(X, 2, restarts=3, axis="diagonal")
