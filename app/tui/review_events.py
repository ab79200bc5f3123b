"""The review's events in the workbench: from whichever thread changed the
review to the UI thread, then to the screen.

A mixin for the review workbench. Events from another thread queue up and
one ``ServiceEvent`` message hands the UI thread all that came meanwhile,
coalesced (``coalesce``): twenty agents' edits landing at once are one file
list update and one status recount, not sixty messages ahead of a key press.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.message import Message

from app.core.model import FileStatus, Side
from app.core.names import quote_name
from app.review.commands import Decide
from app.review.events import (
    ChecksChanged,
    CommandFailed,
    DecisionMade,
    FilesChanged,
    HistoryChanged,
    HunksChanged,
    ReviewEvent,
)
from widgets.file_list import FileList

if TYPE_CHECKING:
    from collections.abc import Iterable

    from textual.app import App

    from app.core.errors import TetherError
    from app.core.model import FileReview
    from app.review.service import ReviewService
    from app.review.session import Outcome
    from widgets.diff_pane import DiffPane
    from widgets.file_list import FileEntry
    from widgets.status_line import StatusLine

    _Base = App[dict]
else:
    _Base = object


class ServiceEvent(Message):
    """Review (or loop) events happened on another thread: ``event`` is the
    first; the others that came meanwhile wait in the app's queue."""

    def __init__(self, event: ReviewEvent) -> None:
        super().__init__()
        self.event = event


def coalesce(events: Sequence[ReviewEvent]) -> list[ReviewEvent]:
    """A batch of events as the screen needs them. The handlers read the
    review's state as it is now, not the event's, so an event repeated later
    in the batch makes the earlier one redundant: ``FilesChanged`` become one
    (where the first was; its paths in order), and of ``HunksChanged`` (per
    path and why), ``ChecksChanged`` (per path) and ``HistoryChanged`` only the
    last stays. Everything else keeps its place."""
    last: dict[tuple[object, ...], int] = {}
    for i, event in enumerate(events):
        if isinstance(event, HunksChanged):
            last[("hunks", event.path, event.why)] = i
        elif isinstance(event, ChecksChanged):
            last[("checks", event.path)] = i
        elif isinstance(event, HistoryChanged):
            last[("history",)] = i
    out: list[ReviewEvent] = []
    files: list[str] = []
    files_at: int | None = None
    for i, event in enumerate(events):
        if isinstance(event, FilesChanged):
            if files_at is None:
                files_at = len(out)
                out.append(event)  # replaced below by the merged one
            files.extend(p for p in event.paths if p not in files)
            continue
        key: tuple[object, ...] | None = None
        if isinstance(event, HunksChanged):
            key = ("hunks", event.path, event.why)
        elif isinstance(event, ChecksChanged):
            key = ("checks", event.path)
        elif isinstance(event, HistoryChanged):
            key = ("history",)
        if key is not None and last[key] != i:
            continue
        out.append(event)
    if files_at is not None:
        out[files_at] = FilesChanged(tuple(files))
    return out


