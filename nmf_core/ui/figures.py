"""Plotly figures: one heatmap for every matrix, convergence and comparison curves.

Pure plotly (no streamlit), so every figure can be built and checked in a
test.  Matrices over :data:`MAX_HEATMAP_CELLS` cells are block-averaged by
:func:`nmf_core.downsample.block_average` and say so in their title; values
travel as float32, so one heatmap stays under about 0.9 MB of JSON and a
result page (three such heatmaps plus A and S) under 3 MB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..downsample import MAX_DISPLAY_CELLS, Downsampled, block_average, thin_indices
from ..result import NMFResult

MAX_HEATMAP_CELLS = MAX_DISPLAY_CELLS
MAX_CURVE_POINTS = 2000  # the best curve; every other restart gets a quarter
SEQUENTIAL = "Viridis"
DIVERGING = "RdBu_r"  # red: data above the model (or positive), blue: below
RESIDUAL_FLOOR = 0.01  # the residual's scale spans at least ±1% of X's largest value
LOG_FLOOR = 1e-16  # an exact fit (error 0) cannot sit on a log axis
HEATMAP_HEIGHT = 360
# One colour per method on every chart (Streamlit's palette pairs similar hues).
METHOD_COLOURS = {"als": "#1f77b4", "rk": "#ff7f0e", "hals": "#2ca02c", "mu": "#9467bd"}
OTHER_COLOURS = ("#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


# --------------------------------------------------------------------------- projector view
# At 1280x720 and 150 % zoom a chart beside the open sidebar is about 500 CSS px wide:
# titles wrap, tick labels are cut to TICK_CHARS (the full text on hover), and legends
# sit above the plot area in the top margin, where no axis title is.
TITLE_CHARS = 44  # a title line at 14 px in a 500 px chart
TICK_CHARS = 10
MAX_TICKS = 24  # category ticks drawn per axis
LEGEND_CHARS = 60  # of legend text per row (names plus their symbols)
LEGEND_ABOVE = dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0)


def wrap_title(text: str, width: int = TITLE_CHARS) -> str:
    """``text`` broken at spaces into lines of at most ``width`` characters."""
    import textwrap

    return "<br>".join(textwrap.wrap(str(text), width)) or str(text)


def short_label(label, width: int = TICK_CHARS) -> str:
    """``label`` cut to ``width`` characters with an ellipsis when longer."""
    label = str(label)
    return label if len(label) <= width else label[:width - 1] + "…"


def short_ticks(labels: Sequence[str], width: int = TICK_CHARS) -> dict:
    """Axis settings that show each category label shortened (the data and the
    hover keep the full label)."""
    labels = [str(label) for label in labels]
    shown = labels[::-(-len(labels) // MAX_TICKS) or 1]  # as plotly would thin them
    return dict(tickmode="array", tickvals=shown,
                ticktext=[short_label(label, width) for label in shown], automargin=True)


def top_layout(title: str, legend_names: Sequence[str] = ()) -> dict:
    """Layout keys for a readable top: the title wrapped, the legend (when some trace
    is named in ``legend_names``) above the plot area, and a top margin holding both."""
    text = wrap_title(title)
    lines = text.count("<br>") + 1
    layout = dict(title=dict(text=text, font=dict(size=14), y=1, yref="container",
                             yanchor="top", pad=dict(t=8)))
    top = 12 + 20 * lines
    if legend_names:
        width = sum(len(str(name)) + 6 for name in legend_names)
        rows = -(-width // LEGEND_CHARS)
        layout["legend"] = LEGEND_ABOVE
        top += 8 + 22 * rows
    layout["margin"] = dict(l=10, r=10, t=top, b=10)
    return layout


def legend_names(fig: go.Figure) -> list[str]:
    """The names a figure's legend shows."""
    return [trace.name for trace in fig.data
            if trace.name and trace.showlegend is not False]


