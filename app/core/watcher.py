"""File events for watch mode: debounced, coalesced, .gitignore respected.

``watchfiles`` (Rust, inotify) does the watching on a thread. A batch is
yielded ``STEP_MS`` after the last event, or after ``DEBOUNCE_MS`` of
continuous events (a branch checkout), so one write shows within tens of
milliseconds and a burst of thousands arrives as a few batches.
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import watchfiles

from app.core.gitrepo import attributes_file, under_folder
from app.core.paths import scratch_name

log = logging.getLogger(__name__)

STEP_MS = 30
DEBOUNCE_MS = 400


class Watcher:
    """Calls ``on_batch(paths)`` (repo-relative, from the watcher's thread).

    With ``folder`` (``tether watch FOLDER``) only events under it are
    passed on, with the index and ``.gitattributes`` files (they change what
    the folder's files are compared with); the review itself refuses any
    other path, this only spares it the work."""

    def __init__(
        self,
        root: Path,
        on_batch: Callable[[set[str]], None],
        *,
        git: bool,
        folder: str = "",
    ) -> None:
        self.root = root.resolve()
        self.folder = folder
        self._prefix = str(self.root).rstrip(os.sep) + os.sep
        self.on_batch = on_batch
        self.git = git
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tether-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _run(self) -> None:
        self.ready.set()
        for changes in watchfiles.watch(
            self.root,
            stop_event=self._stop,
            step=STEP_MS,
            debounce=DEBOUNCE_MS,
            watch_filter=self._wanted,
            rust_timeout=500,
            yield_on_timeout=False,
            raise_interrupt=False,
        ):
            try:
                paths = self._resolved({path for _change, path in changes})
                if self.folder:
                    # A symlink in the folder can resolve to a path outside it.
                    paths = {p for p in paths if self._in_folder(p)}
                paths -= self._ignored(paths - {".git/index"})
                if paths:
                    self.on_batch(paths)
            except Exception:  # one bad batch must not end watching
                log.exception("a batch of file events could not be handled")

    def _resolved(self, raw: set[str]) -> set[str]:
        """Repo-relative paths of the events, with symlinked folders resolved
        (watchfiles reports a change under ``link/`` to ``real/`` as
        ``link/...``; one realpath per folder, not per event). Paths that
        resolve outside the root are dropped."""
        folders: dict[str, str | None] = {}
        out: set[str] = set()
        for path in raw:
            folder, name = os.path.split(path)
            if folder not in folders:
                folders[folder] = self._relative_folder(os.path.realpath(folder))
            rel_folder = folders[folder]
            if rel_folder is not None:
                out.add(f"{rel_folder}/{name}" if rel_folder else name)
        return out

    def _relative_folder(self, folder: str) -> str | None:
        if folder == str(self.root):
            return ""
        if folder.startswith(self._prefix):
            return folder[len(self._prefix) :].replace(os.sep, "/")
        return None

    def _relative(self, path: str) -> str:
        # Called for every raw event (tens of thousands in a checkout) on a
        # thread that shares the GIL with the UI: plain string work, no
        # syscalls, for the paths watchfiles reports under the root it was given.
        if path.startswith(self._prefix):
            rel = path[len(self._prefix) :]
            return rel.replace(os.sep, "/") if os.sep != "/" else rel
        try:
            return Path(path).resolve().relative_to(self.root).as_posix()
        except ValueError:
            return ""

    def _wanted(self, _change: watchfiles.Change, path: str) -> bool:
        rel = self._relative(path)
        if rel == ".git/index":
            return True  # staged elsewhere: the accepted side changed
        if not rel or rel == ".git" or rel.startswith(".git/"):
            return False
        if self.folder and not self._in_folder(rel):
            return False
        return not scratch_name(rel.rsplit("/", 1)[-1])

    def _in_folder(self, rel: str) -> bool:
        # The folder itself or one above it: moved in wholesale, only it is reported.
        above = rel == self.folder or self.folder.startswith(rel + "/")
        return (
            rel == ".git/index" or attributes_file(rel) or above or under_folder(rel, self.folder)
        )

    def _ignored(self, paths: set[str]) -> set[str]:
        if not self.git or not paths:
            return set()
        proc = subprocess.run(
            ["git", "check-ignore", "--stdin", "-z"],
            cwd=self.root,
            input="\0".join(sorted(paths)).encode(),
            capture_output=True,
            check=False,
        )
        return {p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p}
