"""Blocks for teaching with the app: the share link, ground truth, the parts of
image data as pictures, and predict-then-reveal."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import streamlit as st

from ..images import rows_as_images
from ..lessons import LOCAL_URL  # the link's base when the browser's address is unknown
from ..metrics import lowest, match_factors, negative_count
from ..result import NMFResult
from ..tables import settings_json
from . import figures, numbers, runs
from .data_source import NOT_IN_LINKS, Matrix
from .panels import chart, format_error
from .widgets import BIND, LINK_KEY, link_query, remember, solver_settings

EXAMPLE_IMAGES = 12


# --------------------------------------------------------------------------- share link
def page_link(url_path: str = "") -> str:
    """The full link to this page with every setting in use: the browser's
    address (or :data:`LOCAL_URL`) plus :func:`~.widgets.link_query`."""
    base = st.context.url or (LOCAL_URL + url_path)
    if not urlsplit(base).path:
        base += "/"  # the default page: http://host:port/
    query = link_query()
    return f"{base}?{query}" if query else base


def share_link(url_path: str = "", matrix: Matrix | None = None) -> None:
    """A "Share these settings" box at the foot of the sidebar, with a copy button."""
    link = page_link(url_path)
    with st.sidebar.expander("Share these settings", icon=":material/link:"):
        st.code(link, language=None, wrap_lines=True)
        st.caption("Copy it with the button in the box's corner. The link opens this page "
                   "with these settings, seed included, so it shows the same result. Add "
                   "&hide=init,sampling (any control's name) to hide controls.")
        if matrix is not None and matrix.spec is None:
            st.warning(f"{NOT_IN_LINKS} Whoever opens this link has to upload "
                       f"{matrix.name} themselves.", icon=":material/upload_file:")
        settings = {key: value for key, (value, _) in st.session_state.get(LINK_KEY,
                                                                            {}).items()}
        st.download_button("Download the settings (JSON)", key="download_settings.json",
                           data=lambda: settings_json(url_path, settings, link),
                           file_name="settings.json", mime="application/json",
                           on_click="ignore", width="stretch")


# --------------------------------------------------------------------------- ground truth
def recovery(matrix: Matrix, result: NMFResult):
    """Match ``result``'s factors to the true ones, on what defines a part:
    rows of S for image data (each part is a picture), columns of A otherwise
    (a factory's hourly profile, a synthetic factor).  Returns (match, word) or
    None when the truth is not known."""
    if matrix.A_true is None or matrix.S_true is None:
        return None
    if matrix.image_shape is not None:
        return match_factors(matrix.S_true.T, result.S.T), "part"
    return match_factors(matrix.A_true, result.A), "factor"


def ground_truth(matrix: Matrix, result: NMFResult) -> None:
    """Per true factor: the recovered factor matched to it and their cosine similarity."""
    found = recovery(matrix, result)
    if found is None:
        return
    match, word = found
    st.subheader("Did it find the true factors?")
    if matrix.image_shape is not None:
        st.caption("Each true part (a row of S: one picture) against the learned row of S "
                   "matched to it. Cosine similarity, 1 = the same picture up to brightness; "
                   "the matching (Hungarian method) undoes NMF's freedom to reorder factors.")
    else:
        st.caption("Each true factor (a column of A) against the learned column matched to "
                   "it. Cosine similarity, 1 = the same shape up to scale; the matching "
                   "(Hungarian method) undoes NMF's freedom to reorder factors. Non-negative "
                   "vectors are never far apart, so only values close to 1 mean a factor was "
                   "found.")
    k_true, k = len(match.order), result.A.shape[1]
    rows = [{
        f"true {word}": i + 1,
        "learned factor": "none left" if j < 0 else f"factor {j + 1}",
        "similarity": float(s),
    } for i, (j, s) in enumerate(zip(match.order, match.similarity, strict=True))]
    left, right = st.columns([1, 2])
    left.metric(f"Mean similarity over {k_true} true {word}s",
                numbers.number(match.mean_similarity),
                help="Unmatched true factors count as 0")
    if k < k_true:
        left.caption(f"k = {k} is fewer than the {k_true} true {word}s: {k_true - k} cannot "
                     "be matched.")
    elif k > k_true:
        left.caption(f"k = {k} is more than the {k_true} true {word}s: {k - k_true} learned "
                     "factors are left over.")
    right.dataframe(rows, hide_index=True, width="stretch", key="ground_truth", column_config={
        "similarity": st.column_config.ProgressColumn(
            "similarity", min_value=0.0, max_value=1.0, format="%.3f",
            help="Cosine similarity with the matched learned factor"),
    })


# --------------------------------------------------------------------------- images
def factor_images(matrix: Matrix, result: NMFResult, controls: Mapping[str, Any]) -> None:
    """When each row of X is an image: some images, the true parts and the
    learned parts (rows of S) as pictures, with the unconstrained factorization
    beside them on request."""
    if matrix.image_shape is None:
        return
    shape = matrix.image_shape
    st.subheader("Parts as pictures")
    st.caption("Each row of S reshaped into an image, scaled to its own brightest pixel. "
               "NMF can only add parts together, never subtract, so it tends to learn "
               "parts that look like pieces of the images.")
    columns = st.columns(3)
    with columns[0]:
        chart(figures.image_grid_figure(
            rows_as_images(matrix.X[:EXAMPLE_IMAGES], shape),
            f"The first {min(EXAMPLE_IMAGES, matrix.shape[0])} images (rows of X)",
            name="image"), key="images_X", note="images_X")
    with columns[1]:
        if matrix.S_true is not None:
            chart(figures.image_grid_figure(rows_as_images(matrix.S_true, shape),
                                            "The true parts", name="part"),
                  key="images_true", note="images_true")
    with columns[2]:
        chart(figures.image_grid_figure(rows_as_images(result.S, shape),
                                        f"Learned: the {result.S.shape[0]} rows of S"),
              key="images_S", note="images_S")
    if not result.params["nonnegative"]:
        st.info("Non-negative factors is off: these are unconstrained factors. Red pixels "
                "are negative; the images are built by adding and cancelling them.")
        return
    compare = st.toggle("Set against the unconstrained factorization (non-negative off)",
                        key="unconstrained", bind=BIND,
                        help="The same settings with the non-negativity constraint dropped")
    remember("unconstrained", compare, False)
    if not compare:
        return
    method = result.params["method"] if result.params["method"] != "mu" else "hals"
    settings = {**solver_settings(controls, method), "nonnegative": False}
    free = runs.run_factorization(matrix, settings, label="unconstrained")
    left, right = st.columns([1, 2])
    with left:
        st.metric("Error, non-negative", format_error(result.rel_error))
        st.metric("Error, unconstrained", format_error(free.rel_error),
                  delta=("+" if free.rel_error >= result.rel_error else "")
                  + numbers.number(free.rel_error - result.rel_error, 2), delta_color="off")
        st.metric("Negative entries, unconstrained",
                  numbers.count(negative_count(free.A, free.S)))
        st.caption(("mu cannot drop the constraint, so the comparison uses hals. "
                    if result.params["method"] == "mu" else "")
                   + unconstrained_fit_words(result, free)
                   + " The unconstrained factors stop being parts: they take negative values "
                   "(red) and the images are made by adding and cancelling whole-body "
                   "patterns. Non-negativity is what makes NMF learn parts (Lee and Seung, "
                   "1999).")
    with right:
        chart(figures.image_grid_figure(rows_as_images(free.S, shape),
                                        "Unconstrained: rows of S (red negative)"),
              key="images_free", note="images_free")


def unconstrained_fit_words(constrained, free) -> str:
    """What the two errors measured say: dropping the constraint can only help the best
    possible fit, so an unconstrained run that ends worse is named as what it is."""
    if free.truncated:
        return (f"The unconstrained run was {free.message}, so its error "
                f"({format_error(free.rel_error)}) is not its finished value.")
    if free.rel_error > constrained.rel_error * (1 + 1e-6) + 1e-12:
        return (f"Here the unconstrained fit is worse ({format_error(free.rel_error)} against "
                f"{format_error(constrained.rel_error)}): dropping the constraint can only help "
                "the best possible fit, so this run stopped at a local minimum.")
    return ("Dropping the constraint can only help the fit, and here it does "
            f"({format_error(free.rel_error)} against {format_error(constrained.rel_error)}).")


# --------------------------------------------------------------------------- predict first
PREDICT_KEY = "fx_predict"
PREDICTION_KEY = "fx_prediction"
REVEALED_KEY = "_fx_revealed"
ASKED_KEY = "_fx_asked"  # the settings the current prediction answers


def predict_first(errors: Mapping[str, float], settings_key: tuple) -> bool:
    """An optional "predict first" step: with the toggle on, ask which variant
    will reach the lowest error and hide the results until a prediction is
    revealed; then say whether it was right.  Returns whether to show results.

    ``errors`` maps each variant's name to its final error; ``settings_key``
    identifies the settings, so changing them asks again.
    """
    on = st.toggle("Predict first", key=PREDICT_KEY, bind=BIND,
                   help="Hide the results until you have said which run will do best")
    remember(PREDICT_KEY, on, False)
    if not on:
        return True
    names = list(errors)
    if st.session_state.get(ASKED_KEY) != settings_key:  # a new question: no old answer
        st.session_state.pop(PREDICTION_KEY, None)
        st.session_state[ASKED_KEY] = settings_key
    stored = st.session_state.get(REVEALED_KEY)
    revealed = stored is not None and stored[0] == settings_key
    choice = st.radio("Which run will reach the lowest final error?", names, index=None,
                      key=PREDICTION_KEY, horizontal=True)
    if not revealed:
        st.button("Reveal", key="fx_reveal", type="primary", disabled=choice is None,
                  icon=":material/visibility:", on_click=_reveal, args=(settings_key,))
        st.info("Make a prediction, then reveal the results."
                if choice is None else "Ready: press Reveal.")
        return False
    choice = stored[1]  # the prediction made before the reveal is the one judged
    best = lowest(errors)
    shown = ", ".join(f"{name} {format_error(e)}" for name, e in errors.items())
    winners = " and ".join(best)
    if choice in best:
        st.success(f"Right: you predicted {choice}, and {winners} reached the lowest error "
                   f"({shown}).", icon=":material/check_circle:")
    else:
        st.warning(f"Not this time: you predicted {choice}, but {winners} reached the lowest "
                   f"error ({shown}).", icon=":material/lightbulb:")
    return True


def _reveal(settings_key: tuple) -> None:
    """Before the rerun: fix the prediction being judged, so the results show at once."""
    st.session_state[REVEALED_KEY] = (settings_key, st.session_state.get(PREDICTION_KEY))
