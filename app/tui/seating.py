"""What every seat's screen shows of the other seats, owner or attached:
where they are (◆ on the hunk another seat looks at), their decisions with
their names, their comments; and ``m``, a comment every seat sees.

For the review apps (``ReviewApp`` subclasses) over a ``ReviewService`` or a
``RemoteService``: both keep ``presence``, ``seat``, ``look`` and ``comment``.
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from app.core.errors import TetherError
from app.core.names import quote_name
from app.review.events import CommentAdded, DecisionMade, PresenceChanged, ReviewEvent
from app.tui.screens import ReasonScreen
from widgets.diff_pane import DiffPane

COMMENT_KEY = Binding("m", "comment", "Comment", tooltip="A comment on this hunk every seat sees")


class SeatsMixin:
    """Mix in before the review app class."""

    service: Any

    def others_here(self) -> list[str]:
        """The other seats looking at the hunk under this seat's cursor."""
        app: Any = self
        hunk = app.pane.current_hunk_id()
        if hunk is None or not app.service.files:
            return []
        path = app.current.path
        me = app.service.seat
        return [
            look.seat
            for look in app.service.presence.all()
            if look.seat != me and look.path == path and look.hunk == hunk
        ]

    def on_review_event(self, event: ReviewEvent) -> None:
        app: Any = self
        if not app._alive():
            return
        me = app.service.seat
        if isinstance(event, PresenceChanged):
            self.mark_presence()
            self._say_presence()
            return
        if isinstance(event, CommentAdded):
            app.status.say(f"{event.seat} on {quote_name(event.path)}: {event.text}")
            return
        super().on_review_event(event)  # type: ignore[misc]
        if isinstance(event, DecisionMade) and event.seat and event.seat != me:
            outcome = event.outcome
            verb = {"accept": "accepted", "reject": "rejected"}.get(outcome.op, outcome.op)
            app.status.say(f"{event.seat} {verb} in {quote_name(outcome.path)} (#{outcome.seq})")

    def mark_presence(self) -> None:
        """Mark, in the file on show, each hunk another seat is on (◆ bob)."""
        app: Any = self
        if not app.service.files:
            app.pane.set_presence({})
            return
        path, me = app.current.path, app.service.seat
        here: dict[str, list[str]] = {}
        for look in app.service.presence.all():
            if look.seat != me and look.path == path:
                here.setdefault(look.hunk, []).append(look.seat)
        app.pane.set_presence({hunk: ", ".join(sorted(s)) for hunk, s in here.items()})

    def show_file(self, index: int, *, hunk: str | int | None = 0) -> None:
        super().show_file(index, hunk=hunk)  # type: ignore[misc]
        self.mark_presence()  # hunk ids are per file: the marks follow the file

    def _say_presence(self) -> None:
        app: Any = self
        others = self.others_here()
        if others:
            verb = "is" if len(others) == 1 else "are"
            app.status.say(f"◆ {', '.join(others)} {verb} on this hunk")

    def on_diff_pane_cursor_moved(self, message: DiffPane.CursorMoved) -> None:
        super().on_diff_pane_cursor_moved(message)  # type: ignore[misc]
        self.tell_where()

    def tell_where(self) -> None:
        """Tell the other seats which hunk this one is on."""
        app: Any = self
        if not app._alive() or not app.service.files:
            return
        hunk = app.pane.current_hunk_id()
        if hunk is not None:
            app.service.look(app.service.seat, app.current.path, hunk)
            self._say_presence()

    def action_comment(self) -> None:
        app: Any = self
        hunk = app._hunk_here()
        if hunk is None:
            return
        path = app.current.path

        def done(words: str | None) -> None:
            if not words:
                return
            try:
                app.service.comment(path, hunk, words)
            except TetherError as exc:
                app._error(exc)
            else:
                app.status.say(f"commented on {quote_name(path)}; every seat sees it")

        app.push_screen(
            ReasonScreen(
                f"Comment on this hunk of {quote_name(path)}",
                hint="enter: every seat sees it; the agent gets it with its answer",
                placeholder="",
            ),
            done,
        )
