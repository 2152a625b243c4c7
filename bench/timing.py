"""Wall-clock helpers: ``time.perf_counter`` and medians, nothing cleverer."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

MIN_REPEATS = 5


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(seconds, return value) of one call."""
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def median_time(fn: Callable[[], object], repeats: int = MIN_REPEATS, warmup: int = 1,
                min_total_s: float = 0.0) -> float:
    """Median seconds of ``fn()`` over at least ``repeats`` calls after ``warmup`` calls.

    Fast functions are repeated until ``min_total_s`` has passed, so a median of
    microsecond calls is not a median of timer noise.
    """
    for _ in range(warmup):
        fn()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - started < min_total_s:
        times.append(timed(fn)[0])
    return statistics.median(times)


def median(values) -> float:
    return statistics.median(values)
