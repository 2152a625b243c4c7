"""Choose k: the error on the fitted cells and on held-out cells against k."""

import streamlit as st

from nmf_core.ui import data_source, kscan, lessons, runs

st.title("Choose k")
st.markdown(
    "The documents say k \"would have to be chosen using cross validation\". Here is how. "
    "The **fit** curve is the error on the cells the model was fitted to: it can only fall "
    "as k grows, because more factors can always copy the data more closely, noise "
    "included, so it cannot tell you when to stop. For the **held-out** curve a random "
    "share of the cells is hidden, NMF is fitted to the rest (masked NMF), and the error is "
    "measured on the hidden cells, which the fit never saw; this is repeated over several "
    "folds. It falls while extra factors capture real structure and flattens or rises once "
    "they only fit noise, so the k at its **minimum** (the star) is the choice it "
    "suggests. Where the curve is flat, prefer the smallest k near the minimum. Beside it, "
    "**stability** (Brunet et al. 2004): NMF is run from several random starts at each k "
    "and the clusterings they give are compared; a k whose clusters every restart finds "
    "again is a stable choice.")

with runs.page_guard():
    matrix = data_source.data_source_controls()
    values = kscan.scan_controls(matrix)
    scan = kscan.run_scan(matrix, values)
    if scan is not None:
        kscan.scan_view(matrix, scan, values, kscan.run_consensus(matrix, values))
    lessons.share_link("choose_k", matrix)
