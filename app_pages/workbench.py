"""Workbench: factor the chosen data with the chosen method and inspect the result."""

import streamlit as st

from nmf_core.ui import data_source, l1_lesson, lessons, panels, player, runs, widgets

st.title("NMF workbench")
st.caption("Non-negative matrix factorization writes a non-negative X (n × m) as "
           "A (n × k) times S (k × m): k parts (columns of A) mixed by weights (rows of S).")

with runs.page_guard():
    matrix = data_source.data_source_controls()
    st.sidebar.subheader("Solver")
    controls = widgets.parameter_controls(shape=matrix.shape, methods=matrix.methods)
    settings = widgets.solver_settings(controls, controls["method"])
    # With the player open, the one run records the iterates it plays back.
    result = runs.run_factorization(matrix, player.with_snapshots(settings))
    runs.show_outcome(result)
    panels.metrics_row(result)
    l1_lesson.sparseness_line(matrix, result, settings)
    panels.result_heatmaps(matrix, result)
    panels.convergence_chart(result)
    player.step_through(matrix, result, settings, log_y=st.session_state.get("log_y", False))
    lessons.ground_truth(matrix, result)
    lessons.factor_images(matrix, result, controls)
    panels.downloads(matrix, result)
    panels.reproduce_code(matrix, result)
    lessons.share_link("", matrix)  # last: it lists every control drawn above
