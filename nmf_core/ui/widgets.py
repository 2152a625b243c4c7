"""Sidebar controls built from the parameter table, with their state in the URL.

Every control is made by :func:`param_widget` from a :class:`~nmf_core.params.Param`
(the core's ``PARAMS`` for solver settings; for the data source, the core's
tables in :mod:`nmf_core.data`, gathered in :data:`DATA_PARAMS` under the
app's control keys), so a range, default or help text lives in one place.  Each
control has a stable ``key`` and ``bind="query-params"``: the URL holds every
setting that differs from its default, so a link reproduces a view.
``?hide=init,sampling`` hides the named controls; they then take their value
from the URL or their default.  Each control also records its value for the
page's share link (:func:`link_query`), which holds exactly the settings in use.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from ..data import BARS_PARAMS, DATA_SETTINGS, DATA_SOURCE
from ..errors import NMFInputError
from ..params import METHODS, PARAMS, RESULT_SETTINGS, Param

HIDE_PARAM = "hide"
BIND = "query-params"

LABELS = {
    "method": "Method",
    "methods": "Methods",
    "k": "k: number of factors",
    "niter": "Iterations (niter)",
    "kacziter": "Kaczmarz steps (kacziter)",
    "reinit": "Restarts (reinit)",
    "seed": "Seed",
    "init": "Initialisation",
    "sampling": "Sampling",
    "row_sampling": "Kaczmarz row sampling",
    "nonnegative": "Non-negative factors",
    "loss": "Loss",
    "alpha_A": "Penalty on A (alpha_A)",
    "alpha_S": "Penalty on S (alpha_S)",
    "l1_ratio": "L1 ratio (0 ridge, 1 lasso)",
    "data": "Data",
    "n": "Rows n",
    "m": "Columns m",
    "true_k": "True k",
    "noise": "Noise (ratio to the signal's spread)",
    "data_seed": "Data seed",
    "bar_size": "Image size (pixels a side)",
    "bar_images": "Images",
    "bar_probability": "Chance of each bar",
}

# Which methods a setting changes anything for (a setting missing here applies
# to every method).  Hidden settings keep their defaults, so a change to one
# the method ignores never misses the result cache.
SOLVER_SETTINGS = ("k", *RESULT_SETTINGS)

# The data-source controls: the core's declarations (nmf_core.data), under the
# app's control keys (which are also its URL parameters).
DATA_CONTROLS = {  # control key -> (generator, its setting)
    "n": ("synthetic", "n"), "m": ("synthetic", "m"), "true_k": ("synthetic", "k"),
    "noise": ("synthetic", "noise"), "data_seed": ("synthetic", "seed"),
    "bar_size": ("bars", "size"), "bar_images": ("bars", "n_images"),
    "bar_probability": ("bars", "probability"),
}

_LOG = logging.getLogger(__name__)


def _data_control(key: str, generator: str, setting: str) -> Param:
    param = replace(DATA_SETTINGS[generator][setting], name=key)
    if param.default is None:  # bars' probability: 1/size, at the default size
        param = replace(param, default=1 / BARS_PARAMS["size"].default, optional=False)
    return param


DATA_PARAMS: dict[str, Param] = {
    "data": DATA_SOURCE,
    **{key: _data_control(key, *where) for key, where in DATA_CONTROLS.items()},
}


LINK_KEY = "_link_values"
SEEN_KEY = "_link_seen"  # every control key drawn so far in this session


def start_link() -> None:
    """Forget the values recorded for the share link: called once per app run,
    so the link holds only the controls this run drew."""
    st.session_state[LINK_KEY] = {}


def remember(key: str, value: Any, default: Any) -> Any:
    """Record a control's value for the share link; returns ``value``."""
    st.session_state.setdefault(LINK_KEY, {})[key] = (value, default)
    st.session_state.setdefault(SEEN_KEY, set()).add(key)
    return value


def _url_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