def value_range(*matrices) -> tuple[float, float]:
    """One (low, high) colour range covering every matrix: low is 0 unless
    some entry is negative.  Give X and AS the same range to compare them."""
    low, high = 0.0, 0.0
    for M in matrices:
        M = np.asarray(M, dtype=float)
        finite = M[np.isfinite(M)]
        if finite.size:
            low, high = min(low, float(finite.min())), max(high, float(finite.max()))
    if high <= low:
        high = low + 1.0
    return low, high


def symmetric_range(*matrices) -> tuple[float, float]:
    """(−r, r) with r the largest |entry|: a diverging scale centred at 0."""
    low, high = value_range(*matrices)
    r = max(abs(low), abs(high))
    return -r, r


def residual(X, approximation, mask=None) -> np.ndarray:
    """X − AS for display; NaN on cells that are not observed (``mask`` False)."""
    R = np.asarray(X, dtype=float) - np.asarray(approximation, dtype=float)
    return R if mask is None else np.where(mask, R, np.nan)


def unique_labels(labels: Sequence[str] | None, count: int, prefix: str) -> list[str]:
    """Axis labels that a category axis cannot merge: ``prefix 1…count`` when
    none are given, the labels themselves when distinct, else ``i: label``."""
    if labels is None or len(labels) != count:
        return [f"{prefix} {i + 1}" for i in range(count)]
    if prefix == "factor":  # already "factor i"
        return [str(label) for label in labels]
    labels = [str(label) for label in labels]
    if len(set(labels)) == count:
        return labels
    return [f"{i + 1}: {label}" for i, label in enumerate(labels)]


def _block_labels(labels: list[str], starts: np.ndarray, step: int, plural: str) -> list[str]:
    if step == 1:
        return labels
    ends = np.append(starts[1:], len(labels)) - 1
    return [f"{plural} {labels[a]} … {labels[b]}" if a != b else labels[a]
            for a, b in zip(starts, ends, strict=True)]


def heatmap(
    M,
    title: str,
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    row_name: str = "row",
    col_name: str = "column",
    zrange: tuple[float, float] | None = None,
    diverging: bool | None = None,
    max_cells: int = MAX_HEATMAP_CELLS,
    height: int = HEATMAP_HEIGHT,
) -> go.Figure:
    """A matrix as a heatmap, rows top to bottom as printed.

    ``zrange`` fixes the colour range (pass one :func:`value_range` to several
    heatmaps to share it).  ``diverging`` centres a red–blue scale at 0; by
    default it is used when M has negative entries, so they stand out.  Hover
    shows the row and column labels and the value.  Over ``max_cells`` cells
    the matrix is block-averaged and the title says so; ``layout.meta`` holds
    ``{"block": [rows, cols]}`` per block (``[1, 1]`` when shown in full).  ``M`` may
    be a :class:`~nmf_core.downsample.Downsampled` whose block means are already taken.
    """
    if isinstance(M, Downsampled):  # block means already taken (a sparse X's, say)
        shown = M
        n, m = shown.shape
        M = shown.values
    else:
        M = np.asarray(M, dtype=float)
        n, m = M.shape
        shown = block_average(M, max_cells)
    rows = unique_labels(row_labels, n, row_name)
    cols = unique_labels(col_labels, m, col_name)
    if shown.reduced:
        rows = _block_labels(rows, shown.row_starts, shown.row_step, row_name + "s")
        cols = _block_labels(cols, shown.col_starts, shown.col_step, col_name + "s")
        title = (f"{title} — block means of {shown.row_step}×{shown.col_step} cells "
                 f"({n}×{m} shown as {len(rows)}×{len(cols)})")
        value_word = "mean"
    else:
        value_word = "value"
    if diverging is None:
        diverging = bool(np.nanmin(M) < 0) if np.isfinite(M).any() else False
    if zrange is None:
        zrange = symmetric_range(M) if diverging else value_range(M)
    elif diverging:
        zrange = (-max(map(abs, zrange)), max(map(abs, zrange)))
    fig = go.Figure(go.Heatmap(
        z=shown.values.astype(np.float32),
        x=cols, y=rows,
        zmin=zrange[0], zmax=zrange[1], zmid=0.0 if diverging else None,
        colorscale=DIVERGING if diverging else SEQUENTIAL,
        hovertemplate=(f"{row_name}: %{{y}}<br>{col_name}: %{{x}}<br>"
                       f"{value_word}: %{{z:.4g}}<extra></extra>"),
        hoverongaps=False,
    ))
    fig.update_layout(
        **top_layout(title), height=height,
        meta={"block": [shown.row_step, shown.col_step], "shape": [n, m]},
    )
    fig.update_xaxes(type="category", showgrid=False, **short_ticks(cols))
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False,
                     **short_ticks(rows))
    return fig


