"""The sidebar's data source: the factory example, synthetic data, the swimmer
and bars images, or a CSV.

Whatever the source, a page gets one :class:`Matrix`: X with its labels, its
content fingerprint (the result cache's key) and, for generated data, the
true factors.  The last matrix that loaded is kept in the session, so a bad
CSV shows its one-line error and the page carries on with the previous data.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ..csvio import DEFAULT_MAX_BYTES, DEFAULT_MAX_CELLS, MIB, load_csv
from ..data import Dataset, bars, dataset_spec, factory_example, swimmer, synthetic
from ..errors import NMFInputError
from ..fingerprint import fingerprint
from ..importing import changed_settings
from ..params import METHODS
from ..solvers import MASKED_METHODS, SOLVERS
from ..sparse.check import is_sparse
from ..sparse.io import sparse_kind
from . import import_step
from .widgets import BIND, DATA_PARAMS, hidden_controls, keep_across_pages, param_widget, remember

LAST_GOOD_KEY = "_last_good_matrix"
CSV_MEMO_KEY = "_csv_memo"
CSV_TYPES = ["csv", "tsv", "txt", "xlsx", "ods", "mtx", "npz"]
# The methods that take a scipy.sparse X (the solvers declare it).
SPARSE_METHODS = tuple(name for name, cls in SOLVERS.items() if cls.sparse)
NOT_IN_LINKS = ("An uploaded file stays on this server for your session only: a link "
                "carries the settings, not the data.")
# The loader's limits come from csvio; .streamlit/config.toml's maxUploadSize says the same.
MAX_UPLOAD_MB = DEFAULT_MAX_BYTES // MIB


@dataclass(frozen=True, eq=False)
class Matrix:
    """What a page factors.

    ``X`` (n, m) is read-only, a numpy array or (a .mtx, .npz or triples upload) a
    scipy.sparse CSR array that is never made dense; ``mask`` (n, m) is False on missing cells (None
    when every cell is observed); ``A_true``/``S_true`` are the generating
    factors when known; ``spec`` names a built-in data set in the form
    :func:`nmf_core.data.load_dataset` reads (None for a CSV); ``image_shape``
    is set when each row of X is an image of that shape.
    """

    name: str
    X: np.ndarray  # or a scipy.sparse csr_array: see ``sparse``
    fingerprint: str
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None
    mask: np.ndarray | None = None
    A_true: np.ndarray | None = None
    S_true: np.ndarray | None = None
    spec: str | None = None
    image_shape: tuple[int, int] | None = None
    # An upload's import: the header above its labels, what was detected, each column's
    # divisor when scaled, the file's SHA-256, the settings off their defaults (for the
    # reproduce box and the bundle), and the image shape asked for (even if it did not fit).
    label_header: str | None = None
    notes: tuple[str, ...] = ()
    column_scale: np.ndarray | None = None
    sha256: str | None = None
    import_settings: dict | None = None
    requested_image_shape: tuple[int, int] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape

    @property
    def sparse(self) -> bool:
        return is_sparse(self.X)

    @property
    def stored(self) -> int:
        """The stored entries of a sparse X (every cell of a dense one)."""
        return int(self.X.nnz) if self.sparse else int(self.X.size)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods that can fit this matrix (missing values need hals or mu, a sparse
        X the solvers that declare ``sparse``)."""
        if self.sparse:
            return SPARSE_METHODS
        if self.mask is None:
            return METHODS
        return MASKED_METHODS

    @property
    def shown_X(self) -> np.ndarray:
        """X with missing cells as NaN, for display (a sparse X as it is)."""
        return self.X if self.mask is None else np.where(self.mask, self.X, np.nan)


def _frozen(array):
    if array is None:
        return None
    array = np.ascontiguousarray(array)
    array.flags.writeable = False
    return array


def matrix_from_dataset(dataset: Dataset, name: str, spec: str) -> Matrix:
    X = _frozen(dataset.X)
    return Matrix(name=name, X=X, fingerprint=fingerprint(X), row_labels=dataset.row_labels,
                  col_labels=dataset.col_labels, A_true=_frozen(dataset.A),
                  S_true=_frozen(dataset.S), spec=spec, image_shape=dataset.image_shape)


@st.cache_resource(max_entries=1, show_spinner=False)
def factory_matrix() -> Matrix:
    """The documents' example: 12 hours × 10 days, made of 3 factories."""
    return matrix_from_dataset(factory_example(), "factory example (12 hours × 10 days)",
                               "factory")


@st.cache_resource(max_entries=8, show_spinner=False)
def synthetic_matrix(n: int, m: int, true_k: int, noise: float, data_seed: int) -> Matrix:
    """Random rank-``true_k`` data plus noise (shared read-only between sessions)."""
    settings = dict(n=n, m=m, k=true_k, noise=noise, seed=data_seed)
    return matrix_from_dataset(
        synthetic(**settings),
        f"synthetic {n}×{m}, true k = {true_k}, noise {noise:g}, seed {data_seed}",
        dataset_spec("synthetic", **settings),
    )


