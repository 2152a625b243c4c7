"""Guidance on every page: the lesson picker (lessons declared in
:mod:`nmf_core.lessons`), the open lesson's goal and question, a reset to the
page's defaults, and the "what to look at" line beside each figure.

A lesson is open while ``?lesson=<name>`` is in the address of its page, so a
lesson's link opens it with its goal and question.
Choosing a lesson forgets every control's value and opens the lesson's page
with the lesson's settings, so controls it does not name start at their
defaults.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ..lessons import BY_SLUG, LESSON_PARAM, Lesson, figure_note
from .widgets import HIDE_PARAM, LINK_KEY, SEEN_KEY

PAGE_KEY = "_guide_page"  # this run's page (its URL path, "" for the workbench)
PAGES_KEY = "_guide_pages"  # URL path -> st.Page, for opening a lesson's page
PICK_KEY = "lesson_picker"
OPEN_KEY = "_lesson_open"  # set by the picker: the controls the page on screen drew
NO_LESSON = ""
# State that is not a control but belongs to a page's current view: forgotten
# on reset and when a lesson opens (predict-first's prediction and reveal).
VIEW_STATE = ("fx_prediction", "_fx_revealed")


def _title(slug: str) -> str:
    return "None: explore freely" if slug == NO_LESSON else BY_SLUG[slug].title


def active_lesson() -> Lesson | None:
    """The lesson open on this page: the one the address names, if it belongs here."""
    lesson = BY_SLUG.get(_url_lesson())
    return lesson if lesson is not None and lesson.page == current_page() else None


def current_page() -> str:
    return st.session_state.get(PAGE_KEY, "")


def note(figure: str) -> str:
    """The line beside ``figure`` on this page: the open lesson's, else its own."""
    return figure_note(current_page(), figure, active_lesson())


def figure_caption(figure: str, container=None) -> None:
    """Draw the "what to look at" line for ``figure``."""
    lesson = active_lesson()
    text = note(figure)
    ours = lesson is not None and figure in lesson.notes
    (container or st).caption(f":material/school: **Lesson:** {text}" if ours
                              else f":material/visibility: {text}")


# --------------------------------------------------------------------------- picker
def lesson_sidebar(page, pages) -> None:
    """The lesson picker and the reset button at the top of the sidebar, and the
    open lesson's goal and question above the page.  ``page`` is the page about
    to run, ``pages`` every page of the navigation (``st.Page`` objects)."""
    st.session_state[PAGE_KEY] = page.url_path
    st.session_state[PAGES_KEY] = {p.url_path: p for p in pages}
    opening = st.session_state.pop(OPEN_KEY, None)
    if not opening:  # the picker shows the lesson the address names
        st.session_state[PICK_KEY] = _url_lesson()
    choice = st.sidebar.selectbox(
        "Lesson", [NO_LESSON, *BY_SLUG], format_func=_title, key=PICK_KEY,
        on_change=_ask_open, help="Opens the lesson's page with its settings, and shows its "
        "goal and the question to answer before looking")
    if opening is not None:
        if choice in BY_SLUG:
            open_lesson(BY_SLUG[choice], drawn=opening)
        elif LESSON_PARAM in st.query_params:
            del st.query_params[LESSON_PARAM]
    lesson = active_lesson()
    if lesson is not None:
        lesson_box(lesson)
        st.sidebar.button("Open the lesson's settings again", key="lesson_restart",
                          icon=":material/replay:", on_click=_ask_open, width="stretch",
                          help="Back to the settings the lesson starts from")
    st.sidebar.button("Reset to defaults", key="reset_defaults", icon=":material/restart_alt:",
                      on_click=reset_page, width="stretch",
                      help="Every control of this page back to its default; the address "
                           "keeps no settings")


def _url_lesson() -> str:
    slug = st.query_params.get(LESSON_PARAM, NO_LESSON)
    return slug if slug in BY_SLUG else NO_LESSON


def lesson_box(lesson: Lesson) -> None:
    """The lesson's title, goal and question above the page, with what to look at."""
    with st.container(border=True, key="lesson_box"):
        st.markdown(f"**:material/school: Lesson: {lesson.title}**  \n"
                    f"**Goal:** {lesson.goal}")
        st.info(f"**Before you look:** {lesson.question}", icon=":material/quiz:")
        with st.expander("What to look at", icon=":material/visibility:"):
            st.markdown("\n".join(f"- {item}" for item in lesson.look_at))


def _ask_open() -> None:
    st.session_state[OPEN_KEY] = dict(st.session_state.get(LINK_KEY, {}))


def _forget_controls() -> None:
    for key in st.session_state.get(SEEN_KEY, set()) | set(VIEW_STATE):
        if key in st.session_state:
            del st.session_state[key]
    st.session_state[SEEN_KEY] = set()


def _release_url(keys) -> None:
    """Let this run set the address: Streamlit refuses to change a URL parameter
    bound to a widget, and a control's binding lasts until a run no longer draws
    it.  The controls are forgotten with it, so they bind again, from the new
    address, when drawn."""
    ctx = get_script_run_ctx()
    with ctx.session_state.query_params() as params:
        for key in {*params.to_dict(), *keys}:
            binding = params.get_binding_for_param(key)
            if binding is not None:
                params.unbind_widget(binding.widget_id)


def open_lesson(lesson: Lesson, drawn=None) -> None:
    """Open ``lesson``'s page with its settings and nothing else: every control's
    value is forgotten first, so the lesson's URL decides (or the default).
    ``drawn`` (key -> (value, default)) are the controls the page on screen drew:
    those the lesson leaves out are set to their defaults, since a control that
    stays on screen keeps what it shows unless told otherwise."""
    _forget_controls()
    if lesson.page == current_page():
        for key, (value, default) in (drawn or {}).items():
            if key not in lesson.query and value != default:
                st.session_state[key] = default
    _release_url(lesson.query)
    target = st.session_state.get(PAGES_KEY, {}).get(lesson.page)
    st.switch_page(target, query_params=lesson.query)


def reset_page() -> None:
    """Every control this page drew back to its default, the prediction
    forgotten, and the address cleared of settings (``hide`` stays: it is the
    teacher's choice of view, not a setting)."""
    for key, (_, default) in st.session_state.get(LINK_KEY, {}).items():
        # a range slider holds a tuple, its link records a list
        shown = st.session_state.get(key)
        st.session_state[key] = tuple(default) if isinstance(shown, tuple) else default
    for key in VIEW_STATE:
        st.session_state.pop(key, None)
    hide = st.query_params.get_all(HIDE_PARAM)
    _release_url(())
    st.query_params.clear()
    if hide:
        st.query_params[HIDE_PARAM] = hide
    # controls this run draws for the first time read the address as it is now
    with get_script_run_ctx().session_state.query_params() as params:
        params.set_initial_query_params(urlencode([(HIDE_PARAM, v) for v in hide]))
