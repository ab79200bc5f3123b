"""Run ``tether`` under cProfile until its first frame: ``profile_startup.py OUT ARGS...``.

Started in a pty by ``bench.profiling`` (so Textual runs with a real
terminal driver). Profiling starts before Tether is imported, so imports
count; at the end of the first frame written to the terminal the profile is
dumped to OUT (pstats format) and the app exits.
"""

from __future__ import annotations

import cProfile
import sys
from typing import Any


def main(argv: list[str]) -> int:
    out, *args = argv
    prof = cProfile.Profile()
    prof.enable()
    from app.tui import review_app

    original = review_app.ReviewApp._display

    def _display(self: Any, screen: Any, renderable: Any) -> None:
        original(self, screen, renderable)
        if renderable is not None and not self._batch_count and prof is not None:
            prof.disable()
            prof.dump_stats(out)
            review_app.ReviewApp._display = original  # type: ignore[method-assign]
            self.exit()

    review_app.ReviewApp._display = _display  # type: ignore[method-assign]
    from app.cli import main as tether

    return tether(args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
