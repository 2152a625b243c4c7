"""The documents' code, as written, defects included.

This module is a faithful copy of the notebook's cells, kept so the app can set
"as written" beside "corrected".  Nothing else in the package uses it for
computing: the corrected methods live in :mod:`nmf_core.solvers`; only the
factory page (through :mod:`nmf_core.ui.defects`) calls :func:`run_as_written`
to show what the documents' code does.

It keeps the documents' names (``seqerror``, ``lbest``, ``rowcol``...) and
statements; this is the one place in the package where they stay.  The only
change: every draw goes through a ``numpy.random.RandomState`` passed in
(``rs``) instead of numpy's global state, at the same place and in the same
order, so ``RandomState(1)`` replays a cell that starts with
``np.random.seed(1)`` to the printed digit.  The notebook runs its cells in one
process, but every cell reproduced here (In[4], In[28], In[30], In[47]) reseeds
with 1 first, so each starts from a fresh ``random_state(1)``.

The defects, each marked ``DEFECT n`` where it happens:

1. ``np.random.randint(k)`` picks the row of A and the column of S, so only the
   first k rows of A and columns of S are ever updated (it should draw rows from
   ``range(n)`` and columns from ``range(m)``); with k > min(n, m) it indexes
   past the matrix.
2. ``finalerror`` stays -1 (the first branch never sets it), so the
   ``finalerror == -1`` branch runs after every restart: the function returns
   the *last* restart, not the best.
3. ``seqerror`` is one array shared by all restarts and ``lowesterror =
   seqerror`` only aliases it, so the returned curve is the last restart's.
4. ``nmfrk``'s inner loop reuses ``i``: after it ``i == kacziter - 1``, so only
   ``seqerror[kacziter - 1]`` is written (the rest is ``np.empty``'s garbage),
   and kacziter > niter indexes past the curve.  It also draws its Kaczmarz
   rows and columns from ``len(X[:, rowcol])`` with the notebook's *global*
   ``X``, not ``data``; here that X is the ``X_global`` argument.
5. Nothing keeps A or S non-negative: this is not NMF.
6. ``inv(S Sᵀ)`` is taken explicitly and fails on a singular Gram matrix; the
   Kaczmarz step divides by ‖a‖² or ‖s‖², zero for a zero row or column.

:func:`run_as_written` is the safe door for the app: it turns those failures
into one-line :class:`~nmf_core.errors.MatrixError` and returns only the curve
entries the code actually wrote.
"""

from dataclasses import dataclass

import numpy as np

from .errors import MatrixError


def random_state(seed):
    """The documents' ``np.random.seed(seed)``, as a private ``RandomState(seed)``."""
    return np.random.RandomState(seed)


def factory_data(rs):
    """Cell In[4]: (factors 12×3, weights 3×10 of 0/1, X = factors @ weights)."""
    col1 = np.array([[0, 0, 9, 5, 3, 2, 1, 0, 0, 0, 0, 0]])
    col2 = np.array([[0, 0, 0, 0, 0, 3, 2, 1, 1, 0, 0, 0]])
    col3 = np.array([[0, 5, 5, 6, 6, 7, 4, 2, 1, 0.5, 0, 0]])

    factors = np.vstack((col1, col2, col3)).T
    weights = rs.randint(0, 2, size=(3, 10))

    X = np.matmul(factors, weights)
    return factors, weights, X


def als_sanity_check(X, factors, weights, rs, k=3, niter=1000):
    """Cell In[28]: ALS started next to the true factors; returns (A, S, relative error)."""
    A = factors + 0.01*rs.rand(12, 3)
    S = weights + 0.01*rs.rand(3, 10)

    for i in np.arange(niter):
        rowcol = rs.randint(k)  # DEFECT 1: randint(k), not randint(m) / randint(n)
        S[:, rowcol] = np.matmul(np.linalg.pinv(A), X[:, rowcol])
        # DEFECT 6: explicit inv(S S^T); DEFECT 5: no non-negativity
        A[rowcol, :] = np.matmul(X[rowcol, :], np.matmul(S.T, np.linalg.inv(np.matmul(S, S.T))))

    approx = np.matmul(A, S)
    return A, S, np.linalg.norm(X - approx) / np.linalg.norm(X)


