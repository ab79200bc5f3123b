"""``python -m bench.checks_bench``: checks never block a key; a badge comes at once.

The review app runs headless in-process (Pilot, 160x50) on a git repository
of 20 Python files, with the built-in checks (ruff where installed, and
``python -m py_compile``) in their pool of two workers. Two measurements
(issue 14's budgets):

- ``key_latency``: all 20 files get a proposal at once — 20 files' checks
  (ruff and py_compile on the proposed text, and on the accepted text where
  the proposed one fails: 40 or more processes through the pool) — and
  while any is still running, ``j`` and ``k`` are pressed in turn; each press
  is timed from just before the press to the first frame after it (the frame
  ``_display`` hands the driver). Waves of 20 new texts follow until 30
  presses were timed (at most 10 waves). Budget: the max ≤ 50 ms.
- ``badge_overhead``: one file on show gets a new proposal, 10 times; the
  time from ``propose`` to the first frame that shows its final badge, minus
  the time its own check runs took (each run timed around ``run_check``).
  Budget: ≤ 100 ms (median and max reported).

Figures go to stdout as JSON (``--out FILE`` also writes them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from textual._compositor import CompositorUpdate

from app.core.backends import ProposalBackend
from app.core.blobs import BlobStore
from app.core.journal import Journal
from app.review.check_runner import CheckRunner
from app.review.checks import CheckResult, ChecksConfig, builtin_specs, run_check
from app.review.service import ReviewService
from app.review.session import ReviewSession
from app.tui.review_app import ReviewApp
from bench.corpus import git
from bench.stats import ms, summary

KEY_BUDGET_S = 0.050
BADGE_BUDGET_S = 0.100
FILES = 20
LINES = 120


class TimedApp(ReviewApp):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[float] = []
        self.badge_seen: float | None = None

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if renderable is None or self._batch_count:
            return
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(self.console)  # the bytes a terminal would get
        now = time.perf_counter()
        self.frames.append(now)
        badges = self.pane.hunk_badges
        if (
            self.badge_seen is None
            and badges
            and not any(b.startswith("⋯") for b in badges.values())
        ):
            self.badge_seen = now


def build_repo(repo: Path) -> None:
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for k in range(FILES):
        body = "".join(f"def f_{k}_{n}(x):\n    return x + {n}\n\n\n" for n in range(LINES // 4))
        (repo / f"mod_{k:02d}.py").write_text(body, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "base")


def open_service(repo: Path, state: Path) -> ReviewService:
    return ReviewService(
        ReviewSession(
            ProposalBackend(repo),
            journal=Journal(state / "journal.jsonl"),
            blobs=BlobStore(state / "blobs"),
            source="proposal:bench",
        )
    )


def proposal(repo: Path, k: int, marker: int) -> str:
    text = (repo / f"mod_{k:02d}.py").read_text()
    return text + f"\n\ndef added_{marker}(x):\n    return x * {marker}\n"


async def _press(app: TimedApp, pilot: Any, key: str) -> tuple[float | None, float]:
    """Seconds from just before the press to the first frame after it, and the
    CPU time this (the UI's) thread spent meanwhile."""
    n = len(app.frames)
    c0 = time.thread_time()
    t0 = time.perf_counter()
    await pilot.press(key)
    while len(app.frames) == n and time.perf_counter() - t0 < 1.0:
        await asyncio.sleep(0.001)
    cpu = time.thread_time() - c0
    return (app.frames[n] - t0 if len(app.frames) > n else None), cpu


def _fake_check(spec: Any, path: str, text: str, **kwargs: Any) -> CheckResult | None:
    """--fake: a check that takes the time of a short run but starts no process
    (to tell the runner's own cost from the processes' competition for the CPU)."""
    time.sleep(0.15)
    return CheckResult(spec.name, "pass", seconds=0.15)


async def _run(repo: Path, state: Path, rounds: int, *, fake: bool = False) -> dict[str, Any]:
    service = open_service(repo, state)
    specs = tuple(builtin_specs())
    app = TimedApp(service, label="bench")  # the checks start after the baseline
    runs: list[float] = []

    def timed(*args: Any, **kwargs: Any) -> CheckResult | None:
        t0 = time.perf_counter()
        try:
            return (_fake_check if fake else run_check)(*args, **kwargs)
        finally:
            runs.append(time.perf_counter() - t0)

    async with app.run_test(size=(160, 50)) as pilot:
        # The same 20 proposed files and the same keys with no check: this
        # machine's floor now (j at a file's last hunk opens the next file).
        for k in range(FILES):
            service.propose(f"mod_{k:02d}.py", proposal(repo, k, 1000 + k))
        await pilot.pause()
        # The same keys with no check running: this machine's floor right now.
        baseline: list[float] = []
        baseline_cpu: list[float] = []
        key = "j"
        for _ in range(30):
            lat, cpu = await _press(app, pilot, key)
            if lat is not None:
                baseline.append(lat)
                baseline_cpu.append(cpu)
            key = "k" if key == "j" else "j"
            await asyncio.sleep(0.02)
        app.checks_config = ChecksConfig(specs)
        app.start_checks()
        runner = app._checks
        assert isinstance(runner, CheckRunner)
        runner._run = timed

        def running() -> bool:
            # The runner's own table (a view of 20 files per press would be
            # the bench's work on the UI thread, between the presses timed).
            results = runner._results
            return any(
                not results.get(f"mod_{k:02d}.py")
                or any(c.state == "running" for c in results[f"mod_{k:02d}.py"].values())
                for k in range(FILES)
            )

        latencies: list[float] = []
        cpus: list[float] = []
        key = "j"
        deadline = time.monotonic() + 300
        waves = 0
        # Waves of 20 new texts at once until 30 presses were timed while
        # checks ran (one wave of passing checks is over in about a second).
        while len(latencies) < 30 and waves < 10 and time.monotonic() < deadline:
            for k in range(FILES):  # new texts, all 20 files at once
                service.propose(f"mod_{k:02d}.py", proposal(repo, k, 2000 + 100 * waves + k))
            waves += 1
            await pilot.pause()
            while running() and time.monotonic() < deadline:
                lat, cpu = await _press(app, pilot, key)
                if lat is not None:
                    latencies.append(lat)
                    cpus.append(cpu)
                key = "k" if key == "j" else "j"
                await asyncio.sleep(0.02)
        checks_done = not running()
        phase_runs, phase_s = len(runs), time.monotonic() - (deadline - 300)

        overheads: list[float] = []
        path = app.pane.path
        k = int(path[4:6])
        for r in range(rounds):
            runs.clear()
            app.badge_seen = None
            t0 = time.perf_counter()
            service.propose(path, proposal(repo, k, 5000 + r))
            limit = time.perf_counter() + 60
            while app.badge_seen is None or app.badge_seen < t0:
                if time.perf_counter() > limit:
                    break
                await asyncio.sleep(0.001)
            if app.badge_seen is not None:
                overheads.append(app.badge_seen - t0 - sum(runs))
    return {
        "checks": [s.name for s in specs],
        "files": FILES,
        "key_latency_no_checks": summary(baseline),
        "key_cpu_no_checks": summary(baseline_cpu),
        "key_latency": summary(latencies),
        "key_cpu": summary(cpus),
        "key_presses_while_checks_ran": len(latencies),
        "check_runs_meanwhile": phase_runs,
        "waves": waves,
        "seconds_until_all_checked": round(phase_s, 2),
        "checks_finished": checks_done,
        "badge_overhead": summary(overheads),
        "key_budget_ok": bool(latencies) and max(latencies) <= KEY_BUDGET_S,
        "badge_budget_ok": bool(overheads) and max(overheads) <= BADGE_BUDGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.checks_bench")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--fake", action="store_true", help="checks that sleep instead of running a process"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tether-checks-bench-") as tmp:
        repo = Path(tmp) / "repo"
        build_repo(repo)
        result = asyncio.run(_run(repo, Path(tmp) / "state", args.rounds, fake=args.fake))
    lat, over = result["key_latency"], result["badge_overhead"]
    base = result["key_latency_no_checks"]
    print(f"key latency with no check running: max {ms(base['max'])}, p95 {ms(base['p95'])}")
    print(
        f"key latency while checks ran: max {ms(lat['max'])}, p95 {ms(lat['p95'])} "
        f"({lat['n']} presses; budget max {ms(KEY_BUDGET_S)})"
    )
    print(
        f"badge after its own run time: median {ms(over['median'])}, max {ms(over['max'])} "
        f"({over['n']} rounds; budget {ms(BADGE_BUDGET_S)})"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
