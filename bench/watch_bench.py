"""``python -m bench.watch_bench``: watch-mode latency and idle CPU.

In a generated git repository of 10,000 files (``bench-out/watch/repo``,
built once: 500 folders of 20 Python files, 26 lines each of real stdlib
code, committed), the real ``tether watch`` runs in a pseudo-terminal, as in
a terminal emulator. This benchmark is the parent side of the pty: it writes
files the way an agent does (open, truncate, write, close) and times each
write until its text is on the screen, i.e. until the bytes the app wrote to
the terminal, escape sequences removed, contain it. A real process rather
than WatchApp under Pilot, because that is what the user sees (the watcher
thread, the hand-off to the UI thread, git, the diff, Textual's render and the
terminal write are all in the measured path), and because idle CPU is only
meaningful for a real process.

- ``shown``: the file on screen is rewritten with a new line 2 (a unique
  identifier); timed until that identifier is drawn (the diff pane redraws the
  file's hunk). The budget: p95 <= 200 ms.
- ``other``: a file not on screen is rewritten; timed until its path is drawn
  (the status line says ``changed on disk: <path>`` and the file list gets the
  entry). The diff pane stays on the file being reviewed.
- ``idle``: with nothing changing, the CPU time (user + system, the process
  and its reaped children: git) over 20 s, from ``/proc/<pid>/stat`` (psutil is
  not needed), per thread too. The budget: < 2% of one core.

Writes are spaced: after each hit the output must be quiet for 100 ms, then
the next write follows after a random 50-250 ms (an agent does not write in
lock-step with the screen). ``--profile`` also runs the ``shown`` series
in-process (WatchApp under Pilot, same repository) under cProfile and prints
where the UI thread spends the time between a write and the redraw.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import random
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.corpus import child_env, corpus, git
from bench.pty_run import visible_text
from bench.stats import ms, summary

FOLDERS = 500
PER_FOLDER = 20
LINES = 26
LATENCY_BUDGET_S = 0.200
IDLE_BUDGET = 0.02  # of one core
KEY_BUDGET_S = 0.250  # a key during a burst: longer feels stuck
BURST_MODIFY, BURST_CREATE = 2_500, 2_500
# Keys go on this long after the writer is done: the new files are being
# diffed in the background meanwhile.
BURST_TAIL_S = 10.0
COLS, ROWS = 160, 50
SHOWN = "pkg000/mod_00.py"


def rel_path(i: int) -> str:
    return f"pkg{i // PER_FOLDER:03d}/mod_{i % PER_FOLDER:02d}.py"


def file_lines(i: int) -> list[str]:
    body = corpus(LINES - 2, offset=(i * (LINES - 2)) % 280_000)
    return [f'"""Generated module {i}."""\n', f"VALUE_{i} = {i}\n", *body]


def build_repo(repo: Path, count: int) -> Path:
    """The 10,000-file repository (rebuilt only if missing or of another size)."""
    stamp = repo / ".git" / "bench-files"
    if stamp.exists() and stamp.read_text() == str(count):
        return repo
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for i in range(count):
        path = repo / rel_path(i)
        path.parent.mkdir(exist_ok=True)
        path.write_text("".join(file_lines(i)), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"{count} generated modules")
    stamp.write_text(str(count))
    return repo


def reset_repo(repo: Path) -> None:
    """Clean working tree and index, no Tether state: what the run starts from."""
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-fdq")
    shutil.rmtree(repo / ".git" / "tether", ignore_errors=True)


def tether_command() -> list[str]:
    beside = Path(sys.executable).with_name("tether")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("tether")
    if found:
        return [found]
    return [sys.executable, "-m", "app.cli"]


# -- the pty ---------------------------------------------------------------------------


class Screen:
    """``tether watch`` in a pty; everything it wrote so far."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))

        def own_terminal() -> None:  # in the child, after setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            preexec_fn=own_terminal,
            close_fds=True,
        )
        os.close(slave)
        self.fd = master
        self.raw = bytearray()
        self.last_output = time.perf_counter()

    def read(self, timeout: float) -> bool:
        """Read what is there within ``timeout``; False if nothing came."""
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:
            chunk = b""
        if not chunk:
            raise RuntimeError("tether watch exited: " + visible_text(bytes(self.raw[-4000:])))
        self.raw += chunk
        self.last_output = time.perf_counter()
        return True

    def wait_for(self, text: str, since: int, timeout: float) -> float | None:
        """perf_counter() when ``text`` first shows in the output after byte ``since``."""
        deadline = time.perf_counter() + timeout
        scanned = since
        while time.perf_counter() < deadline:
            if self.read(min(0.05, deadline - time.perf_counter())):
                shown = visible_text(bytes(self.raw[max(since, scanned - 256) :]))
                scanned = len(self.raw)
                if text in shown:
                    return self.last_output
        return None

    def quiet(self, quiet: float, limit: float) -> None:
        """Read until nothing came for ``quiet`` seconds (at most ``limit``)."""
        end = time.perf_counter() + limit
        while time.perf_counter() < end:
            if not self.read(quiet) and time.perf_counter() - self.last_output >= quiet:
                return

    def drain_for(self, seconds: float) -> int:
        """Keep reading for ``seconds``; return the bytes written meanwhile."""
        start, end = len(self.raw), time.perf_counter() + seconds
        while time.perf_counter() < end:
            self.read(end - time.perf_counter())
        return len(self.raw) - start

    def close(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.fd)


