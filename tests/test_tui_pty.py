"""The real ``tether review`` in a pseudo-terminal: start, stage a hunk, quit.

Everything is bounded: the child's output is read with ``select`` against a
deadline, a test that waits too long fails (it never hangs), and the child is
killed in ``finally`` whatever happens.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPORT, git

COLUMNS, LINES = 120, 40
STARTUP_TIMEOUT = 30.0
STEP_TIMEOUT = 15.0

# CSI and OSC sequences, and the single-character escapes Textual writes.
_ANSI = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)


def tether_command() -> str:
    found = shutil.which("tether")
    beside = Path(sys.executable).parent / "tether"
    if beside.is_file():
        return str(beside)
    if found:
        return found
    pytest.skip("the tether command is not installed (pip install -e .)")


class Terminal:
    """The parent side of a pty, with everything the child wrote so far."""

    def __init__(self, fd: int, proc: subprocess.Popen[bytes]) -> None:
        self.fd = fd
        self.proc = proc
        self.raw = b""
        self.mark = 0  # where wait_for starts looking

    def text(self, start: int = 0) -> str:
        return _ANSI.sub(b"", self.raw[start:]).decode("utf-8", "replace")

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        self.raw += chunk
        return True

    def wait_for(self, needle: str, timeout: float = STEP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.text(self.mark):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(
                    f"timed out waiting for {needle!r}; screen text:\n{self.text()[-3000:]}"
                )
            if not self._read(min(remaining, 0.2)) and needle not in self.text(self.mark):
                pytest.fail(f"tether exited before showing {needle!r}:\n{self.text()[-3000:]}")
        self.mark = len(self.raw)

    def send(self, keys: bytes) -> None:
        self.mark = len(self.raw)
        os.write(self.fd, keys)

    def wait_exit(self, timeout: float = STEP_TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"tether did not exit; screen text:\n{self.text()[-3000:]}")
            self._read(min(remaining, 0.1))
        # Collect what it printed last (the summary), without waiting long.
        drain_until = time.monotonic() + 2.0
        while time.monotonic() < drain_until and select.select([self.fd], [], [], 0.1)[0]:
            if not self._read(0):
                break
        return self.proc.returncode


def review_in_pty(repo: Path, **env_extra: str) -> contextlib.AbstractContextManager[Terminal]:
    """``tether review`` in ``repo`` in a real pty (its own session, as a
    terminal emulator starts it); killed on the way out if still running."""
    return tether_in_pty(repo, "review", **env_extra)


@contextlib.contextmanager
def tether_in_pty(cwd: Path, *args: str, **env_extra: str) -> Iterator[Terminal]:
    """``tether ARGS`` in ``cwd`` in a real pty, as ``review_in_pty``."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEXTUAL", "PYTEST", "COLUMNS", "LINES", "NO_COLOR"))
    }
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES), LANG="C.UTF-8")
    env.update(env_extra)
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = subprocess.Popen(
            [tether_command(), *args],
            cwd=cwd,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        slave = -1
        yield Terminal(master, proc)
    finally:
        if slave >= 0:
            os.close(slave)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        os.close(master)


def test_review_in_a_real_terminal(sample_repo: Path, isolated_home: Path) -> None:
    with review_in_pty(sample_repo) as term:
        term.wait_for("inventory/report.py", STARTUP_TIMEOUT)
        term.wait_for("0 decided", STEP_TIMEOUT)

        term.send(b"y")
        term.wait_for(f"accepted 11 lines of {REPORT}")
        assert git(sample_repo, "diff", "--cached", "--name-only").decode().split() == [REPORT]

        term.send(b"q")
        term.wait_for("enter/q quit")
        term.send(b"\r")
        assert term.wait_exit() == 0
        assert "Review of working tree vs index: 1 accepted, 0 rejected, 2 pending" in term.text()
        assert f"{REPORT}: 1 accepted" in term.text()
        # Quitting does not undo anything: the hunk stays staged.
        assert git(sample_repo, "diff", "--cached", "--name-only").decode().split() == [REPORT]
