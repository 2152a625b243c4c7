"""Streamlit blocks the pages share: the metrics row, the heatmaps, the
convergence chart and the downloads.  Figures come from :mod:`.figures`."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import plotly.graph_objects as go
import streamlit as st

from ..bundle import errors_csv
from ..csvio import to_csv_bytes
from ..metrics import match_factors, negative_count
from ..result import NMFResult
from ..tables import (
    comparison_curve_rows,
    comparison_rows,
    table_csv_bytes,
)
from . import figures, guide, numbers
from .data_source import Matrix
from .widgets import remember

CHART_CONFIG = {"displaylogo": False}


format_error = numbers.error  # a relative error in at most 8 characters (the old name)


def factor_names(k: int) -> list[str]:
    return [f"factor {i + 1}" for i in range(k)]


def chart(fig: go.Figure, key: str | None = None, note: str | None = None) -> None:
    """Draw a figure full width, with a caption when it was block-averaged, and
    with ``note`` (a figure of :data:`nmf_core.lessons.FIGURE_NOTES`) its
    "what to look at" line."""
    st.plotly_chart(fig, width="stretch", config=CHART_CONFIG, key=key)
    if note is not None:
        guide.figure_caption(note)
    meta = fig.layout.meta or {}
    block = meta.get("block", [1, 1]) if isinstance(meta, dict) else [1, 1]
    if list(block) != [1, 1]:
        n, m = meta["shape"]
        st.caption(f"{n:,}×{m:,} cells are too many to draw one by one: each coloured cell "
                   f"is the mean of a {block[0]}×{block[1]} block.")


def metrics_row(result: NMFResult) -> None:
    """Relative error, time, iterations, best restart and diverged restarts."""
    reinit = len(result.diverged)
    columns = st.columns(5)
    columns[0].metric("Relative error", format_error(result.rel_error),
                      help="‖X − AS‖_F / ‖X‖_F of the best restart (observed cells only "
                           "when some are missing)")
    columns[1].metric("Elapsed", numbers.seconds(result.elapsed_s),
                      help="Wall-clock time of the whole run, all restarts")
    columns[2].metric("Iterations", numbers.count(result.n_iter),
                      help=f"Of {result.params['niter']:,} asked for, in the best restart")
    columns[3].metric("Best restart", numbers.of(result.best_run + 1, reinit))
    columns[4].metric("Diverged", numbers.of(result.n_diverged, reinit),
                      help="Restarts whose error blew up or became non-finite")
    if result.sparseness is not None:
        loss = "" if result.objective is None else (
            f"; objective ({result.loss} loss + penalty) {result.objective[-1]:.4g}")
        st.caption(f"Hoyer sparseness of the parts: A {result.sparseness['A']:.2f}, "
                   f"S {result.sparseness['S']:.2f} (0 flat, 1 a single non-zero){loss}")


def data_heatmap(matrix: Matrix, title: str = "X: the data") -> go.Figure:
    if matrix.sparse:  # block means of the stored entries, never n×m
        return figures.sparse_data_figure(matrix.X, title, row_labels=matrix.row_labels,
                                          col_labels=matrix.col_labels)
    return figures.heatmap(matrix.shown_X, title, row_labels=matrix.row_labels,
                           col_labels=matrix.col_labels)


def result_heatmaps(matrix: Matrix, result: NMFResult, *, key: str = "heatmaps") -> None:
    """X and AS on one colour scale, the residual X − AS centred at 0, then A and S
    (for a sparse X, block means computed without densifying)."""
    if matrix.sparse:
        figs = figures.sparse_result_figures(matrix.X, result.A, result.S,
                                             row_labels=matrix.row_labels,
                                             col_labels=matrix.col_labels)
    else:
        figs = figures.result_figures(matrix.X, result.approximation, result.A, result.S,
                                      mask=matrix.mask, row_labels=matrix.row_labels,
                                      col_labels=matrix.col_labels)
    left, right = st.columns(2)
    with left:
        chart(figs["X"], key=f"{key}_X", note="X")
    with right:
        chart(figs["AS"], key=f"{key}_AS", note="AS")
    chart(figs["residual"], key=f"{key}_residual", note="residual")
    left, right = st.columns([1, 2])
    with left:
        chart(figs["A"], key=f"{key}_A", note="A")
    with right:
        chart(figs["S"], key=f"{key}_S", note="S")


def convergence_chart(result: NMFResult, *, key: str = "log_y",
                      title: str = "Convergence") -> None:
    """The convergence figure with its log-scale toggle (a display-only control:
    flipping it reruns the page but hits the result cache)."""
    log_y = st.toggle("Log scale", key=key, bind="query-params",
                      help="Show the relative error on a logarithmic axis")
    remember(key, log_y, False)
    chart(figures.convergence_figure(result, log_y=log_y, title=title), key=f"{key}_chart",
          note="convergence")


def download_files(matrix: Matrix, result: NMFResult) -> dict[str, Callable[[], bytes]]:
    """File name → a function making that CSV (run only when the user clicks),
    labels kept and neutralised against formula injection by ``to_csv_bytes``;
    errors.csv holds every restart's error curve."""
    names = factor_names(result.A.shape[1])
    files = {
        "A.csv": lambda: to_csv_bytes(result.A, matrix.row_labels, names),
        "S.csv": lambda: to_csv_bytes(result.S, names, matrix.col_labels),
        "AS.csv": lambda: to_csv_bytes(result.approximation, matrix.row_labels,
                                       matrix.col_labels),
        "errors.csv": lambda: errors_csv(result),
    }
    if matrix.sparse:  # AS would be n×m: as the bundle, leave it out
        del files["AS.csv"]
    return files


