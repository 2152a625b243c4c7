"""factorize, scan_k and load_csv at the boundary: every bad argument is the project's own
error with a one-line message; masked arrays, complex X and negative starts are handled.

(The measured cases of issue #10, requirements 5 and 7.)
"""

import io
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nmf_core import factorize
from nmf_core.csvio import load_csv
from nmf_core.errors import MatrixError, NMFInputError, ParameterError
from nmf_core.model_selection import scan_k
from nmf_core.params import METHODS

X = np.random.default_rng(0).random((8, 6)) + 0.1
A0, S0 = np.random.default_rng(1).random((8, 2)), np.random.default_rng(2).random((2, 6))


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    return message


@pytest.mark.parametrize("kwargs,needle", [
    ({"init": None}, "init must be 'random', 'nndsvd' or a pair (A0, S0)"),
    ({"init": 5}, "got int"),
    ({"init": (A0,)}, "got a sequence of 1"),
    ({"init": (A0, S0, S0)}, "got a sequence of 3"),
    ({"init": ([[1, 2], [3]], S0)}, "init: A0 is not a real numeric matrix"),
    ({"init": {"A": A0, "S": S0}}, "got dict"),
    ({"init": (A0[:, 0], S0)}, "A0 must be a 2-D matrix"),
    ({"init": (A0, S0.T)}, "must have shapes (8, 2) and (2, 6)"),
    ({"snapshots": -1}, "snapshots must be a whole number >= 0"),
    ({"snapshots": "3"}, "snapshots must be a whole number >= 0"),
    ({"snapshots": 2.5}, "snapshots must be a whole number >= 0"),
    ({"callback": 5}, "callback must be a function"),
    ({"mask": [[1, 0], [1]]}, "mask is not a 0/1 or True/False matrix"),
    ({"method": ["hals"]}, "method must be one of"),
    ({"nonnegative": "yes"}, "nonnegative must be true or false"),
])
def test_bad_arguments_are_the_projects_errors(kwargs, needle):
    with pytest.raises(NMFInputError) as exc:
        factorize(X, 2, **{"niter": 3, **kwargs})
    assert needle in one_line(exc)


@pytest.mark.parametrize("method", METHODS)
def test_a_negative_start_is_refused_for_every_method(method):
    """Measured: mu from a start with negative entries returned 14 negative entries
    and success=True."""
    A_neg = A0.copy()
    A_neg[2, 1] = -0.5
    with pytest.raises(ParameterError) as exc:
        factorize(X, 2, method, init=(A_neg, S0), niter=5)
    assert "A0 has 1 negative entry, the first -0.5 at row 3, column 2" in one_line(exc)
    if method != "mu":  # without the constraint a signed start is allowed
        result = factorize(X, 2, method, init=(A_neg, S0), niter=5, nonnegative=False)
        assert np.isfinite(result.A).all()


def test_complex_x_is_refused():
    with pytest.raises(MatrixError) as exc:
        factorize(X + 1j, 2)
    assert "real numbers" in one_line(exc) and "complex" in one_line(exc)
    with pytest.raises(MatrixError):
        factorize(X.astype(object), 2)


@pytest.mark.parametrize("method", ["hals", "mu"])
def test_a_masked_arrays_mask_is_honoured_as_missing_cells(method):
    hidden = np.zeros(X.shape, dtype=bool)
    hidden[1, 2] = hidden[4, 0] = True
    wild = X.copy()
    wild[hidden] = 1e6  # values under the mask must not count
    result = factorize(np.ma.masked_array(wild, mask=hidden), 2, method, niter=20)
    expected = factorize(X, 2, method, niter=20, mask=~hidden)
    assert result.params["missing"] == 2
    assert np.array_equal(result.A, expected.A) and result.rel_error == expected.rel_error


@pytest.mark.parametrize("method", ["als", "rk"])
def test_a_masked_array_is_refused_by_methods_without_missing_values(method):
    hidden = np.zeros(X.shape, dtype=bool)
    hidden[0, 0] = True
    with pytest.raises(ParameterError) as exc:
        factorize(np.ma.masked_array(X, mask=hidden), 2, method, niter=5)
    assert "missing values need method" in one_line(exc)


