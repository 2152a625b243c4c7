"""Sparse rows (issue #12): text-like CSR against scikit-learn, observed-only masked hals.

* **Text-like sparse data**: ``nmf_core.sparse.generate.term_document`` (Zipf word
  frequencies, 20,000 × 5,000, density 1 %), k = 20, as a CSR.  The target is
  scikit-learn CD's relative error after 200 iterations on the same CSR
  (``NMF(init="nndsvda", solver="cd", tol=0, max_iter=200)``); nmf_core hals
  (``init="nndsvd", reinit=1``) is stopped by a callback at it.  Peak RSS of each
  fit: a child process that loads the CSR from a .npz and fits (``bench.memory``'s
  wrapper), beside each other.
* **Observed-only masked hals**: ``generate.ratings`` in MovieLens 1M's shape
  (6,040 × 3,706, 1,000,000 ratings), stored entries = observed cells
  (``missing="unstored"``), k = 5, 200 iterations, one restart: the observed-entries
  engine (CCD++ in HALS order, ``nmf_core.sparse.masked``).  Peer: the same engine
  through the recommender's door (``nmf_core.observed.fit_observed``, per-factor
  alternation, no biases, reg 0, one inner alternation, tol 0), 200 iterations on the
  same cells; wall and CPU seconds both reported (the machine is shared).
* **MovieLens 100k-shaped dense mask**: ``generate.ratings`` in the shape of
  MovieLens 100k's u1 training split (943 × 1,682, 80,000 observed), given as a
  dense X with ``mask=``; k = 2 and 5, 200 iterations.  *Before*: the dense masked
  HALS rule that ``mask=`` ran until this issue (kept below as the reference,
  ``dense_masked_hals``), timed over a few iterations and scaled to 200; *after*:
  ``factorize(X, k, "hals", mask=M)`` on the observed-entries engine, 200 iterations,
  whole call.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .memory import _peak_rss_mb
from .table import NOT_REACHED, Row
from .target import CD_ITERATIONS, SKLEARN_SEED
from .timing import median, timed

TEXT_SHAPE, TEXT_DENSITY, TEXT_K = (20_000, 5_000), 0.01, 20
TEXT_RATIO_TARGET = 0.5  # hals time to sklearn cd's 200-it error ≤ 0.5 × cd's time
RATINGS_K, RATINGS_ITERATIONS, RATINGS_TARGET_S = 5, 200, 5.0
DENSE_MASK_KS = (2, 5)
BEFORE_ITERATIONS = 5  # the old dense rule is timed over this many and scaled to 200


def _cpu_timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of one call: on a loaded shared machine the CPU time is the
    cost, the wall time that plus waiting."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def _relative_error_sparse(X, W, H) -> float:
    """‖X − WH‖/‖X‖ for a CSR X without an n×m array (nmf_core's own seam)."""
    from nmf_core.sparse.matrix import SparseMatrix

    data = SparseMatrix(X)
    sq = data.squared_residuals(W.T[None], H[None])[0]
    return float(np.sqrt(max(sq, 0.0) / data.squared_norm()))


def _sklearn_cd(X, k):
    import warnings

    from sklearn.decomposition import NMF

    model = NMF(n_components=k, init="nndsvda", solver="cd", beta_loss="frobenius", tol=0,
                max_iter=CD_ITERATIONS, random_state=SKLEARN_SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W = model.fit_transform(X)
    return W, model.components_


def _hals_to_target(X, k, target, cap_s):
    from nmf_core import factorize

    def stop(t, errors):
        return bool(np.min(errors) <= target)

    seconds, result = timed(lambda: factorize(X, k, "hals", init="nndsvd", reinit=1, seed=0,
                                              niter=100_000, callback=stop, max_seconds=cap_s))
    error = float(np.min(result.errors))
    return seconds, error <= target, result.n_iter, error


_CHILD = {
    "sklearn cd": ("import sys, warnings, scipy.sparse as sp; "
                   "from sklearn.decomposition import NMF; X = sp.load_npz(sys.argv[1]); "
                   "warnings.simplefilter('ignore'); "
                   f"NMF(int(sys.argv[2]), init='nndsvda', solver='cd', tol=0, "
                   f"max_iter={CD_ITERATIONS}, random_state={SKLEARN_SEED}).fit(X)"),
    "nmf_core hals": ("import sys; from nmf_core.sparse.io import load_sparse; "
                      "from nmf_core import factorize; X = load_sparse(sys.argv[1]).values; "
                      "factorize(X, int(sys.argv[2]), 'hals', init='nndsvd', reinit=1, seed=0, "
                      "niter=int(sys.argv[3]))"),
}


def _peak_rss(X, k, iterations: int, root: Path) -> dict[str, float | str]:
    import scipy.sparse as sp

    peaks: dict[str, float | str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "X.npz"
        sp.save_npz(path, X)
        for label, script in _CHILD.items():
            status, peak_mb, last = _peak_rss_mb(
                [sys.executable, "-c", script, str(path), str(k), str(iterations)], root)
            peaks[label] = peak_mb if status == 0 else f"failed: {last}"
    return peaks


def text_rows(repeats: int, quick: bool, root: Path) -> list[Row]:
    from nmf_core.sparse.generate import term_document

    shape = (4_000, 1_000) if quick else TEXT_SHAPE
    X = term_document(*shape, density=TEXT_DENSITY, k=TEXT_K, seed=0)
    label = f"Zipf term–document {shape[0]:,}×{shape[1]:,} CSR, {X.nnz:,} stored, k={TEXT_K}"
    cd_s, (W, H) = timed(lambda: _sklearn_cd(X, TEXT_K))
    target = _relative_error_sparse(X, W, H)
    cap_s = max(5.0, 10 * cd_s)
    cd_times, hals_times = [], []
    reached, n_iter, error = True, 0, target
    for _ in range(max(1, repeats)):  # round robin
        cd_times.append(timed(lambda: _sklearn_cd(X, TEXT_K))[0])
        seconds, reached, n_iter, error = _hals_to_target(X, TEXT_K, target, cap_s)
        hals_times.append(seconds)
        if not reached:
            break
    cd, hals = median(cd_times), median(hals_times)
    goal = f"≤ {TEXT_RATIO_TARGET}× sklearn cd"
    rows = [
        Row("sparse", label, "target: sklearn cd error after 200 it", target, "rel. error",
            spec=".6f", detail="same CSR; nndsvda init"),
        Row("sparse", label, "sklearn cd (200 it)", cd, "s", detail=f"median of {len(cd_times)}"),
    ]
    if reached:
        rows.append(Row("sparse", label, "nmf_core hals to target", hals, "s", hals / cd,
                        "× sklearn cd", goal, hals / cd <= TEXT_RATIO_TARGET,
                        f"{n_iter:,} it; median of {len(hals_times)}"))
    else:
        rows.append(Row("sparse", label, "nmf_core hals to target", None, "s", target=goal,
                        missing=NOT_REACHED,
                        detail=f"best {error:.6f} after {n_iter:,} it (cap {cap_s:.0f} s)"))
    peaks = _peak_rss(X, TEXT_K, max(1, n_iter), root)
    stored_mb = (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 1e6
    cd_peak = peaks["sklearn cd"]
    for name, peak in peaks.items():
        if isinstance(peak, str):
            rows.append(Row("sparse", label, f"{name} peak RSS", None, "MB", missing="skipped",
                            detail=peak))
            continue
        ratio = peak / cd_peak if isinstance(cd_peak, float) and name != "sklearn cd" else None
        rows.append(Row("sparse", label, f"{name} peak RSS", peak, "MB", ratio,
                        "× sklearn cd" if ratio is not None else "",
                        detail=f"child process, X loaded from .npz ({stored_mb:.0f} MB stored)"))
    return rows


def ratings_rows(repeats: int, quick: bool) -> list[Row]:
    from nmf_core import factorize
    from nmf_core.observed import fit_observed
    from nmf_core.sparse.generate import MOVIELENS_1M, ratings

    shape = dict(MOVIELENS_1M) if not quick else {"n_users": 1_500, "n_items": 900,
                                                  "n_ratings": 60_000}
    X = ratings(**shape, seed=0)
    label = (f"MovieLens-1M-shaped {X.shape[0]:,}×{X.shape[1]:,}, {X.nnz:,} observed, "
             f"k={RATINGS_K}")
    coo = X.tocoo()

    def ours():
        return factorize(X, RATINGS_K, "hals", missing="unstored", niter=RATINGS_ITERATIONS,
                         reinit=1, seed=0)

    def peer():
        return fit_observed(coo.row, coo.col, coo.data, X.shape, RATINGS_K, reg=0.0,
                            niter=RATINGS_ITERATIONS, inner=1, tol=0.0, seed=0)

    ours_t, peer_t = [], []
    for _ in range(max(1, repeats)):
        ours_t.append(_cpu_timed(ours))
        peer_t.append(_cpu_timed(peer))
    ours_s, peer_s = (median(t[0] for t in ours_t), median(t[0] for t in peer_t))
    ours_cpu, peer_cpu = (median(t[1] for t in ours_t), median(t[1] for t in peer_t))
    goal = f"< {RATINGS_TARGET_S:g} s"
    load = os.getloadavg()[0]
    return [
        Row("sparse", label, "observed-only masked hals, 200 it", ours_s, "s", ours_s / peer_s,
            "× fit_observed", goal, ours_s < RATINGS_TARGET_S,
            f"missing='unstored', reinit=1; CPU {ours_cpu:.2f} s; load {load:.1f}; median "
            f"of {len(ours_t)}"),
        Row("sparse", label, "peer: fit_observed (same engine), 200 it", peer_s, "s",
            detail=f"reg=0, inner=1, tol=0; CPU {peer_cpu:.2f} s; median of {len(peer_t)}"),
    ]


def dense_masked_hals(X, M, W, H, iterations: int) -> None:
    """The dense masked HALS rule ``mask=`` ran before this issue: E = M ∘ (X − WᵀH)
    (R, n, m) kept current, ``H[r] ← max(0, H[r] + (W[r] E)/(W[r]² M))``, then W."""
    Mf = M.astype(float)

    def rows(H, W, E, Mf):
        for r in range(H.shape[1]):
            w = W[:, r]
            numerator = np.einsum("rn,rnm->rm", w, E)
            denominator = (w * w) @ Mf
            step = np.divide(numerator, denominator, out=np.zeros_like(numerator),
                             where=denominator > 0)
            new = np.maximum(H[:, r] + step, 0.0)
            E -= Mf * (w[:, :, None] * (new - H[:, r])[:, None, :])
            H[:, r] = new

    for _ in range(iterations):
        E = Mf * (X - W.transpose(0, 2, 1) @ H)
        rows(H, W, E, Mf)
        rows(W, H, E.transpose(0, 2, 1), Mf.T)


def dense_mask_rows(repeats: int, quick: bool) -> list[Row]:
    from nmf_core import factorize
    from nmf_core.sparse.generate import MOVIELENS_100K_U1, ratings

    X = ratings(**MOVIELENS_100K_U1, seed=0)
    D, M = X.toarray(), X.toarray() > 0  # ratings are 1–5: observed ⇔ non-zero
    label = f"MovieLens-100k-u1-shaped {D.shape[0]:,}×{D.shape[1]:,}, {X.nnz:,} observed"
    rows = []
    iterations = 20 if quick else RATINGS_ITERATIONS
    for k in DENSE_MASK_KS:
        rng = np.random.default_rng(0)
        W, H = rng.random((1, k, D.shape[0])), rng.random((1, k, D.shape[1]))
        before_t = [timed(lambda W=W, H=H: dense_masked_hals(D / D.max(), M, W.copy(), H.copy(),
                                                             BEFORE_ITERATIONS))[0]
                    for _ in range(max(1, min(repeats, 3)))]
        before = median(before_t) / BEFORE_ITERATIONS * iterations
        after_t = [timed(lambda k=k: factorize(D, k, "hals", mask=M, niter=iterations,
                                               reinit=1, seed=0))[0]
                   for _ in range(max(1, repeats))]
        after = median(after_t)
        rows += [
            Row("sparse", f"{label}, k={k}", f"dense mask= before ({iterations} it)", before, "s",
                detail=f"the old dense rule (E kept as an n×m array) timed over "
                       f"{BEFORE_ITERATIONS} it, scaled to {iterations}"),
            Row("sparse", f"{label}, k={k}", f"dense mask= after ({iterations} it)", after, "s",
                after / before, "× before", detail=f"factorize(mask=M), whole call; median of "
                                                   f"{len(after_t)}"),
        ]
    return rows


def sparse_rows(repeats: int, quick: bool, root: Path, log=lambda message: None,
                parts=("text", "observed")) -> list[Row]:
    """The rows of ``parts``: "text" (the text-like CSR, ``--sections sparse``) and
    "observed" (the observed-entries engine, ``--sections masked``)."""
    rows = []
    if "text" in parts:
        log("sparse: text-like CSR against sklearn cd")
        rows += text_rows(repeats, quick, root)
    if "observed" in parts:
        log("sparse: observed-only masked hals (MovieLens-1M-shaped)")
        rows += ratings_rows(repeats, quick)
        log("sparse: dense mask= before/after (MovieLens-100k-shaped)")
        rows += dense_mask_rows(repeats, quick)
    return rows
