"""Benchmarks for issue #4: nmf_core against scikit-learn, the app's latency, the CLI's memory.

Run ``python3 -m bench`` (about 5–10 minutes on 2 cores) or ``python3 -m bench --quick``
(1–2 minutes, for CI).  Every figure goes into one markdown table, printed and written
to ``bench/results.md``; see :mod:`bench.run` for the options.
"""

from .run import main, run

__all__ = ["main", "run"]