@st.cache_resource(max_entries=1, show_spinner=False)
def swimmer_matrix() -> Matrix:
    """The swimmer images: 256 images of 32×32 made of a torso and 16 limb positions."""
    return matrix_from_dataset(swimmer(), "swimmer (256 images of 32×32, 17 parts)", "swimmer")


@st.cache_resource(max_entries=8, show_spinner=False)
def bars_matrix(size: int, n_images: int, probability: float, data_seed: int) -> Matrix:
    """Bars images: each of 2·size bars present with ``probability`` (shared read-only)."""
    settings = dict(size=size, n_images=n_images, probability=probability, seed=data_seed)
    return matrix_from_dataset(
        bars(**settings),
        f"bars ({n_images} images of {size}×{size}, {2 * size} parts, chance {probability:g})",
        dataset_spec("bars", **settings),
    )


def matrix_from_csv(data: bytes, filename: str, blank_is_missing: bool,
                    settings: dict | None = None,
                    image_shape: tuple[int, int] | None = None) -> Matrix:
    """Parse an upload's bytes (CSV, .xlsx, .ods) with the core loader and the import
    settings (raises NMFInputError)."""
    settings = {**(settings or {}), "missing": "mask" if blank_is_missing else "error"}
    loaded = load_csv(io.BytesIO(data), max_cells=DEFAULT_MAX_CELLS,
                      max_bytes=DEFAULT_MAX_BYTES, **settings)
    mask = loaded.mask
    if mask is not None and mask.all():
        mask = None
    X, mask = _frozen(loaded.values), _frozen(mask)
    fits = image_shape is not None and image_shape[0] * image_shape[1] == X.shape[1]
    return Matrix(name=filename, X=X, fingerprint=fingerprint(X, mask),
                  row_labels=loaded.row_labels, col_labels=loaded.col_labels, mask=mask,
                  image_shape=image_shape if fits else None, label_header=loaded.label_header,
                  notes=loaded.notes, column_scale=loaded.column_scale, sha256=loaded.sha256,
                  import_settings=changed_settings(settings), requested_image_shape=image_shape)


def sparse_fingerprint(X) -> str:
    """The result cache's key for a CSR X: its shape and its three arrays."""
    parts = [f"sparse:{X.shape};"] + [fingerprint(np.asarray(a)) for a in
                                      (X.indptr, X.indices, X.data)]
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def matrix_from_sparse(data: bytes, filename: str, triples: bool = False) -> Matrix:
    """A sparse upload as a Matrix that stays sparse: Matrix Market or scipy .npz through
    the front door (:func:`nmf_core.importing.read_raw`, which knows them by content), or
    (row, column, value) triples (:func:`nmf_core.sparse.io.load_triples`, the ids kept
    as labels).  Raises NMFInputError."""
    import scipy.sparse as sp

    from ..importing import finish, read_raw
    from ..sparse.io import load_triples

    if triples:
        loaded = finish(load_triples(io.BytesIO(data)), transpose=False, scale="none",
                        sha256=hashlib.sha256(data).hexdigest())
        notes = ("read as (row, column, value) triples: the ids are the labels",)
    else:
        loaded = read_raw(data)
        notes = loaded.notes
    X = sp.csr_array(loaded.values)
    X.sum_duplicates()
    for array in (X.data, X.indices, X.indptr):
        array.flags.writeable = False
    return Matrix(name=filename, X=X, fingerprint=sparse_fingerprint(X),
                  row_labels=loaded.row_labels, col_labels=loaded.col_labels,
                  notes=tuple(notes), sha256=loaded.sha256, import_settings={})


def _sparse_upload(uploaded, raw: bytes, triples: bool, container) -> Matrix | None:
    """A .mtx, .npz or triples upload (no CSV import step: the file says its layout)."""
    memo = _parsed_once((uploaded.file_id, "sparse", triples),
                        lambda: matrix_from_sparse(raw, uploaded.name, triples))
    if isinstance(memo[1], str):
        st.error(f"{uploaded.name}: {memo[1]}")
        return None
    import_step.sparse_report(container.expander(f"Import: how {uploaded.name} is read",
                                                 expanded=True), memo[1])
    return memo[1]


def _parsed_once(memo_key: tuple, parse: Callable[[], Matrix]) -> tuple:
    """``(memo_key, Matrix or error message)``: an upload parsed once per session, so
    reruns with the same file and settings reuse the matrix or repeat the same error."""
    memo = st.session_state.get(CSV_MEMO_KEY)
    if memo is None or memo[0] != memo_key:
        try:
            outcome: Matrix | str = parse()
        except NMFInputError as exc:
            outcome = str(exc)
        memo = (memo_key, outcome)
        st.session_state[CSV_MEMO_KEY] = memo
    return memo


def _upload_checkbox(container, key: str, label: str, help_text: str) -> bool:
    """An upload option (off by default) bound to the URL, or read from it when hidden."""
    if key in hidden_controls():
        value = st.query_params.get(key, "").lower() == "true"
    else:
        keep_across_pages(key)
        value = container.checkbox(label, key=key, bind=BIND, help=help_text)
    remember(key, value, False)
    return value


