"""The Python call and the CLI command that reproduce a run, bit for bit."""

from __future__ import annotations

import shlex

from .importing import changed_settings, cli_words
from .params import PARAMS, RESULT_SETTINGS

# The settings that decide a result (the table's RESULT_SETTINGS: max_seconds is
# left out, as a time cap is not reproducible), less those the chosen method ignores.
_RESULT_PARAMS = RESULT_SETTINGS


def _settings(params: dict) -> dict:
    return {name: params[name] for name in _RESULT_PARAMS
            if name in params and PARAMS[name].applies_to(params["method"])}


def _import_settings(missing: bool, import_settings: dict | None) -> dict:
    settings = dict(import_settings or {})
    if missing:
        settings["missing"] = "mask"
    return changed_settings(settings)


def load_call(source: str, import_settings: dict | None = None) -> str:
    """``load_csv(source, ...)`` with the import settings that differ from the defaults."""
    kwargs = "".join(f", {name}={value!r}"
                     for name, value in _import_settings(False, import_settings).items())
    return f"load_csv({source!r}{kwargs})"


def python_code(source: str, params: dict, csv: bool = False, missing: bool = False,
                import_settings: dict | None = None) -> str:
    """Python that reruns ``factorize`` on ``source`` (a data-set spec, or a CSV path).

    ``missing`` (CSV only): blank cells are missing values, fitted around with a mask;
    ``import_settings``: ``load_csv``'s keyword arguments (only those off their default
    are written).
    """
    mask = ""
    settings = _import_settings(missing, import_settings)
    if csv and settings.get("missing") == "mask":
        load = ("from nmf_core.csvio import load_csv\n\n"
                f"loaded = {load_call(source, settings)}\nX = loaded.values")
        mask = ", mask=loaded.mask"
    elif csv:
        load = f"from nmf_core.csvio import load_csv\n\nX = {load_call(source, settings)}.values"
    else:
        load = f"from nmf_core.data import load_dataset\n\nX = load_dataset({source!r}).X"
    args = ", ".join(f"{name}={value!r}" for name, value in _settings(params).items())
    return (f"from nmf_core import factorize\n{load}\n"
            f"result = factorize(X, k={params['k']}, method={params['method']!r}, {args}{mask})\n"
            f"print(result.rel_error)")


def cli_command(source: str, params: dict, missing: bool = False,
                import_settings: dict | None = None) -> str:
    """The ``python3 -m nmf_core factor`` line for the same run (``missing``: a CSV's
    blank cells are missing values; ``import_settings``: the matching flags)."""
    words = ["python3", "-m", "nmf_core", "factor", source, "--k", str(params["k"]),
             "--method", params["method"]]
    words += cli_words(_import_settings(missing, import_settings))
    for name, value in _settings(params).items():
        if name == "nonnegative":
            if not value:
                words.append("--allow-negative-factors")
            continue
        words += ["--" + name.replace("_", "-"), str(value)]
    return shlex.join(words)
