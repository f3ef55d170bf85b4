"""Timing helper shared by the benchmark scripts (run from `benchmarks/`)."""

import time
from collections.abc import Callable


def time_runs(fn: Callable[[], object], repeats: int) -> tuple[list[float], object]:
    """Calls `fn` `repeats` times; returns each call's seconds and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result