class ReviewEventsMixin(_Base):
    """What the workbench does when the review (or the loop) tells it something."""

    if TYPE_CHECKING:  # what the review app has
        service: ReviewService
        index: int
        _ui_thread: int
        _batched: bool
        _arrived: list[ReviewEvent]
        _arrived_lock: threading.Lock

        @property
        def pane(self) -> DiffPane: ...
        @property
        def status(self) -> StatusLine: ...
        def _alive(self) -> bool: ...
        def _entry(self, fr: FileReview) -> FileEntry: ...
        def _index_of(self, path: str) -> int | None: ...
        def _sync_file_list(self, paths: Iterable[str] | None = None) -> None: ...
        def show_file(self, index: int, *, hunk: str | int | None = 0) -> None: ...
        def _show_arrival(self, paths: Iterable[str]) -> None: ...
        def _reshow(self) -> None: ...
        def _first_pending(self, start: int) -> int: ...
        def _update_progress(self) -> None: ...
        def update_keys(self) -> None: ...
        def show_badges(self, pane: DiffPane) -> None: ...
        def metrics_warning(self) -> str: ...
        def _error(self, exc: TetherError) -> None: ...

    def _deliver(self, event: ReviewEvent) -> None:
        """Called on the thread that changed the review: handle it now on the
        UI thread, else queue it; the first of a batch posts the message that
        hands the batch over (post_message is thread-safe)."""
        if threading.get_ident() == self._ui_thread:
            self.on_review_event(event)
            return
        with self._arrived_lock:
            self._arrived.append(event)
            if len(self._arrived) > 1:
                return  # the message for this batch is on its way
        self.post_message(ServiceEvent(event))

    def on_service_event(self, message: ServiceEvent) -> None:
        # From another thread: a burst brings thousands; they are handled
        # together, and the status line is recounted once after them.
        with self._arrived_lock:
            events, self._arrived = self._arrived, []
        self._batched = True
        try:
            for event in coalesce(events):
                self.on_review_event(event)
        finally:
            self._batched = False

    def on_review_event(self, event: ReviewEvent) -> None:
        if not self._alive():
            return  # the app is shutting down
        if isinstance(event, HunksChanged):
            self._hunks_changed(event)
        elif isinstance(event, FilesChanged):
            self._sync_file_list(event.paths)
            files = self.service.files
            if files and (
                not self.pane.path or files[min(self.index, len(files) - 1)].path in event.paths
            ):
                self._reshow()
            else:
                self._show_arrival(event.paths)
        elif isinstance(event, DecisionMade):
            self._decided(event.outcome)
        elif isinstance(event, CommandFailed):
            self._failed(event)
        elif isinstance(event, HistoryChanged):
            self.update_keys()
        elif isinstance(event, ChecksChanged) and self.pane.path == event.path:
            self.show_badges(self.pane)

    def _hunks_changed(self, event: HunksChanged) -> None:
        index = self._index_of(event.path)
        if index is None:
            self._sync_file_list()
            index = self._index_of(event.path)
        if index is None:
            return
        self.query_one(FileList).update_entry(index, self._entry(self.service.files[index]))
        if index != self.index and event.why == "proposal":
            self._show_arrival((event.path,))
        if index == self.index:
            self._reshow()
            if event.why == "deciding" and not self.pane.hunks:
                nxt = self._first_pending(self.index + 1)
                if nxt != self.index and self.service.pending_in(self.service.files[nxt]):
                    self.show_file(nxt)
        self._update_progress()

    def _decided(self, outcome: Outcome) -> None:
        self.update_keys()
        if outcome.op in ("undo", "redo"):
            self._sync_file_list()
            index = self._index_of(outcome.path)
            if index is not None:
                # The cursor goes to the hunk that came back, as the user
                # will want to decide it again.
                here = None if index == self.index else 0
                self.show_file(index, hunk=outcome.hunk_ids[0] if outcome.hunk_ids else here)
            self.status.say(f"{outcome.op} done in {quote_name(outcome.path)} (#{outcome.seq})")
            return
        what = f"{outcome.lines} line{'s' if outcome.lines != 1 else ''}"
        verb = "accepted" if outcome.op == "accept" else "rejected"
        message = f"{verb} {what} of {quote_name(outcome.path)} (#{outcome.seq}; u undoes)"
        if outcome.op == "reject" and self._deleted_by_reject(outcome.path):
            # Rejecting a new file removes it from disk: say how it comes back.
            message = (
                f"deleted {quote_name(outcome.path)}, a new file (#{outcome.seq}): u brings it"
                " back (its text is kept in the journal's blobs)"
            )
        if not self.service.busy and self.service.pending == 0:
            unopened = sum(1 for fr in self.service.files if not fr.loaded)
            if unopened:  # large files, diffed only when opened: not decided
                plural = "s" if unopened != 1 else ""
                message += f" · {unopened} large file{plural} not diffed yet: ] to open"
            else:
                message += " · all hunks decided; q for the summary"
        warning = self.metrics_warning()
        self.status.say(f"{message} · {warning}" if warning else message)

    def _deleted_by_reject(self, path: str) -> bool:
        """Whether rejecting left ``path`` absent on disk (a new file rejected
        where rejects write the working tree)."""
        session = getattr(self.service, "session", None)
        if session is None:  # a seat on another Tether's review: its owner knows the disk
            return False
        if session.backend.proposed_side is not Side.WORKTREE:
            return False
        fr = session.file(path)
        return fr.status is FileStatus.ADDED and fr.proposed is None

    def _failed(self, event: CommandFailed) -> None:
        """A decision shown at once could not be written: its hunks are back;
        show them where they are, with the error."""
        command = event.command
        if isinstance(command, Decide):
            index = self._index_of(command.path)
            if index is not None:
                self.show_file(index, hunk=command.hunks[0])
        self._error(event.error)
