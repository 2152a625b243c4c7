"""The documents' factory example: their code as written, the corrected method
and a reference method, side by side, with the defects measured."""

import streamlit as st

from nmf_core.params import DOCUMENT_METHODS
from nmf_core.ui import (
    data_source,
    defects,
    factory_questions,
    figures,
    lessons,
    panels,
    runs,
    widgets,
)

# The documents' own call: nmfals(X, 3, 100, 10) after np.random.seed(1);
# kacziter 5 as in their RK cell; one random row and column per iteration.
DOCUMENT_DEFAULTS = {"method": "als", "k": 3, "niter": 100, "kacziter": 5, "reinit": 10,
                     "seed": 1, "sampling": "random"}

st.title("The factory example")
st.markdown(
    "Three factories each have a fixed production profile over a 12-hour working day: "
    "a column of **A** says how much a factory makes in each hour. On each of ten days a "
    "factory either runs (1) or not (0): a row of **S**. What we observe is the total "
    "output **X = AS**, with **rows for hours and columns for days**. NMF gets only X and "
    "k = 3 and has to find the factories' profiles and schedules again.")

with runs.page_guard():
    matrix = data_source.factory_matrix()
    factories = [f"factory {i + 1}" for i in range(matrix.A_true.shape[1])]
    left, middle, right = st.columns([1, 1.4, 1.4])
    with left:
        panels.chart(figures.heatmap(matrix.A_true, "A: output per hour",
                                     row_labels=matrix.row_labels, col_labels=factories,
                                     col_name="factory", height=330), key="true_A",
                     note="true_A")
    with middle:
        panels.chart(figures.heatmap(matrix.S_true, "S: which factory runs on which day",
                                     row_labels=factories, col_labels=matrix.col_labels,
                                     row_name="factory", height=330), key="true_S",
                     note="true_S")
    with right:
        panels.chart(panels.data_heatmap(matrix, "X = AS: total output (hours × days)"),
                     key="true_X", note="true_X")

    st.sidebar.subheader("Settings for all three runs")
    st.sidebar.caption("They start at the documents' own: nmfals(X, 3, 100, 10) after "
                       "np.random.seed(1), kacziter 5.")
    controls = widgets.parameter_controls(shape=matrix.shape, defaults=DOCUMENT_DEFAULTS,
                                          key_prefix="fx_", methods=DOCUMENT_METHODS)
    method = controls["method"]
    document_settings = {name: controls[name]
                         for name in ("k", "niter", "kacziter", "reinit", "seed")}
    corrected_name = f"Corrected {method}"
    as_written, failure = runs.cached(
        "as_written", (method, *sorted(document_settings.items())),
        lambda: defects.documents_run(method, matrix.X, **document_settings))
    corrected = runs.run_factorization(matrix, widgets.solver_settings(controls, method),
                                       label=corrected_name)
    reference = runs.run_factorization(matrix, widgets.solver_settings(controls, "hals"),
                                       label="hals")
    if not lessons.predict_first({
        f"As written ({method})": float("inf") if as_written is None else as_written.rel_error,
        corrected_name: corrected.rel_error,
        "hals": reference.rel_error,
    }, settings_key=(method, *sorted(widgets.solver_settings(controls, method).items()))):
        lessons.share_link("factory", matrix)
        st.stop()  # the results stay hidden until a prediction is revealed

    st.header("Three runs, one seed")
    log_y = st.toggle("Log scale", key="fx_log_y", bind="query-params",
                      help="Show the relative errors on a logarithmic axis")
    widgets.remember("fx_log_y", log_y, False)
    columns = st.columns(3)
    with columns[0]:
        st.subheader(f"As written: nmf{method}")
        st.caption("The documents' code, with a private RandomState(seed) in place of "
                   "np.random.seed(seed): the same numbers they printed. Sampling, "
                   "initialisation and the non-negative switch do not exist in it.")
        if as_written is None:
            st.error(f"The documents' code failed: {failure}.")
        else:
            panels.variant_summary(
                matrix, A=as_written.A, S=as_written.S, rel_error=as_written.rel_error,
                curve=figures.error_curve_figure(
                    as_written.iterations, as_written.errors, title="Error curve it returns",
                    name="as written", log_y=log_y, height=280),
                key="as_written")
    for column, (name, result, about) in zip(columns[1:], (
        (corrected_name, corrected,
         f"The core's {method} with the same niter, kacziter, reinit and seed: rows and "
         "columns drawn from all of X, the best restart kept, non-negative when switched on."),
        ("hals (reference)", reference,
         "Hierarchical alternating least squares, a standard NMF method, same settings."),
    ), strict=True):
        with column:
            st.subheader(name)
            st.caption(about)
            runs.show_outcome(result)
            panels.variant_summary(
                matrix, A=result.A, S=result.S, rel_error=result.rel_error,
                curve=figures.convergence_figure(result, log_y=log_y, height=280,
                                                 title="Every restart, best in bold"),
                key=name.split()[0].lower())

    st.header("Did they find the factories?")
    st.caption("Cosine similarity of each true profile (a column of A) with the recovered "
               "column matched to it; 1 means the same shape up to scale. Matching undoes "
               "NMF's freedom to reorder the factors.")
    panels.recovery_table(matrix.A_true, {
        f"as written ({method})": None if as_written is None else as_written.A,
        corrected_name: corrected.A,
        "hals": reference.A,
    }, factor_word="factory")

    factory_questions.new_day(matrix, reference.A)
    factory_questions.known_profile(matrix, widgets.solver_settings(controls, "hals"),
                                    reference)

    st.header("What is wrong with the documents' code")
    st.caption("Each effect below is measured now, on this data, with the settings in the "
               "sidebar.")
    found = runs.cached(
        "defects", (method, *sorted(document_settings.items()),
                    *sorted(widgets.solver_settings(controls, method).items()),
                    corrected.truncated),  # a cut-short run's effects are not the finished one's
        lambda: defects.measure_defects(matrix.X, method=method, **document_settings,
                                        as_written=as_written, corrected=corrected,
                                        corrected_name=corrected_name))
    for number, defect in enumerate(found, start=1):
        st.markdown(f"**{number}. {defect.title}.** {defect.what}\n\n"
                    f"*Measured here:* {defect.effect}")
    lessons.share_link("factory", matrix)  # last: it lists every control drawn above
