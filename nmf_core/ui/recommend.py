"""The Recommend page's blocks: data (synthetic films or an uploaded ratings file),
the model's settings, held-out error beside the baselines, and one user's view."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from ..films import FILMS_PARAMS, films
from ..params import Param
from ..ratings import BYTES_PER_ENTRY, DEFAULT_MAX_BYTES, load_ratings
from ..recommend import RECOMMEND_PARAMS, Recommender, fit_and_evaluate
from . import figures, numbers, runs
from .panels import chart
from .widgets import BIND, hidden_controls, keep_across_pages, param_widget, remember

PREFIX = "rec_"
DATA = Param("data", str, "films", "Built-in synthetic films with planted genre tastes, or "
             "your own ratings file.", choices=("films", "upload"))
AUTO_KS = (1, 2, 3, 4, 5, 6, 8, 12)  # the page's k grid for "auto" (kept small: it is live)
AUTO_REGS = (0.02, 0.05, 0.1, 0.2)
AUTO_FOLDS = 2
AUTO_MAX_RATINGS = 200_000  # above this the live page fits the chosen k instead
SEED = 0
LABELS = {"data": "Ratings", "users": "Users", "films": "Films", "density": "Density",
          "noise": "Noise (stars)", "genres": "Genres (planted k)", "seed": "Data seed",
          "k": "k: number of factors", "auto": "Choose k and λ by cross-validation",
          "reg": "λ (L2 per rating)", "biased": "Baseline: offset + user and item biases",
          "test_fraction": "Held-out share", "top_n": "Recommendations (top N)"}
COLOURS = {"model": "#1f77b4", "baseline": "#b0b0b0"}


def _widget(param: Param, **options):
    return param_widget(param, key=PREFIX + param.name, label=LABELS.get(param.name),
                        hidden=hidden_controls(), **options)


def data_controls() -> tuple[Any, tuple]:
    """(ratings, cache key) from the sidebar: the films generator's sliders, or an upload."""
    st.sidebar.subheader("Data")
    source = _widget(DATA)
    if source == "films":
        values = {name: _widget(param) for name, param in FILMS_PARAMS.items()}
        key = ("films", *values.values())
        return runs.cached("films", key, lambda: films(**values)).ratings, key
    uploaded = st.sidebar.file_uploader(
        "Ratings file", type=["csv", "tsv", "txt", "data", "dat"], key=PREFIX + "file",
        help="One rating a line: user, item, rating and an optional timestamp, separated by "
             "tabs, commas, semicolons, '::' or spaces; a header line is optional "
             f"(MovieLens u.data, ratings.csv and ratings.dat all work). At most "
             f"{DEFAULT_MAX_BYTES // BYTES_PER_ENTRY:,} ratings.")
    if uploaded is None:
        st.info("Upload a ratings file in the sidebar, or choose the built-in films.",
                icon=":material/upload_file:")
        st.stop()
    data = uploaded.getvalue()
    key = ("upload", hashlib.sha256(data).hexdigest())
    ratings = runs.cached("ratings", key, lambda: load_ratings(io.BytesIO(data)))
    for note in ratings.notes:
        st.info(note, icon=":material/content_copy:")
    return ratings, key


def model_controls() -> dict[str, Any]:
    st.sidebar.subheader("Model")
    values = {"auto": _widget(RECOMMEND_PARAMS["auto"])}
    if not values["auto"]:
        values["k"] = _widget(RECOMMEND_PARAMS["k"])
        values["reg"] = _widget(RECOMMEND_PARAMS["reg"])
    values["biased"] = _widget(RECOMMEND_PARAMS["biased"])
    values["test_fraction"] = _widget(RECOMMEND_PARAMS["test_fraction"])
    return values


def run(ratings, data_key: tuple, values: dict[str, Any]) -> tuple[Recommender, dict]:
    """The fitted model and its held-out figures, cached by data and settings."""
    if values["auto"] and ratings.n_ratings > AUTO_MAX_RATINGS:
        st.warning(f"{ratings.n_ratings:,} ratings are too many to cross-validate "
                   f"{len(AUTO_KS) * len(AUTO_REGS) * AUTO_FOLDS} fits live (at most "
                   f"{AUTO_MAX_RATINGS:,}); fitted at k = {RECOMMEND_PARAMS['k'].default} "
                   f"instead. The CLI's --k auto has no such limit.",
                   icon=":material/timer:")
        values = {**values, "auto": False, "k": RECOMMEND_PARAMS["k"].default,
                  "reg": RECOMMEND_PARAMS["reg"].default}
    k = "auto" if values["auto"] else values["k"]
    key = (data_key, k, values.get("reg"), values["biased"], values["test_fraction"], SEED,
           AUTO_KS, AUTO_REGS, AUTO_FOLDS)
    spinner = ("Choosing k and λ by cross-validation, then fitting" if values["auto"]
               else "Fitting")
    with st.spinner(f"{spinner} {ratings.n_ratings:,} ratings…"):
        return runs.cached("recommend", key, lambda: fit_and_evaluate(
            ratings, k=k, reg=values.get("reg"), biased=values["biased"],
            test_fraction=values["test_fraction"], seed=SEED, ks=AUTO_KS, regs=AUTO_REGS,
            folds=AUTO_FOLDS))