def result_figures(X, AS, A, S, *, mask=None, row_labels=None, col_labels=None,
                   max_cells: int = MAX_HEATMAP_CELLS) -> dict[str, go.Figure]:
    """The five heatmaps of a result, by name: "X" and "AS" on one colour range,
    "residual" X − AS on a scale centred at 0 (NaN where ``mask`` is False) that
    spans at least ±:data:`RESIDUAL_FLOOR` of X's range,
    "A" (rows × factors) and "S" (factors × columns)."""
    X = np.asarray(X, dtype=float)
    if mask is not None:
        X = np.where(mask, X, np.nan)
    shared = value_range(X, AS)
    R = residual(X, AS, mask)
    # Round-off of a near-exact fit should look pale, not fill the whole scale.
    r = max(symmetric_range(R)[1], RESIDUAL_FLOOR * max(abs(v) for v in shared))
    labels = dict(row_labels=row_labels, col_labels=col_labels, max_cells=max_cells)
    factors = [f"factor {i + 1}" for i in range(np.shape(A)[1])]
    return {
        "X": heatmap(X, "X: the data", zrange=shared, diverging=False, **labels),
        "AS": heatmap(AS, "AS: the approximation", zrange=shared, diverging=False, **labels),
        "residual": heatmap(R, "Residual X − AS (red: X above AS, blue: below)",
                            zrange=(-r, r), diverging=True, **labels),
        "A": heatmap(A, "A (rows × factors)", row_labels=row_labels, col_labels=factors,
                     col_name="factor", max_cells=max_cells),
        "S": heatmap(S, "S (factors × columns)", row_labels=factors, col_labels=col_labels,
                     row_name="factor", max_cells=max_cells),
    }


def sparse_data_figure(X, title: str = "X: the data", *, row_labels=None, col_labels=None,
                       max_cells: int = MAX_HEATMAP_CELLS, zrange=None) -> go.Figure:
    """A scipy.sparse X as the block means of its stored entries (never n×m)."""
    from ..sparse.display import sparse_block_mean

    return heatmap(sparse_block_mean(X, max_cells), title, row_labels=row_labels,
                   col_labels=col_labels, zrange=zrange, diverging=False)


