"""nmf_core.ui.figures: the plotly figures, built and checked without a browser."""

import numpy as np
import plotly.graph_objects as go
import pytest

from nmf_core import factorize
from nmf_core.data import factory_example
from nmf_core.ui import figures


@pytest.fixture(scope="module")
def factory_run():
    data = factory_example()
    return data, factorize(data.X, 3, "als", niter=30, reinit=4, seed=1, sampling="random")


def _only_heatmap(fig: go.Figure) -> go.Heatmap:
    assert isinstance(fig, go.Figure)
    assert len(fig.data) == 1 and isinstance(fig.data[0], go.Heatmap)
    return fig.data[0]


def test_heatmap_hover_shows_labels_and_value():
    M = np.arange(6.0).reshape(2, 3)
    trace = _only_heatmap(figures.heatmap(M, "M", row_labels=["mon", "tue"],
                                          col_labels=["a", "b", "c"]))
    assert list(trace.y) == ["mon", "tue"] and list(trace.x) == ["a", "b", "c"]
    assert "%{y}" in trace.hovertemplate and "%{x}" in trace.hovertemplate
    assert "%{z" in trace.hovertemplate
    assert np.allclose(np.asarray(trace.z, dtype=float), M)


def test_labels_default_and_are_never_merged():
    fig = figures.heatmap(np.ones((2, 3)), "M", row_labels=["x", "x"])
    trace = _only_heatmap(fig)
    assert list(trace.y) == ["1: x", "2: x"]  # a category axis would merge equal names
    assert list(trace.x) == ["column 1", "column 2", "column 3"]
    assert fig.layout.xaxis.type == "category" and fig.layout.yaxis.autorange == "reversed"


def test_x_and_as_share_one_colour_range(factory_run):
    data, result = factory_run
    figs = figures.result_figures(data.X, result.approximation, result.A, result.S,
                                  row_labels=data.row_labels, col_labels=data.col_labels)
    assert set(figs) == {"X", "AS", "residual", "A", "S"}
    x, a_s = _only_heatmap(figs["X"]), _only_heatmap(figs["AS"])
    assert (x.zmin, x.zmax) == (a_s.zmin, a_s.zmax)
    assert x.zmax >= max(data.X.max(), result.approximation.max()) - 1e-12
    assert x.colorscale == a_s.colorscale
    assert list(_only_heatmap(figs["A"]).y) == list(data.row_labels)
    assert list(_only_heatmap(figs["S"]).x) == list(data.col_labels)
    assert list(_only_heatmap(figs["S"]).y) == ["factor 1", "factor 2", "factor 3"]


def test_residual_is_centred_at_zero(factory_run):
    data, result = factory_run
    trace = _only_heatmap(figures.result_figures(data.X, result.approximation, result.A,
                                                 result.S)["residual"])
    assert trace.zmid == 0 and trace.zmin == -trace.zmax
    R = data.X - result.approximation
    assert trace.zmax == pytest.approx(np.abs(R).max())  # als, 30 iterations: a visible misfit
    assert trace.colorscale != _only_heatmap(figures.heatmap(data.X, "X")).colorscale


def test_round_off_residual_stays_pale():
    X = np.arange(1.0, 7.0).reshape(2, 3)
    AS = X + 1e-12
    trace = _only_heatmap(figures.result_figures(X, AS, np.ones((2, 1)), np.ones((1, 3)))
                          ["residual"])
    assert trace.zmax == pytest.approx(figures.RESIDUAL_FLOOR * 6)


def test_residual_is_blank_on_missing_cells():
    X = np.ones((3, 3))
    mask = np.ones((3, 3), dtype=bool)
    mask[1, 1] = False
    R = figures.residual(X, np.zeros((3, 3)), mask)
    assert np.isnan(R[1, 1]) and np.nansum(R) == 8


def test_negative_factors_get_a_diverging_scale():
    trace = _only_heatmap(figures.heatmap(np.array([[1.0, -2.0], [0.5, 3.0]]), "A"))
    assert trace.zmid == 0 and trace.zmin == -3.0 and trace.zmax == 3.0
    positive = _only_heatmap(figures.heatmap(np.array([[1.0, 2.0]]), "A"))
    assert positive.zmin == 0 and positive.zmid is None


def test_big_matrix_is_block_averaged_and_its_json_stays_small():
    rng = np.random.default_rng(0)
    M = rng.random((1200, 1100))
    fig = figures.heatmap(M, "X")
    trace = _only_heatmap(fig)
    assert "block means" in fig.layout.title.text
    assert tuple(fig.layout.meta["block"]) != (1, 1)
    assert len(trace.y) * len(trace.x) <= figures.MAX_HEATMAP_CELLS
    assert trace.y[0].startswith("rows row 1 …")
    assert len(fig.to_json()) < 2_000_000  # the full matrix would be about 25 MB


def test_result_page_for_a_2000_by_1000_upload_sends_under_3_mb():
    # Issue #4's figure budget: X, AS, residual, A and S of a 2000 x 1000, k=20 result.
    rng = np.random.default_rng(0)
    A, S = rng.random((2000, 20)), rng.random((20, 1000))
    X = A @ S + 0.1 * rng.random((2000, 1000))
    shown = figures.result_figures(X, A @ S, A, S)
    sizes = {name: len(fig.to_json()) for name, fig in shown.items()}
    assert all("block means" in shown[name].layout.title.text for name in ("X", "AS", "residual"))
    assert sum(sizes.values()) < 3_000_000, sizes


