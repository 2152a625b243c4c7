"""The documents' code, as written, defects included.

This module exists so the app can set "as written" beside "corrected".  It
keeps the documents' names and statements; the only change is that every draw
goes through a ``numpy.random.RandomState`` passed in (``rs``) instead of the
global state, in the same order, so ``RandomState(1)`` replays the notebook's
``np.random.seed(1)`` cells to the printed digit.  Nothing else in the package
uses it: the corrected methods live in :mod:`nmf_core.solvers`.

The defects, each marked ``DEFECT`` below:

1. ``np.random.randint(k)`` picks the row/column, so only the first k rows of A
   and columns of S are ever updated (it should draw from n and m).
2. ``finalerror`` is never assigned after the first restart, so every later
   restart overwrites the "best": the function returns the *last* restart.
3. ``seqerror`` is one array shared by all restarts and ``lowesterror`` aliases
   it, so the returned curve is whatever ran last.
4. ``nmfrk``'s inner loop reuses ``i``: the error is written at index
   ``kacziter - 1`` only; and it samples with the global ``X``, not ``data``.
5. Nothing keeps A or S non-negative.
6. ``inv(S Sᵀ)`` fails on a singular Gram matrix, and RK divides by ‖a‖², zero
   for a zero row (the factory X has zero rows and columns).
"""

import numpy as np

from .errors import MatrixError


def random_state(seed=1):
    """The documents' ``np.random.seed(seed)``, as a private RandomState."""
    return np.random.RandomState(seed)


def factory_data(rs):
    """Cell In[4]: the three factory columns and 0/1 weights; X = factors @ weights."""
    col1 = np.array([[0, 0, 9, 5, 3, 2, 1, 0, 0, 0, 0, 0]])
    col2 = np.array([[0, 0, 0, 0, 0, 3, 2, 1, 1, 0, 0, 0]])
    col3 = np.array([[0, 5, 5, 6, 6, 7, 4, 2, 1, 0.5, 0, 0]])
    factors = np.vstack((col1, col2, col3)).T
    weights = rs.randint(0, 2, size=(3, 10))
    X = np.matmul(factors, weights)
    return factors, weights, X


def als_sanity_check(X, factors, weights, rs, k=3, niter=1000):
    """Cell In[28]: ALS started next to the true factors; returns A, S, relative error."""
    A = factors + 0.01 * rs.rand(12, 3)
    S = weights + 0.01 * rs.rand(3, 10)
    for i in np.arange(niter):
        rowcol = rs.randint(k)  # DEFECT 1
        S[:, rowcol] = np.matmul(np.linalg.pinv(A), X[:, rowcol])
        A[rowcol, :] = np.matmul(X[rowcol, :], np.matmul(S.T, np.linalg.inv(np.matmul(S, S.T))))
    approx = np.matmul(A, S)
    return A, S, np.linalg.norm(X - approx) / np.linalg.norm(X)


def nmfals(data, k, niter, reinit=5, rs=None):
    """Cell In[34], as written."""
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
            rowcol = rs.randint(k)  # DEFECT 1
            # perform linear reg update
            rfactor[:, rowcol] = np.matmul(np.linalg.pinv(lfactor), data[:, rowcol])
            lfactor[rowcol, :] = np.matmul(data[rowcol, :], np.matmul(rfactor.T, np.linalg.inv(np.matmul(rfactor, rfactor.T))))  # DEFECT 6
            # calculate error after update
            seqerror[i] = np.linalg.norm(data - np.matmul(lfactor, rfactor)) / np.linalg.norm(data)
        # update after first init
        if (finalerror == -1):  # DEFECT 2: finalerror stays -1, so this runs every time
            lowesterror = seqerror
            lbest = lfactor
            rbest = rfactor
        # if not first, only update if final error is lower than overall best
        elif (finalerror > seqerror[niter - 1]):
            finalerror = seqerror[niter - 1]
            lowesterror = seqerror
            lbest = lfactor
            rbest = rfactor
    return (lbest, rbest, lowesterror)


def rk_sanity_check(X, factors, weights, rs, k=3, niter=100, kacziters=5):
    """Cell In[47]: RK started next to the true factors; returns A, S, relative error."""
    A = factors + 0.01 * rs.rand(12, 3)
    S = weights + 0.01 * rs.rand(3, 10)
    for i in np.arange(niter):
        rowcol = rs.randint(k)  # DEFECT 1
        for i in np.arange(kacziters):
            kaczrow = rs.randint(len(X[:, rowcol]))
            kaczcol = rs.randint(len(X[rowcol, :]))
            S[:, rowcol] = S[:, rowcol] + (X[kaczrow, rowcol] - np.matmul(A[kaczrow, :], S[:, rowcol])) / (np.linalg.norm(A[kaczrow, :])**2) * A[kaczrow, :]  # DEFECT 6
            A[rowcol, :] = A[rowcol, :] + (X[rowcol, kaczcol] - np.matmul(A[rowcol, :], S[:, kaczcol])) / (np.linalg.norm(S[:, kaczcol])**2) * S[:, kaczcol]
    approx = np.matmul(A, S)
    return A, S, np.linalg.norm(X - approx) / np.linalg.norm(X)


