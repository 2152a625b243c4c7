"""The tables the app shows and lets you download: one function builds each
table's rows, and the page's table and its CSV both come from those rows, so a
download holds exactly what the page shows (at full precision).

CSV cells are written by :func:`table_csv_bytes`: numbers exactly (``repr``),
text through :func:`~nmf_core.csvio.neutralise_label` (no spreadsheet formulas).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .consensus import ConsensusScan
from .csvio import neutralise_label
from .model_selection import KScan
from .result import NMFResult

Row = dict[str, Any]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return "" if math.isnan(value) else repr(float(value))
    return neutralise_label(value)


def table_csv_bytes(rows: Sequence[Mapping[str, Any]],
                    columns: Sequence[str] | None = None) -> bytes:
    """``rows`` (dicts with the same keys) as UTF-8 CSV under a header of
    ``columns`` (default: the first row's keys).  Numbers exact, NaN and None
    blank, text neutralised against formula injection."""
    columns = list(columns if columns is not None else (rows[0] if rows else ()))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise_label(name) for name in columns])
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in columns])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- compare
def comparison_rows(results: Mapping[str, NMFResult]) -> list[Row]:
    """Per method: final error, time, iterations, best restart, loss, objective, Hoyer
    sparseness of A and S, diverged restarts, how it ended."""
    return [{
        "method": name,
        "final relative error": result.rel_error,
        "time (s)": result.elapsed_s,
        "iterations": result.n_iter,
        "best restart": result.best_run + 1,
        "loss": str(result.loss),
        "objective": None if result.objective is None else float(result.objective[-1]),
        "sparseness A": None if result.sparseness is None else result.sparseness["A"],
        "sparseness S": None if result.sparseness is None else result.sparseness["S"],
        "diverged restarts": f"{result.n_diverged} of {len(result.diverged)}",
        "how it ended": result.message,
    } for name, result in results.items()]


def comparison_curve_rows(results: Mapping[str, NMFResult]) -> list[Row]:
    """Every method's best curve, one row per (method, iteration): the error and
    the elapsed time when it was recorded (blank when the run kept no times)."""
    rows = []
    for name, result in results.items():
        times = result.times
        for t, error in enumerate(result.errors):
            rows.append({"method": name, "iteration": t,
                         "elapsed (s)": None if times is None else float(times[t]),
                         "relative error": float(error)})
    return rows


# --------------------------------------------------------------------------- choose k
def scan_rows(scan: KScan, consensus: ConsensusScan | None = None) -> list[Row]:
    """Per k: the fit error, the held-out error (mean over folds) and its spread,
    and the consensus' cophenetic correlation and dispersion (blank where not
    computed)."""
    stable = {} if consensus is None else {
        int(k): (float(c), float(d))
        for k, c, d in zip(consensus.ks, consensus.cophenetic, consensus.dispersion,
                           strict=True)}
    return [{"k": int(k), "fit error": float(f), "held-out error": float(c),
             "held-out spread (std over folds)": float(s),
             "cophenetic correlation": stable.get(int(k), (None, None))[0],
             "dispersion": stable.get(int(k), (None, None))[1]}
            for k, f, c, s in zip(scan.ks, scan.fit_error, scan.cv_error, scan.cv_std,
                                  strict=True)]


def scan_fold_rows(scan: KScan) -> list[Row]:
    """Per k and fold: the error on the cells that fold fitted and on those it hid."""
    return [{"k": int(k), "fold": fold + 1, "fit error": float(fit),
             "held-out error": float(held)}
            for k, fits, helds in zip(scan.ks, scan.fold_fit_error, scan.fold_cv_error,
                                      strict=True)
            for fold, (fit, held) in enumerate(zip(fits, helds, strict=True))]


# --------------------------------------------------------------------------- settings
def settings_json(page: str, settings: Mapping[str, Any], link: str) -> bytes:
    """A page's settings as JSON: the page, every control's value, and the link
    that opens them."""
    def plain(value):
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if isinstance(value, np.generic):
            return value.item()
        return value

    document = {"page": page or "workbench",
                "settings": {key: plain(value) for key, value in settings.items()},
                "link": link}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