def nmfals(data, k, niter, reinit=5, *, rs):
    """Cell In[34], as written: returns (lbest, rbest, lowesterror)."""
    # set to negative one so we can guarantee an update for the first init
    finalerror = -1

    # need to compare final error to overall best and store the overall best
    seqerror = np.empty(niter)  # DEFECT 3: one array for every restart
    lowesterror = np.empty(1)

    # store overall best factor matrices
    lbest = rs.rand(data.shape[0], k)
    rbest = rs.rand(k, data.shape[1])

    for j in np.arange(reinit):
        # randomly initialize the factor matrices
        lfactor = rs.rand(data.shape[0], k)
        rfactor = rs.rand(k, data.shape[1])

        for i in np.arange(niter):
            # sample random row or column
            rowcol = rs.randint(k)  # DEFECT 1: randint(k), not randint(m) / randint(n)
            # perform linear reg update
            rfactor[:, rowcol] = np.matmul(np.linalg.pinv(lfactor), data[:, rowcol])
            # DEFECT 6: explicit inv(S S^T); DEFECT 5: no non-negativity
            lfactor[rowcol, :] = np.matmul(data[rowcol, :], np.matmul(rfactor.T, np.linalg.inv(np.matmul(rfactor, rfactor.T))))
            # calculate error after update
            seqerror[i] = np.linalg.norm(data - np.matmul(lfactor, rfactor)) / np.linalg.norm(data)
        # update after first init
        if (finalerror == -1):  # DEFECT 2: finalerror is never set, so this runs every restart
            lowesterror = seqerror  # DEFECT 3: an alias, overwritten by the next restart
            lbest = lfactor
            rbest = rfactor
        # if not first, only update if final error is lower than overall best
        elif (finalerror > seqerror[niter - 1]):
            finalerror = seqerror[niter - 1]
            lowesterror = seqerror
            lbest = lfactor
            rbest = rfactor
    return(lbest, rbest, lowesterror)


def rk_sanity_check(X, factors, weights, rs, k=3, niter=100, kacziters=5):
    """Cell In[47]: RK started next to the true factors; returns (A, S, relative error)."""
    A = factors + 0.01*rs.rand(12, 3)
    S = weights + 0.01*rs.rand(3, 10)

    for i in np.arange(niter):
        rowcol = rs.randint(k)  # DEFECT 1: randint(k), not randint(m) / randint(n)
        for i in np.arange(kacziters):
            kaczrow = rs.randint(len(X[:, rowcol]))
            kaczcol = rs.randint(len(X[rowcol, :]))
            # DEFECT 6: divides by |a|^2 and |s|^2; DEFECT 5: no non-negativity
            S[:, rowcol] = S[:, rowcol] + (X[kaczrow, rowcol] - np.matmul(A[kaczrow, :], S[:, rowcol])) / (np.linalg.norm(A[kaczrow, :])**2) * A[kaczrow, :]
            A[rowcol, :] = A[rowcol, :] + (X[rowcol, kaczcol] - np.matmul(A[rowcol, :], S[:, kaczcol])) / (np.linalg.norm(S[:, kaczcol])**2) * S[:, kaczcol]

    approx = np.matmul(A, S)
    return A, S, np.linalg.norm(X - approx) / np.linalg.norm(X)


def nmfrk(data, k, niter, kacziter, reinit=5, *, rs, X_global=None):
    """Cell In[44], as written: returns (lbest, rbest, lowesterror).

    ``X_global`` stands for the notebook's global ``X``, which the documents'
    nmfrk reads (instead of ``data``) to size its Kaczmarz draws (DEFECT 4).  It
    defaults to ``data``, which is what the notebook's X was when it called
    nmfrk(X, ...).
    """
    X = data if X_global is None else X_global
    # set to negative one so we can guarantee an update for the first init
    finalerror = -1

    # need to compare final error to overall best and store the overall best
    seqerror = np.empty(niter)  # DEFECT 3: one array for every restart
    lowesterror = np.empty(1)

    # store overall best factor matrices
    lbest = rs.rand(data.shape[0], k)
    rbest = rs.rand(k, data.shape[1])

    for j in np.arange(reinit):
        # randomly initialize the factor matrices
        lfactor = rs.rand(data.shape[0], k)
        rfactor = rs.rand(k, data.shape[1])
        # outer loop for number of iterations
        for i in np.arange(niter):
            rowcol = rs.randint(k)  # DEFECT 1: randint(k), not randint(m) / randint(n)
            # inner loop for number of RK iterations
            for i in np.arange(kacziter):  # DEFECT 4: reuses the outer loop's i
                kaczrow = rs.randint(len(X[:, rowcol]))  # DEFECT 4: the global X, not data
                kaczcol = rs.randint(len(X[rowcol, :]))
                # DEFECT 6: divides by |a|^2 and |s|^2; DEFECT 5: no non-negativity
                rfactor[:, rowcol] = rfactor[:, rowcol] + (data[kaczrow, rowcol] - np.matmul(lfactor[kaczrow, :], rfactor[:, rowcol])) / (np.linalg.norm(lfactor[kaczrow, :])**2) * lfactor[kaczrow, :]
                lfactor[rowcol, :] = lfactor[rowcol, :] + (data[rowcol, kaczcol] - np.matmul(lfactor[rowcol, :], rfactor[:, kaczcol])) / (np.linalg.norm(rfactor[:, kaczcol])**2) * rfactor[:, kaczcol]
            # calculate error after update
            seqerror[i] = np.linalg.norm(data - np.matmul(lfactor, rfactor)) / np.linalg.norm(data)  # DEFECT 4: i == kacziter - 1
        # update after first init
        if (finalerror == -1):  # DEFECT 2: finalerror is never set, so this runs every restart
            lowesterror = seqerror  # DEFECT 3: an alias, overwritten by the next restart
            lbest = lfactor
            rbest = rfactor
        # if not first, only update if final error is lower than overall best
        elif (finalerror > seqerror[niter - 1]):
            finalerror = seqerror[niter - 1]
            lowesterror = seqerror
            lbest = lfactor
            rbest = rfactor
    return(lbest, rbest, lowesterror)


