"""Running a program in a pseudo-terminal and timing its first paint.

The child gets a fresh pty (160x50 unless told otherwise) as its stdin,
stdout, stderr and controlling terminal, in its own session, exactly as a
terminal emulator would start it. The parent reads everything the child
writes, and "first paint" is the moment the parent has read every marker
text: the output read so far, with escape sequences (CSI, OSC, DCS and
two-byte ESC sequences) removed, contains each of them. Textual draws a
frame top to bottom with one ``write``; giving one marker near the top of the
screen and one near the bottom makes "first paint" the arrival of the frame
that draws both, whole.

Nothing answers the terminal queries Textual sends (DECRQM for synchronised
output and in-band resize): a terminal that does not support them behaves
the same, and Textual never waits for the answer.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1bP[^\x1b]*\x1b\\"  # DCS
    rb"|\x1b[@-Z\\-_()*+][0-~]?"  # two-byte (and charset) sequences
)
_LOOKBACK = 16_384


def visible_text(raw: bytes) -> str:
    """What a byte stream shows once its escape sequences are removed."""
    return _ESCAPES.sub(b"", raw).decode("utf-8", errors="replace")


@dataclass
class PtyRun:
    """One run of a program in a pty."""

    found: bool
    first_byte_s: float | None  # spawn → first output (the interpreter is up)
    alt_screen_s: float | None  # spawn → Textual switched to the alternate screen
    paint_s: float | None  # spawn → every marker read (first paint)
    extras_s: dict[str, float]  # spawn → each extra text read
    settled_s: float | None  # spawn → output quiet for ``settle`` seconds (if asked)
    hwm_at_paint_kb: int | None  # the child's peak RSS (VmHWM) when the frame arrived
    hwm_end_kb: int | None  # its peak RSS when it was killed (after ``settle``)
    cpu_s: float  # CPU time (user + system) of the child and its reaped children
    output_bytes: int
    tail: str  # last visible text, for error messages


def run_in_pty(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    markers: Sequence[str],
    extras: dict[str, str] | None = None,
    cols: int = 160,
    rows: int = 50,
    timeout: float = 120.0,
    settle: float | None = None,
    extras_wait: float = 5.0,
) -> PtyRun:
    """Spawn ``argv`` in a pty, wait until every one of ``markers`` has been
    drawn (first paint), then kill it.

    ``extras`` names more texts whose arrival is timed too (e.g. the footer's
    key labels, which Textual fills in a few frames later); the run waits up
    to ``extras_wait`` seconds after the first paint for them. With
    ``settle``, it then keeps reading until the child has written nothing for
    ``settle`` seconds (background work has finished repainting). The child
    is then killed with SIGKILL (its whole session, which it leads), so that
    quitting costs nothing; its peak RSS is read from ``/proc`` just before.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def become_terminal_owner() -> None:  # runs in the child, after setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    pending = list(markers)
    extra_wanted = dict(extras or {})
    extra_times: dict[str, float] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=become_terminal_owner,
        close_fds=True,
    )
    os.close(slave)
    raw = bytearray()
    first_byte = alt_screen = paint = settled = None
    hwm: int | None = None
    last_output = start
    scanned = 0
    try:
        while True:
            now = time.perf_counter()
            if now - start > timeout:
                break
            extras_done = len(extra_times) == len(extra_wanted) or (
                paint is not None and now - start - paint > extras_wait
            )
            if paint is not None and extras_done:
                if settle is None:
                    break
                if now - last_output >= settle:
                    settled = last_output - start
                    break
            ready, _, _ = select.select([master], [], [], 0.02)
            if not ready:
                continue
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # EIO: the child closed the terminal (it exited)
                break
            if not chunk:
                break
            t = time.perf_counter()
            last_output = t
            raw += chunk
            if first_byte is None:
                first_byte = t - start
            if alt_screen is None and b"\x1b[?1049h" in raw:
                alt_screen = t - start
            if pending or len(extra_times) < len(extra_wanted):
                shown = visible_text(bytes(raw[max(0, scanned - _LOOKBACK) :]))
                scanned = len(raw)
                pending = [m for m in pending if m not in shown]
                if not pending and paint is None:
                    paint = t - start
                    hwm = _vm_hwm_kb(proc.pid)
                for name, text in extra_wanted.items():
                    if name not in extra_times and text in shown:
                        extra_times[name] = t - start
    finally:
        # VmHWM is the peak RSS of the child's own image since exec; wait4's
        # ru_maxrss would include the pre-exec image forked from this process.
        hwm_end = _vm_hwm_kb(proc.pid)
        # The child is ours and unreaped (so its pid cannot be reused yet).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        _drain(master)
        os.close(master)
    return PtyRun(
        found=paint is not None,
        first_byte_s=first_byte,
        alt_screen_s=alt_screen,
        paint_s=paint,
        extras_s=extra_times,
        settled_s=settled,
        hwm_at_paint_kb=hwm,
        hwm_end_kb=hwm_end,
        cpu_s=usage.ru_utime + usage.ru_stime,
        output_bytes=len(raw),
        tail=visible_text(bytes(raw[-20000:]))[-6000:],
    )


def _vm_hwm_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _drain(fd: int) -> None:
    try:
        while select.select([fd], [], [], 0)[0]:
            if not os.read(fd, 1 << 16):
                break
    except OSError:
        pass


@dataclass
class Headless:
    """One run of a headless command."""

    wall_s: float
    maxrss_kb: int
    code: int
    stdout: bytes
    stderr: str


_LAUNCHER = str(Path(__file__).with_name("rss_launch.py"))


def run_headless(argv: Sequence[str], *, cwd: Path, env: dict[str, str]) -> Headless:
    """Run a command to completion through ``rss_launch.py`` (for an honest
    peak RSS), with its output in temporary files so no pipe ever blocks it.
    The wall time is the command's own, from spawn to exit, as the launcher saw it."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".json") as report,
    ):
        code = subprocess.run(
            [sys.executable, _LAUNCHER, report.name, "--", *argv],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            check=False,
        ).returncode
        out.seek(0)
        err.seek(0)
        data = json.loads(Path(report.name).read_text(encoding="utf-8") or "{}")
        return Headless(
            float(data.get("wall_s", float("nan"))),
            int(data.get("maxrss_kb", 0)),
            code,
            out.read(),
            err.read().decode(errors="replace"),
        )