def test_scan_k_takes_the_mask_of_a_masked_array_and_checks_its_arguments():
    hidden = np.zeros(X.shape, dtype=bool)
    hidden[3, 3] = True
    wild = X.copy()
    wild[3, 3] = 1e9
    masked = scan_k(np.ma.masked_array(wild, mask=hidden), [1, 2], niter=10, folds=2)
    plain = scan_k(X, [1, 2], niter=10, folds=2, mask=~hidden)
    assert np.allclose(masked.cv_error, plain.cv_error)
    for kwargs, needle in [({"ks": [2.5]}, "ks must be whole numbers"),
                           ({"ks": 3}, "ks must be whole numbers"),
                           ({"ks": ["2"]}, "ks must be whole numbers"),
                           ({"ks": []}, "got none"),
                           ({"seed": -1}, "seed must be between"),
                           ({"seed": "a"}, "seed must be a number"),
                           ({"method": 5}, "method must be one of"),
                           ({"snapshots": 3}, "scan_k has no option 'snapshots'"),
                           ({"foo": 1}, "scan_k has no option 'foo'"),
                           ({"init": None}, "init must be")]:
        arguments = {"ks": [1, 2], "niter": 5, **kwargs}
        with pytest.raises(NMFInputError) as exc:
            scan_k(X, arguments.pop("ks"), **arguments)
        assert needle in one_line(exc), kwargs


# Values of every type that a hurried caller (or a URL, or a form) might pass.
AWKWARD = st.sampled_from([
    None, True, False, 0, 1, 3, -1, 2.5, 1e300, float("nan"), float("inf"), "3", "", "als",
    "random", b"x", 1j, [], [1, 2], {}, {"a": 1}, (), (1, 2, 3), object(), np.array([1, 2]),
    np.float64(2.0), np.int64(-3), np.ones((2, 2)), -np.ones((8, 2)), print,
])
FACTORIZE_ARGS = ("X", "k", "method", "niter", "kacziter", "reinit", "seed", "init",
                  "nonnegative", "sampling", "row_sampling", "callback", "max_seconds",
                  "snapshots", "mask")
FUZZ = settings(max_examples=int(os.environ.get("NMF_BOUNDARY_EXAMPLES", 150)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.dictionaries(st.sampled_from(FACTORIZE_ARGS), AWKWARD, min_size=1, max_size=3))
def test_any_argument_of_any_type_gives_a_result_or_the_projects_error(replaced):
    arguments = {"X": X, "k": 2, "method": "hals", "niter": 3, "max_seconds": 5.0,
                 **replaced}
    try:
        result = factorize(**arguments)
    except NMFInputError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert np.isfinite(result.A).all() and np.isfinite(result.S).all()
        assert np.isfinite(result.rel_error)


@FUZZ
@given(st.dictionaries(st.sampled_from(["ks", "method", "folds", "holdout", "seed", "mask",
                                        "niter", "init", "reinit"]),
                       AWKWARD, min_size=1, max_size=2))
def test_any_scan_k_argument_gives_a_scan_or_the_projects_error(replaced):
    arguments = {"ks": [1, 2], "niter": 3, "folds": 1, **replaced}
    try:
        scan = scan_k(X, **arguments)
    except NMFInputError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert np.isfinite(scan.cv_error).all()


@FUZZ
@given(st.dictionaries(st.sampled_from(["source", "max_cells", "max_bytes", "missing"]),
                       AWKWARD, min_size=1, max_size=2))
def test_any_load_csv_argument_gives_a_matrix_or_the_projects_error(replaced):
    arguments = {"source": io.BytesIO(b"1,2\n3,4\n"), **replaced}
    source = arguments.pop("source")
    try:
        loaded = load_csv(source, **arguments)
    except NMFInputError as exc:
        assert str(exc) and "\n" not in str(exc)
    except OSError:  # documented: a path that cannot be opened raises the OSError
        assert isinstance(source, str)
    else:
        assert np.isfinite(loaded.values).all()


@pytest.mark.parametrize("method", METHODS)
def test_factorize_ignores_the_scale_of_x(method):
    """X times any factor from 1e-300 to 1e300 gives the same relative errors and the
    same factors up to that factor."""
    plain = factorize(X, 2, method, niter=30, reinit=2, sampling="sweep")
    for factor in (1e-300, 1e-170, 1e160, 1e300):
        scaled = factorize(X * factor, 2, method, niter=30, reinit=2, sampling="sweep")
        assert scaled.rel_error == pytest.approx(plain.rel_error, rel=1e-6, abs=1e-12)
        assert np.allclose(scaled.errors, plain.errors, rtol=1e-6, atol=1e-12)
        assert np.allclose(scaled.approximation / factor, plain.approximation, rtol=1e-6)
