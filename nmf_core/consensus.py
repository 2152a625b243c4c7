"""Choosing k by stability: consensus matrices and the cophenetic correlation
(Brunet, Tamayo, Golub & Mesirov 2004, PNAS 101(12), "Metagenes and molecular
pattern discovery using matrix factorization"), and the dispersion (Kim & Park 2007).

For one k, NMF is run from several random starts.  Each run puts every column
(or row) into the cluster of its largest factor: column j into argmax_r S[r, j],
row i into argmax_r A[i, r]; a column or row that is all zero is put in none.
The **consensus matrix** C holds, for each pair, the share of runs that put the
two in the same cluster (1 on the diagonal).  If the clustering is the same in
every run, C has only 0s and 1s.

- **Cophenetic correlation**: the Pearson correlation between the distances
  1 − C and the heights at which average-linkage hierarchical clustering of those
  distances first joins each pair.  1 means C is perfectly block-structured;
  lower means the runs disagree.  Brunet et al. pick the k before it falls.
- **Dispersion**: ``mean over pairs of 4 (C_ij − ½)²``: 1 when every pair is always
  or never together, 0 when every pair is together in half the runs.

With a single run C has only 0s and 1s whatever the data, so both measures are 1
by construction: consensus needs several restarts (:data:`MIN_RESTARTS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import cophenet, leaves_list, linkage
from scipy.spatial.distance import squareform

from .budget import estimate_seconds
from .errors import ParameterError
from .factorize import factorize
from .params import Param

MIN_RESTARTS = 2
AXES = ("columns", "rows")

# What each measure means, in one sentence (the choose-k page shows these).
MEASURES = {
    "consensus": "The consensus matrix gives, for each pair of {items}, the share of the "
                 "restarts that put the two in the same cluster (each goes to its largest "
                 "factor); reordered by hierarchical clustering, stable clusters show as "
                 "solid blocks on the diagonal.",
    "cophenetic": "The cophenetic correlation says how faithfully a hierarchical clustering "
                  "of the consensus matrix reproduces it: 1 when every restart finds the "
                  "same clusters, lower when they disagree; Brunet et al. choose the k "
                  "before it falls.",
    "dispersion": "The dispersion is 1 when every pair is always or never together and "
                  "falls toward 0 as the restarts disagree about which belong together.",
    "one_restart": "Consensus needs several restarts: with one run every pair of {items} is "
                   "either always or never together, so the cophenetic correlation and the "
                   "dispersion are 1 at every k and say nothing.",
}

# The consensus settings, declared once: consensus() validates them and the
# choose-k page builds its controls from them.
CONSENSUS_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("restarts", int, 10, "Runs from different random starts for each k; the consensus "
          "matrix counts how often each pair lands in the same cluster. Needs at least 2.",
          low=1, high=100, ui_high=30),
    Param("axis", str, "columns", "What is clustered: the columns of X (each goes to its "
          "largest row of S) or the rows of X (each to its largest column of A).",
          choices=AXES),
)}


@dataclass(frozen=True)
class Consensus:
    """The consensus of ``restarts`` runs at one k.  ``matrix`` (p, p) over the
    columns (or rows) of X; ``order`` the leaf order of its average-linkage tree,
    for drawing it with its blocks together; ``labels`` (restarts, p) each run's
    clusters (-1 for an all-zero column or row)."""

    k: int
    axis: str
    matrix: np.ndarray
    cophenetic: float
    dispersion: float
    order: np.ndarray
    labels: np.ndarray

    @property
    def restarts(self) -> int:
        return int(self.labels.shape[0])

    @property
    def ordered_matrix(self) -> np.ndarray:
        """``matrix`` with rows and columns in ``order``: its blocks on the diagonal."""
        return self.matrix[np.ix_(self.order, self.order)]


@dataclass(frozen=True)
class ConsensusScan:
    """Consensus at each k of ``ks``: its cophenetic correlation and dispersion
    (NaN where undefined, e.g. k = 1) and the full :class:`Consensus`."""

    ks: np.ndarray
    cophenetic: np.ndarray
    dispersion: np.ndarray
    results: tuple[Consensus, ...]
    truncated: int = 0  # runs stopped early by max_seconds

    def at(self, k: int) -> Consensus:
        return self.results[list(self.ks).index(int(k))]


def cluster_labels(factor: np.ndarray, axis: str) -> np.ndarray:
    """Each column's largest row of S (axis "columns", factor S (k, m)), or each row's
    largest column of A (axis "rows", factor A (n, k)); -1 where all are zero."""
    F = factor if axis == "columns" else factor.T
    labels = np.argmax(F, axis=0)
    labels[~(F > 0).any(axis=0)] = -1
    return labels


def consensus_matrix(labels: np.ndarray) -> np.ndarray:
    """Share of runs in which each pair has the same cluster: labels (R, p) -> (p, p).
    Label -1 (unassigned) is never together with anything; the diagonal is 1."""
    labels = np.asarray(labels)
    together = (labels[:, :, None] == labels[:, None, :]) & (labels[:, :, None] >= 0)
    C = together.mean(axis=0)
    np.fill_diagonal(C, 1.0)
    return C


def cophenetic_correlation(C: np.ndarray) -> float:
    """Pearson correlation of 1 − C with the cophenetic distances of its average-linkage
    tree; NaN when 1 − C is constant (e.g. every pair always together)."""
    distances = squareform(1.0 - C, checks=False)
    if distances.size == 0 or np.ptp(distances) == 0:
        return float("nan")
    return float(cophenet(linkage(distances, method="average"), distances)[0])


def dispersion(C: np.ndarray) -> float:
    """Kim & Park's dispersion: the mean of 4 (C_ij − ½)² over all pairs; 1 for a 0/1 C."""
    return float(np.mean(4.0 * (C - 0.5) ** 2))