# --------------------------------------------------------------------------- safe door


@dataclass(frozen=True)
class AsWritten:
    """What the documents' nmfals / nmfrk returned, made safe to show.

    ``A`` (n×k) and ``S`` (k×m) are the returned lbest and rbest.  ``errors``
    holds only the entries of the returned curve that the code actually wrote,
    and ``iterations`` their iteration numbers, counted from 1 as the app's
    curves count (index + 1).  For nmfals that is every iteration; for nmfrk it
    is the single entry ``kacziter - 1`` (DEFECT 4): the other entries are
    ``np.empty``'s uninitialised memory and are dropped here, never shown.
    ``rel_error`` is ‖X − AS‖_F / ‖X‖_F of the returned A and S.
    """

    A: np.ndarray
    S: np.ndarray
    errors: np.ndarray
    iterations: np.ndarray
    rel_error: float


def _written_entries(method, niter, kacziter, reinit):
    """The indices of the returned curve that the documents' code wrote."""
    if reinit < 1 or niter < 1:
        return np.arange(0)  # lowesterror is still np.empty(1), or the curve is empty
    if method == "rk" and kacziter >= 1:
        return np.array([kacziter - 1])  # DEFECT 4 (kacziter > niter raised IndexError)
    return np.arange(niter)  # nmfals, or nmfrk whose inner loop never ran and left i alone


def run_as_written(method, X, k, niter, kacziter=5, reinit=10, seed=1):
    """Run the documents' ``nmfals`` ("als") or ``nmfrk`` ("rk") on X with
    ``RandomState(seed)``; return an :class:`AsWritten`.

    X is n×m; nmfrk's global X is X itself, as in the notebook.  When the
    documents' code fails (singular S Sᵀ, a draw past the matrix, a non-finite
    result) this raises a one-line MatrixError saying why; it never returns NaN.
    """
    if method not in ("als", "rk"):
        raise MatrixError(f"the documents only give als and rk, not {method!r}")
    data = np.asarray(X, dtype=float)
    if data.ndim != 2:
        raise MatrixError(f"the documents' code needs a 2-D matrix, not shape {data.shape}")
    n, m = data.shape
    rs = random_state(seed)
    with np.errstate(all="ignore"):
        try:
            if method == "als":
                A, S, curve = nmfals(data, k, niter, reinit, rs=rs)
            else:
                A, S, curve = nmfrk(data, k, niter, kacziter, reinit, rs=rs)
        except np.linalg.LinAlgError as exc:
            if "singular" in str(exc).lower():
                raise MatrixError(f"the documents' {method} failed: S Sᵀ is singular "
                                  f"(inv of a singular matrix)") from None
            raise MatrixError(f"the documents' {method} failed: {exc} (its factors went "
                              f"NaN or inf before the pseudo-inverse)") from None
        except IndexError:
            if method == "rk" and kacziter > niter:
                raise MatrixError(f"the documents' rk failed: it writes its error at "
                                  f"seqerror[kacziter − 1] = seqerror[{kacziter - 1}], past "
                                  f"the {niter} entries (kacziter > niter)") from None
            raise MatrixError(f"the documents' {method} failed: randint(k) drew a row or "
                              f"column from range({k}), past the {n}×{m} matrix; "
                              f"lower k") from None
        rel_error = np.linalg.norm(data - A @ S) / np.linalg.norm(data)
    written = _written_entries(method, niter, kacziter, reinit)
    errors = np.array(curve, dtype=float)[written]
    if not (np.isfinite(A).all() and np.isfinite(S).all() and np.isfinite(errors).all()
            and np.isfinite(rel_error)):
        if not data.any():
            why = "it divides by ‖X‖, and X is all zero"
        elif method == "rk":
            why = "it divides by the norm of a zero row or column"
        else:
            why = "S Sᵀ is nearly singular, so inv(S Sᵀ) blew up"
        raise MatrixError(f"the documents' {method} produced NaN or inf ({why})")
    return AsWritten(A, S, errors, written + 1, float(rel_error))
