"""nmf_core/tables.py: the rows behind every downloadable table, and their CSV."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from nmf_core import factorize
from nmf_core.data import factory_example
from nmf_core.model_selection import scan_k
from nmf_core.tables import (
    comparison_curve_rows,
    comparison_rows,
    scan_fold_rows,
    scan_rows,
    settings_json,
    table_csv_bytes,
)

X = factory_example().X


def read(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def test_csv_keeps_numbers_exact_and_neutralises_formulas():
    rows = [{"name": "=HYPERLINK(\"x\")", "value": 0.1 + 0.2, "n": 3, "gap": float("nan"),
             "none": None, "flag": True},
            {"name": "plain, with comma", "value": 1e-300, "n": 0, "gap": 1.0,
             "none": None, "flag": False}]
    back = read(table_csv_bytes(rows))
    assert back[0]["name"] == "'=HYPERLINK(\"x\")"
    assert back[1]["name"] == "plain, with comma"
    assert float(back[0]["value"]) == 0.1 + 0.2 and float(back[1]["value"]) == 1e-300
    assert back[0]["gap"] == "" and back[0]["none"] == "" and back[0]["flag"] == "true"
    header = table_csv_bytes([{"@sum": 1}]).decode().splitlines()[0]
    assert header == "'@sum"


def test_comparison_rows_and_curves_match_the_results():
    results = {m: factorize(X, 3, m, niter=20, reinit=2, seed=1) for m in ("hals", "mu")}
    table = comparison_rows(results)
    assert [r["method"] for r in table] == ["hals", "mu"]
    assert [r["final relative error"] for r in table] == [results[m].rel_error
                                                         for m in results]
    curves = comparison_curve_rows(results)
    for method, result in results.items():
        mine = [r for r in curves if r["method"] == method]
        assert [r["relative error"] for r in mine] == result.errors.tolist()
        assert [r["elapsed (s)"] for r in mine] == result.times.tolist()


def test_scan_rows_per_k_and_per_fold_agree():
    scan = scan_k(X, [1, 2, 3], "hals", folds=3, niter=40, reinit=1, init="nndsvd")
    per_k, per_fold = scan_rows(scan), scan_fold_rows(scan)
    assert [r["k"] for r in per_k] == [1, 2, 3]
    assert len(per_fold) == 9 and {r["fold"] for r in per_fold} == {1, 2, 3}
    for row in per_k:
        held = [r["held-out error"] for r in per_fold if r["k"] == row["k"]]
        assert np.mean(held) == pytest.approx(row["held-out error"], rel=1e-12)
        assert np.std(held) == pytest.approx(row["held-out spread (std over folds)"],
                                             rel=1e-9, abs=1e-15)


def test_settings_json_names_the_page_values_and_link():
    data = settings_json("", {"k": np.int64(3), "ks": (1, 8), "log_y": True},
                         "http://x/?k=3")
    document = json.loads(data)
    assert document == {"page": "workbench", "settings": {"k": 3, "ks": [1, 8],
                                                          "log_y": True},
                        "link": "http://x/?k=3"}
