"""Live file events for an App that reviews a session (watch mode, the loop)."""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual.app import App

from app.core.watcher import Watcher


class WatchingMixin:
    """Starts a Watcher on mount and hands each batch to ``disk_changed``
    on the UI thread (the thread that owns the review session)."""

    watcher: Watcher | None = None

    def start_watching(self, root: Path, *, git: bool) -> None:
        app = self
        assert isinstance(app, App)

        def on_batch(paths: set[str]) -> None:
            # RuntimeError: the app is shutting down.
            with contextlib.suppress(RuntimeError):
                app.call_from_thread(self.disk_changed, paths)

        self.watcher = Watcher(root, on_batch, git=git)
        self.watcher.start()

    def stop_watching(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    def disk_changed(self, paths: set[str]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError
