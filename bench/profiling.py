"""Where the time goes: cProfile of start-up and of single keys, plus imports.

Profiles are written to ``bench-out/profile-*.txt`` (pstats, sorted by
cumulative time); the summary keeps, per profile, the slowest functions of
Tether's own code (``app/``, ``widgets/``, ``themes/``) by cumulative time and
the slowest functions anywhere by own time, both per key press. cProfile
roughly doubles Python's run time, so use these for *where*, and the plain
benchmarks for *how long*.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.review.commands import Decide
from app.review.sources import open_review, open_source
from bench.keys import TimedReviewApp, _quiet, _settle_start
from bench.pty_run import run_in_pty
from bench.stats import summary
from bench.workspace import Scenario, Workspace

_ROOT = str(Path(__file__).resolve().parent.parent)
_OURS = tuple(f"{_ROOT}/{d}/" for d in ("app", "widgets", "themes"))
_IDLE = ("select.epoll", "poll' of", "{built-in method time.sleep}")
# Textual's message plumbing: on every path, so it names no hot spot.
_PLUMBING = {
    "_process_messages",
    "_process_messages_loop",
    "_dispatch_message",
    "_pre_process",
    "_on_message",
    "on_event",
    "invoke",
    "_invoke",
    "_run",
    "_tick",
    "_run_timer",
    "run",
    "run_async",
    "run_app",
    "run_process_messages",
    "_run_once",
    "run_forever",
    "run_until_complete",
    "_flush_next_callbacks",
    "_invoke_and_clear_callbacks",
    "_on_timer_update",
    "_on_idle",
    "_callback",
    "process_messages",
}


def _label(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    for marker in (
        "/site-packages/",
        "/lib/python3.11/",
        "/lib/python3.12/",
        "/lib/python3.13/",
        "/main/",
    ):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})" if line else name


def _top(prof: cProfile.Profile | str, per: int, path: Path, n: int = 12) -> dict[str, object]:
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("cumulative").print_stats(70)
    stats.sort_stats("tottime").print_stats(40)
    path.write_text(buf.getvalue(), encoding="utf-8")
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = [(func, tt, ct, nc) for func, (_cc, nc, tt, ct, _callers) in raw.items()]
    ours = sorted((r for r in rows if r[0][0].startswith(_OURS)), key=lambda r: r[2], reverse=True)
    textual = sorted(
        (r for r in rows if "/textual/" in r[0][0] and r[0][2] not in _PLUMBING),
        key=lambda r: r[2],
        reverse=True,
    )
    busy = [r for r in rows if not any(m in _label(r[0]) for m in _IDLE)]
    own = sorted(busy, key=lambda r: r[1], reverse=True)
    total = sum(r[1] for r in busy)
    return {
        "profile": str(path),
        "per": per,
        "busy_s_per": total / per,
        "ours_by_cumulative_s_per": [
            {"function": _label(f), "cumulative_s": ct / per, "calls_per": nc / per}
            for f, _tt, ct, nc in ours[:n]
        ],
        "textual_by_cumulative_s_per": [
            {"function": _label(f), "cumulative_s": ct / per, "calls_per": nc / per}
            for f, _tt, ct, nc in textual[:n]
        ],
        "anywhere_by_own_time_s_per": [
            {"function": _label(f), "own_s": tt / per, "calls_per": nc / per}
            for f, tt, _ct, nc in own[:n]
        ],
    }


async def _profile_keys(sc: Scenario, out: Path, presses: dict[str, int]) -> dict[str, object]:
    results: dict[str, object] = {}
    source = open_source(None, sc.repo)
    app = TimedReviewApp(open_review(source), label=source.label, theme="dark")
    async with app.run_test(size=(160, 50)) as pilot:
        await _settle_start(app, pilot)
        for key, count in presses.items():
            prof = cProfile.Profile()
            for _ in range(count):
                t0 = time.perf_counter()
                prof.enable()
                await pilot.press(key)
                await _quiet(app, t0)
                prof.disable()
            results[f"key {key} (in-process)"] = _top(prof, count, out / f"profile-key-{key}.txt")
    return results


def _profile_startup(ws: Workspace, sc: Scenario, slug: str) -> dict[str, object]:
    """cProfile of ``tether`` as a real process in a pty, spawn to first frame."""
    dump = ws.out / f"profile-startup-{slug}.pstats"
    dump.unlink(missing_ok=True)
    script = str(Path(__file__).with_name("profile_startup.py"))
    run_in_pty(
        [ws.python, script, str(dump), *sc.args],
        cwd=sc.repo,
        env=ws.env,
        markers=["\0never\0"],
        timeout=60,
    )
    if not dump.exists():
        raise RuntimeError(f"no startup profile for {sc.name}")
    return _top(str(dump), 1, ws.out / f"profile-startup-{slug}.txt")


def _timed(fn: Callable[[], object], runs: int) -> dict[str, float | int]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return summary(times)


def _core_decision(sc: Scenario, runs: int) -> dict[str, object]:
    """An accept of one hunk through the review service, without any UI
    (reset between runs)."""
    times = []
    for _ in range(runs):
        sc.reset()
        service = open_review(open_source(None, sc.repo))
        fr = service.load(service.files[0])
        command = Decide("accept", fr.path, (fr.hunks[0].id,))
        start = time.perf_counter()
        service.execute(command)
        times.append(time.perf_counter() - start)
    sc.reset()
    service = open_review(open_source(None, sc.repo))
    fr = service.files[0]

    def load() -> None:
        fr.loaded = False
        service.load(fr)

    return {
        "service.execute(accept one hunk)_s": summary(times),
        "service.load(file: read + diff)_s": _timed(load, runs),
    }


def _imports(ws: Workspace, runs: int) -> dict[str, object]:
    """Wall time to import the TUI and bare Textual in a fresh interpreter."""
    code = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"
    out: dict[str, object] = {}
    for label, module in (
        ("textual.app + textual.widgets", "textual.app, textual.widgets"),
        ("app.cli + app.tui.review_app", "app.cli, app.tui.review_app"),
    ):
        times = []
        for _ in range(runs):
            done = subprocess.run(
                [ws.python, "-c", code.format(m=module)],
                env=ws.env,
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(float(done.stdout.strip()))
        out[label] = summary(times)
    return out


def profile(ws: Workspace, *, quick: bool) -> dict[str, object]:
    sc = ws.scenario("big")
    presses = (
        {"y": 5, "j": 5, "pagedown": 2} if quick else {"y": 10, "n": 10, "j": 10, "pagedown": 3}
    )
    profiles: dict[str, object] = {
        "startup, 500-hunk diff (real process, to first frame)": _profile_startup(ws, sc, "big"),
        "startup, release diff (real process, to first frame)": _profile_startup(
            ws, ws.scenario("release"), "release"
        ),
    }
    sc.reset()
    try:
        profiles.update(asyncio.run(_profile_keys(sc, ws.out, presses)))
    finally:
        sc.reset()
    return {
        "input": sc.info(),
        "profiles": profiles,
        "core_without_ui": _core_decision(sc, 3 if quick else 7),
        "imports_s": _imports(ws, 3 if quick else 5),
    }