def test_convergence_shows_every_restart_and_the_best_bold(factory_run):
    _, result = factory_run
    fig = figures.convergence_figure(result)
    assert len(fig.data) == len(result.all_errors)
    best = fig.data[-1]
    assert best.line.width > max(t.line.width for t in fig.data[:-1])
    assert np.allclose(np.asarray(best.y, dtype=float), result.errors)
    assert fig.layout.yaxis.type == "linear"


def test_log_scale_has_no_zero_points():
    result = factorize(factory_example().X, 3, "hals", niter=200, reinit=2, seed=1)
    fig = figures.convergence_figure(result, log_y=True)
    assert fig.layout.yaxis.type == "log"
    assert all(np.asarray(t.y, dtype=float).min() > 0 for t in fig.data)


def test_long_curves_are_thinned_keeping_the_end():
    result = factorize(factory_example().X, 2, "mu", niter=5000, reinit=1, seed=0)
    best = figures.convergence_figure(result).data[-1]
    assert len(best.x) <= figures.MAX_CURVE_POINTS
    assert best.x[-1] == 5000 and best.y[-1] == pytest.approx(result.errors[-1])


def test_comparison_by_iteration_and_by_time(factory_run):
    _, als = factory_run
    hals = factorize(factory_example().X, 3, "hals", niter=50, reinit=2, seed=1)
    results = {"als": als, "hals": hals}
    by_iteration = figures.comparison_figure(results)
    assert [t.name for t in by_iteration.data] == ["als", "hals"]
    assert by_iteration.data[1].x[-1] == hals.n_iter
    by_time = figures.comparison_figure(results, x_axis="time", log_y=True)
    assert list(by_time.data[1].x) == list(hals.times)  # each point at its recorded time
    assert 0 < by_time.data[1].x[-1] <= hals.elapsed_s
    assert by_time.layout.xaxis.title.text == "elapsed time (s)"
    assert by_time.layout.yaxis.type == "log"
    with pytest.raises(ValueError):
        figures.comparison_figure(results, x_axis="seconds")


def test_log_error_axes_use_one_notation():
    """Measured: log axes mixed 10⁻¹⁶ with SI prefixes such as 100µ."""
    from nmf_core import factorize as run
    from nmf_core.data import factory_example as example

    result = run(example().X, 3, "hals", niter=50)
    assert figures.convergence_figure(result, log_y=True).layout.yaxis.exponentformat == "power"
    assert figures.convergence_figure(result).layout.yaxis.exponentformat != "power"


# --------------------------------------------------------------------------- projector view
def test_curve_legends_sit_above_the_plot_where_no_axis_title_is():
    """Measured: curve legends overlapped the axis title even at 1440 px."""
    from nmf_core import factorize
    from nmf_core.ui.figures import comparison_figure, convergence_figure

    X = np.random.default_rng(0).random((12, 10))
    result = factorize(X, 3, "hals", niter=5, reinit=2, seed=1)
    for fig in (convergence_figure(result, log_y=True),
                comparison_figure({"hals": result, "als": result}, log_y=True)):
        legend = fig.layout.legend
        assert legend.orientation == "h" and legend.yanchor == "bottom" and legend.y > 1
        title_lines = fig.layout.title.text.count("<br>") + 1
        assert fig.layout.margin.t >= 20 * title_lines + 22  # room for title and legend
        assert fig.layout.yaxis.exponentformat == "power"  # one notation on log axes


def test_long_titles_wrap_and_tick_labels_are_shortened_with_the_full_text_on_hover():
    """Measured: axis labels read "our 1" and "actory 1" at 150 % zoom."""
    from nmf_core.ui.figures import TICK_CHARS, TITLE_CHARS, heatmap

    rows = [f"a very long row label {i}" for i in range(3)]
    fig = heatmap(np.ones((3, 2)), "A heatmap with a title far longer than one line "
                  "of a narrow chart", row_labels=rows)
    assert all(len(line) <= TITLE_CHARS for line in fig.layout.title.text.split("<br>"))
    assert fig.layout.title.text.count("<br>") >= 1
    assert list(fig.data[0].y) == rows  # hover (and the data) keep the full text
    assert all(len(t) <= TICK_CHARS for t in fig.layout.yaxis.ticktext)
    assert list(fig.layout.yaxis.tickvals) == rows


def test_the_image_player_has_one_frame_per_snapshot_with_the_parts_grid_as_its_data():
    """Issue #10 req. 9: on image data the player animates the parts as pictures."""
    from nmf_core.data import bars
    from nmf_core.images import rows_as_images, tile_images
    from nmf_core.ui.figures import image_player

    data = bars(size=6, n_images=60)
    result = factorize(data.X, 4, "hals", niter=12, reinit=1, seed=3, snapshots=13)
    snaps = result.snapshots
    fig = image_player(snaps, result.errors, data.image_shape, frame_ms=125)
    names = [str(int(t)) for t in snaps.iterations]
    assert [frame.name for frame in fig.frames] == names  # one frame per snapshot
    assert [step["label"] for step in fig.layout.sliders[0].steps] == names
    assert fig.layout.meta["frame_ms"] == 125
    for index, frame in enumerate(fig.frames):
        marker, grid = frame.data
        assert list(frame.traces) == [1, 2]
        assert marker.x[0] == int(snaps.iterations[index])
        expected = tile_images(rows_as_images(snaps.S[index], data.image_shape), 2)
        np.testing.assert_allclose(np.asarray(grid.z, dtype=float), expected, rtol=1e-6)
    # the frames differ: the parts change as the solver runs
    assert not np.allclose(np.asarray(fig.frames[0].data[1].z, dtype=float),
                           np.asarray(fig.frames[-1].data[1].z, dtype=float), equal_nan=True)
