"""The sidebar's data source: the factory example, synthetic data or a CSV.

Whatever the source, a page gets one :class:`Matrix`: X with its labels, its
content fingerprint (the result cache's key) and, for generated data, the
true factors.  The last matrix that loaded is kept in the session, so a bad
CSV shows its one-line error and the page carries on with the previous data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import streamlit as st

from ..csvio import DEFAULT_MAX_BYTES, DEFAULT_MAX_CELLS, load_csv
from ..data import Dataset, dataset_spec, factory_example, synthetic
from ..errors import NMFInputError
from ..fingerprint import fingerprint
from ..params import METHODS
from ..solvers import MASKED_SOLVERS
from .widgets import DATA_PARAMS, hidden_controls, keep_across_pages, param_widget

LAST_GOOD_KEY = "_last_good_matrix"
CSV_MEMO_KEY = "_csv_memo"
CSV_TYPES = ["csv", "tsv", "txt"]
MAX_UPLOAD_MB = DEFAULT_MAX_BYTES // (1024 * 1024)  # .streamlit/config.toml says the same


@dataclass(frozen=True, eq=False)
class Matrix:
    """What a page factors.

    ``X`` (n, m) is read-only; ``mask`` (n, m) is False on missing cells (None
    when every cell is observed); ``A_true``/``S_true`` are the generating
    factors when known; ``spec`` names a built-in data set in the form
    :func:`nmf_core.data.load_dataset` reads (None for a CSV).
    """

    name: str
    X: np.ndarray
    fingerprint: str
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None
    mask: np.ndarray | None = None
    A_true: np.ndarray | None = None
    S_true: np.ndarray | None = None
    spec: str | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.X.shape

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods that can fit this matrix (missing values need hals or mu)."""
        if self.mask is None:
            return METHODS
        return tuple(m for m in METHODS if m in MASKED_SOLVERS)

    @property
    def shown_X(self) -> np.ndarray:
        """X with missing cells as NaN, for display."""
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
                  S_true=_frozen(dataset.S), spec=spec)


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


def matrix_from_csv(data: bytes, filename: str, blank_is_missing: bool) -> Matrix:
    """Parse a CSV's bytes with the core loader (raises NMFInputError)."""
    loaded = load_csv(io.BytesIO(data), max_cells=DEFAULT_MAX_CELLS,
                      max_bytes=DEFAULT_MAX_BYTES,
                      missing="mask" if blank_is_missing else "error")
    mask = loaded.mask
    if mask is not None and mask.all():
        mask = None
    X, mask = _frozen(loaded.values), _frozen(mask)
    return Matrix(name=filename, X=X, fingerprint=fingerprint(X, mask),
                  row_labels=loaded.row_labels, col_labels=loaded.col_labels, mask=mask)


def _uploaded_matrix(container) -> Matrix | None:
    """The uploaded CSV as a Matrix; None (after saying why) when there is none or it is bad.

    Each file is parsed once per session: reruns reuse the parsed matrix, or
    repeat the same error.  The uploader forgets its file on a page switch, so
    with no file the CSV loaded earlier in the session (if any) is used.
    """
    uploaded = container.file_uploader(
        "CSV file", type=CSV_TYPES, key="csv_file",
        help="Numbers only, non-negative; an optional header row and an optional first "
             "column of row names. Comma, semicolon or tab separated, UTF-8.")
    # Missing values: opt in, since a blank cell is more often a mistake.
    keep_across_pages("csv_blank_missing")
    blank_is_missing = container.checkbox(
        "Blank cells are missing values", key="csv_blank_missing", bind="query-params",
        help="Fit only the filled cells (methods hals and mu). Off: a blank cell is an error.")
    if uploaded is None:
        last = st.session_state.get(LAST_GOOD_KEY)
        if last is not None and last.spec is None:  # a CSV from earlier (or another page)
            container.caption(f"Using {last.name}, uploaded earlier; upload a file to replace it.")
            return last
        st.info("Upload a CSV in the sidebar. Until then the previous data stays loaded.")
        return None
    memo_key = (uploaded.file_id, blank_is_missing)
    memo = st.session_state.get(CSV_MEMO_KEY)
    if memo is None or memo[0] != memo_key:
        try:
            outcome: Matrix | str = matrix_from_csv(uploaded.getvalue(), uploaded.name,
                                                    blank_is_missing)
        except NMFInputError as exc:
            outcome = str(exc)
        memo = (memo_key, outcome)
        st.session_state[CSV_MEMO_KEY] = memo
    if isinstance(memo[1], str):
        st.error(f"{uploaded.name}: {memo[1]}")
        return None
    return memo[1]


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
    container.caption(f"X is {n:,} × {m:,}{missing}.")
    return matrix
