"""Compare methods: the same data and settings through several solvers."""

import streamlit as st

from nmf_core.ui import data_source, lessons, panels, runs, widgets

st.title("Compare methods")
st.caption("The same X, k, iterations, restarts and seed through each chosen method. "
           "Settings a method does not use (kacziter for all but rk, sampling for hals and "
           "mu) are ignored by it.")

with runs.page_guard():
    matrix = data_source.data_source_controls()
    st.sidebar.subheader("Solvers")
    controls = widgets.parameter_controls(shape=matrix.shape, methods=matrix.methods,
                                          multi_method=True)
    if not controls["methods"]:
        st.info("Choose at least one method in the sidebar.")
        st.stop()
    results = {}
    for method in controls["methods"]:
        result = runs.run_factorization(matrix, widgets.solver_settings(controls, method))
        if not result.success:
            st.error(f"{method}: {result.message}.")
        elif result.truncated:
            st.warning(f"{method}: {result.message}; its curve stops there.")
        results[method] = result
    panels.comparison_charts(results)
    panels.comparison_table(results)
    lessons.share_link("compare", matrix)