def _uploaded_matrix(container) -> Matrix | None:
    """The uploaded CSV as a Matrix; None (after saying why) when there is none or it is bad.

    Each file is parsed once per session: reruns reuse the parsed matrix, or
    repeat the same error.  The uploader forgets its file on a page switch, so
    with no file the CSV loaded earlier in the session (if any) is used.
    """
    uploaded = container.file_uploader(
        "CSV, spreadsheet or sparse matrix file", type=CSV_TYPES, key="csv_file",
        help="Numbers only, non-negative; an optional header row and a column of row "
             "names (the import step shows what was detected and lets you change it). "
             "Comma, semicolon or tab separated UTF-8 text, or .xlsx / .ods. At most "
             f"{DEFAULT_MAX_CELLS:,} cells and {MAX_UPLOAD_MB} MB. Sparse: Matrix Market "
             ".mtx, scipy .npz, or (row, column, value) triples (tick the box below); "
             "they stay sparse, unstored cells are zeros.")
    container.caption(NOT_IN_LINKS)
    # Missing values: opt in, since a blank cell is more often a mistake.
    blank_is_missing = _upload_checkbox(
        container, "csv_blank_missing", "Blank cells are missing values",
        "Fit only the filled cells (methods hals and mu). Off: a blank cell is an error.")
    triples = _upload_checkbox(
        container, "csv_triples", "File is (row, column, value) triples",
        "One stored entry a line (anything after the value is ignored), with or without a "
        "header; the row and column ids become the labels. Read as a sparse matrix: cells "
        "not listed are zeros.")
    if uploaded is None:
        last = st.session_state.get(LAST_GOOD_KEY)
        if last is not None and last.spec is None:  # a CSV from earlier (or another page)
            container.caption(f"Using {last.name}, uploaded earlier; upload a file to replace it.")
            return last
        st.info("Upload a CSV in the sidebar. Until then the previous data stays loaded.")
        return None
    raw = uploaded.getvalue()
    if triples or sparse_kind(raw) is not None:
        return _sparse_upload(uploaded, raw, triples, container)
    settings, image_shape, box = import_step.import_controls(raw, uploaded.name,
                                                             blank_is_missing)
    memo_key = (uploaded.file_id, repr(sorted(settings.items())), image_shape)
    memo = _parsed_once(memo_key, lambda: matrix_from_csv(
        raw, uploaded.name, blank_is_missing, settings, image_shape))
    if isinstance(memo[1], str):
        st.error(f"{uploaded.name}: {memo[1]}")
        box.caption("Not loaded (the message is above); change a setting here to read it "
                    "differently.")
        last = st.session_state.get(LAST_GOOD_KEY)
        if last is not None:  # the page below shows the previous data: say so plainly
            st.warning(f"{uploaded.name} was not loaded. Everything below (results, "
                       f"downloads, the reproduce box) is for {last.name}, the data "
                       "shown before.", icon=":material/history:")
        return None
    import_step.report(box, memo[1])
    return memo[1]


def density_text(matrix: Matrix) -> str:
    """The share of X's cells that are stored, e.g. "density 0.0050 %"."""
    cells = matrix.shape[0] * matrix.shape[1]
    return f"density {100 * matrix.stored / cells:.2g} %" if cells else "no cells"


def data_source_controls(container=None) -> Matrix:
    """Draw the data-source controls; return the matrix to factor.

    Falls back to the last matrix that loaded in this session (the factory
    example at first) when the CSV is missing or bad.
    """
    container = st.sidebar if container is None else container
    hidden = hidden_controls()
    container.subheader("Data")

    def widget(name, **options):
        return param_widget(DATA_PARAMS[name], hidden=hidden, container=container, **options)

    source = widget("data")
    matrix: Matrix | None
    if source == "synthetic":
        n, m = widget("n"), widget("m")
        true_k = widget("true_k", high=min(n, m))
        matrix = synthetic_matrix(n, m, true_k, float(widget("noise")), widget("data_seed"))
    elif source == "bars":
        size = widget("bar_size")
        matrix = bars_matrix(size, widget("bar_images"), float(widget("bar_probability")),
                             widget("data_seed"))
    elif source == "swimmer":
        matrix = swimmer_matrix()
    elif source == "csv":
        matrix = _uploaded_matrix(container)
    else:
        matrix = factory_matrix()
    if matrix is None:
        matrix = st.session_state.get(LAST_GOOD_KEY) or factory_matrix()
        container.caption(f"Still showing: {matrix.name}")
    else:
        st.session_state[LAST_GOOD_KEY] = matrix
    n, m = matrix.shape
    missing = "" if matrix.mask is None else f", {int((~matrix.mask).sum()):,} missing"
    if matrix.sparse:
        missing = f", sparse: {matrix.stored:,} stored entries ({density_text(matrix)})"
    container.caption(f"X is {n:,} × {m:,}{missing}.")
    if matrix.image_shape is not None and matrix.S_true is not None:
        h, w = matrix.image_shape
        container.caption(f"Each row of X is a {h}×{w} image, made of "
                          f"{matrix.S_true.shape[0]} true parts (try k = "
                          f"{matrix.S_true.shape[0]}).")
    return matrix
