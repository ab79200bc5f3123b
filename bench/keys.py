"""Key press to repainted screen, in-process, with Textual's Pilot.

The app runs headless (``run_test(size=(160, 50))``). A headless Textual app
still does everything a real one does for a frame: the screen's update timer
fires, the compositor asks every dirty widget for its lines (``render_line``)
and builds the update, and ``App._display`` is called with it; only turning
the update into terminal bytes and writing them is skipped. ``TimedReviewApp``
overrides ``_display`` to do that conversion too (``render_segments``, the
bytes a real driver would write) and to timestamp the end of every frame.

One key press is timed from just before ``pilot.press(key)`` (which puts the
key event on the app's queue, as the input thread does in a terminal) to:

- the *first* frame after it: for ``y`` and ``n`` the frame that shows the
  decision (the hunk gone, the cursor on the next one), since the review
  service takes the hunk off the view at once and writes on its own thread;
- the *last* frame before the app went quiet (no frame for ``QUIET`` seconds
  and the review's writer idle): the decision is journaled and written, and
  the status line says so (``accepted … (#seq; u undoes)``).

Also recorded: the CPU time the press cost (this process and the git
commands it ran and reaped), which a busy neighbour inflates far less than
wall time.
"""

from __future__ import annotations

import asyncio
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual._compositor import CompositorUpdate
from textual.pilot import Pilot

from app.review.sources import open_review, open_source
from app.tui.review_app import ReviewApp
from bench.stats import summary

QUIET = 0.05  # seconds without a frame that count as "the key is done"
KEYS = ("y", "n", "j", "k", "pagedown")
# One cycle: jump a page, go to the next hunk, accept it (the cursor moves to
# the next one), go back a hunk, reject it. Every y and n lands on a hunk.
CYCLE = ("pagedown", "j", "y", "k", "n")


class TimedReviewApp(ReviewApp):
    """ReviewApp that renders each frame to terminal bytes and timestamps it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[float] = []
        self.frame_bytes = 0

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if renderable is None or self._batch_count:
            return
        if isinstance(renderable, CompositorUpdate):
            self.frame_bytes += len(renderable.render_segments(self.console))
        self.frames.append(time.perf_counter())


@dataclass
class KeyRun:
    """Per key: seconds to the last and to the first frame; no-op presses."""

    last: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KEYS})
    first: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KEYS})
    frames: dict[str, list[int]] = field(default_factory=lambda: {k: [] for k in KEYS})
    cpu: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KEYS})
    noop: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KEYS, 0))
    startup_s: float = 0.0


async def _quiet(app: TimedReviewApp, since: float, quiet: float = QUIET) -> None:
    """Until no frame came for ``quiet`` seconds and the review's writer is idle."""
    while True:
        last = max(since, app.frames[-1] if app.frames else since)
        if time.perf_counter() - last >= quiet and not app.service.busy:
            return
        await asyncio.sleep(0.002)


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (git, for y and n)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _state(app: TimedReviewApp) -> tuple[int, int, int]:
    return app.service.decided, app.pane.cursor, int(app.pane.scroll_y)


async def _drive(repo: Path, cycles: int, run: KeyRun) -> None:
    source = open_source(None, repo)
    app = TimedReviewApp(open_review(source), label=source.label, theme="dark")
    start = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        await _settle_start(app, pilot)
        run.startup_s = (app.frames[0] if app.frames else time.perf_counter()) - start
        for _ in range(cycles):
            for key in CYCLE:
                before = _state(app)
                n = len(app.frames)
                c0 = _cpu()
                t0 = time.perf_counter()
                await pilot.press(key)
                await _quiet(app, t0)
                run.cpu[key].append(_cpu() - c0)
                frames = app.frames[n:]
                if _state(app) == before:
                    run.noop[key] += 1
                if frames:
                    run.last[key].append(frames[-1] - t0)
                    run.first[key].append(frames[0] - t0)
                run.frames[key].append(len(frames))


async def _settle_start(app: TimedReviewApp, pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await _quiet(app, time.perf_counter(), 0.3)


def fill_journal(repo: Path, entries: int) -> None:
    """Give ``repo`` a journal of ``entries`` earlier decisions, as months of
    use leave it: half of them this review's own (an undo stack that deep),
    half of past loop sessions. Written as Tether writes them (one append
    each would take minutes, so the lines are written at once)."""
    import json

    state = repo / ".git" / "tether"
    state.mkdir(parents=True, exist_ok=True)
    lines = []
    for seq in range(1, entries + 1):
        source = "worktree" if seq % 2 else f"proposal:2026{seq % 28 + 1:02d}T000000:1"
        lines.append(
            json.dumps(
                {
                    "seq": seq,
                    "ts": "2026-11-01T00:00:00.000+00:00",
                    "op": "accept" if seq % 3 else "reject",
                    "source": source,
                    "path": f"src/m{seq % 97:02d}.py",
                    "hunk": "@@ -1 +1 @@\n-old\n+new\n",
                    "side": "index" if source == "worktree" else "worktree",
                    "hunk_id": f"{seq:010x}",
                    "before": f"{seq:040x}",
                    "after": f"{seq + 1:040x}",
                },
                separators=(",", ":"),
            )
        )
    (state / "journal.jsonl").write_text("\n".join(lines) + "\n", encoding="ascii")


def measure_keys(
    repo: Path, reset: Any, *, cycles: int, runs: int, journal: int = 0
) -> dict[str, object]:
    """``runs`` fresh sessions of ``cycles`` × CYCLE presses on ``repo``, each
    on a journal of ``journal`` earlier entries.

    ``reset`` restores the repository (index = A, working tree = B, no
    journal) before each run and after the last: y stages and n reverts for real.
    """
    total = KeyRun()
    startups: list[float] = []
    for _ in range(runs):
        reset()
        if journal:
            fill_journal(repo, journal)
        run = KeyRun()
        asyncio.run(_drive(repo, cycles, run))
        startups.append(run.startup_s)
        for key in KEYS:
            total.last[key] += run.last[key]
            total.first[key] += run.first[key]
            total.frames[key] += run.frames[key]
            total.noop[key] += run.noop[key]
            total.cpu[key] += run.cpu[key]
    reset()
    per_key: dict[str, object] = {}
    for key in KEYS:
        per_key[key] = {
            "to_last_frame_s": summary(total.last[key]),
            "to_first_frame_s": summary(total.first[key]),
            "frames_per_press": summary([float(f) for f in total.frames[key]]),
            "cpu_per_press_s": summary(total.cpu[key]),
            "no_op_presses": total.noop[key],
            "samples_ms": [round(x * 1000, 2) for x in total.last[key]],
            "first_samples_s": list(total.first[key]),
            "frame_samples": [float(f) for f in total.frames[key]],
            "cpu_samples_s": list(total.cpu[key]),
        }
    everything = [x for key in KEYS for x in total.last[key]]
    return {
        "journal_entries_before": journal,
        "presses_per_key": cycles * runs,
        "runs": runs,
        "cycle": list(CYCLE),
        "quiet_s": QUIET,
        "startup_to_first_frame_s": summary(startups),
        "keys": per_key,
        "all_keys_to_last_frame_s": summary(everything),
    }
