"""The choose-k page's blocks: its controls, the cached and time-bounded scan,
and the curves with the best k marked."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ..consensus import (
    CONSENSUS_PARAMS,
    MEASURES,
    MIN_RESTARTS,
    ConsensusScan,
    consensus_scan,
    consensus_seconds,
)
from ..model_selection import (
    SCAN_K_TOP,
    SCAN_NITER,
    SCAN_PARAMS,
    KScan,
    scan_fits,
    scan_k,
    scan_seconds,
    scan_setting_to_lower,
)
from ..params import PARAMS
from ..solvers import MASKED_METHODS
from ..tables import scan_fold_rows, scan_rows, table_csv_bytes
from . import figures, numbers, runs
from .data_source import Matrix
from .panels import chart, download_buttons, format_error
from .widgets import BIND, hidden_controls, keep_across_pages, param_widget, remember

PREFIX = "ck_"
RANGE_KEY = PREFIX + "ks"
METHODS = MASKED_METHODS  # the methods that fit around hidden cells
K_LIMIT = 30  # the range slider's top (and at most min(n, m))
SEED = 0  # folds and starts; init is nndsvd, so one start per fit is enough
INIT = "nndsvd"
CONSENSUS_RESTARTS = 5  # the page's start for the consensus runs (random starts each)


def scan_controls(matrix: Matrix, container=None) -> dict[str, Any]:
    """The scan's settings in the sidebar, bound to the URL (``ck_...``); hide
    them with ``?hide=method,ks,folds,holdout,niter``."""
    container = st.sidebar if container is None else container
    hidden = hidden_controls()
    container.subheader("Scan")

    def widget(param, **options):
        return param_widget(param, key=PREFIX + param.name, hidden=hidden,
                            container=container, **options)

    values = {"method": widget(PARAMS["method"], choices=METHODS, default="hals")}
    values["ks"] = _k_range(min(K_LIMIT, *matrix.shape), hidden, container)
    values["folds"] = widget(SCAN_PARAMS["folds"], label="Folds")
    values["holdout"] = float(widget(SCAN_PARAMS["holdout"], label="Held-out share"))
    values["niter"] = widget(PARAMS["niter"], default=SCAN_NITER,
                             help="Iterations of each fit (one start each, from NNDSVD; the "
                                  "consensus runs start at random).")
    container.subheader("Stability (consensus)")
    values["restarts"] = widget(CONSENSUS_PARAMS["restarts"], default=CONSENSUS_RESTARTS,
                                label="Restarts for consensus")
    values["axis"] = widget(CONSENSUS_PARAMS["axis"], label="Cluster the")
    return values


def _k_range(top: int, hidden, container) -> tuple[int, int]:
    default = (1, max(1, min(SCAN_K_TOP, top)))
    if top < 2:
        container.caption("k: 1 (the only possible value)")
        return 1, 1
    if "ks" in hidden:
        try:
            asked = sorted(int(v) for v in st.query_params.get_all(RANGE_KEY))
        except ValueError:
            asked = []
        value = (asked[0], asked[-1]) if asked and 1 <= asked[0] and asked[-1] <= top \
            else default
        return tuple(remember(RANGE_KEY, list(value), list(default)))
    keep_across_pages(RANGE_KEY)
    kept = st.session_state.get(RANGE_KEY)
    if kept is not None and max(kept) > top:  # new data with fewer rows or columns
        st.session_state[RANGE_KEY] = (min(min(kept), top - 1), top)
    low, high = container.slider(
        "Range of k", min_value=1, max_value=top, value=default, step=1, key=RANGE_KEY,
        bind=BIND, help=f"The values of k to try (at most min(n, m) and {K_LIMIT}).")
    remember(RANGE_KEY, [low, high], list(default))
    return low, high


def run_scan(matrix: Matrix, values: dict[str, Any]) -> KScan | None:
    """The scan, cached by the data's fingerprint and every setting.  Refused
    (with a message naming the setting to lower) when its estimated time passes
    :data:`runs.MAX_SECONDS`; each fit is also capped, so it can never run long.
    None, after saying so, for a sparse X (the held-out folds are a dense mask)."""
    if matrix.sparse:
        st.info("Choose k needs a dense X: its held-out folds hide cells with a dense "
                "n×m mask. Factor this sparse upload on the workbench, or compare k there.")
        return None
    ks = tuple(range(values["ks"][0], values["ks"][1] + 1))
    method, folds, niter = values["method"], values["folds"], values["niter"]
    budget = runs.MAX_SECONDS
    estimate = scan_seconds(matrix.shape, ks, method, folds, niter)
    fits = scan_fits(ks, folds)
    if estimate > budget:
        st.warning(f"This scan ({fits} fits) is estimated at about {estimate:.0f} s, more than "
                   f"the {budget:g} s limit, so it was not started. To run it, "
                   f"{scan_setting_to_lower(ks, folds, niter)}.", icon=":material/timer:")
        return None
    cap = round(max(0.05, 2 * budget / fits), 3)
    key = (matrix.fingerprint, ks, method, folds, values["holdout"], niter, cap, SEED, INIT)
    with st.spinner(f"Fitting k = {ks[0]}…{ks[-1]}: {fits} fits"):
        scan = runs.cached("scan_k", key, lambda: scan_k(
            matrix.X, ks, method, folds=folds, holdout=values["holdout"], seed=SEED,
            mask=matrix.mask, niter=niter, reinit=1, init=INIT, max_seconds=cap),
            cut_short=lambda found: found.truncated)
    if scan.truncated:
        st.warning(f"{scan.truncated} of {fits} fits reached the {cap:g} s cap per fit and "
                   "stopped early; their errors are higher than a finished fit's. Lower niter "
                   "or narrow the k range.", icon=":material/timer:")
    return scan


def run_consensus(matrix: Matrix, values: dict[str, Any]) -> ConsensusScan | None:
    """Consensus at each k ≥ 2 of the range, cached and time-bounded like the scan;
    None when it is not run (fewer than two restarts, no k ≥ 2, over the budget)."""
    ks = tuple(k for k in range(values["ks"][0], values["ks"][1] + 1) if k >= 2)
    restarts, method, niter = values["restarts"], values["method"], values["niter"]
    if restarts < MIN_RESTARTS or not ks:
        return None
    budget = runs.MAX_SECONDS
    fits = len(ks) * restarts
    estimate = consensus_seconds(matrix.shape, ks, method, restarts, niter)
    if estimate > budget:
        st.warning(f"The consensus runs ({fits} fits) are estimated at about {estimate:.0f} s, "
                   f"more than the {budget:g} s limit, so they were not started. Lower the "
                   f"restarts for consensus (now {restarts}), niter or the k range.",
                   icon=":material/timer:")
        return None
    cap = round(max(0.05, 2 * budget / fits), 3)
    key = (matrix.fingerprint, ks, method, restarts, values["axis"], niter, cap, SEED)
    with st.spinner(f"Consensus over {restarts} restarts for k = {ks[0]}…{ks[-1]}"):
        found = runs.cached("consensus", key, lambda: consensus_scan(
            matrix.X, ks, method, restarts=restarts, axis=values["axis"], seed=SEED,
            mask=matrix.mask, niter=niter, max_seconds=cap),
            cut_short=lambda found: found.truncated)
    if found.truncated:
        st.warning(f"{found.truncated} of {fits} consensus runs reached the {cap:g} s cap and "
                   "stopped early.", icon=":material/timer:")
    return found


def stability_figure(found: ConsensusScan, height: int = 380) -> go.Figure:
    """Cophenetic correlation and dispersion against k."""
    fig = go.Figure()
    for name, values, colour in (("cophenetic correlation", found.cophenetic, "#d62728"),
                                 ("dispersion", found.dispersion, "#1f77b4")):
        fig.add_trace(go.Scatter(
            x=found.ks, y=values, mode="lines+markers", name=name,
            line=dict(width=3 if name.startswith("coph") else 2, color=colour),
            hovertemplate=f"k = %{{x}}<br>{name} %{{y:.4f}}<extra></extra>"))
    fig.update_layout(**figures.top_layout("Stability against k", figures.legend_names(fig)),
                      height=height, plot_bgcolor="white",
                      meta={"restarts": found.results[0].restarts})
    fig.update_xaxes(title="k: number of factors", dtick=1, showgrid=True,
                     gridcolor="#eeeeee")
    fig.update_yaxes(title="1 = the same clusters in every restart", showgrid=True,
                     gridcolor="#eeeeee")
    return fig


def _consensus_heatmap(matrix: Matrix, found: ConsensusScan, best: int) -> None:
    ks = [int(k) for k in found.ks]
    default = best if best in ks else ks[0]
    key = PREFIX + "consensus_k"
    keep_across_pages(key)
    k = st.select_slider("Consensus matrix at k", options=ks, value=default, key=key,
                         bind=BIND) if len(ks) > 1 else ks[0]
    remember(key, k, default)
    result = found.at(k)
    labels = matrix.col_labels if result.axis == "columns" else matrix.row_labels
    word = "column" if result.axis == "columns" else "row"
    names = figures.unique_labels(labels, result.matrix.shape[0], word)
    ordered = [names[i] for i in result.order]
    chart(figures.heatmap(
        result.ordered_matrix,
        f"Consensus of the {result.axis} at k = {k} over {result.restarts} restarts "
        f"(cophenetic {_shown(result.cophenetic)}, dispersion {_shown(result.dispersion)})",
        row_labels=ordered, col_labels=ordered, row_name=word, col_name=word,
        zrange=(0.0, 1.0), height=460), key="consensus_heatmap", note="consensus")


def _shown(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:.4f}"


def stability_view(matrix: Matrix, values: dict[str, Any], found: ConsensusScan | None,
                   best: int) -> None:
    """The stability chart and the consensus heatmap, or why they are not shown."""
    items = values["axis"]
    if values["restarts"] < MIN_RESTARTS:
        st.info(MEASURES["one_restart"].format(items=items) + " Raise *Restarts for "
                f"consensus* to {MIN_RESTARTS} or more (Brunet et al. used 50).",
                icon=":material/info:")
        return
    if found is None:
        if values["ks"][1] < 2:
            st.info("Consensus compares clusterings, so it needs k ≥ 2.", icon=":material/info:")
        return
    chart(stability_figure(found), key="stability", note="stability")
    st.caption(MEASURES["cophenetic"] + " " + MEASURES["dispersion"])


def scan_view(matrix: Matrix, scan: KScan, values: dict[str, Any] | None = None,
              found: ConsensusScan | None = None) -> None:
    """The best k, the curves (the held-out curve beside the stability chart when
    ``values`` are given), the consensus heatmap and the numbers behind them."""
    true_k = None if matrix.A_true is None else matrix.A_true.shape[1]
    best = scan.best_k
    index = list(scan.ks).index(best)
    columns = st.columns(3)
    unreliable = figures.unreliable_best_k(scan)
    columns[0].metric("Best k (lowest held-out error)", numbers.count(best),
                      delta=unreliable or None, delta_color="inverse" if unreliable else "off",
                      delta_arrow="off" if unreliable else "auto",
                      help="Some fits stopped at the time cap, so their held-out errors are "
                           "higher than finished fits' and the minimum may move."
                      if unreliable else None)
    columns[1].metric("Held-out error there", format_error(float(scan.cv_error[index])))
    if true_k is not None:
        columns[2].metric("True k of this data", numbers.count(true_k),
                          help="The number of factors the data were made from")
    log_y = st.toggle("Log scale", key=PREFIX + "log_y", bind=BIND,
                      help="Show the errors on a logarithmic axis")
    remember(PREFIX + "log_y", log_y, False)
    left, right = st.columns(2) if values is not None else (st.container(), None)
    with left:
        chart(figures.k_scan_figure(scan, log_y=log_y, true_k=true_k), key="k_scan",
              note="k_scan")
    if right is not None:
        with right:
            stability_view(matrix, values, found, best)
    if found is not None:
        st.caption(MEASURES["consensus"].format(items=values["axis"]))
        _consensus_heatmap(matrix, found, best)
    per_k, per_fold = scan_rows(scan, found), scan_fold_rows(scan)
    with st.expander("The numbers"):
        number = st.column_config.NumberColumn(format="%.4g")
        st.dataframe(per_k, hide_index=True, width="stretch", key="scan_per_k",
                     column_config={name: number for name in per_k[0] if name != "k"})
        st.caption("Per fold: the error on the cells each fold fitted, and on the cells it "
                   "hid.")
        st.dataframe(per_fold, hide_index=True, width="stretch", key="scan_per_fold",
                     column_config={"fit error": number, "held-out error": number})
    download_buttons({"choose_k.csv": lambda: table_csv_bytes(per_k),
                      "choose_k_folds.csv": lambda: table_csv_bytes(per_fold)})
