"""Benchmarks behind ``python -m engine bench`` (the command: :mod:`engine.commands.bench`).

* :mod:`engine.benchmarks.speedups`: the structure-aware paths against their one-at-a-time loops
  (with the largest difference, which must be ~0), IG efficiency and per-method times on one model;
* :mod:`engine.benchmarks.realistic`: every method's seconds and peak memory on a random-init model
  of a realistic size, each method in its own process (``python -m engine.benchmarks.realistic``).
"""

from engine.lazy import lazy_exports

_NAMES = {**dict.fromkeys(("bench_clip", "format_report", "machine_info", "run_bench"), "engine.benchmarks.speedups"),
          **dict.fromkeys(("format_rows", "run_methods"), "engine.benchmarks.realistic")}
__all__ = sorted(_NAMES)
__getattr__ = lazy_exports(__name__, _NAMES)
