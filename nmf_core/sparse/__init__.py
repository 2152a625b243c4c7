"""Sparse matrices, never densified: readers (:mod:`.io`), bench and test data
(:mod:`.generate`).

scipy is imported by these modules, not by ``nmf_core`` itself, so the CLI's
start-up does not pay for it unless a sparse file is read.
"""
