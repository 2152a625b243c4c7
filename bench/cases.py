"""The three benchmark cases of issue #4."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SYNTHETIC_NOISE = 0.1  # noise-to-signal ratio: noise σ = 0.1 × std(A S), then clipped at 0
SYNTHETIC_SEED = 0
CASE_NAMES = ("factory", "digits", "synthetic")


@dataclass(frozen=True)
class Case:
    name: str
    X: np.ndarray  # float64, C-contiguous
    k: int
    description: str

    @property
    def label(self) -> str:
        n, m = self.X.shape
        return f"{self.name} {n}×{m} k={self.k}"


def load_case(name: str) -> Case:
    if name == "factory":
        from nmf_core.data import factory_example

        X, k, what = factory_example().X, 3, "the documents' factory example"
    elif name == "digits":
        from sklearn.datasets import load_digits

        X, k, what = load_digits().data, 10, "scikit-learn's bundled load_digits"
    elif name == "synthetic":
        from nmf_core.data import synthetic

        X = synthetic(2000, 1000, 20, SYNTHETIC_NOISE, SYNTHETIC_SEED).X
        k = 20
        what = (f"nmf_core.data.synthetic(2000, 1000, 20, noise={SYNTHETIC_NOISE}, "
                f"seed={SYNTHETIC_SEED})")
    else:
        raise ValueError(f"unknown case {name!r}; known: {', '.join(CASE_NAMES)}")
    return Case(name, np.ascontiguousarray(X, dtype=np.float64), k, what)
