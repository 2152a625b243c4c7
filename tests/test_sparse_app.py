"""The app with a sparse upload (.mtx, triples): shape, density and stored entries,
a result, and figures built from block means without any n×m array."""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pytest
import scipy.io
import scipy.sparse as sp

from nmf_core.downsample import block_average
from nmf_core.sparse.display import block_mean_product, difference, sparse_block_mean
from nmf_core.ui import figures, panels
from nmf_core.ui.data_source import matrix_from_sparse
from tests.test_app import app, assert_clean, metric, page_text


def mtx_bytes(X) -> bytes:
    out = io.BytesIO()
    scipy.io.mmwrite(out, sp.coo_matrix(X))
    return out.getvalue()


def small_sparse(seed: int = 0, n: int = 30, m: int = 20, density: float = 0.2):
    rng = np.random.default_rng(seed)
    return sp.random_array((n, m), density=density, format="csr", rng=rng,
                           data_sampler=lambda size: rng.uniform(0.5, 2.0, size))


TRIPLES = b"user\titem\trating\nann\tfilm a\t4\nann\tfilm b\t1\nbob\tfilm b\t5\ncid\tfilm c\t2\n"


def upload(at, content: bytes, name: str):
    at.file_uploader(key="csv_file").set_value((name, content, "application/octet-stream"))
    return at.run()


def test_a_matrix_market_upload_shows_shape_density_stored_and_a_result():
    X = small_sparse()
    at = upload(app(data="csv", k="2", method="hals").run(), mtx_bytes(X), "counts.mtx")
    assert_clean(at)
    text = page_text(at)
    assert "sparse X (30 × 20)" in text
    assert f"{X.nnz:,} stored entries" in text
    assert f"density {100 * X.nnz / 600:.2g} %" in text
    assert 0 < float(metric(at, "Relative error")) < 1
    assert not any(b.label == "Download AS.csv" for b in at.get("download_button"))
    at.toggle(key="player").set_value(True).run()  # it would draw AS at every step
    assert_clean(at)
    assert any("player is not available for a sparse X" in i.value for i in at.info)


def test_a_matrix_market_upload_fits_the_kullback_leibler_loss():
    at = app(data="csv", k="2", method="mu", loss="kullback-leibler").run()
    at = upload(at, mtx_bytes(small_sparse(4)), "counts.mtx")
    assert_clean(at)
    assert at.selectbox(key="loss").value == "kullback-leibler"
    assert "stored entries" in page_text(at)
    assert float(metric(at, "Relative error")) < 1


def test_a_triples_upload_keeps_the_ids_as_labels_and_gives_a_result():
    at = app(data="csv", k="2", method="mu").run()
    at.checkbox(key="csv_triples").check()
    at = upload(at.run(), TRIPLES, "ratings.tsv")
    assert_clean(at)
    text = page_text(at)
    assert "sparse X (3 × 3)" in text and "4 stored entries" in text
    assert "density 44 %" in text
    assert "--triples" in text  # the reproduce box's CLI line reads it the same way
    assert float(metric(at, "Relative error")) < 1


def test_triples_keep_their_ids_as_labels():
    matrix = matrix_from_sparse(TRIPLES, "ratings.tsv", triples=True)
    assert matrix.sparse and matrix.stored == 4
    assert matrix.row_labels == ("ann", "bob", "cid")
    assert matrix.col_labels == ("film a", "film b", "film c")
    assert matrix.methods == ("hals", "mu")


@pytest.mark.parametrize("shape, max_cells", [((30, 20), 600), ((37, 23), 40), ((50, 7), 9)])
def test_block_means_equal_the_dense_block_average(shape, max_cells):
    X = small_sparse(1, *shape, density=0.3)
    rng = np.random.default_rng(2)
    A, S = rng.random((shape[0], 3)), rng.random((3, shape[1]))
    dense_X, dense_AS = block_average(X.toarray(), max_cells), block_average(A @ S, max_cells)
    X_blocks, AS_blocks = sparse_block_mean(X, max_cells), block_mean_product(A, S, max_cells)
    assert (X_blocks.row_step, X_blocks.col_step) == (dense_X.row_step, dense_X.col_step)
    np.testing.assert_allclose(X_blocks.values, dense_X.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(AS_blocks.values, dense_AS.values, rtol=0, atol=1e-12)
    dense_R = block_average(X.toarray() - A @ S, max_cells)
    np.testing.assert_allclose(difference(X_blocks, AS_blocks).values, dense_R.values,
                               rtol=0, atol=1e-12)


def test_a_large_sparse_upload_never_builds_an_n_by_m_array():
    n = m = 20_000
    rng = np.random.default_rng(3)
    X = sp.csr_array((rng.uniform(1, 2, n), (rng.integers(0, n, n), rng.integers(0, m, n))),
                     shape=(n, m))
    matrix = matrix_from_sparse(mtx_bytes(X), "big.mtx")
    A, S = rng.random((n, 4)), rng.random((4, m))
    tracemalloc.start()
    try:
        data_figure = panels.data_heatmap(matrix)
        figs = figures.sparse_result_figures(matrix.X, A, S)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    cells = n * m * 8  # one float64 n×m array: 3.2 GB
    assert peak < cells / 40, peak  # under 80 MB (about 28 MB measured): no n×m array
    for fig in (data_figure, *figs.values()):
        assert np.asarray(fig.data[0].z).size <= figures.MAX_HEATMAP_CELLS
    assert list(figs["X"].layout.meta["block"]) != [1, 1]


def test_the_time_estimate_counts_stored_entries():
    from nmf_core.ui import runs

    settings = dict(k=5, method="hals", niter=200, reinit=1, max_seconds=10.0)
    shape = (20_000, 20_000)
    assert not runs.warn_if_over_budget(shape, settings)  # 4·10⁸ cells: far over the cap
    assert runs.warn_if_over_budget(shape, settings, stored=20_000)


def test_a_sparse_upload_follows_to_the_compare_and_choose_k_pages():
    at = upload(app(data="csv", k="2").run(), mtx_bytes(small_sparse()), "counts.mtx")
    for page in ("app_pages/compare.py", "app_pages/choose_k.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert "Using counts.mtx, uploaded earlier" in page_text(at)
        assert "stored entries" in page_text(at)
        assert not at.error, [e.value for e in at.error]
    assert any("Choose k needs a dense X" in i.value for i in at.info)
