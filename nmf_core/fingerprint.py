"""Content fingerprints of matrices, for caching results by what was factored.

A name or a shape says nothing about the numbers; hashing every byte does.
Streamlit's own argument hashing samples large arrays, so two different
matrices of one shape could share a cache entry; keying by
:func:`fingerprint` cannot.
"""

from __future__ import annotations

import hashlib

import numpy as np


def fingerprint(X, mask=None) -> str:
    """sha256 (hex) of X's shape, dtype and bytes, and of ``mask`` when given.

    Equal fingerprints mean equal matrices (up to a hash collision); any
    changed cell, shape or dtype changes it.  Memory layout does not: X is
    hashed in C order.
    """
    digest = hashlib.sha256()
    for name, array in (("X", X), ("mask", mask)):
        if array is None:
            continue
        arr = np.ascontiguousarray(array)
        digest.update(f"{name}:{arr.shape}:{arr.dtype.str};".encode())
        digest.update(memoryview(arr).cast("B"))
    return digest.hexdigest()
