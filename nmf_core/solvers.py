"""The four update rules, written for a batch of restarts at once.

Shapes, used throughout: ``X`` is (n, m); a batch of ``R`` restarts holds
``W`` (R, k, n), the transposes of A, and ``H`` (R, k, m), the S factors, so
that ``X ≈ W[r].T @ H[r]``.  Storing A transposed makes the two half-steps the
same problem: updating H against X with W fixed is exactly updating W against
X.T with H fixed.  Each rule is therefore written once, for H, and applied to W
through ``X.T``.

Every solver's ``step(W, H, t)`` updates both factors in place (S first, then A,
as in the documents) and returns the squared residual ``‖X − AS‖²`` per restart
when it can get it cheaply from products it already formed (exact where it is
small: see :func:`step_squared_residuals`), else ``None``.
"""

from __future__ import annotations

import math

import numpy as np

_ZERO = np.zeros(())  # a 0-d zero: the cheapest second argument for np.maximum
_GRAM_MIN_CELLS = 10_000  # below this, the direct norm is as cheap and exact
_EXACT_BELOW = 1e-6  # ‖X − AS‖² / ‖X‖² below which the Gram identity cancels: measure directly
# ALS: the normal equations square A's condition number, so they are used only while
# cond(W Wᵀ) ≤ 1e6 (cond(A) ≤ 1e3: error ≲ 1e-10 relative); else the SVD pseudo-inverse.
_NORMAL_EQUATIONS_RCOND = 1e-6
_AFFINE_MAX_CELLS = 2_500  # Kaczmarz: (columns × (k+1))² up to which one product per step wins
_COMPARE_MAX_CELLS = 50_000  # weighted_picks: draws × rows up to which compare-and-count wins


