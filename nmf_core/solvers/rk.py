"""The documents' randomized Kaczmarz NMF, corrected."""

from __future__ import annotations

import math

import numpy as np

from .als import sampled_picks
from .base import FROBENIUS, Cost, Solver, Trace, check_deadline
from .products import ZERO, direct_residual_flops
from .sampling import UniformStream, weighted_picks

_GATHER_CELLS = 500_000  # Kaczmarz: rows gathered per block of steps (4 MB)
_AFFINE_MAX_CELLS = 2_500  # Kaczmarz: (columns × (k+1))² up to which one product per step wins


def kaczmarz_columns(H, W, X, cols, uniforms, row_sampling: str, nonnegative: bool,
                     workspace: dict | None = None):
    """Randomized Kaczmarz steps on columns of H with A = Wᵀ fixed, in place.

    For each selected column h = H[:, j] and each of the draws in ``uniforms``
    (R, kacziter, c): pick a row a = W[:, i] of A with probability ∝ ‖a‖²
    (or uniformly among non-zero rows) and set
    ``h ← h + (X[i, j] − a·h) / ‖a‖² · a``, then ``max(0, ·)`` when ``nonnegative``.
    ``cols`` is None for all columns, or one column per restart (R,).
    ``workspace``, a dict owned by one caller, keeps buffers between calls.  X is a
    :class:`~nmf_core.datamatrix.DataMatrix`.
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
    # A is fixed during these steps, so the rows they use are gathered a block of
    # steps at a time (a few MB at most); the loop is then only the projection itself.
    steps = rows.transpose(1, 0, 2)  # (kacziter, R, c): step-major for cheap slicing
    restart = np.arange(R)[None, :, None]
    targets = targets.transpose(1, 0, 2)
    block = max(1, _GATHER_CELLS // max(1, R * steps.shape[2] * k))
    update = np.empty_like(h)
    for first in range(0, steps.shape[0], block):
        part = steps[first : first + block]
        a = W[restart, :, part]  # (block, R, c, k)
        x = X.gather(part, targets)  # (block, R, c)
        norm = norms[restart, part]
        inverse = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
        a_scaled = a * inverse[..., None]
        for a_t, x_t, scaled_t in zip(a, x, a_scaled, strict=True):
            residual = x_t - np.vecdot(a_t, h)
            np.multiply(residual[..., None], scaled_t, out=update)
            h += update
            if nonnegative:
                np.maximum(h, 0.0, out=h)
        check_deadline()
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
    x = X.gather(rows, np.arange(X.shape[1]) if cols is None else cols[:, None, None])
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
    for step, map_t in enumerate(full.reshape(kz, R * c * size, R * c * size)):
        if step & 31 == 31:
            check_deadline()
        np.dot(map_t, g, out=other)
        if nonnegative:
            np.maximum(other, ZERO, out=g)  # the homogeneous 1 stays 1
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


class RK(Solver):
    """Kaczmarz projections for S's columns, then A's rows, ``kacziter`` steps each."""

    name = "rk"
    settings = ("nonnegative", "sampling", "kacziter", "row_sampling")
    from_documents = True

    def __init__(self, X, settings, rngs, mask=None, objective=FROBENIUS):
        self.X, self.nonnegative = X, settings["nonnegative"]
        self.row_sampling = settings["row_sampling"]
        n, m = X.shape
        niter, self.kacziter = settings["niter"], settings["kacziter"]
        self.picks = sampled_picks(settings["sampling"], rngs, X.shape, niter)
        self.widths = (1, 1) if self.picks is not None else (m, n)
        self.uniforms = UniformStream(rngs, self.kacziter * sum(self.widths), niter)
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

    def trace(self):
        rows = None if self.last_rows is None else self.last_rows[0][:, :, 0]
        return Trace(picks=self.picks, kaczmarz_rows=rows)

    @classmethod
    def cost(cls, shape, k, settings):
        n, m = shape
        kacziter = settings.get("kacziter", 1)
        columns = (n + m) if settings.get("sampling", "sweep") == "sweep" else 2
        return Cost(2 * kacziter * 12,
                    kacziter * columns * k * 50 + 2 * (n + m) * k + direct_residual_flops(n, m, k))
