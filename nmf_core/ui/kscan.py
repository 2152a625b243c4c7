"""The choose-k page's blocks: its controls, the cached and time-bounded scan,
and the curves with the best k marked."""

from __future__ import annotations

from typing import Any

import streamlit as st

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
from ..tables import scan_fold_rows, scan_rows, table_csv_bytes
from . import figures, runs
from .data_source import Matrix
from .panels import chart, download_buttons, format_error
from .widgets import BIND, hidden_controls, keep_across_pages, param_widget, remember

PREFIX = "ck_"
RANGE_KEY = PREFIX + "ks"
METHODS = ("hals", "mu")  # the methods that fit around hidden cells
K_LIMIT = 30  # the range slider's top (and at most min(n, m))
SEED = 0  # folds and starts; init is nndsvd, so one start per fit is enough
INIT = "nndsvd"


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
                             help="Iterations of each fit (one start each, from NNDSVD).")
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
    :data:`runs.MAX_SECONDS`; each fit is also capped, so it can never run long."""
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
            mask=matrix.mask, niter=niter, reinit=1, init=INIT, max_seconds=cap))
    if scan.truncated:
        st.warning(f"{scan.truncated} of {fits} fits reached the {cap:g} s cap per fit and "
                   "stopped early; their errors are higher than a finished fit's. Lower niter "
                   "or narrow the k range.", icon=":material/timer:")
    return scan


def scan_view(matrix: Matrix, scan: KScan) -> None:
    """The best k, the curves, and the numbers behind them."""
    true_k = None if matrix.A_true is None else matrix.A_true.shape[1]
    best = scan.best_k
    index = list(scan.ks).index(best)
    columns = st.columns(3)
    columns[0].metric("Best k (lowest held-out error)", best)
    columns[1].metric("Held-out error there", format_error(float(scan.cv_error[index])))
    if true_k is not None:
        columns[2].metric("True k of this data", true_k,
                          help="The number of factors the data were made from")
    log_y = st.toggle("Log scale", key=PREFIX + "log_y", bind=BIND,
                      help="Show the errors on a logarithmic axis")
    remember(PREFIX + "log_y", log_y, False)
    chart(figures.k_scan_figure(scan, log_y=log_y, true_k=true_k), key="k_scan", note="k_scan")
    per_k, per_fold = scan_rows(scan), scan_fold_rows(scan)
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
