"""The choose-k page's stability block (issue #14): consensus beside the held-out
curve, the reordered consensus heatmap, and the single-restart explanation."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

from nmf_core.consensus import MEASURES, consensus_scan
from nmf_core.data import load_dataset

APP = str(Path(__file__).resolve().parents[1] / "app.py")
pytestmark = pytest.mark.usefixtures("empty_cache")
SYNTHETIC = dict(data="synthetic", n="30", m="24", true_k="3", noise="0.05")


def page(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(query)
    at.run()
    return at.switch_page("app_pages/choose_k.py").run()


def charts(at: AppTest) -> dict:
    """Each plotly chart's figure, by the key it was drawn with."""
    return {chart.proto.id.rsplit("-", 1)[-1]: plotly.io.from_json(chart.proto.spec)
            for chart in at.get("plotly_chart")}


def array(data) -> np.ndarray:
    """A figure's data array (plotly sends numpy arrays base64-encoded)."""
    if isinstance(data, dict) and "bdata" in data:
        flat = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
        shape = data.get("shape")
        if isinstance(shape, str):
            shape = [int(s) for s in shape.split(",")]
        return flat.reshape(shape) if shape else flat
    return np.array(data, dtype=float)


def test_stability_shows_beside_the_curve_with_the_cores_values():
    at = page(**SYNTHETIC, ck_ks=["1", "4"], ck_restarts="3", ck_niter="60")
    assert not at.exception and not at.error, [e.value for e in at.error]
    figs = charts(at)
    assert {"k_scan", "stability", "consensus_heatmap"} <= set(figs)
    text = " ".join(c.value for c in at.caption)
    assert MEASURES["cophenetic"] in text and MEASURES["dispersion"] in text
    assert MEASURES["consensus"].format(items="columns") in text
    X = load_dataset("synthetic:n=30,m=24,k=3,noise=0.05").X
    expected = consensus_scan(X, [2, 3, 4], "hals", restarts=3, niter=60, seed=0)
    stability = figs["stability"]
    assert list(array(stability.data[0].x)) == [2, 3, 4]
    assert np.allclose(array(stability.data[0].y), expected.cophenetic)
    assert np.allclose(array(stability.data[1].y), expected.dispersion)
    best = int(next(m.value for m in at.metric if m.label.startswith("Best k")))
    heat = figs["consensus_heatmap"]
    # long titles wrap at word breaks (<br>) so they stay readable on a projector
    assert f"at k = {best} over 3 restarts" in heat.layout.title.text.replace("<br>", " ")
    assert np.allclose(array(heat.data[0].z), expected.at(best).ordered_matrix, atol=1e-6)


def test_a_single_restart_is_explained_instead_of_constant_ones():
    at = page(**SYNTHETIC, ck_ks=["1", "4"], ck_restarts="1", ck_niter="40")
    assert not at.exception and not at.error
    info = " ".join(i.value for i in at.info)
    assert "needs several restarts" in info and "1 at every k" in info
    figs = charts(at)
    assert "k_scan" in figs
    assert "stability" not in figs and "consensus_heatmap" not in figs
