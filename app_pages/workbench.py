"""Workbench: factor the chosen data with the chosen method and inspect the result."""

import streamlit as st

from nmf_core.ui import data_source, panels, runs, widgets

st.title("NMF workbench")
st.caption("Non-negative matrix factorization writes a non-negative X (n × m) as "
           "A (n × k) times S (k × m): k parts (columns of A) mixed by weights (rows of S).")

with runs.page_guard():
    matrix = data_source.data_source_controls()
    st.sidebar.subheader("Solver")
    controls = widgets.parameter_controls(shape=matrix.shape, methods=matrix.methods)
    settings = widgets.solver_settings(controls, controls["method"])
    result = runs.run_factorization(matrix, settings)
    runs.show_outcome(result)
    panels.metrics_row(result)
    panels.result_heatmaps(matrix, result)
    panels.convergence_chart(result)
    panels.downloads(matrix, result)
    panels.reproduce_code(matrix, result)
