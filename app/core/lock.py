"""One writer per repository at a time: an inter-process lock on the state dir.

Every step that journals and writes (a decision, an undo, a redo, the abort
of a failed write) and the crash reconcile run while holding an exclusive
``flock`` on ``<state>/lock``. So when reconcile holds the lock, no other
live process is between its journal entry and its write: an entry whose
write is missing is from a process that died, never from one still working.

The lock is re-entrant within a thread and shared by every session of the
same state dir in this process (flock locks belong to an open file, so two
descriptors in one process would block each other). A second process waits
up to ``timeout`` seconds (steps take milliseconds), then gets a
``LockedError`` naming the holder; nothing is written.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from app.core.errors import LockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

DEFAULT_TIMEOUT = 10.0
_POLL = 0.01
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class RepoLock:
    """The exclusive lock of one state dir; get it with ``repo_lock``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._owner: int | None = None
        self._fd: int | None = None

    @contextlib.contextmanager
    def hold(
        self, what: str = "a review step", *, timeout: float = DEFAULT_TIMEOUT
    ) -> Iterator[None]:
        """Hold the lock for ``what`` (named in the holder note another process sees)."""
        if not self._thread_lock.acquire(timeout=timeout):
            raise LockedError(
                f"another thread of this process held the review lock for {timeout:.0f} s",
                path=str(self.path),
            )
        try:
            if self._depth == 0:
                self._fd = self._acquire(what, timeout)
                self._owner = threading.get_ident()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    if self._fd is not None:
                        os.close(self._fd)  # closing the descriptor releases the flock
                        self._fd = None
        finally:
            self._thread_lock.release()

    @property
    def held(self) -> bool:
        """Whether this thread holds the lock now."""
        return self._owner == threading.get_ident()

    def _acquire(self, what: str, timeout: float) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _O_CLOEXEC, 0o600)
        if fcntl is None:  # pragma: no cover - not POSIX
            return fd
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = _holder(fd)
                    os.close(fd)
                    raise LockedError(
                        f"another Tether process ({holder}) has been writing to this "
                        f"repository's review state for {timeout:.0f} s; nothing was written, "
                        "try again",
                        path=str(self.path),
                    ) from None
                time.sleep(_POLL)
            except OSError:
                os.close(fd)
                raise
        note = f"pid {os.getpid()}: {what}\n".encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, note, 0)
        return fd


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "pid unknown"


_LOCKS: dict[Path, RepoLock] = {}
_LOCKS_GUARD = threading.Lock()


def repo_lock(state_dir: Path) -> RepoLock:
    """The process-wide lock object for ``state_dir`` (one per directory)."""
    path = (state_dir / "lock").absolute()
    with _LOCKS_GUARD:
        found = _LOCKS.get(path)
        if found is None:
            found = _LOCKS[path] = RepoLock(path)
        return found
