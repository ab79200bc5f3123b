"""Benchmarks of the generation loop (issue 3).

``python -m bench.loop_bench [--runs N]``:

1. From an edit's last token arriving to its hunk painted, in-process: the
   LoopApp under Pilot with the replay provider streaming the demo session at
   50 tokens/s. t0 is when the provider hands over the complete edit (the
   parser emits it on the token that ends it, on the worker thread); t1 is the
   first ``App._display`` after the hunk reached the diff pane.
2. Output tokens per changed line for each edit format, against rewriting the
   whole file, on the demo session's edits. Tokens are estimated as characters
   ÷ 4 (no tokenizer is available offline); the ratios between formats are what
   matter, and they hold for any tokenizer that is roughly linear in length.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.core.backends import ProposalBackend
from app.core.blobs import BlobStore
from app.core.journal import Journal
from app.core.text import split_lines
from app.core.textdiff import diff_texts
from app.demo import SAMPLES, make_sample_repo
from app.edits.apply import apply_edit
from app.loop.events import EditRefused
from app.providers.base import EditReady, Event, GenerationRequest
from app.providers.replay import ReplayProvider, load_recording, turn_edits
from app.review.service import ReviewService
from app.review.session import ReviewSession
from app.tui.loop_app import LoopApp

TOKENS_PER_SECOND = 50
BUDGET_S = 0.050


class TimedReplay(ReplayProvider):
    """Stamps each complete edit as the provider hands it over."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handed: dict[str, list[float]] = {}

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        for event in super().stream(request):
            if isinstance(event, EditReady):
                self.handed.setdefault(event.edit.path, []).append(time.perf_counter())
            yield event