def cpu_ticks(pid: int) -> tuple[int, dict[str, int]]:
    """utime+stime+cutime+cstime of ``pid``, and utime+stime per thread
    (``<tid> <name>``; Python threads all carry the process's name)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    total = sum(int(x) for x in fields[11:15])
    threads: dict[str, int] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            stat = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        try:  # where it sleeps tells the threads apart (they share one name)
            wchan = (task / "wchan").read_text().strip() or "-"
        except OSError:
            wchan = "?"
        label = "main" if task.name == str(pid) else f"thread {task.name}"
        threads[f"{label} ({name}, sleeps in {wchan})"] = int(stat[11]) + int(stat[12])
    return total, threads


# -- the runs ------------------------------------------------------------------------------


@dataclass
class Series:
    name: str
    latencies_s: list[float] = field(default_factory=list)
    missed: int = 0

    def result(self) -> dict[str, Any]:
        return {**summary(self.latencies_s), "missed": self.missed}


def write_file(path: Path, text: str) -> float:
    """An agent's write: open, truncate, write, close. Returns perf_counter() after."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return time.perf_counter()


def run_pty(repo: Path, work: Path, writes: int, others: int, idle_s: float) -> dict[str, Any]:
    reset_repo(repo)
    env = child_env(work)
    rng = random.Random(20_000)
    start = time.perf_counter()
    screen = Screen([*tether_command(), "watch", "--theme", "dark"], repo, env)
    shown_lines = file_lines(0)
    try:
        painted = screen.wait_for("watching for changes", 0, 60)
        if painted is None:
            raise RuntimeError("no first paint: " + visible_text(bytes(screen.raw[-4000:])))
        startup = painted - start
        screen.quiet(0.3, 5)

        def one(series: Series, path: str, lines: list[str], token: str, wanted: str) -> None:
            since = len(screen.raw)
            text = "".join([lines[0], f"{token} = {len(series.latencies_s)}\n", *lines[2:]])
            wrote = write_file(repo / path, text)
            seen = screen.wait_for(wanted, since, 5.0)
            if seen is None:
                series.missed += 1
            else:
                series.latencies_s.append(seen - wrote)
            screen.quiet(0.1, 2)
            time.sleep(rng.uniform(0.05, 0.25))

        # Warm-up (not counted): the first writes also prove the watcher is live.
        warm = Series("warm-up")
        for i in range(5):
            one(warm, SHOWN, shown_lines, f"tw_warm_{i:02d}", f"tw_warm_{i:02d}")
        shown = Series("shown")
        for i in range(writes):
            token = f"tw_mark_{i:03d}_{rng.randrange(16**4):04x}"
            one(shown, SHOWN, shown_lines, token, token)
        other = Series("other")
        for k in range(others):
            index = 1 + k * (FOLDERS * PER_FOLDER // max(others, 1))
            path = rel_path(index)
            one(other, path, file_lines(index), f"tw_other_{k:03d}", path)

        # Idle: nothing changes for idle_s seconds.
        screen.quiet(1.0, 10)
        hz = os.sysconf("SC_CLK_TCK")
        before, threads_before = cpu_ticks(screen.proc.pid)
        t0 = time.perf_counter()
        idle_bytes = screen.drain_for(idle_s)
        wall = time.perf_counter() - t0
        after, threads_after = cpu_ticks(screen.proc.pid)
        per_thread = {
            name: (threads_after.get(name, 0) - threads_before.get(name, 0)) / hz / wall
            for name in threads_after
        }
        burst = run_burst(screen, repo, BURST_MODIFY, BURST_CREATE)
        return {
            "mode": "pty (the real `tether watch` process)",
            "burst": burst,
            "startup_to_paint_s": startup,
            "warm_up_missed": warm.missed,
            "shown": shown.result(),
            "other": other.result(),
            "idle": {
                "seconds": wall,
                "cpu_fraction_of_core": (after - before) / hz / wall,
                "per_thread": {k: v for k, v in sorted(per_thread.items()) if v > 0},
                "bytes_written_to_terminal": idle_bytes,
                "clock_ticks_per_s": hz,
            },
        }
    finally:
        screen.close()


BURST_WRITER = """
import sys
from pathlib import Path
root, modify, create = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for i in range(modify):
    path = root / f"pkg{i // 20:03d}/mod_{i % 20:02d}.py"
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"BURST_{i} = {i}\\n")
for i in range(create):
    path = root / f"burst/d{i // 100:03d}/f{i:05d}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"generated file {i}\\n", encoding="utf-8")
"""


def run_burst(screen: Screen, repo: Path, modify: int, create: int) -> dict[str, Any]:
    """A branch checkout's worth of events (``modify`` tracked files appended
    to, ``create`` new files, by another process as fast as it can) while a
    key (``v``, which says "side-by-side view" / "unified view" on the status
    line) is pressed every 100 ms; each press timed until its message is drawn.
    Presses go on for ``BURST_TAIL_S`` after the writer is done, while the
    new files are diffed in the background."""
    screen.quiet(0.5, 10)
    keys = Series("burst keys")
    writer = subprocess.Popen(
        [sys.executable, "-c", BURST_WRITER, str(repo), str(modify), str(create)]
    )
    started = time.perf_counter()
    side_by_side = False
    finished: float | None = None
    while finished is None or time.perf_counter() - finished < BURST_TAIL_S:
        side_by_side = not side_by_side
        wanted = "side-by-side view" if side_by_side else "unified view"
        since = len(screen.raw)
        pressed = time.perf_counter()
        os.write(screen.fd, b"v")
        seen = screen.wait_for(wanted, since, 5.0)
        if seen is None:
            keys.missed += 1
        else:
            keys.latencies_s.append(seen - pressed)
        time.sleep(0.1)
        if finished is None and writer.poll() is not None:
            finished = time.perf_counter()
    return {**keys.result(), "writer_s": (finished or 0) - started, "events": modify + create}


def run_profile(repo: Path, writes: int, top: int) -> str:
    """The ``shown`` series in-process (WatchApp under Pilot) under cProfile."""
    import asyncio
    import cProfile
    import io
    import pstats

    from app.review.sources import open_watch
    from app.tui.watch_app import WatchApp

    reset_repo(repo)
    service, _git = open_watch(repo)
    app = WatchApp(service, root=repo, git=True)
    lines = file_lines(0)
    profile = cProfile.Profile()
    waits: list[float] = []

    def shows(token: str) -> bool:
        return any(token in ln.raw for h in app.pane.hunks for ln in h.lines)

    async def drive() -> None:
        async with app.run_test(size=(COLS, ROWS)) as pilot:
            for i in range(writes + 5):
                token = f"tw_prof_{i:03d}"
                text = "".join([lines[0], f"{token} = {i}\n", *lines[2:]])
                if i == 5:
                    profile.enable()
                wrote = write_file(repo / SHOWN, text)
                while not shows(token):
                    if time.perf_counter() - wrote > 5:
                        break
                    await pilot.pause(0.002)
                if i >= 5:
                    waits.append(time.perf_counter() - wrote)
                await pilot.pause(0.1)
            profile.disable()

    asyncio.run(drive())
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    s = summary(waits)
    return (
        f"in-process (WatchApp under Pilot): write → hunk in the DiffPane's data: "
        f"median {ms(s['median'])}, p95 {ms(s['p95'])} over {s['n']} writes\n" + out.getvalue()
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.watch_bench", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--files", type=int, default=FOLDERS * PER_FOLDER, help="repository size (10000)"
    )
    p.add_argument("--writes", type=int, default=60, help="writes to the file on screen (60)")
    p.add_argument("--others", type=int, default=30, help="writes to files not on screen (30)")
    p.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU measurement (20)")
    p.add_argument(
        "--profile", action="store_true", help="also profile the shown series in-process"
    )
    p.add_argument("--out", type=Path, default=Path("bench-out"), help="output folder (bench-out)")
    args = p.parse_args(argv)
    out = args.out.resolve() / "watch"
    repo = out / "repo"
    t0 = time.perf_counter()
    build_repo(repo, args.files)
    print(f"repository: {args.files} files, ready in {time.perf_counter() - t0:.1f} s ({repo})")
    result = run_pty(repo, out, args.writes, args.others, args.idle)
    result.update(files=args.files, cpus=os.cpu_count(), loadavg_before=os.getloadavg())
    shown, other, idle = result["shown"], result["other"], result["idle"]
    print(f"tether watch (pty {COLS}x{ROWS}); first paint {result['startup_to_paint_s']:.2f} s")
    for name, s in (
        ("write → its hunk redrawn (file on screen)", shown),
        ("write → path shown (other file)", other),
    ):
        print(
            f"  {name}: n={s['n']} median {ms(s['median'])} p95 {ms(s['p95'])} "
            f"min {ms(s['min'])} max {ms(s['max'])} missed {s['missed']}"
        )
    verdict = "within" if shown["p95"] <= LATENCY_BUDGET_S else "OVER"
    print(f"  budget p95 <= {LATENCY_BUDGET_S * 1000:.0f} ms: {verdict}")
    frac = idle["cpu_fraction_of_core"]
    print(
        f"  idle CPU over {idle['seconds']:.1f} s: {frac * 100:.2f}% of a core "
        f"(budget < {IDLE_BUDGET * 100:.0f}%: {'within' if frac < IDLE_BUDGET else 'OVER'}); "
        f"per thread: {', '.join(f'{k} {v * 100:.2f}%' for k, v in idle['per_thread'].items())}; "
        f"{idle['bytes_written_to_terminal']} bytes to the terminal"
    )
    burst = result["burst"]
    print(
        f"  key → repaint during a burst of {burst['events']} file events "
        f"(writer {burst['writer_s']:.2f} s): n={burst['n']} median {ms(burst['median'])} "
        f"p95 {ms(burst['p95'])} max {ms(burst['max'])} missed {burst['missed']} "
        f"(budget max <= {KEY_BUDGET_S * 1000:.0f} ms: "
        f"{'within' if burst['max'] <= KEY_BUDGET_S and not burst['missed'] else 'OVER'})"
    )
    if args.profile:
        text = run_profile(repo, min(args.writes, 30), 40)
        (out / "profile-watch.txt").write_text(text, encoding="utf-8")
        print(text.splitlines()[0])
        print(f"  profile: {out / 'profile-watch.txt'}")
    (out / "results.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"results: {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
