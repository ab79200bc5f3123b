"""``tether attach``: a second seat on the review a running Tether owns.

The review app, over a ``RemoteService``: it draws what the owner's review
holds and sends this seat's keys to it by hunk id. The owner decides what
is allowed (the first decision of a hunk wins; a seat undoes only its own;
a read-only seat only watches and comments), and this screen says so.
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from app.gate.remote import OwnerGone, RemoteService
from app.review.events import ReviewEvent
from app.tui.gate_app import GateKeys, gate_footer
from app.tui.review_app import ReviewApp
from app.tui.seating import SeatsMixin


class AttachApp(SeatsMixin, GateKeys, ReviewApp, inherit_bindings=False):
    # The gate's r/Y right after y/n, as in tether inbox (see gate_footer).
    BINDINGS = [*App.BINDINGS, *gate_footer()]  # type: ignore[assignment]
    EMPTY = "Nothing pending in the review this seat is attached to (yet)"

    def __init__(self, remote: RemoteService, *, theme: str = "dark") -> None:
        mode = " (read-only)" if remote.read_only else ""
        label = f"seat {remote.seat}{mode} · {remote.label or remote.root}"
        super().__init__(remote, label=label, theme=theme)  # type: ignore[arg-type]
        self.remote = remote

    def all_bindings(self) -> list[Binding]:
        return gate_footer()

    def on_mount(self) -> None:
        super().on_mount()
        owner = f" (owned by {self.remote.owner})" if self.remote.owner else ""
        self.status.say(f"attached as {self.remote.seat}{owner}; m comments")
        self.tell_where()

    def on_review_event(self, event: ReviewEvent) -> None:
        if isinstance(event, OwnerGone):
            if self._alive():
                message = f"the review's owner is gone ({event.message}); q leaves"
                self.status.say(message, error=True)
                self.notify(message, title="Review closed", severity="error")
            return
        super().on_review_event(event)
