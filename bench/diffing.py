"""Diffing the 20,000-line pair: difflib against Tether's git-backed diff."""

from __future__ import annotations

import difflib
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.core.textdiff import GIT_DIFF, diff_lines, diff_texts
from bench.corpus import corpus, mutate
from bench.stats import summary


def diffing(runs: int) -> dict[str, object]:
    """Median wall time of each way to diff the ``big`` pair (same input as
    the first-paint benchmark), runs interleaved."""
    old = corpus(20_000)
    new, _ = mutate(old, 500)
    old_text, new_text = "".join(old), "".join(new)
    with tempfile.TemporaryDirectory(prefix="tether-bench-") as tmp:
        a, b = Path(tmp, "a.py"), Path(tmp, "b.py")
        a.write_text(old_text, encoding="utf-8")
        b.write_text(new_text, encoding="utf-8")

        def git_raw() -> object:
            cmd = [*GIT_DIFF, "--diff-algorithm=histogram", str(a), str(b)]
            return subprocess.run(cmd, capture_output=True).stdout

        ways: dict[str, Callable[[], object]] = {
            "difflib.unified_diff": lambda: list(difflib.unified_diff(old, new, n=3)),
            "git diff --no-index --histogram -U0 (subprocess alone)": git_raw,
            "app.core.textdiff.diff_lines": lambda: diff_lines(old, new),
            "app.core.textdiff.diff_texts (blocks + hunks + ids)": lambda: diff_texts(
                old_text, new_text, "big.py"
            ),
        }
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(runs):
            for name, fn in ways.items():
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    blocks = len(diff_lines(old, new))
    stats = {name: summary(ts) for name, ts in times.items()}
    difflib_med = float(stats["difflib.unified_diff"]["median"])
    ours = float(stats["app.core.textdiff.diff_lines"]["median"])
    return {
        "runs": runs,
        "lines": len(old),
        "change_blocks": blocks,
        "ways_s": stats,
        "speedup_diff_lines_over_difflib": difflib_med / ours,
    }
