"""``tether attach``: a second seat on the review a running Tether owns.

The review app, over a ``RemoteService``: it draws what the owner's review
holds and sends this seat's keys to it by hunk id. The owner decides what
is allowed (the first decision of a hunk wins; a seat undoes only its own;
a read-only seat only watches and comments), and this screen says so.
"""

from __future__ import annotations

from textual.binding import Binding

from app.core.names import quote_name
from app.gate.remote import OwnerGone, RemoteService
from app.review.commands import Decide
from app.review.events import CommentAdded, DecisionMade, PresenceChanged, ReviewEvent
from app.tui.gate_app import GATE_BINDINGS
from app.tui.review_app import BINDINGS as REVIEW_BINDINGS
from app.tui.review_app import ReviewApp
from app.tui.screens import ReasonScreen
from widgets.diff_pane import DiffPane

SEAT_BINDINGS = [
    Binding("m", "comment", "Comment", tooltip="A comment on this hunk that every seat sees"),
]


class AttachApp(ReviewApp):
    BINDINGS = REVIEW_BINDINGS + GATE_BINDINGS + SEAT_BINDINGS  # type: ignore[assignment]
    EMPTY = "Nothing pending in the review this seat is attached to (yet)"

    def __init__(self, remote: RemoteService, *, theme: str = "dark") -> None:
        mode = " (read-only)" if remote.read_only else ""
        label = f"seat {remote.seat}{mode} · {remote.label or remote.root}"
        super().__init__(remote, label=label, theme=theme)  # type: ignore[arg-type]
        self.remote = remote

    def on_mount(self) -> None:
        super().on_mount()
        owner = f" (owned by {self.remote.owner})" if self.remote.owner else ""
        self.status.say(f"attached as {self.remote.seat}{owner}; m comments")
        self._tell_where()

    # -- what the other seats do ----------------------------------------------------------

    def on_review_event(self, event: ReviewEvent) -> None:
        if not self._alive():
            return
        if isinstance(event, DecisionMade) and event.seat and event.seat != self.remote.seat:
            super().on_review_event(event)
            outcome = event.outcome
            verb = {"accept": "accepted", "reject": "rejected"}.get(outcome.op, outcome.op)
            self.status.say(f"{event.seat} {verb} in {quote_name(outcome.path)} (#{outcome.seq})")
        elif isinstance(event, CommentAdded):
            where = quote_name(event.path)
            self.status.say(f"{event.seat} on {where}: {event.text}")
        elif isinstance(event, PresenceChanged):
            self._say_presence()
        elif isinstance(event, OwnerGone):
            self._error_text(f"the review's owner is gone ({event.message}); q leaves")
        else:
            super().on_review_event(event)

    def _error_text(self, message: str) -> None:
        self.status.say(message, error=True)
        self.notify(message, title="Review closed", severity="error")

    def _say_presence(self) -> None:
        hunk = self.pane.current_hunk_id()
        if hunk is None or not self._alive():
            return
        others = self.remote.others_on(self.current.path, hunk)
        if others:
            self.status.say(
                f"◆ {', '.join(others)} {'is' if len(others) == 1 else 'are'} on this hunk"
            )

    def on_diff_pane_cursor_moved(self, message: DiffPane.CursorMoved) -> None:
        super().on_diff_pane_cursor_moved(message)
        self._tell_where()

    def _tell_where(self) -> None:
        if not self._alive() or not self.remote.files:
            return
        hunk = self.pane.current_hunk_id()
        if hunk is not None:
            self.remote.look(self.current.path, hunk)
            self._say_presence()

    # -- this seat's keys -----------------------------------------------------------------

    def action_comment(self) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        path = self.current.path

        def done(words: str | None) -> None:
            if not words:
                return
            try:
                self.remote.comment(path, hunk, words)
            except Exception as exc:  # noqa: BLE001 - a TetherError or the link gone
                self._error_text(str(exc))
            else:
                self.status.say(f"commented on {quote_name(path)}; every seat sees it")

        self.push_screen(
            ReasonScreen(
                f"Comment on this hunk of {quote_name(path)}",
                hint="enter: every seat sees it; the agent or model gets it with the answer",
                placeholder="",
            ),
            done,
        )

    def action_reject_reason(self) -> None:
        self._ask("reject", "Why reject this hunk of {}?")

    def action_accept_note(self) -> None:
        self._ask("accept", "Accept this hunk of {}, and…?")

    def _ask(self, op: str, question: str) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        path = self.current.path

        def done(words: str | None) -> None:
            if words:
                self._submit(Decide(op, path, (hunk,), reason=words))  # type: ignore[arg-type]

        self.push_screen(
            ReasonScreen(question.format(quote_name(path)), hint="enter: send", placeholder=""),
            done,
        )
