"""Live file events for an App that reviews through a service (watch mode, the loop)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from app.core.errors import TetherError
from app.core.watcher import Watcher
from app.review.service import ReviewService


class WatchingMixin:
    """Starts a Watcher on mount. Each batch is brought into the review on the
    watcher's thread (listing what differs and re-reading files is the slow
    part; the service is thread-safe), and the UI hears of it from the
    service's events. ``batch_done`` then runs on the UI thread."""

    watcher: Watcher | None = None
    service: ReviewService

    def start_watching(self, root: Path, *, git: bool, folder: str = "") -> None:
        def on_batch(paths: set[str]) -> None:
            self.catch_up(paths)

        self.watcher = Watcher(root, on_batch, git=git, folder=folder)
        self.watcher.start()

    def stop_watching(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    def catch_up(self, paths: set[str], *, listing: bool = False) -> None:
        """Bring ``paths`` (changed on disk) into the review; any thread. With
        ``listing`` the files that differ are listed whatever ``paths`` say
        (what changed while Tether started is not in any batch)."""
        try:
            listed = self.service.list_changes(None if listing else paths)
        except (TetherError, OSError):
            listed = None  # disk_changed lists again and reports what fails
        try:
            touched = self.service.disk_changed(paths, listed)
        except TetherError as exc:
            self._from_thread(self.batch_failed, exc)
            return
        self._from_thread(self.batch_done, paths, touched)

    def _from_thread(self, callback: object, *args: object) -> None:
        from textual.app import App

        app = self
        assert isinstance(app, App)
        if not app.is_running:
            return
        with contextlib.suppress(RuntimeError):  # the app is shutting down
            app.call_later(callback, *args)  # type: ignore[arg-type]

    def batch_done(self, paths: set[str], touched: set[str]) -> None:  # pragma: no cover
        """On the UI thread, after a batch: ``touched`` are the files whose hunks changed."""

    def batch_failed(self, error: TetherError) -> None:  # pragma: no cover
        """On the UI thread: a batch could not be brought in."""