def link_query() -> str:
    """The query string that reproduces this page: every recorded control whose
    value differs from its default (lists repeat the key, as Streamlit's URL
    binding writes them), then URL parameters of controls not drawn yet in this
    session (a section hidden for now, as behind predict-first: they stay in the
    address and apply once drawn), then ``hide``.  A control drawn before but
    not in this run is left out, as Streamlit drops it from the address."""
    recorded = st.session_state.get(LINK_KEY, {})
    seen = st.session_state.get(SEEN_KEY, set())
    pairs: list[tuple[str, str]] = []
    for key, (value, default) in recorded.items():
        if value == default:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((key, _url_text(v)) for v in value)
        else:
            pairs.append((key, _url_text(value)))
    for key in st.query_params:
        if key not in recorded and key not in seen and key != HIDE_PARAM:
            pairs.extend((key, v) for v in st.query_params.get_all(key))
    hidden = hidden_controls()
    if hidden:
        pairs.append((HIDE_PARAM, ",".join(sorted(hidden))))
    return urlencode(pairs, safe=",")


def applies(name: str, method: str) -> bool:
    """Whether setting ``name`` changes the result of ``method``."""
    return PARAMS[name].applies_to(method) if name in PARAMS else True


def hidden_controls() -> frozenset[str]:
    """Names listed in ``?hide=a,b`` (repeats and spaces allowed)."""
    names: set[str] = set()
    for value in st.query_params.get_all(HIDE_PARAM):
        names.update(part.strip() for part in value.split(",") if part.strip())
    return frozenset(names)


def _from_text(param: Param, text: str) -> Any:
    if param.choices is not None:
        return text
    if param.kind is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes", "on"):
            return True
        if lowered in ("false", "0", "no", "off"):
            return False
        return text
    return float(text) if param.kind is float else int(float(text))


def url_value(param: Param, key: str, default: Any, low=None, high=None) -> Any:
    """The value ``?key=...`` asks for, checked against ``param``; else ``default``."""
    text = st.query_params.get(key)
    if text is None:
        return default
    try:
        value = param.validate(_from_text(param, text))
    except (NMFInputError, ValueError, TypeError):
        return default
    if (low is not None and value < low) or (high is not None and value > high):
        return default
    return value


def keep_across_pages(key: str) -> None:
    """Carry a control's value to the next page that draws the same key.

    Streamlit drops a widget's value when another page's script runs (the URL
    binding only restores it on return to the same page); writing the value
    back under its key before the widget is drawn keeps it, so the compare
    page starts from the workbench's data and settings.
    """
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


def _asked_number(param: Param, key: str) -> float | None:
    """The value this control had (session state) or the URL asks for, if a number."""
    kept = st.session_state.get(key)
    if isinstance(kept, (int, float)) and not isinstance(kept, bool):
        return kept
    text = st.query_params.get(key)
    try:
        return None if text is None else param.kind(float(text))
    except (TypeError, ValueError, OverflowError):
        return None


def _slider_step(param: Param, low: float, high: float):
    if param.kind is int:
        return 1
    return float(10 ** math.floor(math.log10((high - low) / 100))) if high > low else 0.01


def param_widget(param: Param, *, key: str | None = None, **options) -> Any:
    """One control for ``param`` (see :func:`_param_widget`).  When the link asked for a
    value the control cannot take (not a value of its kind, or out of its range), a
    notice names the setting, the value given and the value used, and the address is
    set to the value in effect."""
    key = key or param.name
    given = st.query_params.get(key)
    value = _param_widget(param, key=key, **options)
    if given is not None and not _same(param, given, value):
        shown = _url_text(value)
        st.warning(f"The link's {key}={given!r} is not a possible value here "
                   f"({_possible(param, options)}); using {shown}.",
                   icon=":material/link_off:")
        try:
            st.query_params[key] = shown
        except Exception:  # noqa: BLE001 - a bound widget's key may be Streamlit's to write
            _LOG.debug("could not rewrite ?%s in the address", key)
    return value


