"""Live file events for an App that reviews a session (watch mode, the loop)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual.app import App

from app.core.backends import FileReview
from app.core.errors import TetherError
from app.core.session import ReviewSession
from app.core.watcher import Watcher


class WatchingMixin:
    """Starts a Watcher on mount and hands each batch to ``disk_changed``
    on the UI thread (the thread that owns the review session)."""

    watcher: Watcher | None = None

    def start_watching(self, root: Path, *, git: bool) -> None:
        app = self
        assert isinstance(app, App)

        def on_batch(paths: set[str]) -> None:
            # Listing what differs (git, or a scan outside git) is the slow
            # part of a batch: done here, off the UI thread.
            listing = self._listing()
            # RuntimeError: the app is shutting down.
            with contextlib.suppress(RuntimeError):
                app.call_from_thread(self._deliver, paths, listing)

        self.watcher = Watcher(root, on_batch, git=git)
        self.watcher.start()

    def stop_watching(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    def _deliver(self, paths: set[str], listing: list[FileReview] | None) -> None:
        app = self
        assert isinstance(app, App)
        if app.is_running and app.query("#files"):  # not while the screen is torn down
            self.disk_changed(paths, listing)

    def _listing(self) -> list[FileReview] | None:
        session = getattr(self, "session", None)
        if not isinstance(session, ReviewSession):
            return None
        try:
            return session.list_changes()
        except (TetherError, OSError):
            return None  # disk_changed lists again on the UI thread and reports it

    def disk_changed(  # pragma: no cover - overridden
        self, paths: set[str], listing: list[FileReview] | None = None
    ) -> None:
        raise NotImplementedError
