"""``tether watch``: review edits any agent makes on disk, live.

The accepted state is the git index (or a baseline snapshot outside git);
every difference with the disk is a pending hunk, updated as files change.
Autonomy level 0: no model, just verification.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual import work

from app.core.backends import FileReview
from app.core.session import ReviewSession
from app.tui.review_app import ReviewApp
from app.tui.watching import WatchingMixin
from widgets.file_list import FileList


class WatchApp(WatchingMixin, ReviewApp):
    """The review workbench, kept up to date with the disk."""

    def __init__(
        self, session: ReviewSession, *, root: Path, git: bool, theme: str = "dark"
    ) -> None:
        where = "index" if git else "baseline snapshot"
        super().__init__(
            session, label=f"watching {root.name} · working tree vs {where}", theme=theme
        )
        self.root = root
        self.git = git
        self.batches = 0

    def on_mount(self) -> None:
        super().on_mount()
        self.start_watching(self.root, git=self.git)
        self.status.say("watching for changes · autonomy 0 (off): review only, no model")
        # Whatever changed while Tether started, before the watcher was up.
        self.set_timer(0.5, self._catch_up)

    @work(thread=True, group="catch-up")
    def _catch_up(self) -> None:
        loaded = {fr.path for fr in list(self.session.files) if fr.loaded}
        listing = self._listing()  # off the UI thread, like a watcher batch
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            self.call_from_thread(self._deliver, loaded, listing)

    def on_unmount(self) -> None:
        self.stop_watching()

    def disk_changed(self, paths: set[str], listing: list[FileReview] | None = None) -> None:
        self.batches += 1
        touched = self.session.disk_changed(paths, listing)
        files = self.query_one(FileList)
        listed = files.entry_count
        # New files are appended to the session; the rows already shown stay.
        for i, fr in enumerate(self.session.files[:listed]):
            if fr.path in touched:
                files.update_entry(i, self._entry(fr))
        arrived = self.session.files[listed:]
        files.add_entries([self._entry(fr) for fr in arrived])
        if arrived:
            self._prefetch()  # diff the new files in the background, as at start
        if not self.session.files:
            return
        current = self.session.files[self.index] if self.index < len(self.session.files) else None
        if current is None or not self.pane.hunks or current.path in touched:
            index = (
                self.index
                if current is not None and current.pending
                else self._first_pending(self.index)
            )
            self.show_file(
                index, hunk=max(self.pane.current_hunk(), 0) if index == self.index else 0
            )
        self._update_progress()
        shown = sorted(paths - {".git/index"})
        if shown:
            more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
            self.status.say(f"changed on disk: {', '.join(shown[:3])}{more}")