def _same(param: Param, text: str, value: Any) -> bool:
    """Whether the URL's ``text`` means ``value`` (``2000`` and ``2000.0`` alike)."""
    if text == _url_text(value):
        return True
    try:
        asked = _from_text(param, text)
    except (TypeError, ValueError, OverflowError):
        return False
    if isinstance(value, bool) or param.choices is not None:
        return asked == value
    try:
        return float(asked) == float(value)
    except (TypeError, ValueError):
        return False


def _possible(param: Param, options: dict) -> str:
    if param.choices is not None:
        return "one of " + ", ".join(options.get("choices") or param.choices)
    if param.kind is bool:
        return "true or false"
    top = param.slider_high if options.get("high") is None else min(options["high"],
                                                                    param.slider_high)
    return f"{param.kind.__name__} from {param.slider_low:,} to {param.kind(top):,}"


def _param_widget(
    param: Param,
    *,
    key: str | None = None,
    default: Any = None,
    high: float | None = None,
    choices: Iterable[str] | None = None,
    hidden: Iterable[str] = (),
    label: str | None = None,
    help: str | None = None,
    too_high: str | None = None,
    container=None,
) -> Any:
    """One control for ``param``: selectbox for choices, toggle for bools, slider
    for numbers, bound to the URL under ``key`` (default: the param's name).

    ``default`` overrides the table's default (a page may start elsewhere),
    ``high`` lowers the slider's top (never above the table's ``slider_high``)
    and ``choices`` narrows the options.  A name in ``hidden`` is not drawn and
    takes its URL value or default.  A slider with nothing to choose (top equal
    to bottom) is shown as a caption.
    """
    key = key or param.name
    container = st.sidebar if container is None else container
    label = label or LABELS.get(param.name, param.name)
    help = param.help if help is None else help
    default = param.default if default is None else default
    if param.number_too and param.kind is not str:  # a keyword (alpha_S's "same") or a number
        return _keyword_or_number(param, key, default, hidden, label, help, container)
    if param.name not in hidden:
        keep_across_pages(key)

    if param.choices is not None:
        options = list(param.choices if choices is None else choices)
        default = default if default in options else options[0]
        if param.name in hidden:
            value = url_value(param, key, default)
            return remember(key, value if value in options else default, default)
        return remember(key, container.selectbox(
            label, options, index=options.index(default), key=key, help=help, bind=BIND),
            default)
    if param.kind is bool:
        if param.name in hidden:
            return remember(key, url_value(param, key, bool(default)), bool(default))
        return remember(key, container.toggle(label, value=bool(default), key=key, help=help,
                                              bind=BIND), bool(default))

    low = param.slider_low
    top = param.slider_high if high is None else min(high, param.slider_high)
    top = param.kind(top)
    low = param.kind(low)
    default = param.kind(min(max(default, low), top))
    link_default = default  # what the page shows when the URL does not name this control
    asked = _asked_number(param, key)
    if asked is not None and asked > top:
        if too_high:
            st.warning(too_high.format(value=asked, top=top))
        if param.name not in hidden:
            st.session_state[key] = top
        default = top
    if param.name in hidden:
        return remember(key, url_value(param, key, default, low, top), link_default)
    if top <= low:
        container.caption(f"{label}: {low} (the only possible value)")
        return low
    return remember(key, container.slider(
        label, min_value=low, max_value=top, value=default,
        step=_slider_step(param, low, top), key=key, help=help, bind=BIND), link_default)


def _keyword_or_number(param: Param, key: str, default, hidden, label, help, container):
    """A toggle for the keyword (``param.choices[0]``), and a slider when it is off."""
    keyword = param.choices[0]
    toggle_key = f"{key}_{keyword}"
    asked = url_value(param, key, default)
    on_default = default == keyword
    if param.name in hidden:
        return remember(key, asked, default)
    keep_across_pages(toggle_key)
    use_keyword = remember(toggle_key, container.toggle(
        f"{label}: {keyword}", value=on_default, key=toggle_key, help=help, bind=BIND),
        on_default)
    if use_keyword:
        return remember(key, keyword, default)
    number = replace(param, choices=None, number_too=False,
                     default=0.0 if not isinstance(default, (int, float)) else default)
    return param_widget(number, key=key, hidden=hidden, label=label, help=help,
                        container=container)


