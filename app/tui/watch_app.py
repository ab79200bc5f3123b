"""``tether watch``: review edits any agent makes on disk, live.

The accepted state is the git index (or a baseline snapshot outside git);
every difference with the disk is a pending hunk, updated as files change.
Autonomy level 0: no model, just verification.
"""

from __future__ import annotations

import threading
from pathlib import Path

from app.core.errors import TetherError
from app.review.service import ReviewService
from app.tui.review_app import ReviewApp
from app.tui.watching import WatchingMixin


class WatchApp(WatchingMixin, ReviewApp):
    """The review workbench, kept up to date with the disk."""

    def __init__(
        self, service: ReviewService, *, root: Path, git: bool, theme: str = "dark"
    ) -> None:
        where = "index" if git else "baseline snapshot"
        # Limited to a folder of the repository (``tether watch FOLDER``), or not.
        self.folder = service.folder
        watching = f"{root.name}/{self.folder}" if self.folder else root.name
        super().__init__(
            service, label=f"watching {watching} · working tree vs {where}", theme=theme
        )
        self.root = root
        self.git = git
        self.batches = 0

    def on_mount(self) -> None:
        super().on_mount()
        self.start_watching(self.root, git=self.git, folder=self.folder)
        self.status.say("watching for changes · autonomy 0 (off): review only, no model")
        # Whatever changed while Tether started, before the watcher was up.
        self.set_timer(0.5, self._catch_up_at_start)

    def _catch_up_at_start(self) -> None:
        loaded = {fr.path for fr in list(self.service.files) if fr.loaded}
        threading.Thread(
            target=self.catch_up,
            args=(loaded,),
            kwargs={"listing": True},
            name="tether-catch-up",
            daemon=True,
        ).start()

    def on_unmount(self) -> None:
        self.stop_watching()
        super().on_unmount()

    def batch_done(self, paths: set[str], touched: set[str]) -> None:
        self.batches += 1
        if not self._alive():
            return
        if any(not fr.loaded for fr in self.service.files):
            self._prefetch()  # diff the new files in the background, as at start
        if self.service.files and not self.pane.hunks:
            # Nothing on show: the first file with work (it may be this one,
            # just listed, or one a batch listed before it was diffed).
            self.show_file(self._first_pending(self.index))
        self._update_progress()
        shown = sorted(touched)
        if shown:
            more = f" and {len(shown) - 3} more" if len(shown) > 3 else ""
            self.status.say(f"changed on disk: {', '.join(shown[:3])}{more}")

    def batch_failed(self, error: TetherError) -> None:
        self._error(error)
