"""Data sets: the documents' factory example, synthetic low-rank data, and the
two classic parts-based teaching sets (swimmer, bars).

Each returns a :class:`Dataset` whose ``X`` is non-negative (n, m); the
generated ones also carry the true factors, and the image sets say how to
reshape a row of X into a picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError


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


def synthetic(n: int = 100, m: int = 80, k: int = 5, noise: float = 0.05, seed: int = 0) -> Dataset:
    """Random non-negative low-rank data: X = max(0, A S + noise·σ·N(0, 1)).

    A (n, k) and S (k, m) are uniform on [0, 1); σ is the standard deviation of
    A S, so ``noise`` is a noise-to-signal ratio.  Clipping at zero keeps X
    non-negative.
    """
    for name, value, low in (("n", n, 1), ("m", m, 1), ("k", k, 1)):
        if int(value) != value or value < low:
            raise ParameterError(f"{name} must be a whole number ≥ {low}; got {value!r}")
    if k > min(n, m):
        raise ParameterError(f"true k = {k} must be at most min(n, m) = {min(n, m)}")
    if not (0 <= noise <= 10):
        raise ParameterError(f"noise must be between 0 and 10; got {noise!r}")
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
    """
    if int(size) != size or not 2 <= size <= 64:
        raise ParameterError(f"size must be a whole number from 2 to 64; got {size!r}")
    if int(n_images) != n_images or not 1 <= n_images <= 100_000:
        raise ParameterError(f"n_images must be a whole number from 1 to 100000; got {n_images!r}")
    p = 1.0 / size if probability is None else probability
    if not 0 < p <= 1:
        raise ParameterError(f"probability must be in (0, 1]; got {probability!r}")
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
_SPEC_TYPES = {"n": int, "m": int, "k": int, "seed": int, "size": int, "n_images": int,
               "noise": float, "probability": float}


def dataset_spec(name: str, **settings) -> str:
    """The text form of a built-in data set with its settings."""
    if not settings:
        return name
    return name + ":" + ",".join(f"{key}={value}" for key, value in settings.items())


def parse_dataset_spec(spec: str) -> tuple[str, dict]:
    """Split ``"name:key=value,..."`` into the generator's name and typed settings."""
    name, _, rest = spec.partition(":")
    if name not in GENERATORS:
        raise ParameterError(
            f"unknown data set {name!r}; built-in ones are {', '.join(GENERATORS)}")
    settings = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq or key not in _SPEC_TYPES:
            raise ParameterError(f"bad setting {item!r} in data set spec {spec!r}")
        try:
            settings[key] = _SPEC_TYPES[key](value)
        except ValueError:
            raise ParameterError(f"setting {key} must be a number; got {value!r}") from None
    return name, settings


def load_dataset(spec: str) -> Dataset:
    """Build a built-in data set from its text form."""
    name, settings = parse_dataset_spec(spec)
    try:
        return GENERATORS[name](**settings)
    except TypeError:
        raise ParameterError(f"data set {name!r} does not take {sorted(settings)}") from None
