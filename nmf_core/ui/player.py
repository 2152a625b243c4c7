"""Step through the best restart: a player over the solver's snapshots.

The workbench's "Step through" toggle (bound to the URL as ``?player=true``)
asks the solver to record up to :data:`SNAPSHOTS` iterates of the best restart
(off otherwise, so ordinary runs pay nothing).  Play is plotly's own animation
in the browser (:func:`figures.animated_player`; on image data
:func:`figures.image_player`, the parts as pictures): the frames are sent once, so a
busy server cannot stop it, and its slider always names the frame shown; a speed
control sets the time per frame.  Below it, the iteration slider and step buttons
live in a fragment, so stepping reruns only the player.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..factorize import MAX_SNAPSHOTS
from ..result import NMFResult
from . import figures, runs
from .data_source import Matrix
from .panels import chart, factor_names
from .widgets import BIND, remember

PLAYER_KEY = "player"  # the toggle, and its URL parameter
FRAME_KEY = "player_iteration"  # the iteration slider
SPEED_KEY = "player_speed"
SPEEDS = (1, 2, 3, 5, 8, 12)  # iterates per second
DEFAULT_SPEED = 3
SNAPSHOTS = MAX_SNAPSHOTS
FIGURE_HEIGHT = 280


def is_open() -> bool:
    """Whether the player is open: its toggle's value, or the URL's on a first load
    (the page asks before the toggle is drawn, to record snapshots in its one run)."""
    if PLAYER_KEY in st.session_state:
        return bool(st.session_state[PLAYER_KEY])
    return st.query_params.get(PLAYER_KEY, "").lower() == "true"


def with_snapshots(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` asking for snapshots when the player is open (else unchanged)."""
    return {**settings, "snapshots": SNAPSHOTS} if is_open() else settings


def step_through(matrix: Matrix, result: NMFResult, settings: dict[str, Any], *,
                 log_y: bool = False) -> None:
    """The "Step through" toggle and, when it is on, the player for ``result``'s
    best restart (rerun with snapshots if ``result`` has none)."""
    opened = st.toggle(
        "Step through the best restart", key=PLAYER_KEY, bind=BIND,
        help=f"Records up to {SNAPSHOTS} iterates of the best restart and plays them back: "
             "A, S and AS at each, with the step's position on the error curve.")
    remember(PLAYER_KEY, opened, False)
    if not opened:
        return
    if matrix.sparse:  # the player draws AS at every iterate in full: n×m
        st.info("The player is not available for a sparse X: it would draw the n×m "
                "product at every step.")
        return
    if result.snapshots is None:
        result = runs.run_factorization(matrix, {**settings, "snapshots": SNAPSHOTS})
    if result.snapshots is None or len(result.snapshots.iterations) < 2:
        st.info("There is only the starting point to show: raise niter.")
        return
    speed = st.select_slider("Speed (iterates per second)", options=SPEEDS,
                             value=DEFAULT_SPEED, key=SPEED_KEY, bind=BIND,
                             help="How fast Play moves through the recorded iterates")
    remember(SPEED_KEY, speed, DEFAULT_SPEED)
    # Play runs in the browser: every frame is sent once, so a busy server cannot stop it.
    if matrix.image_shape is not None:  # image data: the parts play as pictures
        animation = figures.image_player(result.snapshots, result.errors, matrix.image_shape,
                                         frame_ms=int(1000 / speed))
    else:
        animation = figures.animated_player(
            result.snapshots, result.errors, x_range=figures.value_range(matrix.X),
            row_labels=matrix.row_labels, col_labels=matrix.col_labels,
            frame_ms=int(1000 / speed))
    chart(animation, key="player_animation")
    st.caption("Play animates in your browser; below, step through the iterates one by one "
               "with what each step updated.")
    st.fragment(_player_view)(matrix, result, log_y)


def _step(iterations: list[int], by: int) -> None:
    current = st.session_state.get(FRAME_KEY, iterations[0])
    index = iterations.index(current) if current in iterations else 0
    st.session_state[FRAME_KEY] = iterations[min(max(index + by, 0), len(iterations) - 1)]