def bundle_zip(matrix: Matrix, result: NMFResult) -> tuple[str, bytes]:
    """The results bundle of :mod:`nmf_core.bundle` (the CLI's ``--out`` files) as a zip,
    named after the data it was computed from."""
    from ..bundle import bundle_files, zip_bundle
    from ..importing import LoadedMatrix

    loaded = LoadedMatrix(values=matrix.X, row_labels=matrix.row_labels,
                          col_labels=matrix.col_labels, label_header=matrix.label_header,
                          column_scale=matrix.column_scale, sha256=matrix.sha256)
    files = bundle_files(result, loaded, source=matrix.spec or matrix.name,
                         import_settings=matrix.import_settings or {})
    name = bundle_name(matrix)
    return name, zip_bundle(files, folder=name.removesuffix(".zip"))


def bundle_name(matrix: Matrix) -> str:
    """``<data>_nmf_results.zip``, after the file (or data set) the results are for."""
    source = matrix.spec or matrix.name
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in source.rsplit(".", 1)[0])
    return f"{stem[:60]}_nmf_results.zip"


MIME_TYPES = {"csv": "text/csv", "json": "application/json"}


def download_buttons(files: Mapping[str, Callable[[], bytes]], container=None) -> None:
    """One download button per file (name → a function making its bytes, run
    only when clicked), side by side; keys ``download_<name>``."""
    container = st if container is None else container
    columns = container.columns(len(files))
    for column, (name, make) in zip(columns, files.items(), strict=True):
        column.download_button(f"Download {name}", data=make, file_name=name,
                               mime=MIME_TYPES[name.rsplit(".", 1)[-1]],
                               key=f"download_{name}", on_click="ignore", width="stretch")


def downloads(matrix: Matrix, result: NMFResult) -> None:
    """Download buttons for A, S and AS as CSV, the error curves, and all results as one
    zip (the CLI's --out bundle)."""
    download_buttons(download_files(matrix, result))
    st.download_button("Download all (zip)", data=lambda: bundle_zip(matrix, result)[1],
                       file_name=bundle_name(matrix), mime="application/zip",
                       key="download_all", on_click="ignore",
                       help="A, S, AS, errors.csv (every restart) and settings.json (version, "
                            "every setting, seed, import settings, the input's SHA-256): the "
                            "same files as the CLI's --out")