def sparse_result_figures(X, A, S, *, row_labels=None, col_labels=None,
                          max_cells: int = MAX_HEATMAP_CELLS) -> dict[str, go.Figure]:
    """:func:`result_figures` for a scipy.sparse X without densifying: X's block means
    from its stored entries, AS's from the factors' block means, the residual their
    difference (see :mod:`nmf_core.sparse.display`)."""
    from ..sparse.display import block_mean_product, difference, sparse_block_mean

    X_blocks = sparse_block_mean(X, max_cells)
    AS_blocks = block_mean_product(A, S, max_cells)
    R_blocks = difference(X_blocks, AS_blocks)
    shared = value_range(X_blocks.values, AS_blocks.values)
    r = max(symmetric_range(R_blocks.values)[1], RESIDUAL_FLOOR * max(abs(v) for v in shared))
    labels = dict(row_labels=row_labels, col_labels=col_labels)
    factors = [f"factor {i + 1}" for i in range(np.shape(A)[1])]
    return {
        "X": heatmap(X_blocks, "X: the data", zrange=shared, diverging=False, **labels),
        "AS": heatmap(AS_blocks, "AS: the approximation", zrange=shared, diverging=False,
                      **labels),
        "residual": heatmap(R_blocks, "Residual X − AS (red: X above AS, blue: below)",
                            zrange=(-r, r), diverging=True, **labels),
        "A": heatmap(A, "A (rows × factors)", row_labels=row_labels, col_labels=factors,
                     col_name="factor", max_cells=max_cells),
        "S": heatmap(S, "S (factors × columns)", row_labels=factors, col_labels=col_labels,
                     row_name="factor", max_cells=max_cells),
    }


def _curve(errors: np.ndarray, max_points: int, log_y: bool):
    idx = thin_indices(len(errors), max_points)
    y = np.asarray(errors, dtype=float)[idx]
    if log_y:
        y = np.maximum(y, LOG_FLOOR)
    return idx, y


RELATIVE_ERROR_TITLE = "relative error ‖X − AS‖ / ‖X‖"


def _y_title(results) -> str:
    """The y axis says what the curves plot (NMFResult.curve_label); one label for all."""
    labels = {getattr(r, "curve_label", RELATIVE_ERROR_TITLE) for r in results}
    if len(labels) == 1:
        label = labels.pop()
        return RELATIVE_ERROR_TITLE if label.startswith("relative error") else label
    return "each run's √(2·objective)/‖X‖ (relative error for plain Frobenius)"


def _finish_curves(fig: go.Figure, title: str, x_title: str, log_y: bool,
                   height: int = 340, y_title: str = RELATIVE_ERROR_TITLE) -> go.Figure:
    fig.update_layout(**top_layout(title, legend_names(fig)), height=height,
                      hovermode="closest")
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title,
                     type="log" if log_y else "linear",
                     # one notation on log axes: 10⁻¹⁶ … 10⁰, never a mix with 100µ
                     exponentformat="power" if log_y else "B")
    return fig


