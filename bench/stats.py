"""Small statistics over repeated runs (the machine is shared and noisy)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def percentile(xs: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), linear between closest ranks."""
    if not xs:
        return math.nan
    ordered = sorted(xs)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summary(xs: Sequence[float]) -> dict[str, float | int]:
    """n, median, p95, min and max of a sample."""
    return {
        "n": len(xs),
        "median": median(xs),
        "p95": percentile(xs, 95),
        "min": min(xs) if xs else math.nan,
        "max": max(xs) if xs else math.nan,
    }


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds:.3f} s"


def mib(kib: float) -> str:
    return "n/a" if math.isnan(kib) else f"{kib / 1024:.1f} MiB"
