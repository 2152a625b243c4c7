"""Data sets: the documents' factory example, synthetic low-rank data, and the
two classic parts-based teaching sets (swimmer, bars).

Each returns a :class:`Dataset` whose ``X`` is non-negative (n, m); the
generated ones also carry the true factors, and the image sets say how to
reshape a row of X into a picture.

The generators' settings (ranges, defaults, help) are declared once, in
:data:`SYNTHETIC_PARAMS` and :data:`BARS_PARAMS`: the generators and the data
set specs validate against them, and the app's sliders are built from them.
A generated X is held to the CSV loader's cell limit, so a spec cannot ask for
more memory than an upload could.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .csvio import DEFAULT_MAX_CELLS
from .errors import ParameterError
from .params import PARAMS, Param

MAX_CELLS = DEFAULT_MAX_CELLS  # the most cells a generated X may have (n·m)


@dataclass(frozen=True)
class Dataset:
    """A matrix to factor, with ground truth where it is known.

    ``A`` (n, k) and ``S`` (k, m) are the true factors when known (X = A S,
    before any noise).  ``image_shape`` is set when each *row* of X is an image
    of that shape.
    """

    name: str
    X: np.ndarray
    A: np.ndarray | None = None
    S: np.ndarray | None = None
    row_labels: tuple[str, ...] | None = None
    col_labels: tuple[str, ...] | None = None
    image_shape: tuple[int, int] | None = None

    @property
    def k(self) -> int | None:
        return None if self.A is None else self.A.shape[1]


# The documents' three factory production profiles over 12 hours (their col1..col3).
FACTORY_FACTORS = np.array(
    [
        [0, 0, 9, 5, 3, 2, 1, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 3, 2, 1, 1, 0, 0, 0],
        [0, 5, 5, 6, 6, 7, 4, 2, 1, 0.5, 0, 0],
    ],
    dtype=float,
).T
# The documents' weights: their randint(0, 2, size=(3, 10)) draw after seeding with 1.
FACTORY_WEIGHTS = np.array(
    [
        [1, 1, 0, 0, 1, 1, 1, 1, 1, 0],
        [0, 1, 0, 1, 1, 0, 0, 1, 0, 0],
        [0, 1, 0, 0, 1, 0, 0, 0, 1, 0],
    ],
    dtype=float,
)


def factory_example() -> Dataset:
    """The documents' 12×10 example: X = factors (12×3) @ weights (3×10).

    Rows are hours, columns are days; each of three factories has a fixed
    hourly production profile (a column of A) and is either on or off each day
    (a row of S of zeros and ones).
    """
    return Dataset(
        name="factory",
        X=FACTORY_FACTORS @ FACTORY_WEIGHTS,
        A=FACTORY_FACTORS.copy(),
        S=FACTORY_WEIGHTS.copy(),
        row_labels=tuple(f"hour {i + 1}" for i in range(12)),
        col_labels=tuple(f"day {j + 1}" for j in range(10)),
    )


# ----------------------------------------------------------------- the generators' settings
# One table per generator, keyed by the generator's argument names (which are
# also the keys of a data set spec).  ``ui_low``/``ui_high`` are the app's
# slider ends; the generators and specs accept the whole low..high range.
DATA_SEED = Param("seed", int, 0,
                  "Seed of the generated data, synthetic or bars (the solver has its own).",
                  low=0, high=PARAMS["seed"].high, ui_high=999)

SYNTHETIC_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("n", int, 100, "Rows of the synthetic matrix.",
          low=1, high=MAX_CELLS, ui_low=2, ui_high=1000),
    Param("m", int, 80, "Columns of the synthetic matrix.",
          low=1, high=MAX_CELLS, ui_low=2, ui_high=1000),
    Param("k", int, 5, "Number of factors the synthetic data is made of (at most min(n, m)).",
          low=1, high=PARAMS["k"].high, ui_high=PARAMS["k"].slider_high),
    Param("noise", float, 0.05,
          "Gaussian noise, as a fraction of the clean matrix's standard deviation "
          "(negative values are clipped to 0).", low=0.0, high=10.0, ui_high=1.0),
    DATA_SEED,
)}

BARS_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("size", int, 8,
          "Bars images are size × size pixels, with one horizontal and one vertical bar per "
          "row and column: 2 × size parts (the app's slider stops at 10: 20 parts, the top "
          "of its k slider).", low=2, high=64, ui_high=10),
    Param("n_images", int, 500, "How many bars images (rows of X).",
          low=1, high=100_000, ui_low=20, ui_high=2000),
    Param("probability", float, None,
          "Each bar is in an image independently with this chance (default 1/size, the "
          "classic choice); an image with no bar gets one.",
          low=0.0, high=1.0, ui_low=0.02, ui_high=0.5, optional=True),
    DATA_SEED,
)}


def _checked(dataset: str, table: dict[str, Param], **values) -> list:
    """``values`` validated against ``table``, in order.  An error names the data
    set, the setting and its allowed range."""
    out = []
    for name, value in values.items():
        param = table[name]
        try:
            out.append(param.validate(value))
        except ParameterError as exc:
            allowed = "" if "between" in str(exc) else f" ({_range(param)})"
            raise ParameterError(f"{dataset} data: {exc}{allowed}") from None
    return out


def _range(param: Param) -> str:
    def shown(x):
        return f"{x:,}" if param.kind is int else f"{x:g}"
    return f"{param.name} is from {shown(param.low)} to {shown(param.high)}"


def _check_cells(dataset: str, names: str, sizes: str, cells: int) -> None:
    """A generated X may have at most MAX_CELLS cells (checked before allocating)."""
    if cells > MAX_CELLS:
        raise ParameterError(f"{dataset} data: {names} must be at most {MAX_CELLS:,} cells; "
                             f"got {sizes} = {cells:,}")


def synthetic(n: int = 100, m: int = 80, k: int = 5, noise: float = 0.05, seed: int = 0) -> Dataset:
    """Random non-negative low-rank data: X = max(0, A S + noise·σ·N(0, 1)).

    A (n, k) and S (k, m) are uniform on [0, 1); σ is the standard deviation of
    A S, so ``noise`` is a noise-to-signal ratio.  Clipping at zero keeps X
    non-negative.  Ranges: :data:`SYNTHETIC_PARAMS`; n·m is at most
    :data:`MAX_CELLS`.
    """
    n, m, k, noise, seed = _checked("synthetic", SYNTHETIC_PARAMS,
                                    n=n, m=m, k=k, noise=noise, seed=seed)
    _check_cells("synthetic", "n × m", f"{n:,} × {m:,}", n * m)
    if k > min(n, m):
        raise ParameterError(f"synthetic data: true k = {k} must be at most "
                             f"min(n, m) = {min(n, m)}")
    rng = np.random.default_rng(seed)
    A = rng.random((n, k))
    S = rng.random((k, m))
    clean = A @ S
    X = clean if noise == 0 else np.maximum(
        clean + noise * clean.std() * rng.standard_normal((n, m)), 0.0
    )
    return Dataset(name="synthetic", X=X, A=A, S=S)


def _segment(image: np.ndarray, start, angle_deg: float, length: float, width: float = 1.0):
    """Paint a straight limb of ``length`` pixels from ``start`` at ``angle_deg``."""
    angle = np.deg2rad(angle_deg)
    for t in np.linspace(0, length, int(length * 4) + 1):
        y = start[0] + t * np.sin(angle)
        x = start[1] + t * np.cos(angle)
        for dy in np.arange(-width / 2, width / 2 + 1e-9, 0.5):
            r, c = int(round(y + dy)), int(round(x))
            if 0 <= r < image.shape[0] and 0 <= c < image.shape[1]:
                image[r, c] = 1.0


def swimmer() -> Dataset:
    """The "swimmer" set (Donoho & Stodden 2003): 256 images of 32×32.

    A fixed torso with four limbs, each in one of four positions: every
    combination once.  Row i of X is image i, flattened; the true parts
    (torso plus 16 limb positions) are the 17 rows of ``S``, and ``A`` says
    which parts each image contains.
    """
    size = 32
    torso = np.zeros((size, size))
    torso[9:23, 15:17] = 1.0
    joints = {"left arm": (10, 14), "right arm": (10, 17),
              "left leg": (22, 15), "right leg": (22, 16)}
    angles = {
        "left arm": (100, 140, 180, 220),
        "right arm": (80, 40, 0, -40),
        "left leg": (100, 120, 140, 160),
        "right leg": (80, 60, 40, 20),
    }
    parts = [torso]
    for limb, joint in joints.items():
        for angle in angles[limb]:
            img = np.zeros((size, size))
            _segment(img, joint, -angle if "arm" in limb else angle, 8.0)
            img[torso > 0] = 0.0  # limbs do not overlap the torso
            parts.append(img)
    S = np.stack([p.ravel() for p in parts])  # (17, 1024)
    codes = np.array(np.meshgrid(*[range(4)] * 4, indexing="ij")).reshape(4, -1).T
    A = np.zeros((len(codes), len(parts)))
    A[:, 0] = 1.0
    for limb in range(4):
        A[np.arange(len(codes)), 1 + 4 * limb + codes[:, limb]] = 1.0
    X = np.minimum(A @ S, 1.0)
    return Dataset(name="swimmer", X=X, A=A, S=S, image_shape=(size, size))


def bars(size: int = 8, n_images: int = 500, probability: float | None = None,
         seed: int = 0) -> Dataset:
    """Hoyer-style bars: each image (size×size) overlays random horizontal and
    vertical bars, each present independently with ``probability`` (default 1/size).

    Row i of X is image i; the 2·size true parts (one per bar) are the rows of ``S``.
    Ranges: :data:`BARS_PARAMS`; n_images·size² is at most :data:`MAX_CELLS`.
    """
    size, n_images, probability, seed = _checked(
        "bars", BARS_PARAMS, size=size, n_images=n_images, probability=probability, seed=seed)
    _check_cells("bars", "n_images × size²", f"{n_images:,} × {size}²", n_images * size * size)
    p = 1.0 / size if probability is None else probability
    parts = []
    for i in range(size):
        img = np.zeros((size, size))
        img[i, :] = 1.0
        parts.append(img.ravel())
    for j in range(size):
        img = np.zeros((size, size))
        img[:, j] = 1.0
        parts.append(img.ravel())
    S = np.stack(parts)
    rng = np.random.default_rng(seed)
    A = (rng.random((n_images, 2 * size)) < p).astype(float)
    empty = ~A.any(axis=1)
    A[empty, rng.integers(0, 2 * size, int(empty.sum()))] = 1.0  # no blank images
    X = np.minimum(A @ S, 1.0)
    return Dataset(name="bars", X=X, A=A, S=S, image_shape=(size, size))


# --------------------------------------------------------------------------- dataset specs
# One text form names a built-in data set and its settings, e.g.
# "synthetic:n=100,m=80,k=5,noise=0.05,seed=0".  The CLI, the app's links and
# the "reproduce it" code all use it.
GENERATORS = {"factory": factory_example, "synthetic": synthetic, "swimmer": swimmer, "bars": bars}
# Each generator's settings, as the specs name them.
DATA_SETTINGS: dict[str, dict[str, Param]] = {
    "factory": {}, "synthetic": SYNTHETIC_PARAMS, "swimmer": {}, "bars": BARS_PARAMS}
DATA_SOURCES = (*GENERATORS, "csv")
DATA_SOURCE = Param(
    "data", str, "factory",
    "factory: the documents' 12×10 example (hours × days). synthetic: random "
    "low-rank data with known factors. swimmer, bars: images (one per row of X) "
    "made of known parts. csv: your own non-negative matrix.",
    choices=DATA_SOURCES)


def dataset_spec(name: str, **settings) -> str:
    """The text form of a built-in data set with its settings."""
    if not settings:
        return name
    return name + ":" + ",".join(f"{key}={value}" for key, value in settings.items())


def parse_dataset_spec(spec: str) -> tuple[str, dict]:
    """Split ``"name:key=value,..."`` into the generator's name and its settings,
    each checked against the generator's table (:data:`DATA_SETTINGS`)."""
    name, _, rest = spec.partition(":")
    if name not in GENERATORS:
        raise ParameterError(
            f"unknown data set {name!r}; built-in ones are {', '.join(GENERATORS)}")
    table = DATA_SETTINGS[name]
    settings = {}
    for item in filter(None, rest.split(",")):
        key, eq, text = item.partition("=")
        key = key.strip()
        if not eq:
            raise ParameterError(f"bad setting {item!r} in data set spec {spec!r}: "
                                 "write name=value")
        if key not in table:
            takes = f"it takes {', '.join(table)}" if table else "it takes no settings"
            raise ParameterError(f"{name} data has no setting {key!r}; {takes}")
        settings[key] = _checked(name, table, **{key: _spec_number(name, table[key], text)})[0]
    return name, settings


def _spec_number(dataset: str, param: Param, text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    raise ParameterError(f"{dataset} data: {param.name} must be a number; got {text.strip()!r} "
                         f"({_range(param)})")


def load_dataset(spec: str) -> Dataset:
    """Build a built-in data set from its text form (every problem is a ParameterError)."""
    name, settings = parse_dataset_spec(spec)
    return GENERATORS[name](**settings)
