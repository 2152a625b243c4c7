"""Synthetic sparse data: the shapes, densities and value laws the bench relies on."""

import numpy as np

from nmf_core.sparse import generate


def test_term_document_has_the_asked_density_and_zipf_like_counts():
    X = generate.term_document(n_terms=2_000, n_docs=300, density=0.02, k=5, seed=1)
    assert X.shape == (2_000, 300)
    assert X.nnz == 300 * 40  # exactly round(density * n_terms) distinct words a document
    assert np.all(np.diff(X.tocsc().indptr) == 40)
    assert X.data.min() >= 1 and np.all(X.data == np.round(X.data))
    word_totals = np.sort(np.asarray(X.sum(axis=1)).ravel())[::-1]
    assert word_totals[0] > 20 * np.median(word_totals)  # a few words dominate
    again = generate.term_document(n_terms=2_000, n_docs=300, density=0.02, k=5, seed=1)
    assert (again != X).nnz == 0
    assert (generate.term_document(n_terms=2_000, n_docs=300, density=0.02, k=5, seed=2)
            != X).nnz > 0


def test_ratings_are_distinct_cells_with_values_one_to_five():
    X = generate.ratings(n_users=300, n_items=200, n_ratings=6_000, seed=0)
    assert X.shape == (300, 200) and X.nnz == 6_000
    assert set(np.unique(X.data)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    assert 3.0 < X.data.mean() < 4.2
    per_item = np.diff(X.tocsc().indptr)
    assert per_item.max() > 5 * np.median(per_item)  # popular items


def test_uniform_sparse_has_distinct_cells_in_range():
    X = generate.uniform_sparse(1_000, 500, 20_000, seed=4)
    assert X.nnz == 20_000 and X.has_canonical_format
    assert X.data.min() > 0 and X.data.max() <= 1


def test_declared_shapes_are_the_movielens_ones():
    assert generate.MOVIELENS_1M == {"n_users": 6_040, "n_items": 3_706,
                                     "n_ratings": 1_000_000}
    assert generate.MOVIELENS_100K_U1["n_ratings"] == 80_000
