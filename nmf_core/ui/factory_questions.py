"""The factory page's two questions: "A new day: which factories ran?" and "I know
factory 1's profile".  The answers come from :mod:`nmf_core.factory`."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ..errors import NMFInputError
from ..factory import aligned_profiles, day_output, fit_with_known_profile, which_factories_ran
from ..metrics import match_factors
from . import figures, runs
from .data_source import Matrix
from .panels import chart, format_error, recovery_table
from .widgets import BIND, keep_across_pages, remember

PREFIX = "fx_day_"
MODES = ("Choose which factories run", "Enter its hourly output")
DEFAULT_LEVELS = (1.0, 0.0, 1.0)  # factories 1 and 3 run, factory 2 rests
LEVEL_TOP = 2.0
COLOURS = {"the truth": "#333333", "NNLS, true profiles": "#2ca02c",
           "NNLS, profiles hals found": "#9467bd"}


def _levels(k: int) -> tuple[float, ...]:
    columns = st.columns(k)
    levels = []
    for r, column in enumerate(columns):
        key = f"{PREFIX}{r + 1}"
        default = DEFAULT_LEVELS[r] if r < len(DEFAULT_LEVELS) else 0.0
        keep_across_pages(key)
        value = column.slider(f"Factory {r + 1} runs at", 0.0, LEVEL_TOP, default, 0.25,
                              key=key, bind=BIND,
                              help="1 is a normal day's run, 0 a day off, 0.5 half a day.")
        levels.append(remember(key, float(value), default))
    return tuple(levels)


def _entered_output(matrix: Matrix, start) -> list[float] | None:
    table = st.data_editor(
        {"hour": list(matrix.row_labels), "output": [float(v) for v in start]},
        key=PREFIX + "output", disabled=["hour"], hide_index=True, width="content",
        column_config={"output": st.column_config.NumberColumn(min_value=0.0, format="%.3g")})
    values = list(table["output"])
    missing = [matrix.row_labels[i] for i, v in enumerate(values) if v is None or v != v]
    if missing:
        st.error(f"Enter an output for every hour ({', '.join(missing)} is empty).")
        return None
    return [float(v) for v in values]


def level_figure(answers: dict, truth, k: int) -> go.Figure:
    """The factories' levels: the truth (when known) beside each NNLS answer."""
    names = [f"factory {r + 1}" for r in range(k)]
    fig = go.Figure()
    if truth is not None:
        fig.add_trace(go.Bar(x=names, y=list(truth), name="the truth",
                             marker_color=COLOURS["the truth"]))
    for name, answer in answers.items():
        fig.add_trace(go.Bar(x=names, y=list(answer.found), name=name,
                             marker_color=COLOURS[name],
                             hovertemplate="%{x}: %{y:.4g}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", height=320, plot_bgcolor="white",
                      **figures.top_layout("How much each factory ran",
                                           figures.legend_names(fig)))
    fig.update_yaxes(title="level (1 = a normal day)", gridcolor="#eeeeee")
    return fig


def output_figure(matrix: Matrix, answers: dict, output) -> go.Figure:
    """The day's hourly output and each answer's fitted output."""
    fig = go.Figure(go.Bar(x=list(matrix.row_labels), y=list(output), name="the day's output",
                           marker_color="#cccccc"))
    for name, answer in answers.items():
        fig.add_trace(go.Scatter(x=list(matrix.row_labels), y=list(answer.fitted),
                                 mode="lines+markers", name=f"fitted: {name}",
                                 line=dict(color=COLOURS[name], width=2.5)))
    fig.update_layout(height=320, plot_bgcolor="white",
                      **figures.top_layout("Hourly output and the fitted mix",
                                           figures.legend_names(fig)))
    fig.update_yaxes(title="output", gridcolor="#eeeeee")
    return fig


def new_day(matrix: Matrix, found_A) -> None:
    """Choose (or type) a new day's output; see the NNLS levels beside the truth, with
    the true profiles and with the ones hals found (put in the true order and units)."""
    st.header("A new day: which factories ran?")
    st.caption("A new day's output is a mix of the factories' profiles: x ≈ A s with s ≥ 0. "
               "With the profiles A fixed, the levels s are the exact non-negative "
               "least-squares answer (nmf_core.project). With the true profiles an exact day "
               "is read back exactly; with the profiles hals found (matched to the true "
               "factories and rescaled, since NMF fixes neither order nor scale) it is "
               "read back as well as those profiles allow: where they differ from the true "
               "ones (NMF is not unique), the levels differ too, even when the output is "
               "fitted exactly.")
    k = matrix.A_true.shape[1]
    keep_across_pages(PREFIX + "mode")
    mode = st.radio("The new day", MODES, key=PREFIX + "mode", horizontal=True, bind=BIND)
    remember(PREFIX + "mode", mode, MODES[0])
    levels = _levels(k)
    try:
        chosen = day_output(levels, matrix.A_true)
        truth = levels
        output = chosen
        if mode == MODES[1]:
            st.caption("Start from the chosen day's output and change any hour.")
            output = _entered_output(matrix, chosen)
            if output is None:
                return
            truth = levels if list(output) == [float(v) for v in chosen] else None
        answers = {
            "NNLS, true profiles": which_factories_ran(output, matrix.A_true, truth),
            "NNLS, profiles hals found": which_factories_ran(
                output, aligned_profiles(found_A, matrix.A_true), truth),
        }
    except NMFInputError as exc:
        st.error(str(exc))
        return
    left, right = st.columns(2)
    with left:
        chart(level_figure(answers, truth, k), key="new_day_levels")
    with right:
        chart(output_figure(matrix, answers, output), key="new_day_output")
    columns = st.columns(len(answers))
    for column, (name, answer) in zip(columns, answers.items(), strict=True):
        column.metric(f"Fit of the day: {name}", format_error(answer.rel_error),
                      help="‖x − A s‖ / ‖x‖ for the levels found")
    if truth is None:
        st.caption("This output was typed in, so there is no true answer to compare with.")


KNOWN = 0  # factory 1: the profile the second question assumes known
PROFILE_COLOURS = {"true profile": "#333333", "hals, nothing known": "#2ca02c",
                   "hals, factory 1 known": "#d62728"}


def profile_figure(matrix: Matrix, r: int, profiles: dict) -> go.Figure:
    """One factory's profile: the truth and each fit's column matched to it."""
    fig = go.Figure()
    for name, column in profiles.items():
        fig.add_trace(go.Scatter(
            x=list(matrix.row_labels), y=list(column), mode="lines+markers", name=name,
            line=dict(color=PROFILE_COLOURS[name], width=3 if name == "true profile" else 2,
                      dash="dot" if name == "true profile" else "solid")))
    fig.update_layout(height=300, plot_bgcolor="white",
                      **figures.top_layout(f"Factory {r + 1}", figures.legend_names(fig)))
    fig.update_yaxes(title="output per hour", gridcolor="#eeeeee")
    return fig


def known_profile(matrix: Matrix, settings: dict, free) -> None:
    """Hold factory 1's true profile fixed (semi-supervised NMF, hals) and show how the
    other two are found, beside the run that knew nothing (``free``)."""
    st.header("I know factory 1's profile")
    st.caption("Suppose factory 1's hourly profile is known. NMF can hold that column of A "
               "fixed (factorize(..., fixed_A={0: profile})) and fit only the rest: factory "
               "1's schedule and the other two factories. Same hals settings as above.")
    settings = {**settings, "max_seconds": runs.MAX_SECONDS}
    key = (matrix.fingerprint, *sorted(settings.items()))
    fixed = runs.cached("known_profile", key, lambda: fit_with_known_profile(
        matrix.X, matrix.A_true, KNOWN, **settings))
    runs.show_outcome(fixed)
    truth = matrix.A_true
    found = {"hals, nothing known": aligned_profiles(free.A, truth),
             "hals, factory 1 known": aligned_profiles(fixed.A, truth)}
    columns = st.columns(truth.shape[1])
    for r, column in enumerate(columns):
        with column:
            chart(profile_figure(matrix, r, {"true profile": truth[:, r],
                                             **{name: A[:, r] for name, A in found.items()}}),
                  key=f"known_profile_{r + 1}")
    recovery_table(truth, {"hals, nothing known": free.A, "hals, factory 1 known": fixed.A},
                   factor_word="factory")
    similarity = match_factors(truth, fixed.A).similarity
    others = ", ".join(f"factory {r + 1} {similarity[r]:.3f}" for r in range(truth.shape[1])
                       if r != KNOWN)
    st.markdown(
        f"With factory 1 held fixed the fit's error is {format_error(fixed.rel_error)} and "
        f"the others are found with similarity {others} (1 = the true shape). Where a "
        "similarity stays below 1 although the error is near 0, the data cannot tell that "
        "factory's profile apart: NMF is not unique, and other non-negative profiles and "
        "schedules give the same X. Knowing one profile removes that freedom only where it "
        "involved the known factory.")
