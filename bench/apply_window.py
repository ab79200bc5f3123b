"""``python -m bench.apply_window``: no stated line number makes applying a
hunk cost more than the file's size warrants.

Applies one hunk, in-process (``parse_patch`` + ``apply_file_patch``, what
``tether apply --check`` runs per file), to a 1-line and a 20,000-line file,
with the hunk's header stating its real line, a line 10**8 and
98765432109876543210 (git's t4136), and a hunk that matches nowhere (the
whole window is searched). Prints the median of 5 runs of each, in ms.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from app.core.errors import ApplyError
from app.core.model import FilePatch
from app.core.patchapply import apply_file_patch
from app.core.text import split_lines
from app.core.unified import parse_patch

STATED = {"its line": None, "line 10**8": 10**8, "line 98765432109876543210": 98765432109876543210}


def _patch(start: int, old: str) -> str:
    return f"--- a/f\n+++ b/f\n@@ -{start},1 +{start},1 @@\n-{old}\n+changed\n"


def _median(fn: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return sorted(times)[len(times) // 2]


def measure(runs: int = 5) -> list[tuple[str, int, float]]:
    rows = []
    for size in (1, 20_000):
        lines = split_lines("".join(f"line {i}\n" for i in range(size)))
        target = size // 2
        for label, stated in STATED.items():
            for miss in (False, True):
                old = "nowhere" if miss else f"line {target}"
                fp = parse_patch(_patch(stated or target + 1, old)).files[0]

                def run(fp: FilePatch = fp, lines: list[str] = lines) -> None:
                    with contextlib.suppress(ApplyError):
                        apply_file_patch(lines, fp)

                what = f"{label}, {'no match' if miss else 'matches'}"
                rows.append((what, size, _median(run, runs) * 1000))
    return rows


def main() -> None:
    print(f"{'hunk':<42} {'file lines':>10} {'median ms':>10}")
    for what, size, ms in measure():
        print(f"{what:<42} {size:>10} {ms:>10.3f}")


if __name__ == "__main__":
    main()