def error_bars_figure(model: Recommender, scores: dict) -> go.Figure:
    """Held-out RMSE of the model and of each baseline, as bars (lowest is best)."""
    names = [f"NMF k = {model.k}", *scores["baselines"]]
    values = [scores["rmse"], *scores["baselines"].values()]
    colours = [COLOURS["model"]] + [COLOURS["baseline"]] * len(scores["baselines"])
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=colours,
                           text=[f"{v:.3f}" for v in values], textposition="outside",
                           hovertemplate="%{x}: RMSE %{y:.4f}<extra></extra>"))
    fig.update_layout(**figures.top_layout("Held-out error (RMSE, stars): the model beside "
                                           "the baselines"),
                      yaxis_title="RMSE on held-out ratings", height=380, plot_bgcolor="white",
                      yaxis=dict(range=[0, 1.15 * max(values)], gridcolor="#eeeeee"),
                      meta={"rmse": values})
    return fig


def reg_curve_figure(model: Recommender) -> go.Figure:
    regs = list(model.reg_curve)
    fig = go.Figure(go.Scatter(x=regs, y=list(model.reg_curve.values()), mode="lines+markers",
                               hovertemplate="λ = %{x}<br>held-out RMSE %{y:.4f}"
                                             "<extra></extra>"))
    fig.add_vline(x=model.reg, line=dict(dash="dot", color="#d62728"))
    fig.update_layout(**figures.top_layout(f"Held-out RMSE against λ, at k = {model.k}"),
                      height=380, xaxis_title="λ (L2 per rating)", yaxis_title="held-out RMSE",
                      plot_bgcolor="white")
    return fig


def error_view(model: Recommender, scores: dict) -> None:
    columns = st.columns(4)
    columns[0].metric("Held-out RMSE", numbers.number(scores['rmse']))
    best = min(scores["baselines"], key=scores["baselines"].get)
    columns[1].metric(f"Best baseline ({best})", numbers.number(scores['baselines'][best]))
    columns[2].metric("k, λ", f"{numbers.count(model.k)}, {numbers.number(model.reg, 2)}")
    columns[3].metric("Cold-start test ratings", numbers.count(scores['cold_start']),
                      help="Test ratings whose user or item had no training rating: they "
                           "get the baseline's prediction.")
    st.caption(f"{model.train.n_ratings:,} training and {scores['n_test']:,} held-out "
               f"ratings; fitted in {model.fit_s:.2f} s. MAE {scores['mae']:.3f}; "
               f"precision@{scores['top_n']} {scores['precision_at_n']:.3f} and recall@"
               f"{scores['top_n']} {scores['recall_at_n']:.3f} (a held-out rating ≥ "
               f"{scores['relevant_from']:g} counts as liked).")
    chart(error_bars_figure(model, scores), key="rec_errors", note="rec_errors")
    if model.scan is not None:
        left, right = st.columns(2)
        with left:
            fig = figures.k_scan_figure(model.scan)
            fig.update_layout(**figures.top_layout("Held-out RMSE against k (best λ)",
                                                   figures.legend_names(fig)))
            fig.update_yaxes(title="RMSE")
            chart(fig, key="rec_k_curve", note="rec_k_curve")
        with right:
            chart(reg_curve_figure(model), key="rec_reg_curve", note="rec_reg_curve")
    else:
        st.caption("Turn on “Choose k and λ by cross-validation” for the k and λ curves.")


def top_n_markdown(model: Recommender, top: list[dict]) -> str:
    """The top-N list as numbered markdown lines: item, predicted stars, factor and
    that factor's top items."""
    lines = []
    for rank, entry in enumerate(top, start=1):
        why = ("no factor (baseline only)" if entry["factor"] is None else
               f"factor {entry['factor']}: " + ", ".join(model.top_items(entry["factor"], 3)))
        lines.append(f"{rank}. **{_escaped(entry['item'])}** — {entry['score']:.2f} ★ "
                     f"({_escaped(why)})")
    return "\n".join(lines) or "Nothing left to recommend: this user rated every item."


def _escaped(text: str) -> str:
    """Text shown as itself in markdown (ids may hold *, _, # or brackets)."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|~$" else c for c in str(text))


def user_view(model: Recommender) -> None:
    """One user's ratings, their top N with the factor behind each, that factor's films."""
    st.subheader("One user")
    users = [u for u, c in zip(model.user_ids, model.train_counts("user"), strict=True) if c]
    key = PREFIX + "user"
    hidden = hidden_controls()
    asked = st.query_params.get(key)
    if "user" in hidden:
        user = asked if asked in users else users[0]
    else:
        keep_across_pages(key)
        if st.session_state.get(key) not in (None, *users):
            st.session_state[key] = users[0]
        user = st.selectbox("User", users, index=0, key=key, bind=BIND,
                            help="Pick a user to see their ratings and recommendations.")
    remember(key, user, users[0])
    top_n = _widget(RECOMMEND_PARAMS["top_n"])
    u = model.user_index(user)
    train = model.train
    mine = np.flatnonzero(train.users == u)
    mine = mine[np.argsort(-train.values[mine], kind="stable")]
    top = model.recommend(user, top_n)
    left, right = st.columns([2, 3])
    with left:
        st.markdown(f"**Their {mine.size:,} training ratings**")
        st.dataframe([{"item": train.item_ids[train.items[t]], "rating": train.values[t]}
                      for t in mine], hide_index=True, width="stretch", height=360)
    with right:
        st.markdown(f"**Top {len(top)} recommendations** (items they have not rated), "
                    "each with the factor contributing most to it")
        st.markdown(top_n_markdown(model, top))
    factors = sorted({e["factor"] for e in top if e["factor"] is not None})
    if factors:
        st.markdown("**The factors behind these recommendations**: each factor's "
                    "highest-loading items (what the factor is about) and this user's "
                    "taste for it")
        W = model.fit.W[u]
        st.dataframe([{"factor": f"factor {f}", "their taste": round(float(W[f - 1]), 3),
                       "top items": ", ".join(model.top_items(f, 6))} for f in factors],
                     hide_index=True, width="stretch")
