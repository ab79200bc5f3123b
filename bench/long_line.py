"""A 5 MB one-line minified JS file (issue 10): first screen and keys.

``python -m bench.long_line [--mb 5] [--runs 3]``. The file is committed in a
fresh repository and changed in three places (one hunk, one removed and one
added 5 MB line). In-process, headless (``run_test(size=(160, 50))``) with
``TimedReviewApp`` (each frame also turned into terminal bytes):

- first screen: from ``run_test`` starting the app to the first frame that
  shows the diff pane with its hunk;
- ``v`` (split view and back), ``j``: from just before ``pilot.press`` to
  the first frame after it (``j`` on the only hunk draws none: to the press
  returning, the app idle again); a scroll half way along the line, to the first
  frame after it;
- ``q`` ``q`` (the summary, then quit): from the first press to the app
  having exited.

Also: the whole process's peak RSS after the run (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from textual.pilot import Pilot

from app.review.sources import open_review, open_source
from bench.keys import TimedReviewApp
from bench.stats import summary

GIT_ID = ("-c", "user.name=bench", "-c", "user.email=bench@tether.invalid")


def minified_js(size: int, seed: int = 10) -> str:
    """``size`` characters of one-line JS: functions, strings, numbers, regexes."""
    rng = random.Random(seed)
    parts: list[str] = []
    n = 0
    while n < size:
        k = rng.randrange(10_000)
        piece = rng.choice(
            (
                f"function f{k}(a,b){{return a+b*{k}}}",
                f'var s{k}="str {k}\\n";',
                f"if(x{k}>={k}){{y=[{k},{k + 1},'{k}'];}}",
                f"r{k}=/ab+c{k}/g.test(q);",
                f"o.p{k}={{k:{k},v:null,t:!0}};",
            )
        )
        parts.append(piece)
        n += len(piece)
    return "".join(parts)[:size]


def make_repo(root: Path, mb: float) -> Path:
    repo = root / "repo"
    repo.mkdir(parents=True)
    old = minified_js(int(mb * 1_000_000))
    changed = list(old)
    for at in (10, len(old) // 2, len(old) - 10):
        changed[at] = "Z"
    (repo / "app.min.js").write_text(old + "\n", encoding="utf-8")
    for args in (("init", "-q"), ("add", "-A"), (*GIT_ID, "commit", "-qm", "minified")):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    (repo / "app.min.js").write_text("".join(changed) + "\n", encoding="utf-8")
    return repo


async def _first_frame_after(app: TimedReviewApp, since: float) -> float:
    while True:
        after = [t for t in app.frames if t > since]
        if after:
            return after[0] - since
        await asyncio.sleep(0.001)


async def _press(pilot: Pilot[object], app: TimedReviewApp, key: str) -> float:
    """To the first frame after the press; a key that changes nothing on
    screen (``j`` on the last hunk) draws none: to the app idle again."""
    t0 = time.perf_counter()
    await pilot.press(key)
    after = [t for t in app.frames if t > t0]
    return (after[0] if after else time.perf_counter()) - t0


async def one_run(repo: Path) -> dict[str, float]:
    start = time.perf_counter()
    source = open_source(None, repo)
    app = TimedReviewApp(open_review(source), label=source.label)
    out: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        while not (app.pane.hunks and app.frames and app.frames[-1] > start):
            await asyncio.sleep(0.001)
        shown = next(t for t in app.frames if app.pane.hunks)
        out["first_screen_s"] = shown - start
        await pilot.pause()
        for key in ("v", "v", "j"):
            name = f"{key}_s" if f"{key}_s" not in out else f"{key}_again_s"
            out[name] = await _press(pilot, app, key)
        # Half way along the line (what a sideways mouse scroll does).
        t0 = time.perf_counter()
        app.pane.scroll_to(x=app.pane.max_scroll_x // 2, animate=False, immediate=True)
        out["scroll_half_way_s"] = await _first_frame_after(app, t0)
        t0 = time.perf_counter()
        await pilot.press("q")  # the summary screen, then q again quits
        await pilot.press("q")
    out["q_q_to_exit_s"] = time.perf_counter() - t0
    return out


def long_line(mb: float = 5, runs: int = 3) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="tether-long-line-") as tmp:
        repo = make_repo(Path(tmp), mb)
        samples: dict[str, list[float]] = {}
        for _ in range(runs):
            for name, value in asyncio.run(one_run(repo)).items():
                samples.setdefault(name, []).append(value)
    return {
        "input": {"file_bytes": int(mb * 1_000_000), "lines": 1, "hunks": 1},
        "runs": runs,
        "times_s": {name: summary(values) for name, values in samples.items()},
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.long_line", description=__doc__)
    parser.add_argument("--mb", type=float, default=5.0, help="file size in MB (default 5)")
    parser.add_argument("--runs", type=int, default=3, help="runs (default 3)")
    args = parser.parse_args()
    result = long_line(args.mb, args.runs)
    for name, s in result["times_s"].items():  # type: ignore[attr-defined]
        print(f"{name:<16} median {s['median']:.3f} s  max {s['max']:.3f} s  (n={s['n']})")
    print(f"peak RSS {result['peak_rss_kb'] / 1024:.0f} MiB")
    out = Path("bench-out")
    out.mkdir(exist_ok=True)
    (out / "long_line.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
