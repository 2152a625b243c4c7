"""Synthetic sparse data for the benchmark and the tests, never formed densely.

- :func:`term_document`: word counts with Zipf word frequencies from k topics
  (the bench's text-like row: 20,000 terms × 5,000 documents, density 1 %).
- :func:`ratings`: a ratings matrix with heavy-tailed user activity and item
  popularity, values 1–5 from a low-rank model; its stored entries are the
  observed ratings (MovieLens 1M's shape, 6,040 × 3,706 with 1,000,000 ratings,
  and MovieLens 100k's u1 training split, 943 × 1,682 with 80,000).
- :func:`uniform_sparse`: stored entries at uniformly drawn distinct cells (the
  memory test's 200,000 × 20,000 matrix with 2,000,000 of them).

Each takes a seed and draws from its own Generator.  Work and memory are
O(stored entries + (n + m)·k), in chunks where a per-column draw is needed.
"""

from __future__ import annotations

import numpy as np

MOVIELENS_1M = {"n_users": 6_040, "n_items": 3_706, "n_ratings": 1_000_000}
MOVIELENS_100K_U1 = {"n_users": 943, "n_items": 1_682, "n_ratings": 80_000}


def _csr(rows, cols, values, shape):
    import scipy.sparse as sp

    return sp.csr_array((values, (rows, cols)), shape=shape)


def distinct_cells(n: int, m: int, count: int, rng, p_rows=None, p_cols=None):
    """``count`` distinct cells (rows, cols), rows drawn ∝ p_rows and columns ∝ p_cols
    (uniform when None), in row-major order.  Draws in rounds until enough are distinct."""
    if count > n * m:
        raise ValueError(f"{count:,} distinct cells do not fit in {n}×{m}")
    found = np.empty(0, dtype=np.int64)
    while found.size < count:
        want = int((count - found.size) * 1.1) + 16
        rows = rng.choice(n, want, p=p_rows) if p_rows is not None else rng.integers(0, n, want)
        cols = rng.choice(m, want, p=p_cols) if p_cols is not None else rng.integers(0, m, want)
        fresh = rows.astype(np.int64) * m + cols
        # keep the first draws of each new cell, in draw order, so the result does not
        # depend on how the rounds fell
        merged = np.concatenate([found, fresh])
        _, first = np.unique(merged, return_index=True)
        found = merged[np.sort(first)][:count]
    found.sort()
    return found // m, found % m


def uniform_sparse(n: int, m: int, stored: int, seed: int = 0):
    """A CSR with ``stored`` distinct uniformly placed cells, values U(0, 1]."""
    rng = np.random.default_rng(seed)
    rows, cols = distinct_cells(n, m, stored, rng)
    return _csr(rows, cols, 1.0 - rng.random(stored), (n, m))


def term_document(n_terms: int = 20_000, n_docs: int = 5_000, density: float = 0.01,
                  k: int = 20, zipf: float = 1.1, seed: int = 0):
    """Word counts (n_terms × n_docs CSR) from k topics over a Zipf vocabulary.

    Topic t's word distribution is the Zipf law ``1/rank^zipf`` re-weighted by
    Gamma(0.3) noise, so topics share the common words and differ in the rare
    ones; document j mixes the topics by Dirichlet(0.1) weights θ_j.  Each
    document holds exactly ``round(density·n_terms)`` distinct words, drawn without
    replacement ∝ its word distribution p_j (successive sampling), and each count is
    1 + Poisson(3·d·p_j(w)): Zipf-distributed counts.
    """
    rng = np.random.default_rng(seed)
    d = max(1, round(density * n_terms))
    zipf_law = 1.0 / np.arange(1, n_terms + 1) ** zipf
    topics = zipf_law[rng.permutation(n_terms)] * rng.gamma(0.3, size=(k, n_terms))
    topics /= topics.sum(axis=1, keepdims=True)
    mixtures = rng.dirichlet(np.full(k, 0.1), size=n_docs)
    topic_cdf, mixture_cdf = np.cumsum(topics, axis=1), np.cumsum(mixtures, axis=1)
    # Successive sampling: draw words with replacement ∝ p_j, keep each document's
    # first d distinct ones in draw order; that is drawing d without replacement ∝ p_j.
    kept = np.empty(0, dtype=np.int64)  # doc * n_terms + word, in draw order
    docs = np.arange(n_docs)
    while docs.size:
        have = np.bincount(kept // n_terms, minlength=n_docs)[docs]
        doc = np.repeat(docs, 3 * (d - have) + 8)
        topic = (mixture_cdf[doc] < rng.random((doc.size, 1))).sum(axis=1).clip(max=k - 1)
        word = np.empty(doc.size, dtype=np.int64)
        uniform = rng.random(doc.size)
        for t in range(k):
            at = topic == t
            word[at] = np.searchsorted(topic_cdf[t], uniform[at] * topic_cdf[t, -1])
        merged = np.concatenate([kept, doc * n_terms + word.clip(max=n_terms - 1)])
        _, first = np.unique(merged, return_index=True)
        merged = merged[np.sort(first)]
        owner = merged // n_terms
        order = np.argsort(owner, kind="stable")
        rank = np.arange(merged.size) - np.searchsorted(owner[order], owner[order])
        kept = merged[order][rank < d]
        docs = np.flatnonzero(np.bincount(kept // n_terms, minlength=n_docs) < d)
    kept.sort()
    cols, rows = kept // n_terms, kept % n_terms
    chosen = np.einsum("rk,kr->r", mixtures[cols], topics[:, rows])
    counts = 1 + rng.poisson(3 * d * chosen)
    return _csr(rows, cols, counts.astype(float), (n_terms, n_docs))


def ratings(n_users: int = MOVIELENS_1M["n_users"], n_items: int = MOVIELENS_1M["n_items"],
            n_ratings: int = MOVIELENS_1M["n_ratings"], k: int = 5, seed: int = 0):
    """Ratings 1–5 at ``n_ratings`` distinct (user, item) cells, as a CSR whose stored
    entries are exactly the observed ratings.

    Users are drawn ∝ a log-normal activity and items ∝ a Zipf popularity, as in
    MovieLens; a rating is ``clip(round(3.6 + 0.9·z + noise), 1, 5)``, z the
    standardised a_u·s_i of non-negative rank-k user and item profiles, noise
    N(0, 0.6²) (MovieLens 1M's mean is 3.58).  Only the observed cells are computed.
    """
    rng = np.random.default_rng(seed)
    activity = rng.lognormal(0.0, 1.0, n_users)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    popularity = popularity[rng.permutation(n_items)]
    users, items = distinct_cells(n_users, n_items, n_ratings, rng,
                                  activity / activity.sum(), popularity / popularity.sum())
    A = rng.gamma(1.0, size=(n_users, k))
    S = rng.gamma(1.0, size=(k, n_items))
    score = np.einsum("rk,kr->r", A[users], S[:, items])
    z = (score - score.mean()) / score.std()
    values = np.clip(np.round(3.6 + 0.9 * z + rng.normal(0, 0.6, n_ratings)), 1, 5)
    return _csr(users, items, values, (n_users, n_items))