def nmfrk(data, k, niter, kacziter, reinit=5, rs=None, X=None):
    """Cell In[44], as written.  ``X`` is the notebook's global X (DEFECT 4); it
    defaults to ``data``, which is what the notebook had when it called this."""
    X = data if X is None else X
    # set to negative one so we can guarantee an update for the first init
    finalerror = -1

    # need to compare final error to overall best and store the overall best
    seqerror = np.empty(niter)  # DEFECT 3
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
            rowcol = rs.randint(k)  # DEFECT 1
            # inner loop for number of RK iterations
            for i in np.arange(kacziter):  # DEFECT 4: reuses i
                kaczrow = rs.randint(len(X[:, rowcol]))  # DEFECT 4: global X
                kaczcol = rs.randint(len(X[rowcol, :]))
                rfactor[:, rowcol] = rfactor[:, rowcol] + (data[kaczrow, rowcol] - np.matmul(lfactor[kaczrow, :], rfactor[:, rowcol])) / (np.linalg.norm(lfactor[kaczrow, :])**2) * lfactor[kaczrow, :]
                lfactor[rowcol, :] = lfactor[rowcol, :] + (data[rowcol, kaczcol] - np.matmul(lfactor[rowcol, :], rfactor[:, kaczcol])) / (np.linalg.norm(rfactor[:, kaczcol])**2) * rfactor[:, kaczcol]
            # calculate error after update
            seqerror[i] = np.linalg.norm(data - np.matmul(lfactor, rfactor)) / np.linalg.norm(data)
        # update after first init
        if (finalerror == -1):  # DEFECT 2
            lowesterror = seqerror
            lbest = lfactor
            rbest = rfactor
        # if not first, only update if final error is lower than overall best
        elif (finalerror > seqerror[niter - 1]):
            finalerror = seqerror[niter - 1]
            lowesterror = seqerror
            lbest = lfactor
            rbest = rfactor
    return (lbest, rbest, lowesterror)


class AsWritten:
    """What the documents' function returned, made safe to show.

    ``errors`` holds only the curve entries the function actually wrote (for
    ``nmfrk`` that is index ``kacziter - 1`` alone, DEFECT 4), at ``iterations``
    (1-based, as the app's curves count).  ``rel_error`` is recomputed from the
    returned A and S.
    """

    def __init__(self, A, S, errors, iterations, rel_error):
        self.A, self.S = A, S
        self.errors, self.iterations, self.rel_error = errors, iterations, rel_error


def run_as_written(method, X, k, niter, kacziter=5, reinit=10, seed=1):
    """Run ``nmfals`` or ``nmfrk`` as written on X with ``RandomState(seed)``.

    Raises MatrixError, one line, when the documents' code itself fails
    (singular S Sᵀ, division by a zero norm, non-finite results).
    """
    rs = random_state(seed)
    data = np.asarray(X, dtype=float)
    if k > min(data.shape):
        raise MatrixError(f"the documents' code draws rows and columns from range(k) = "
                          f"range({k}), past the {data.shape[0]}×{data.shape[1]} matrix; lower k")
    with np.errstate(all="ignore"):
        try:
            if method == "als":
                A, S, curve = nmfals(data, k, niter, reinit, rs=rs)
                written = np.arange(niter)
            elif method == "rk":
                A, S, curve = nmfrk(data, k, niter, kacziter, reinit, rs=rs)
                written = np.array([min(kacziter, niter) - 1])
            else:
                raise MatrixError(f"the documents only give als and rk, not {method!r}")
        except np.linalg.LinAlgError as exc:
            raise MatrixError(f"the documents' {method} failed: inv(S Sᵀ) of a singular "
                              f"matrix ({exc})") from None
        rel_error = np.linalg.norm(data - A @ S) / np.linalg.norm(data)
    errors = np.asarray(curve)[written]
    if not (np.isfinite(A).all() and np.isfinite(S).all() and np.isfinite(errors).all()):
        raise MatrixError(f"the documents' {method} produced NaN or inf (it divides by the "
                          f"norm of a zero row)")
    return AsWritten(A, S, errors, written + 1, float(rel_error))