def leaf_order(C: np.ndarray) -> np.ndarray:
    """The leaf order of the average-linkage tree of 1 − C (identity for p < 2)."""
    if C.shape[0] < 2:
        return np.arange(C.shape[0])
    return leaves_list(linkage(squareform(1.0 - C, checks=False), method="average"))


def consensus(X, k: int, method: str = "hals", *, restarts: int = 10, axis: str = "columns",
              seed: int = 0, **options) -> Consensus:
    """Run ``factorize(X, k, method, reinit=1, init="random", **options)`` from
    ``restarts`` random starts (seeds drawn from ``SeedSequence(seed)``) and return
    their consensus.  ``options`` (niter, mask, max_seconds, ...) go to factorize."""
    return _consensus(X, int(k), method, restarts, axis, seed, options)[0]


def consensus_seconds(shape, ks, method: str, restarts: int, niter: int) -> float:
    """Rough wall time of :func:`consensus_scan` (one fit of one start per restart and k)."""
    return restarts * sum(estimate_seconds(shape, int(k), method, niter, 1) for k in ks)


def consensus_scan(X, ks, method: str = "hals", *, restarts: int = 10, axis: str = "columns",
                   seed: int = 0, **options) -> ConsensusScan:
    """:func:`consensus` for every k in ``ks`` (the same seeds at each k)."""
    ks = np.array(sorted({int(k) for k in ks}))
    found, truncated = [], 0
    for k in ks:
        result, cut = _consensus(X, int(k), method, restarts, axis, seed, options)
        found.append(result)
        truncated += cut
    return ConsensusScan(ks=ks, cophenetic=np.array([c.cophenetic for c in found]),
                         dispersion=np.array([c.dispersion for c in found]),
                         results=tuple(found), truncated=truncated)


def _consensus(X, k, method, restarts, axis, seed, options) -> tuple[Consensus, int]:
    restarts = CONSENSUS_PARAMS["restarts"].validate(restarts)
    axis = CONSENSUS_PARAMS["axis"].validate(axis)
    if restarts < MIN_RESTARTS:
        raise ParameterError(
            f"consensus needs at least {MIN_RESTARTS} restarts; with {restarts} every pair is "
            "always or never together, so the cophenetic correlation is 1 whatever the data")
    if options.get("init", "random") != "random" or "reinit" in options:
        raise ParameterError("consensus runs each restart from its own random start: "
                             "leave init and reinit unset")
    seeds = np.random.SeedSequence(seed).generate_state(restarts)
    labels, truncated = [], 0
    for run_seed in seeds:
        result = factorize(X, k, method, reinit=1, seed=int(run_seed), **options)
        truncated += result.truncated
        labels.append(cluster_labels(result.S if axis == "columns" else result.A, axis))
    labels = np.array(labels)
    C = consensus_matrix(labels)
    return Consensus(k=k, axis=axis, matrix=C, cophenetic=cophenetic_correlation(C),
                     dispersion=dispersion(C), order=leaf_order(C), labels=labels), truncated