def _loss_choices(chosen) -> tuple[str, ...]:
    """The named losses every chosen method minimises."""
    from ..objective import beta_of
    from ..solvers import solver_class

    return tuple(name for name in PARAMS["loss"].choices
                 if all(solver_class(m).supports_loss(beta_of(name)) for m in chosen))


def parameter_controls(
    *,
    shape: tuple[int, int],
    defaults: Mapping[str, Any] | None = None,
    key_prefix: str = "",
    methods: tuple[str, ...] = METHODS,
    multi_method: bool = False,
    container=None,
) -> dict[str, Any]:
    """The solver settings, drawn in the sidebar from ``PARAMS``; returns their values.

    ``shape`` is the data's (n, m): the k slider stops at min(n, m).  With
    ``multi_method`` the method is a multiselect and the result has
    ``"methods"`` (a tuple) instead of ``"method"``.  Settings that no chosen
    method uses are not drawn and keep their defaults (``kacziter`` and
    ``row_sampling`` for rk only, ``sampling`` for als and rk,
    ``nonnegative`` not for mu).  ``key_prefix`` keeps one page's settings
    (and URL parameters) apart from another's.
    """
    defaults = dict(defaults or {})
    container = st.sidebar if container is None else container
    hidden = hidden_controls()
    values: dict[str, Any] = {}

    def widget(name: str, **options) -> Any:
        return param_widget(PARAMS[name], key=key_prefix + name, default=defaults.get(name),
                            hidden=hidden, container=container, **options)

    if multi_method:
        chosen = _method_multiselect(methods, defaults, key_prefix, hidden, container)
        values["methods"] = chosen
    else:
        chosen = (widget("method", choices=methods),)
        values["method"] = chosen[0]
    n, m = shape
    if min(n, m) < PARAMS["k"].slider_high:
        too_high = ("k = {value} is larger than min(n, m) = {top} for this "
                    f"{n}×{m} matrix; using k = {{top}}.")
    else:
        too_high = "k = {value} is above the slider's top, {top}; using k = {top}."
    values["k"] = widget("k", high=min(n, m), too_high=too_high)
    for name in RESULT_SETTINGS:
        if name == "loss":
            values[name] = widget(name, choices=_loss_choices(chosen))
        elif any(applies(name, method) for method in chosen):
            values[name] = widget(name)
        else:
            values[name] = defaults.get(name, PARAMS[name].default)
    for method in chosen:
        if not applies("nonnegative", method) and "nonnegative" not in hidden:
            container.caption(f"{method} keeps A and S non-negative by construction.")
    return values


def _method_multiselect(methods, defaults, key_prefix, hidden, container) -> tuple[str, ...]:
    key = key_prefix + "methods"
    default = [m for m in defaults.get("methods", methods) if m in methods]
    if "methods" in hidden or "method" in hidden:
        asked = [m for text in st.query_params.get_all(key) for m in text.split(",")
                 if m in methods]
        return tuple(remember(key, asked or default, default))
    keep_across_pages(key)
    chosen = container.multiselect(LABELS["methods"], list(methods), default=default, key=key,
                                   help=PARAMS["method"].help, bind=BIND)
    return tuple(remember(key, list(chosen), default))


def solver_settings(values: Mapping[str, Any], method: str) -> dict[str, Any]:
    """The keyword arguments for ``factorize`` with ``method``: settings the
    method ignores are reset to their defaults (so mu, which reads no
    ``nonnegative``, is always non-negative)."""
    settings = {"method": method}
    for name in SOLVER_SETTINGS:
        value = values.get(name, PARAMS[name].default)
        settings[name] = value if applies(name, method) else PARAMS[name].default
    return settings
