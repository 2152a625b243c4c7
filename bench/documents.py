"""The documents' own sizes: issue #4, item 4.

The factory example with niter=1000, kacziter=10, reinit=10, sampling="random" (one
random column of S and one random row of A per iteration, as the documents do), for
als and rk.  Each call is timed whole; als and rk alternate, round robin.
"""

from __future__ import annotations

from .timing import MIN_REPEATS, median, timed

DOCUMENT_SETTINGS = {"niter": 1000, "kacziter": 10, "reinit": 10, "sampling": "random",
                     "seed": 1}
TARGET_S = 0.15


def documents_sizes(repeats: int = MIN_REPEATS) -> dict[str, float]:
    """Median seconds per method."""
    from nmf_core import factorize
    from nmf_core.data import factory_example

    X = factory_example().X
    times: dict[str, list[float]] = {"als": [], "rk": []}
    for round_ in range(repeats + 1):
        for method in times:
            seconds = timed(lambda method=method: factorize(X, 3, method, **DOCUMENT_SETTINGS))[0]
            if round_:  # round 0 warms up
                times[method].append(seconds)
    return {method: median(ts) for method, ts in times.items()}
