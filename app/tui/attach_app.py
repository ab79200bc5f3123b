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
        if remote.role != "both":
            mode += f" ({remote.role})"
        label = f"seat {remote.seat}{mode} · {remote.label or remote.root}"
        super().__init__(remote, label=label, theme=theme)  # type: ignore[arg-type]
        self.remote = remote

    def all_bindings(self) -> list[Binding]:
        return gate_footer()

    def on_mount(self) -> None:
        super().on_mount()
        owner = f" (owned by {self.remote.owner})" if self.remote.owner else ""
        what = {"driver": "the driver (prompts; a verifier decides)", "verifier": "a verifier"}
        role = f" as {what[self.remote.role]}" if self.remote.role in what else ""
        self.status.say(f"attached as {self.remote.seat}{owner}{role}; m comments")
        self.tell_where()

    def _deleted_by_reject(self, path: str) -> bool:
        # Whether a reject removed a new file is the owner's disk and backend,
        # which a seat does not mirror (asking the review app's engine here
        # crashed the seat on every reject); the owner's screen says it.
        return False

    def on_review_event(self, event: ReviewEvent) -> None:
        if isinstance(event, OwnerGone):
            if self._alive():
                message = f"the review's owner is gone ({event.message}); q leaves"
                self.status.say(message, error=True)
                self.notify(message, title="Review closed", severity="error")
            return
        super().on_review_event(event)
