"""``python -m bench.pty_keys``: `y` in a real terminal, Tether beside `git add -p`.

Both run as real processes in a pseudo-terminal of 160×50 on the `big`
scenario (a 20,000-line file with 500 hunks, the index holding the old
text): the benchmark is the terminal, it writes the key and reads what the
program draws. Per press:

- Tether: *shown* is the first output after the key (the frame that takes
  the hunk off the screen and moves the cursor to the next one); *settled*
  is when the status line says ``accepted … (#N;`` for this press's journal
  entry N (written, fsynced, staged).
- ``git add -p``: the next ``Stage this hunk`` prompt after the ``y``.

Presses are spaced by 150 ms of quiet so that one never overlaps the next;
the two programs alternate in rounds, so both see the same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from bench.corpus import child_env
from bench.watch_bench import Screen, tether_command
from bench.workspace import Workspace


def _p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]


def tether_presses(ws: Workspace, presses: int) -> tuple[list[float], list[float]]:
    sc = ws.scenario("big")
    sc.reset()
    screen = Screen([*tether_command(), "review"], sc.repo, child_env(ws.out / "work"))
    shown: list[float] = []
    settled: list[float] = []
    try:
        if screen.wait_for("decided ·", 0, 60) is None:
            raise RuntimeError("tether review never painted")
        screen.quiet(0.3, 10)
        for n in range(1, presses + 1):
            since = len(screen.raw)
            pressed = time.perf_counter()
            os.write(screen.fd, b"y")
            if not screen.read(10):
                raise RuntimeError("no frame after y")
            shown.append(screen.last_output - pressed)
            done = screen.wait_for(f"(#{n};", since, 30)
            if done is None:
                raise RuntimeError(f"press {n}: the decision never settled")
            settled.append(done - pressed)
            screen.quiet(0.15, 5)
    finally:
        screen.close()
        sc.reset()
    return shown, settled


def git_add_p_presses(ws: Workspace, presses: int) -> list[float]:
    sc = ws.scenario("big")
    sc.reset()
    env = child_env(ws.out / "work")
    screen = Screen(["git", "add", "-p"], sc.repo, env)
    times: list[float] = []
    try:
        if screen.wait_for("Stage this hunk", 0, 60) is None:
            raise RuntimeError("git add -p never asked")
        screen.quiet(0.15, 5)
        for n in range(2, presses + 2):
            since = len(screen.raw)
            pressed = time.perf_counter()
            os.write(screen.fd, b"y\n")
            done = screen.wait_for(f"({n}/", since, 30)
            if done is None:
                raise RuntimeError(f"git add -p: no prompt for hunk {n}")
            times.append(done - pressed)
            screen.quiet(0.15, 5)
    finally:
        screen.close()
        sc.reset()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.pty_keys", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--presses", type=int, default=20, help="per round and program")
    parser.add_argument("--out", type=Path, default=Path("bench-out"))
    args = parser.parse_args()
    ws = Workspace(args.out)
    shown: list[float] = []
    settled: list[float] = []
    git: list[float] = []
    for _ in range(args.rounds):
        s, t = tether_presses(ws, args.presses)
        shown += s
        settled += t
        git += git_add_p_presses(ws, args.presses)
    result = {
        "presses": len(shown),
        "tether_shown_ms": {"p50": statistics.median(shown) * 1000, "p95": _p95(shown) * 1000},
        "tether_settled_ms": {
            "p50": statistics.median(settled) * 1000,
            "p95": _p95(settled) * 1000,
        },
        "git_add_p_ms": {"p50": statistics.median(git) * 1000, "p95": _p95(git) * 1000},
        "load_average_end": list(os.getloadavg()),
    }
    (args.out / "pty-keys.json").write_text(json.dumps(result, indent=2))
    for name in ("tether_shown_ms", "tether_settled_ms", "git_add_p_ms"):
        d = result[name]
        assert isinstance(d, dict)
        print(f"{name:<18} p50 {d['p50']:.1f} ms  p95 {d['p95']:.1f} ms  (n={len(shown)})")


if __name__ == "__main__":
    main()