class TimedLoopApp(LoopApp):
    """Times each edit from the provider handing it over to the first frame
    drawn after the diff pane shows the proposal that edit made."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting: list[float] = []
        self.latencies: list[float] = []
        # path -> (handed at, the file's revision once the edit is proposed)
        self.proposed: dict[str, list[tuple[float, int]]] = {}
        service = self.service
        real = service.propose

        def propose(path: str, text: str | None) -> Any:
            fr = real(path, text)
            provider = self.loop.provider
            assert isinstance(provider, TimedReplay)
            handed = provider.handed.get(path)
            if handed:
                self.proposed.setdefault(path, []).append((handed.pop(0), fr.revision))
            return fr

        service.propose = propose  # type: ignore[method-assign]

    def on_review_event(self, event: Any) -> None:
        super().on_review_event(event)
        if isinstance(event, EditRefused) and event.path:
            provider = self.loop.provider
            assert isinstance(provider, TimedReplay)
            handed = provider.handed.get(event.path)
            if handed:
                handed.pop(0)  # a refused edit paints no hunk

    def show_file(self, index: int, *, hunk: str | int | None = 0) -> None:
        super().show_file(index, hunk=hunk)
        path = self.pane.path
        shown = self.service.file(path).revision if path else -1
        done = [t for t, revision in self.proposed.get(path, []) if revision <= shown]
        if done and self.reviewing:
            self.proposed[path] = [(t, r) for t, r in self.proposed[path] if r > shown]
            self.waiting.extend(done)

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if self.waiting:
            now = time.perf_counter()
            self.latencies.extend(now - t0 for t0 in self.waiting)
            self.waiting.clear()


async def _one_run() -> list[float]:
    tmp = Path(tempfile.mkdtemp(prefix="tether-loop-bench-"))
    repo = make_sample_repo(tmp / "inventory", with_change=False)
    session = ReviewService(
        ReviewSession(
            ProposalBackend(repo),
            journal=Journal(tmp / "journal.jsonl"),
            blobs=BlobStore(tmp / "blobs"),
            source="bench",
        )
    )
    provider = TimedReplay(SAMPLES / "demo_session.jsonl", tokens_per_second=TOKENS_PER_SECOND)
    app = TimedLoopApp(
        session, provider=provider, provider_label="replay", start_file="inventory/stock.py"
    )
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("i", *"make remove() safe", "enter")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await pilot.pause(0.05)
            if len(app.latencies) >= 4 and not app.loop.generating:
                break
    return app.latencies


def edit_latency(runs: int) -> dict[str, object]:
    samples: list[float] = []
    for _ in range(runs):
        samples.extend(asyncio.run(_one_run()))
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(samples[-1] * 1000, 1),
        "budget_ms": BUDGET_S * 1000,
        "ok": p95 <= BUDGET_S,
    }


def _tokens(text: str) -> float:
    return len(text) / 4


def _v4a(path: str, old: list[str], new: list[str]) -> str:
    fp, _ = diff_texts("".join(old), "".join(new), path, context=3)
    body = []
    for hunk in fp.hunks:
        body.append("@@")
        body += [ln.kind + ln.raw.rstrip("\n") for ln in hunk.lines]
    return (
        "*** Begin Patch\n*** Update File: " + path + "\n" + "\n".join(body) + "\n*** End Patch\n"
    )


def format_costs() -> dict[str, object]:
    """Per edit of the demo session: tokens in each format and changed lines."""
    recording = load_recording(SAMPLES / "demo_session.jsonl")
    project = SAMPLES / "project"
    files = {p.relative_to(project).as_posix(): p.read_text() for p in project.rglob("*.py")}
    totals = {"search_replace": 0.0, "v4a": 0.0, "str_replace": 0.0, "whole_file": 0.0}
    changed_total = 0
    edits = 0
    for turn in recording.turns:
        for event in turn_edits(turn):
            if not isinstance(event, EditReady):
                continue
            edit = event.edit
            before = files.get(edit.path)
            try:
                after = apply_edit(before, edit)
            except Exception:  # noqa: BLE001 - a recorded bad edit (the demo's deliberate one)
                continue
            assert after is not None and before is not None
            old, new = split_lines(before), split_lines(after)
            fp, _ = diff_texts(before, after, edit.path)
            changed = fp.added + fp.removed
            block = f"{edit.path}\n```python\n<<<<<<< SEARCH\n{edit.old}=======\n{edit.new}>>>>>>> REPLACE\n```\n"
            tool = json.dumps(
                {
                    "command": "str_replace",
                    "path": edit.path,
                    "old_str": edit.old,
                    "new_str": edit.new,
                }
            )
            totals["search_replace"] += _tokens(block)
            totals["v4a"] += _tokens(_v4a(edit.path, old, new))
            totals["str_replace"] += _tokens(tool)
            totals["whole_file"] += _tokens(f"{edit.path}\n```python\n{after}```\n")
            changed_total += changed
            edits += 1
            files[edit.path] = after
    per_line = {name: round(value / changed_total, 1) for name, value in totals.items()}
    return {
        "edits": edits,
        "changed_lines": changed_total,
        "tokens_per_changed_line": per_line,
        "whole_file_over": {
            name: round(totals["whole_file"] / value, 1)
            for name, value in totals.items()
            if name != "whole_file"
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.loop_bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=5, help="demo generations to time (default 5)")
    args = parser.parse_args()
    latency = edit_latency(args.runs)
    costs = format_costs()
    print(
        f"edit last token → hunk painted (replay at {TOKENS_PER_SECOND} tokens/s, n={latency['n']}): "
        f"p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, max {latency['max_ms']} ms "
        f"(budget p95 ≤ {latency['budget_ms']:.0f} ms: {'ok' if latency['ok'] else 'MISSED'})"
    )
    print(
        f"output tokens per changed line ({costs['edits']} edits, {costs['changed_lines']} changed lines):"
    )
    for name, value in costs["tokens_per_changed_line"].items():  # type: ignore[union-attr]
        print(f"  {name:<15} {value}")
    print(f"whole-file rewrite costs ×: {costs['whole_file_over']}")
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / "loop.json").write_text(
        json.dumps({"edit_latency": latency, "formats": costs}, indent=2)
    )


if __name__ == "__main__":
    main()