def reproduce_code(matrix: Matrix, result: NMFResult) -> None:
    """The Python and CLI lines that rerun this result, bit for bit."""
    from ..reproduce import cli_command, python_code

    with st.expander("Reproduce this run outside the app"):
        if result.truncated:
            st.warning(f"This run was {result.message}, so it depends on the machine's "
                       "speed; the code below runs it in full (no time cap) and ends with a "
                       "different, usually lower, error.", icon=":material/timer:")
        if matrix.spec is not None:
            st.code(python_code(matrix.spec, result.params), language="python")
            st.code(cli_command(matrix.spec, result.params), language="bash")
        elif matrix.sparse:  # the CLI knows .mtx/.npz by content; triples need the flag
            triples = " --triples" if any("triples" in note for note in matrix.notes) else ""
            st.code(cli_command(matrix.name, result.params) + triples, language="bash")
            st.caption("With your file saved under that name in the current folder.")
        else:
            missing = matrix.mask is not None  # blank cells fitted around, as here
            settings = matrix.import_settings or {}  # load_csv's kwargs, the CLI's flags
            st.code(python_code(matrix.name, result.params, csv=True, missing=missing,
                                import_settings=settings), language="python")
            st.code(cli_command(matrix.name, result.params, missing=missing,
                                import_settings=settings), language="bash")
            st.caption("With your CSV saved under that name in the current folder.")


def comparison_charts(results: dict[str, NMFResult], *, key: str = "compare") -> None:
    """Best curves of several runs against iteration and against elapsed time."""
    log_y = st.toggle("Log scale", key=f"{key}_log_y", bind="query-params",
                      help="Show the relative error on a logarithmic axis")
    remember(f"{key}_log_y", log_y, False)
    left, right = st.columns(2)
    with left:
        chart(figures.comparison_figure(results, x_axis="iteration", log_y=log_y),
              key=f"{key}_by_iteration", note="by_iteration")
    with right:
        chart(figures.comparison_figure(results, x_axis="time", log_y=log_y),
              key=f"{key}_by_time", note="by_time")
        st.caption("Each point sits at the moment the solver finished that iteration, "
                   "counted from the start of the call (initialization included). All "
                   "restarts run together as one batch, so more restarts slow every curve.")


def comparison_table(results: dict[str, NMFResult]) -> None:
    """Final error, time, iterations and diverged restarts per method, and
    downloads of the table and of every method's curve."""
    rows = comparison_rows(results)
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "final relative error": st.column_config.NumberColumn(format="%.4g"),
        "time (s)": st.column_config.NumberColumn(format="%.3f"),
        "objective": st.column_config.NumberColumn(format="%.4g", help=(
            "the loss plus any penalty, in scikit-learn's convention")),
        "sparseness A": st.column_config.NumberColumn(format="%.3f", help=(
            "Hoyer's sparseness of A's columns: 0 flat, 1 a single non-zero")),
        "sparseness S": st.column_config.NumberColumn(format="%.3f", help=(
            "Hoyer's sparseness of S's rows")),
    })
    download_buttons({
        "compare.csv": lambda: table_csv_bytes(rows),
        "compare_curves.csv": lambda: table_csv_bytes(comparison_curve_rows(results)),
    })


def variant_summary(matrix: Matrix, *, A, S, rel_error: float, curve: go.Figure,
                    key: str) -> None:
    """One variant of a run: its error, its negative entries, AS next to X's
    colour scale, and its convergence curve."""
    AS = A @ S
    left, right = st.columns(2)
    left.metric("Final error", format_error(rel_error), help="‖X − AS‖_F / ‖X‖_F at the end")
    right.metric("Negatives", numbers.count(negative_count(A, S)),
                 help=f"Negative entries in A and S, of {A.size + S.size:,}; NMF allows none")
    chart(figures.heatmap(AS, "AS", row_labels=matrix.row_labels, col_labels=matrix.col_labels,
                          zrange=figures.value_range(matrix.X, AS), height=300),
          key=f"{key}_AS", note="variant_AS")
    chart(curve, key=f"{key}_curve", note="variant_curve")


def recovery_table(A_true, found: dict[str, object], factor_word: str = "factor") -> None:
    """How well each variant recovered the true factors: cosine similarity of
    each true column of A with the recovered column matched to it (1 = same
    shape, up to scale), after undoing the order with match_factors."""
    rows = []
    for name, A in found.items():
        if A is None:
            continue
        match = match_factors(A_true, A)
        row = {"variant": name}
        for i, similarity in enumerate(match.similarity):
            found_as = "none" if match.order[i] < 0 else f"{match.order[i] + 1}"
            row[f"{factor_word} {i + 1}"] = f"{similarity:.3f} (found as {found_as})"
        row["mean"] = round(match.mean_similarity, 3)
        rows.append(row)
    st.dataframe(rows, hide_index=True, width="stretch")
