"""Moving or restructuring the solvers changes no result, bit for bit.

tests/data/solver_digests.json is a regression record: the digests of A, S, all
curves and the snapshots' picks for every method × sampling × mask × init, computed
by tests/solver_digest_cases.py from the commit it names.  A deliberate change of
results re-records it, and says so.  Recorded first at 6fc677d (before the solvers
became a package); re-recorded at f26d6c0 (issue #12), where masked runs moved to the
observed-entries engine: their A, S and curves changed by rounding only (at most
1.4e-13 relative against 6fc677d), and every unmasked digest is unchanged; and
re-recorded at f91fe63, where that engine became CCD++ on a kept residual (the same
masked HALS and MU rules, summed in another order): the 12 masked digests changed by
rounding only (A, S and curves at most 2.3e-12 relative against f26d6c0's engine), the
unmasked ones not at all; and again for the same 12 when that engine formed each
half-step's Pᵀ(g∘g) in one product and summed the residual's squares with einsum
(still at most 2.3e-12 relative against f26d6c0's engine).
"""

import json

import pytest
from solver_digest_cases import DIGESTS, cases, digest

RECORD = json.loads(DIGESTS.read_text())["digests"]
CASES = cases()


def test_the_record_covers_every_case():
    assert sorted(RECORD) == sorted(name for name, _, _ in CASES)


@pytest.mark.parametrize("name,X,kwargs", CASES, ids=[c[0] for c in CASES])
def test_results_are_bit_identical_to_the_record(name, X, kwargs):
    from nmf_core import factorize

    assert digest(factorize(X, 3, **kwargs)) == RECORD[name]