def _player_view(matrix: Matrix, result: NMFResult, log_y: bool) -> None:
    snaps = result.snapshots
    iterations = [int(t) for t in snaps.iterations]
    if st.session_state.get(FRAME_KEY) not in iterations:
        st.session_state[FRAME_KEY] = iterations[0]

    back, slider, forward = st.columns([1.3, 8, 1.3], vertical_alignment="bottom")
    back.button("Back", key="player_back", icon=":material/skip_previous:", help="One step back",
                on_click=_step, args=(iterations, -1), width="stretch")
    forward.button("Next", key="player_next", icon=":material/skip_next:", help="One step on",
                   on_click=_step, args=(iterations, 1), width="stretch")
    t = slider.select_slider("Iteration", options=iterations, key=FRAME_KEY,
                             help="The recorded iterates of the best restart")
    index = iterations.index(t)
    spacing = iterations[-1] / max(1, len(iterations) - 1)
    st.markdown(f"**Iteration {t:,}** of {result.n_iter:,}: relative error "
                f"{result.errors[t]:.4g}")
    if spacing > 1.5:
        st.caption(f"{len(iterations)} iterates were recorded, about one every "
                   f"{spacing:.0f} iterations.")
    _step_caption(matrix, result, index, spacing)
    _step_figures(matrix, result, index, t, log_y)


def _step_caption(matrix: Matrix, result: NMFResult, index: int, spacing: float) -> None:
    column, row, kaczmarz = result.snapshots.updated(index)
    if index == 0:
        st.caption("The starting point: nothing updated yet.")
        return
    if column is None:
        st.caption("Each iteration updates all of S, then all of A (with sampling = random, "
                   "als and rk update one column of S and one row of A, outlined here).")
        return
    cols = figures.unique_labels(matrix.col_labels, matrix.shape[1], "column")
    rows = figures.unique_labels(matrix.row_labels, matrix.shape[0], "row")
    text = (f"This step updated **column {column + 1} of S** ({cols[column]}) and then "
            f"**row {row + 1} of A** ({rows[row]}), outlined in red")
    if kaczmarz:
        listed = ", ".join(str(r + 1) for r in kaczmarz)
        text += (f"; the Kaczmarz steps for that column projected onto rows {listed} of A "
                 "(dashed orange)")
    if spacing > 1.5:
        text += " — the last of the steps since the previous iterate shown"
    st.caption(text + ".")


def _step_figures(matrix: Matrix, result: NMFResult, index: int, t: int, log_y: bool) -> None:
    snaps = result.snapshots
    column, row, kaczmarz = snaps.updated(index)
    cols = () if column is None else (column,)
    rows = () if row is None else (row,)
    factors = factor_names(snaps.A.shape[2])
    ranges = {name: figures.value_range(M) for name, M in (("A", snaps.A), ("S", snaps.S))}
    labels = dict(row_labels=matrix.row_labels, col_labels=matrix.col_labels)
    AS = figures.heatmap(snaps.approximation(index), f"AS at iteration {t}",
                         zrange=figures.value_range(matrix.X), diverging=False,
                         height=FIGURE_HEIGHT, **labels)
    A = figures.heatmap(snaps.A[index], f"A at iteration {t}", row_labels=matrix.row_labels,
                        col_labels=factors, col_name="factor", zrange=ranges["A"],
                        diverging=ranges["A"][0] < 0, height=FIGURE_HEIGHT)
    S = figures.heatmap(snaps.S[index], f"S at iteration {t}", row_labels=factors,
                        col_labels=matrix.col_labels, row_name="factor", zrange=ranges["S"],
                        diverging=ranges["S"][0] < 0, height=FIGURE_HEIGHT)
    figures.highlight(AS, rows=rows, cols=cols)
    figures.highlight(A, rows=kaczmarz, colour=figures.KACZMARZ_COLOUR, dash="dash")
    figures.highlight(A, rows=rows)
    figures.highlight(S, cols=cols)
    left, right = st.columns(2)
    with left:
        chart(figures.marked_curve_figure(result.errors, t, log_y=log_y, height=FIGURE_HEIGHT),
              key="player_curve", note="player_curve")
    with right:
        chart(AS, key="player_AS", note="player_AS")
    left, right = st.columns([1, 2])
    with left:
        chart(A, key="player_A", note="player_A")
    with right:
        chart(S, key="player_S", note="player_S")