def convergence_figure(result: NMFResult, *, log_y: bool = False,
                       title: str = "Convergence", height: int = 340) -> go.Figure:
    """Relative error per iteration: every restart faint, the best one bold.

    Iteration 0 is the starting point.  Long runs are thinned to at most
    :data:`MAX_CURVE_POINTS` points (first and last kept).
    """
    fig = go.Figure()
    first_other = True
    for r, errors in enumerate(result.all_errors):
        if r == result.best_run:
            continue
        x, y = _curve(errors, MAX_CURVE_POINTS // 4, log_y)
        status = " (diverged)" if result.diverged[r] else ""
        fig.add_trace(go.Scatter(
            x=x, y=y, mode="lines", name="other restarts", legendgroup="others",
            showlegend=first_other, line=dict(width=1, color="rgba(110,110,110,0.45)"),
            hovertemplate=f"restart {r + 1}{status}<br>iteration %{{x}}<br>"
                          "error %{y:.4g}<extra></extra>",
        ))
        first_other = False
    x, y = _curve(result.errors, MAX_CURVE_POINTS, log_y)
    fig.add_trace(go.Scatter(
        x=x, y=y, mode="lines", name=f"best (restart {result.best_run + 1})",
        line=dict(width=3, color="#d62728"),
        hovertemplate="best restart<br>iteration %{x}<br>error %{y:.4g}<extra></extra>",
    ))
    return _finish_curves(fig, title, "iteration", log_y, height, _y_title([result]))


def error_curve_figure(iterations, errors, *, title: str = "Convergence", name: str = "error",
                       log_y: bool = False, height: int = 340) -> go.Figure:
    """One error curve at the given iterations (markers when it has few points,
    as the documents' nmfrk, which writes a single entry)."""
    x = np.asarray(iterations)
    y = np.asarray(errors, dtype=float)
    idx = thin_indices(len(y), MAX_CURVE_POINTS)
    x, y = x[idx], (np.maximum(y[idx], LOG_FLOOR) if log_y else y[idx])
    fig = go.Figure(go.Scatter(
        x=x, y=y, mode="lines+markers" if len(y) <= 20 else "lines", name=name,
        line=dict(width=3, color="#7f7f7f"), marker=dict(size=9),
        hovertemplate=f"{name}<br>iteration %{{x}}<br>error %{{y:.4g}}<extra></extra>",
    ))
    return _finish_curves(fig, title, "iteration", log_y, height)


def comparison_figure(results: Mapping[str, NMFResult], *, x_axis: str = "iteration",
                      log_y: bool = False) -> go.Figure:
    """Each method's best curve on one chart, against iteration or elapsed time.

    Against time, each point sits at the moment the solver recorded it
    (``result.times``, initialization included).
    """
    if x_axis not in ("iteration", "time"):
        raise ValueError(f"x_axis must be 'iteration' or 'time'; got {x_axis!r}")
    fig = go.Figure()
    others = iter(OTHER_COLOURS * (1 + len(results) // len(OTHER_COLOURS)))
    for name, result in results.items():
        colour = METHOD_COLOURS.get(name) or next(others)
        idx, y = _curve(result.errors, MAX_CURVE_POINTS, log_y)
        if x_axis == "time":
            x = result.times[idx]
            hover = f"{name}<br>%{{x:.3g}} s<br>error %{{y:.4g}}<extra></extra>"
        else:
            x = idx
            hover = f"{name}<br>iteration %{{x}}<br>error %{{y:.4g}}<extra></extra>"
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name,
                                 line=dict(width=2.5, color=colour), hovertemplate=hover))
    x_title = "iteration" if x_axis == "iteration" else "elapsed time (s)"
    title = "Best restart of each method, by " + ("iteration" if x_axis == "iteration"
                                                   else "time")
    return _finish_curves(fig, title, x_title, log_y, y_title=_y_title(results.values()))


# --------------------------------------------------------------------------- teaching views
STEP_COLOUR = "#e31a1c"  # the column/row a random step updated
KACZMARZ_COLOUR = "#ff7f00"  # the rows an rk step projected onto
IMAGE_SCALE = "Greys"  # white background, dark parts


def highlight(fig: go.Figure, *, rows: Sequence[int] = (), cols: Sequence[int] = (),
              colour: str = STEP_COLOUR, dash: str = "solid") -> go.Figure:
    """Outline whole rows and columns of a :func:`heatmap` (0-based indices into
    the full matrix; on a block-averaged one, the block holding them)."""
    meta = fig.layout.meta or {}
    row_step, col_step = meta.get("block", [1, 1])
    n, m = meta.get("shape", [1, 1])
    shown_rows, shown_cols = -(-n // row_step), -(-m // col_step)
    line = dict(color=colour, width=3, dash=dash)
    for i in sorted({int(i) // row_step for i in rows}):
        fig.add_shape(type="rect", x0=-0.5, x1=shown_cols - 0.5, y0=i - 0.5, y1=i + 0.5,
                      line=line, layer="above")
    for j in sorted({int(j) // col_step for j in cols}):
        fig.add_shape(type="rect", x0=j - 0.5, x1=j + 0.5, y0=-0.5, y1=shown_rows - 0.5,
                      line=line, layer="above")
    return fig


def marked_curve_figure(errors, iteration: int, *, log_y: bool = False,
                        title: str = "Error of the best restart", height: int = 300
                        ) -> go.Figure:
    """The best restart's error curve with ``iteration`` marked by a line and a dot."""
    errors = np.asarray(errors, dtype=float)
    fig = error_curve_figure(np.arange(len(errors)), errors, title=title,
                             name="best restart", log_y=log_y, height=height)
    y = errors[iteration]
    fig.add_vline(x=iteration, line=dict(color=STEP_COLOUR, width=1.5, dash="dot"))
    fig.add_trace(go.Scatter(
        x=[iteration], y=[max(y, LOG_FLOOR) if log_y else y], mode="markers",
        name=f"iteration {iteration}", marker=dict(size=12, color=STEP_COLOUR),
        hovertemplate="iteration %{x}<br>error %{y:.4g}<extra></extra>",
    ))
    return fig


def image_grid_figure(images, title: str, *, columns: int | None = None,
                      name: str = "factor", height: int = 320) -> go.Figure:
    """Images (p, h, w) side by side in one heatmap: grey for non-negative
    images, red–blue centred at 0 when some pixel is negative.  Hover names
    the image (``name`` 1…p)."""
    from ..images import tile_images, tile_index

    images = np.asarray(images, dtype=float)
    p, h, w = images.shape
    columns = max(1, int(np.ceil(np.sqrt(p)))) if columns is None else columns
    grid = tile_images(images, columns)
    index = tile_index(p, (h, w), columns) + 1
    signed = bool(np.nanmin(grid) < 0)
    r = float(np.nanmax(np.abs(grid))) or 1.0
    fig = go.Figure(go.Heatmap(
        z=grid.astype(np.float32), customdata=index,
        zmin=-r if signed else 0.0, zmax=r, zmid=0.0 if signed else None,
        colorscale=DIVERGING if signed else IMAGE_SCALE, showscale=signed,
        hovertemplate=f"{name} %{{customdata}}<br>value %{{z:.3g}}<extra></extra>",
        hoverongaps=False,
    ))
    fig.update_layout(**top_layout(title), height=height, plot_bgcolor="white",
                      meta={"images": p, "image_shape": [h, w], "signed": signed})
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    return fig


def unreliable_best_k(scan) -> str:
    """Words for beside the star when some fits of the scan were cut short ("" if none)."""
    if not scan.truncated:
        return ""
    fits = "fit was" if scan.truncated == 1 else "fits were"
    return f"best k unreliable: {scan.truncated} {fits} cut short"


def k_scan_figure(scan, *, log_y: bool = False, true_k: int | None = None,
                  height: int = 380) -> go.Figure:
    """A :class:`~nmf_core.model_selection.KScan`: the fit error on all cells and the
    held-out error (mean ± std over folds) against k, the held-out minimum marked
    (and the data's true k, when known)."""
    ks = np.asarray(scan.ks)
    fit = np.asarray(scan.fit_error, dtype=float)
    held = np.asarray(scan.cv_error, dtype=float)
    if log_y:
        fit, held = np.maximum(fit, LOG_FLOOR), np.maximum(held, LOG_FLOOR)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=ks, y=fit, mode="lines+markers", name="fit: error on the cells it was fitted to",
        line=dict(width=2.5, color="#7f7f7f"),
        hovertemplate="k = %{x}<br>fit error %{y:.4g}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=ks, y=held, mode="lines+markers", name="held out: error on hidden cells",
        line=dict(width=3, color=METHOD_COLOURS["hals"]),
        error_y=dict(type="data", array=np.asarray(scan.cv_std, dtype=float), visible=True),
        hovertemplate="k = %{x}<br>held-out error %{y:.4g}<extra></extra>"))
    best = scan.best_k
    best_y = held[list(ks).index(best)]
    unreliable = unreliable_best_k(scan)
    fig.add_trace(go.Scatter(
        x=[best], y=[best_y], mode="markers+text" if unreliable else "markers",
        name=f"lowest held-out error: k = {best}" + (" (unreliable)" if unreliable else ""),
        text=[unreliable], textposition="top center", textfont=dict(color="#b00020"),
        marker=dict(symbol="star", size=18, color=STEP_COLOUR),
        hovertemplate="best k = %{x}<br>held-out error %{y:.4g}<extra></extra>"))
    fig.add_vline(x=best, line=dict(color=STEP_COLOUR, width=1.5, dash="dot"))
    if true_k is not None and ks[0] <= true_k <= ks[-1]:
        fig.add_vline(x=true_k, line=dict(color="#333333", width=1, dash="dash"),
                      annotation_text=f"true k = {true_k}", annotation_position="top left")
    fig = _finish_curves(fig, "Error against k", "k: number of factors", log_y, height)
    fig.update_xaxes(dtick=1 if len(ks) <= 30 else None)
    fig.update_layout(meta={"best_k": best})
    return fig


ANIMATION_CELLS = 4_000  # cells per heatmap per frame (block means above), so frames stay small
ANIMATION_FRAMES = 60  # at most this many snapshots are sent as frames


def animated_player(snaps, errors, *, x_range, row_labels=None, col_labels=None,
                    frame_ms: int = 400, height: int = 620) -> go.Figure:
    """The best restart's snapshots as one plotly figure that animates in the browser:
    the error curve with the current iterate marked, AS, A and S, with plotly's own
    slider and Play/Pause buttons.  Everything is sent once, so playing needs nothing
    from the server; the slider's label and every panel's frame are the same iterate.
    ``frame_ms`` is the time per frame (the page's speed control)."""
    from plotly.subplots import make_subplots

    iterations = [int(t) for t in snaps.iterations]
    chosen = thin_indices(len(iterations), ANIMATION_FRAMES)
    k = snaps.A.shape[2]
    factors = [f"factor {j + 1}" for j in range(k)]
    ranges = {"A": value_range(snaps.A), "S": value_range(snaps.S)}
    errors = np.asarray(errors, dtype=float)

    def traces(index):
        t = iterations[index]
        panels = (
            heatmap(snaps.approximation(index), "AS", zrange=x_range, diverging=False,
                    row_labels=row_labels, col_labels=col_labels, max_cells=ANIMATION_CELLS),
            heatmap(snaps.A[index], "A", row_labels=row_labels, col_labels=factors,
                    col_name="factor", zrange=ranges["A"], diverging=ranges["A"][0] < 0,
                    max_cells=ANIMATION_CELLS),
            heatmap(snaps.S[index], "S", row_labels=factors, col_labels=col_labels,
                    row_name="factor", zrange=ranges["S"], diverging=ranges["S"][0] < 0,
                    max_cells=ANIMATION_CELLS),
        )
        marker = _iterate_marker(errors, t)
        maps = []
        for panel in panels:
            trace = panel.data[0]
            trace.update(showscale=False)
            maps.append(trace)
        return [marker, *maps]

    fig = make_subplots(rows=2, cols=2, column_widths=[0.4, 0.6], vertical_spacing=0.12,
                        subplot_titles=("Relative error", "AS", "A", "S"))
    fig.add_trace(go.Scatter(x=np.arange(len(errors)), y=errors, mode="lines",
                             line=dict(color="#7f7f7f", width=2), name="error",
                             hoverinfo="skip"), row=1, col=1)
    first = traces(int(chosen[0]))
    for trace, (row, col) in zip(first, ((1, 1), (1, 2), (2, 1), (2, 2)), strict=True):
        fig.add_trace(trace, row=row, col=col)
    _animate(fig, iterations, chosen, traces, frame_ms, height, moving=[1, 2, 3, 4])
    fig.update_yaxes(type="log" if (errors > 0).all() else "linear", row=1, col=1,
                     exponentformat="power")
    for axis in ("xaxis2", "xaxis3", "xaxis4"):
        fig.layout[axis].update(showticklabels=False)
    for axis in ("yaxis2", "yaxis3", "yaxis4"):
        fig.layout[axis].update(autorange="reversed", showticklabels=False)
    return fig


def _animate(fig: go.Figure, iterations: list[int], chosen, traces, frame_ms: int,
             height: int, moving: list[int]) -> None:
    """Give ``fig`` one frame per chosen snapshot (``traces(index)`` replacing the traces
    at ``moving``), titled by its iteration, with plotly's own slider and Play/Pause:
    the players' one animation."""
    names = [str(iterations[int(i)]) for i in chosen]
    fig.frames = [go.Frame(name=name, data=traces(int(i)), traces=moving,
                           layout=dict(title_text=f"Iteration {name}"))
                  for name, i in zip(names, chosen, strict=True)]
    frame = dict(duration=int(frame_ms), redraw=True)
    fig.update_layout(
        height=height, showlegend=False, title=dict(text=f"Iteration {names[0]}"),
        margin=dict(l=10, r=10, t=60, b=10), plot_bgcolor="white",
        meta={"frames": names, "frame_ms": int(frame_ms)},
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.08, xanchor="left",
                          yanchor="top", showactive=False, buttons=[
                              dict(label="Play", method="animate", args=[None, dict(
                                  frame=frame, fromcurrent=True, mode="immediate",
                                  transition=dict(duration=0))]),
                              dict(label="Pause", method="animate", args=[[None], dict(
                                  frame=dict(duration=0, redraw=False), mode="immediate",
                                  transition=dict(duration=0))])])],
        sliders=[dict(active=0, x=0.12, y=-0.04, len=0.88, pad=dict(t=30),
                      currentvalue=dict(prefix="Iteration ", visible=True),
                      steps=[dict(label=name, method="animate", args=[[name], dict(
                          frame=dict(duration=0, redraw=True), mode="immediate",
                          transition=dict(duration=0))]) for name in names])])


def _iterate_marker(errors: np.ndarray, t: int) -> go.Scatter:
    return go.Scatter(x=[t], y=[errors[min(t, len(errors) - 1)]], mode="markers",
                      marker=dict(size=12, color=STEP_COLOUR), name="this iterate",
                      hovertemplate="iteration %{x}<br>error %{y:.4g}<extra></extra>")


def image_player(snaps, errors, image_shape: tuple[int, int], *, frame_ms: int = 400,
                 height: int = 420) -> go.Figure:
    """The player for image data: the best restart's parts (the rows of S) drawn as
    pictures (:func:`image_grid_figure`'s grid) at every snapshot, beside the error
    curve, animated in the browser like :func:`animated_player`."""
    from plotly.subplots import make_subplots

    from ..images import rows_as_images

    iterations = [int(t) for t in snaps.iterations]
    chosen = thin_indices(len(iterations), ANIMATION_FRAMES)
    errors = np.asarray(errors, dtype=float)

    def traces(index):
        grid = image_grid_figure(rows_as_images(snaps.S[index], image_shape),
                                 "parts", name="part").data[0]
        grid.update(showscale=False)
        return [_iterate_marker(errors, iterations[index]), grid]

    fig = make_subplots(rows=1, cols=2, column_widths=[0.4, 0.6],
                        subplot_titles=("Relative error", "The parts (rows of S) as pictures"))
    fig.add_trace(go.Scatter(x=np.arange(len(errors)), y=errors, mode="lines",
                             line=dict(color="#7f7f7f", width=2), name="error",
                             hoverinfo="skip"), row=1, col=1)
    for trace, col in zip(traces(int(chosen[0])), (1, 2), strict=True):
        fig.add_trace(trace, row=1, col=col)
    _animate(fig, iterations, chosen, traces, frame_ms, height, moving=[1, 2])
    fig.update_layout(meta={**fig.layout.meta, "image_shape": list(image_shape)})
    fig.update_yaxes(type="log" if (errors > 0).all() else "linear", row=1, col=1,
                     exponentformat="power")
    fig.update_xaxes(visible=False, constrain="domain", row=1, col=2)
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x2", row=1, col=2)
    return fig