def stacked_product(F: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """``F[r] @ Y`` for every restart r, as one matrix product. F (R, k, p), Y (p, q)."""
    R, k, p = F.shape
    return (F.reshape(R * k, p) @ Y).reshape(R, k, Y.shape[1])


def gram(F: np.ndarray) -> np.ndarray:
    """``F[r] @ F[r].T`` for every restart: (R, k, k)."""
    return F @ F.transpose(0, 2, 1)


def squared_residuals(X: np.ndarray, W: np.ndarray, H: np.ndarray) -> np.ndarray:
    """``‖X − W[r].T H[r]‖²_F`` for every restart, computed directly."""
    if X.size * W.shape[0] <= 1_000_000:
        diff = (X - W.transpose(0, 2, 1) @ H).reshape(W.shape[0], -1)
        return np.vecdot(diff, diff)
    out = np.empty(W.shape[0])
    for r in range(W.shape[0]):
        diff = X - W[r].T @ H[r]
        out[r] = np.vdot(diff, diff)
    return out


def gram_squared_residuals(x_sq: float, W, YXt, WWt, YYt) -> np.ndarray:
    """‖X − WᵀY‖² = ‖X‖² − 2·⟨W, Y Xᵀ⟩ + ⟨W Wᵀ, Y Yᵀ⟩, from products already formed."""
    return x_sq - 2 * np.einsum("rkn,rkn->r", W, YXt) + np.einsum("rij,rij->r", WWt, YYt)


def step_squared_residuals(X, x_sq: float, W, H, HXt, HHt, WWt=None) -> np.ndarray:
    """``‖X − WᵀH‖²`` per restart at the end of a step that formed H Xᵀ and H Hᵀ.

    From the Gram identity when X is large enough for it to pay; measured directly
    when X is small, or for the whole batch when any value falls below
    ``_EXACT_BELOW``·‖X‖², where the identity's terms cancel.  ``WWt`` = W Wᵀ if the
    caller has it.
    """
    if X.size > _GRAM_MIN_CELLS:
        sq = gram_squared_residuals(x_sq, W, HXt, gram(W) if WWt is None else WWt, HHt)
        if not (sq < _EXACT_BELOW * x_sq).any():
            return sq
    return squared_residuals(X, W, H)


# --------------------------------------------------------------------------- HALS
def hals_rows(H, WX, WWt, nonnegative: bool, max_passes: int, tol: float) -> None:
    """Coordinate descent on the rows of H, in place (Cichocki–Phan HALS).

    ``H[r] ← max(0, H[r] + (WX[r] − WWt[r] @ H) / WWt[r, r])``, for r = 0..k-1,
    repeated up to ``max_passes`` times while a pass still moves H by more than
    ``tol`` times the first pass (Gillis–Glineur).  WX = W X (R, k, m), WWt (R, k, k).

    Written as ``H[r] ← max(0, WX[r]/d − Σ_{j≠r} (WWt[r, j]/d) H[j])`` with d = WWt[r, r]:
    the same update without the cancellation of + H[r] − H[r], and three numpy calls
    per row on views made once, since on small matrices the calls are the cost.
    A row r with d = 0 (a zero factor) has no effect on the fit and is left as it is.
    """
    R, k, m = H.shape
    diag = WWt.diagonal(axis1=1, axis2=2)
    if not diag.min() > 0:  # also catches NaN
        _hals_rows_with_zero_factors(H, WX, WWt, diag, nonnegative, max_passes, tol)
        return
    inverse = 1.0 / diag[:, :, None]
    coupling = WWt * inverse  # rows scaled by 1/d
    coupling.reshape(R, k * k)[:, :: k + 1] = 0.0  # the j ≠ r sum
    target = WX * inverse
    if R == 1:  # one restart: plain vector-matrix products are the cheaper calls
        product, matrix = np.dot, H[0]
        buffer = np.empty(m)
        rows = list(zip(coupling[0], target[0], H[0], strict=True))
    else:
        product, matrix = np.matmul, H
        buffer = np.empty((R, 1, m))
        rows = list(zip(coupling[:, :, None].swapaxes(0, 1), target[:, :, None].swapaxes(0, 1),
                        H[:, :, None].swapaxes(0, 1), strict=True))

    def one_pass():
        for c_r, t_r, h_r in rows:
            product(c_r, matrix, out=buffer)
            if nonnegative:
                np.subtract(t_r, buffer, out=buffer)
                np.maximum(buffer, _ZERO, out=h_r)
            else:
                np.subtract(t_r, buffer, out=h_r)

    _repeat_passes(H, one_pass, max_passes, tol)


def _repeat_passes(H, one_pass, max_passes: int, tol: float) -> None:
    """Run ``one_pass()`` (which updates H in place) up to ``max_passes`` times, stopping
    once a pass moves H by no more than ``tol`` times the first pass did (Gillis–Glineur)."""
    before = np.empty_like(H) if max_passes > 1 else None
    first_move = 0.0
    last = max_passes - 1
    for p in range(max_passes):
        if p < last:  # the last pass needs no measure of its move
            np.copyto(before, H)
        one_pass()
        if p == last:
            break
        before -= H
        move = float(np.vdot(before, before))
        if p == 0:
            first_move = move
        elif move <= tol * tol * first_move:
            break


def _hals_rows_with_zero_factors(H, WX, WWt, diag, nonnegative, max_passes, tol) -> None:
    """:func:`hals_rows` written row by row, for when some diagonal of WWt is zero."""
    k = H.shape[1]
    inverse_diag = np.divide(1.0, diag, out=np.zeros_like(diag), where=diag > 0)[:, :, None]

    def one_pass():
        for r in range(k):
            row = WX[:, r] - (WWt[:, r : r + 1] @ H)[:, 0]  # minus the gradient
            row *= inverse_diag[:, r]
            row += H[:, r]
            if nonnegative:
                np.maximum(row, 0.0, out=row)
            H[:, r] = row

    _repeat_passes(H, one_pass, max_passes, tol)


class HALS:
    """HALS with inner repetitions, accelerated by extrapolation (Ang & Gillis 2019,
    "Accelerating nonnegative matrix factorization algorithms using extrapolation",
    Neural Computation 31(2)), and safeguarded so that the error never increases.

    A step starts from ``Ŵ = max(0, W + β (W − W₀))`` and likewise Ĥ, where W₀, H₀ is the
    iterate accepted before the current one; it updates H against Ŵ, then W against the
    new H.  The new pair is accepted only if its error is no larger than the current
    one's; then β grows (×1.05, up to β̄, itself growing ×1.01 up to 1).  On a rejection
    the iterate stays, β̄ takes the failed β, β shrinks (÷1.5), and the next step starts
    from the iterate itself: a plain HALS step.  Each restart has its own β, β̄ and error.
    A step that turns non-finite is accepted, for the divergence guard to see.
    """

    BETA, GROW, GROW_CAP, SHRINK = 0.5, 1.05, 1.01, 1.5  # Ang–Gillis's β₀, γ, γ̄, η

    def __init__(self, X, nonnegative: bool, tol: float = 0.1, **_):
        self.X, self.nonnegative, self.tol = X, nonnegative, tol
        self.x_sq = float(np.vdot(X, X))
        # A pass costs about k*k*m flops against n*m*k for the products: repeat
        # passes while they are cheap next to the products (Gillis–Glineur).
        self.passes = lambda k, other: int(max(1, min(10, 1 + other // (2 * k))))
        self.reset()

    def reset(self):
        self.previous = None  # (W₀, H₀): the iterate accepted before the current one
        self.sq = self.beta = self.beta_cap = None  # per restart

    def _extrapolated(self, F, F_previous):
        out = np.subtract(F, F_previous)
        out *= self.beta[:, None, None]
        out += F
        if self.nonnegative:
            np.maximum(out, _ZERO, out=out)
        return out

    def step(self, W, H, t):
        X, k, R = self.X, W.shape[1], W.shape[0]
        if self.previous is None:  # a plain first step, accepted
            self.previous = W.copy(), H.copy()
            self.beta, self.beta_cap = np.full(R, self.BETA), np.ones(R)
            W_new, H_new = W.copy(), H.copy()
        else:
            W_new = self._extrapolated(W, self.previous[0])
            H_new = self._extrapolated(H, self.previous[1])
        hals_rows(H_new, stacked_product(W_new, X), gram(W_new), self.nonnegative,
                  self.passes(k, X.shape[0]), self.tol)
        HXt, HHt = stacked_product(H_new, X.T), gram(H_new)
        hals_rows(W_new, HXt, HHt, self.nonnegative, self.passes(k, X.shape[1]), self.tol)
        sq = step_squared_residuals(X, self.x_sq, W_new, H_new, HXt, HHt)
        ok = np.ones(R, bool) if self.sq is None else ~(sq > self.sq) | ~np.isfinite(sq)
        np.copyto(self.previous[0], W)
        np.copyto(self.previous[1], H)
        np.copyto(W, W_new, where=ok[:, None, None])
        np.copyto(H, H_new, where=ok[:, None, None])
        self.sq = np.where(ok, sq, self.sq) if self.sq is not None else sq
        grown = np.minimum(self.beta_cap, self.beta * self.GROW)
        self.beta_cap = np.where(ok, np.minimum(1.0, self.beta_cap * self.GROW_CAP), self.beta)
        self.beta = np.where(ok, grown, self.beta / self.SHRINK)
        return self.sq.copy()


# --------------------------------------------------------------------------- MU
def mu_rows(H, WX, WWt) -> None:
    """Lee–Seung multiplicative update of H, in place: ``H ← H ∘ (W X) / (W Wᵀ H)``."""
    denominator = WWt @ H
    denominator[denominator == 0] = np.finfo(np.float64).eps
    H *= WX / denominator


class MU:
    """Multiplicative updates (Lee–Seung 2001): the classic reference solver."""

    def __init__(self, X, **_):
        self.X = X
        self.x_sq = float(np.vdot(X, X))
        self.WWt = None

    def step(self, W, H, t):
        X = self.X
        WWt = self.WWt if self.WWt is not None else gram(W)
        mu_rows(H, stacked_product(W, X), WWt)
        HXt, HHt = stacked_product(H, X.T), gram(H)
        mu_rows(W, HXt, HHt)
        self.WWt = gram(W)
        return step_squared_residuals(X, self.x_sq, W, H, HXt, HHt, self.WWt)

    def reset(self):
        self.WWt = None


# --------------------------------------------------------------------------- index draws
def column_picks(rngs, size: int, niter: int) -> np.ndarray:
    """One uniformly drawn index in [0, size) per iteration and restart: (R, niter)."""
    return np.stack([rng.integers(0, size, niter) for rng in rngs])


class UniformStream:
    """Per-restart uniform draws for the Kaczmarz row choices, fetched in blocks.

    Each restart draws from its own Generator in a fixed order, so the values do
    not depend on the block size, only on the seed.
    """

    def __init__(self, rngs, per_iteration: int, niter: int):
        self.rngs, self.width, self.niter = rngs, per_iteration, niter
        self.block = max(1, min(niter, 2_000_000 // max(1, len(rngs) * per_iteration)))
        self.start, self.buffer = 0, None

    def __call__(self, t: int) -> np.ndarray:
        if self.buffer is None or t >= self.start + self.buffer.shape[1]:
            self.start = t
            rows = min(self.block, self.niter - t)
            self.buffer = np.stack([rng.random((rows, self.width)) for rng in self.rngs])
        return self.buffer[:, t - self.start]


def weighted_picks(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Row indices drawn with probability ∝ ``weights`` (R, n), one per uniform (R, ...).

    Draw u picks the first row whose normalised cumulative weight exceeds u, that is
    the count of cumulative weights ≤ u.  Rows of weight zero are never drawn (their
    interval is empty); if all weights of a restart are zero the draw is arbitrary
    (the caller's step is zero then).
    """
    R, n = weights.shape
    cum = np.add.accumulate(weights, axis=1)  # np.cumsum, without its Python-level wrapper
    total = cum[:, -1:]
    # x / x is exactly 1, so the last non-zero row and any zero rows after it sit at
    # exactly 1.0, above every u < 1: no draw can land past the last non-zero row.
    normalised = cum / (total if total.min() > 0 else np.where(total > 0, total, 1.0))
    flat = uniforms.reshape(R, -1)
    if flat.shape[1] * n <= _COMPARE_MAX_CELLS:
        # compare-and-count with no per-restart calls: the comparisons are true on a
        # prefix, so the count is the first false one (argmin); an all-zero restart
        # (every normalised weight 0, all true) gets row 0.
        picks = (normalised[:, None, :] <= flat[:, :, None]).argmin(axis=2)
    else:  # the same counts, by binary search, one restart at a time
        picks = np.stack([np.searchsorted(normalised[r], flat[r], side="right")
                          for r in range(R)])
        picks[picks == n] = 0  # all-zero restarts, as above
    return picks.reshape(uniforms.shape)


# --------------------------------------------------------------------------- ALS
def least_squares_columns(H, W, X, cols, nonnegative: bool) -> None:
    """Solve columns of H by least squares with A = Wᵀ fixed, in place.

    ``H[:, j] ← argmin_h ‖X[:, j] − Wᵀ h‖``, then ``max(0, ·)`` when ``nonnegative``.
    ``cols`` is None for every column, or one column per restart (R,).

    Through the normal equations ``(W Wᵀ) h = W x`` (a batched k×k solve, several
    times cheaper than an SVD per call) where W Wᵀ is well conditioned; restarts
    whose A is rank-deficient or nearly so take the min-norm solution through the
    SVD pseudo-inverse instead, as before.
    """
    WWt = gram(W)
    if cols is None:
        rhs = stacked_product(W, X)  # (R, k, m)
    else:
        rhs = np.einsum("rkn,nr->rk", W, X[:, cols])[:, :, None]  # (R, k, 1)
    eig = np.linalg.eigvalsh(WWt)  # ascending
    # cond(W Wᵀ) ≤ 1e6: the normal equations' error, eps·cond(W Wᵀ), stays ≲ 1e-10
    ok = eig[:, 0] > _NORMAL_EQUATIONS_RCOND * eig[:, -1]
    if ok.all():
        new = np.linalg.solve(WWt, rhs)
    else:
        new = np.empty_like(rhs)
        if ok.any():
            new[ok] = np.linalg.solve(WWt[ok], rhs[ok])
        bad = ~ok
        P = np.linalg.pinv(W[bad].transpose(0, 2, 1))  # (b, k, n)
        new[bad] = P @ X if cols is None else (P @ X[:, cols[bad]].T[:, :, None])
    if nonnegative:
        np.maximum(new, 0.0, out=new)
    if cols is None:
        H[...] = new
    else:
        H[np.arange(H.shape[0]), :, cols] = new[:, :, 0]


class ALS:
    """The documents' alternating least squares, corrected ("projected ALS")."""

    def __init__(self, X, nonnegative: bool, sampling: str, rngs, niter: int, **_):
        self.X, self.nonnegative = X, nonnegative
        n, m = X.shape
        self.picks = None
        if sampling == "random":
            self.picks = (column_picks(rngs, m, niter), column_picks(rngs, n, niter))

    def step(self, W, H, t):
        col = row = None
        if self.picks is not None:
            col, row = self.picks[0][:, t], self.picks[1][:, t]
        least_squares_columns(H, W, self.X, col, self.nonnegative)
        least_squares_columns(W, H, self.X.T, row, self.nonnegative)
        return None

    def reset(self):
        pass


# --------------------------------------------------------------------------- RK
def kaczmarz_columns(H, W, X, cols, uniforms, row_sampling: str, nonnegative: bool,
                     workspace: dict | None = None):
    """Randomized Kaczmarz steps on columns of H with A = Wᵀ fixed, in place.

    For each selected column h = H[:, j] and each of the draws in ``uniforms``
    (R, kacziter, c): pick a row a = W[:, i] of A with probability ∝ ‖a‖²
    (or uniformly among non-zero rows) and set
    ``h ← h + (X[i, j] − a·h) / ‖a‖² · a``, then ``max(0, ·)`` when ``nonnegative``.
    ``cols`` is None for all columns, or one column per restart (R,).
    ``workspace``, a dict owned by one caller, keeps buffers between calls.
    Returns the drawn row indices (R, kacziter, c).
    """
    R, k, n = W.shape
    norms = np.einsum("rkn,rkn->rn", W, W)
    weights = norms if row_sampling == "norm" else (norms > 0).astype(float)
    rows = weighted_picks(weights, uniforms)  # (R, kacziter, c)
    if (R * rows.shape[2] * (k + 1)) ** 2 <= _AFFINE_MAX_CELLS:
        _block_kaczmarz(H, W, X, cols, rows, norms, nonnegative, workspace)
        return rows
    if cols is None:
        h = H.transpose(0, 2, 1).copy()  # (R, m, k)
        targets = np.arange(X.shape[1])[None, None, :]
    else:
        h = H[np.arange(R), :, cols][:, None, :]  # (R, 1, k)
        targets = cols[:, None, None]
    # A is fixed during these steps, so every row they use is gathered at once;
    # the loop below is then only the projection itself.
    steps = rows.transpose(1, 0, 2)  # (kacziter, R, c): step-major for cheap slicing
    restart = np.arange(R)[None, :, None]
    a = W[restart, :, steps]  # (kacziter, R, c, k)
    x = X[steps, targets.transpose(1, 0, 2)]  # (kacziter, R, c)
    norm = norms[restart, steps]
    inverse = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
    a_scaled = a * inverse[..., None]
    update = np.empty_like(h)
    for a_t, x_t, scaled_t in zip(a, x, a_scaled, strict=True):
        residual = x_t - np.vecdot(a_t, h)
        np.multiply(residual[..., None], scaled_t, out=update)
        h += update
        if nonnegative:
            np.maximum(h, 0.0, out=h)
    if cols is None:
        H[...] = h.transpose(0, 2, 1)
    else:
        H[np.arange(R), :, cols] = h[:, 0, :]
    return rows


_IDENTITIES: dict[int, np.ndarray] = {}


def _identity(k: int) -> np.ndarray:
    """np.eye(k), made once per k (read-only, so sharing it between threads is safe)."""
    eye = _IDENTITIES.get(k)
    if eye is None:
        eye = np.eye(k)
        eye.flags.writeable = False
        _IDENTITIES[k] = eye
    return eye


def _block_kaczmarz(H, W, X, cols, rows, norms, nonnegative: bool, workspace=None) -> None:
    """The Kaczmarz steps of :func:`kaczmarz_columns` as one small matrix product each.

    ``h + (x − a·h) a/‖a‖²`` is the affine map ``(I − s aᵀ) h + x s`` with s = a/‖a‖²;
    in homogeneous coordinates [h; 1] it is one (k+1)×(k+1) matrix.  The maps of all
    columns and restarts of a step go on the diagonal of one block-diagonal matrix,
    all formed before the loop, so a step is one matrix-vector product and a clip:
    two numpy calls instead of five, which is what counts when there are only a few
    columns (random sampling).  The off-diagonal zeros add exact zeros, except when
    a value turns inf or NaN, which would leak into other restarts through 0·inf:
    then the steps are redone one block per restart.
    rows (R, kz, c) are the drawn rows; norms (R, n) the squared row norms of A.
    """
    R, k, n = W.shape
    _, kz, c = rows.shape
    size = k + 1
    restart = np.arange(R)[:, None, None]
    a = W[restart, :, rows]  # (R, kz, c, k)
    x = X[rows, np.arange(X.shape[1]) if cols is None else cols[:, None, None]]  # (R, kz, c)
    norm = norms[restart, rows][..., None]
    inverse = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)  # zero rows: no step
    scaled = a * inverse  # as in the step-by-step loop, so both give the same steps
    outer = np.matmul(scaled[..., :, None], a[..., None, :])  # s aᵀ, (R, kz, c, k, k)
    np.subtract(_identity(k), outer, out=outer)
    # Only the diagonal blocks are ever written, and all of their entries but the
    # last row's zeros each time, so a caller's buffer can be reused as it is.
    shape = (kz, R, c, size, R, c, size)
    full, maps = workspace.get(shape, (None, None)) if workspace is not None else (None, None)
    if full is None:
        full = np.zeros(shape)
        maps = np.einsum("trcarcb->rtcab", full)  # writable view of the diagonal blocks
        if workspace is not None:
            workspace[shape] = full, maps
    maps[..., :k, :k] = outer
    np.multiply(x[..., None], scaled, out=maps[..., :k, k])
    maps[..., k, k] = 1.0
    start = np.ones((R, c, size))  # [h; 1] for each column of each restart
    if cols is None:
        start[..., :k] = H.transpose(0, 2, 1)
    else:
        start[:, 0, :k] = H[restart[:, 0, 0], :, cols]
    g = start.ravel().copy()
    other = np.empty_like(g)
    for map_t in full.reshape(kz, R * c * size, R * c * size):
        np.dot(map_t, g, out=other)
        if nonnegative:
            np.maximum(other, _ZERO, out=g)  # the homogeneous 1 stays 1
        else:
            g, other = other, g
    g = g.reshape(R, c, size)
    if not math.isfinite(g.sum()):  # keep restarts apart: one block product each
        g = start[..., None]  # from the start again
        other = np.empty_like(g)
        for maps_t in maps.swapaxes(0, 1):
            np.matmul(maps_t, g, out=other)
            if nonnegative:
                np.maximum(other, 0.0, out=g)
            else:
                g, other = other, g
        g = g[..., 0]
    if cols is None:
        H[...] = g[..., :k].transpose(0, 2, 1)
    else:
        H[restart[:, 0, 0], :, cols] = g[:, 0, :k]


class RK:
    """The documents' randomized Kaczmarz NMF, corrected."""

    def __init__(self, X, nonnegative: bool, sampling: str, rngs, niter: int,
                 kacziter: int, row_sampling: str, **_):
        self.X, self.nonnegative, self.row_sampling = X, nonnegative, row_sampling
        n, m = X.shape
        self.kacziter = kacziter
        self.picks = None
        if sampling == "random":
            self.picks = (column_picks(rngs, m, niter), column_picks(rngs, n, niter))
            self.widths = (1, 1)
        else:
            self.widths = (m, n)
        self.uniforms = UniformStream(rngs, kacziter * sum(self.widths), niter)
        self.last_rows = None
        self.workspace = {}  # this run's Kaczmarz buffers

    def step(self, W, H, t):
        col = row = None
        if self.picks is not None:
            col, row = self.picks[0][:, t], self.picks[1][:, t]
        R, kz = W.shape[0], self.kacziter
        u = self.uniforms(t)
        cut = kz * self.widths[0]
        u_s = u[:, :cut].reshape(R, kz, self.widths[0])
        u_a = u[:, cut:].reshape(R, kz, self.widths[1])
        rows_s = kaczmarz_columns(H, W, self.X, col, u_s, self.row_sampling, self.nonnegative,
                                  self.workspace)
        rows_a = kaczmarz_columns(W, H, self.X.T, row, u_a, self.row_sampling, self.nonnegative,
                                  self.workspace)
        self.last_rows = (rows_s, rows_a)
        return None

    def reset(self):
        pass


SOLVERS = {"als": ALS, "rk": RK, "hals": HALS, "mu": MU}


# ----------------------------------------------------------------- masked (missing values)
def masked_squared_residuals(X, W, H, M) -> np.ndarray:
    """``‖M ∘ (X − W[r].T H[r])‖²`` for every restart; M is 1 on observed cells, 0 elsewhere."""
    diff = M * (X - W.transpose(0, 2, 1) @ H)
    return np.einsum("rnm,rnm->r", diff, diff)


def masked_hals_rows(H, W, E, M, nonnegative: bool) -> None:
    """HALS on rows of H when only cells with M = 1 count, in place.

    With E = M ∘ (X − WᵀH) kept current:
    ``H[r] ← max(0, H[r] + (W[r] E) / (W[r]² M))`` for each r, then E is updated.
    W (R, k, n), H (R, k, m), E (R, n, m), M (n, m).
    """
    for r in range(H.shape[1]):
        w = W[:, r]  # (R, n)
        numerator = np.einsum("rn,rnm->rm", w, E)
        denominator = (w * w) @ M  # (R, m)
        step = np.divide(numerator, denominator, out=np.zeros_like(numerator),
                         where=denominator > 0)
        new = H[:, r] + step
        if nonnegative:
            np.maximum(new, 0.0, out=new)
        E -= M * (w[:, :, None] * (new - H[:, r])[:, None, :])
        H[:, r] = new


class MaskedHALS:
    """HALS restricted to observed cells: one E = M ∘ (X − AS) kept across both half-steps."""

    def __init__(self, X, mask, nonnegative: bool, **_):
        self.X, self.M, self.nonnegative = X, mask.astype(float), nonnegative
        self.exact_below = _EXACT_BELOW * float(np.vdot(X, X))

    def step(self, W, H, t):
        E = self.M * (self.X - W.transpose(0, 2, 1) @ H)
        masked_hals_rows(H, W, E, self.M, self.nonnegative)
        masked_hals_rows(W, H, E.transpose(0, 2, 1), self.M.T, self.nonnegative)
        sq = np.einsum("rnm,rnm->r", E, E)
        # E was updated in place, so small values carry its rounding: measure afresh.
        return None if (sq < self.exact_below).any() else sq

    def reset(self):
        pass


class MaskedMU:
    """Weighted multiplicative updates: ``H ← H ∘ W(M∘X) / W(M∘(WᵀH))``, and the same for W."""

    def __init__(self, X, mask, **_):
        self.M = mask.astype(float)
        self.MX = self.M * X

    def step(self, W, H, t):
        M, MX = self.M, self.MX
        eps = np.finfo(np.float64).eps
        model = M * (W.transpose(0, 2, 1) @ H)
        H *= stacked_product(W, MX) / np.maximum(W @ model, eps)
        model = M * (W.transpose(0, 2, 1) @ H)
        W *= stacked_product(H, MX.T) / np.maximum(H @ model.transpose(0, 2, 1), eps)
        return None

    def reset(self):
        pass


MASKED_SOLVERS = {"hals": MaskedHALS, "mu": MaskedMU}
