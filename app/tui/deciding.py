"""Deciding in the workbench: the keys that send the review a command
(accept, reject, a file's rest, split, undo, redo, restore, reload).

A mixin for the review workbench. A key names its hunk by id and the
service decides; the screen follows from the service's events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.core.errors import TetherError
from app.core.names import quote_name
from app.review.commands import Command, Decide, Redo, Reload, Split, Undo

if TYPE_CHECKING:
    from textual.app import App

    from app.core.model import FileReview
    from app.review.service import ReviewService
    from app.review.session import Outcome
    from widgets.diff_pane import DiffPane
    from widgets.status_line import StatusLine

    _Base = App[dict]
else:
    _Base = object


class DecidingMixin(_Base):
    """The keys that decide hunks and take decisions back."""

    if TYPE_CHECKING:  # what the review app has
        service: ReviewService
        index: int
        WRITE_AFTER_FRAME: bool

        @property
        def pane(self) -> DiffPane: ...
        @property
        def status(self) -> StatusLine: ...
        @property
        def current(self) -> FileReview: ...
        def show_file(self, index: int, *, hunk: str | int | None = 0) -> None: ...
        def _error(self, exc: TetherError) -> None: ...

    def _submit(self, command: Command) -> None:
        """Send a key's command: the screen shows it at once, and the write
        starts once that frame is drawn."""
        try:
            self.service.submit(command, defer=self.WRITE_AFTER_FRAME)
        except TetherError as exc:
            self._error(exc)
            return
        if self.WRITE_AFTER_FRAME:
            self.call_after_refresh(self.service.release)
        else:
            # The write runs alone, before this frame's drawing competes for
            # the interpreter lock; a slow disk holds the key at most this long.
            self.service.flush(timeout=0.1)

    def _run(self, command: Command) -> Outcome | None:
        try:
            return self.service.execute(command)
        except TetherError as exc:
            self._error(exc)
            return None

    def _hunk_here(self) -> str | None:
        hunk = self.pane.current_hunk_id()
        if hunk is None:
            self.status.say("no hunk under the cursor: j and k move to one")
        return hunk

    def action_accept(self) -> None:
        self._decide("accept")

    def action_reject(self) -> None:
        self._decide("reject")

    def _decide(self, op: str) -> None:
        hunk = self._hunk_here()
        if hunk is not None:
            path = self.current.path
            self._submit(Decide(op, path, (hunk,), self.pane.marked_lines(hunk)))  # type: ignore[arg-type]

    def action_accept_file(self) -> None:
        self._decide_file("accept")

    def action_reject_file(self) -> None:
        self._decide_file("reject")

    def _decide_file(self, op: str) -> None:
        path = self.current.path
        hunks = self.service.all_hunks(path)
        if hunks:
            self._submit(Decide(op, path, hunks))  # type: ignore[arg-type]

    def action_toggle_line(self) -> None:
        if not self.pane.toggle_line():
            self.status.say("space marks a changed (+/-) line; this one is context")

    def action_split(self) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        outcome = self._run(Split(self.current.path, hunk))
        if outcome is None:
            return
        if outcome.lines > 1:
            self.show_file(self.index, hunk=self.pane.current_hunk())
            self.status.say(f"split the hunk into {outcome.lines} hunks")
        else:
            self.status.say("this hunk has a single change; mark lines with space instead")

    def action_undo(self) -> None:
        self._submit(Undo())

    def action_redo(self) -> None:
        self._submit(Redo())

    def action_restore(self) -> None:
        # A seat's review lives in the owner's process: restoring is done there.
        restore = getattr(self.service, "restore_rejected", None)
        if restore is None:
            self.status.say("restore where the review is owned, or with `tether journal restore`")
            return
        try:
            done = restore()
        except TetherError as exc:
            self._error(exc)
            return
        if done is None:
            self.status.say(
                "nothing to restore: no rejection of this review left a file as it is now"
            )
            return
        self.status.say(
            f"restored {quote_name(done.path)} from #{done.entry.seq}"
            f" (journal #{done.written.seq if done.written else '?'}; u takes it back)"
        )

    def action_reload(self) -> None:
        path = self.current.path
        if self._run(Reload(path)) is not None:
            self.status.say(f"reloaded {quote_name(path)} from disk")
