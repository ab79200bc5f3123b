"""``tether inbox``: the review of what agents propose through ``tether gate``,
before any of it touches disk. The review app, over a gate review: files
arrive as the agent's hook calls do, and each call is answered as soon as
its last hunk is decided. Other seats (``tether attach``) may share it."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding

from app.core.names import quote_name
from app.gate.host import GateHost
from app.review.commands import Decide
from app.tui.review_app import BINDINGS as REVIEW_BINDINGS
from app.tui.review_app import ReviewApp
from app.tui.screens import ReasonScreen
from app.tui.seating import COMMENT_KEY, SeatsMixin

GATE_BINDINGS = [
    Binding("r", "reject_reason", "Reject+why", tooltip="Reject the hunk; the agent sees why"),
    Binding(
        "Y",
        "accept_note",
        "Yes, and…",
        key_display="Y",
        tooltip="Accept the hunk with a note the agent sees",
    ),
]


def gate_footer() -> list[Binding]:
    """The review's keys with the gate's right after y and n, then a seat's
    comment key: Textual puts a subclass's added keys after its base's, where
    an 80-column footer cut them off."""
    first = [b for b in REVIEW_BINDINGS if b.key in ("y", "n")]
    rest = [b for b in REVIEW_BINDINGS if b.key not in ("y", "n")]
    return [*first, *GATE_BINDINGS, *rest, COMMENT_KEY]


class GateKeys:
    """``r`` (reject, saying why) and ``Y`` (accept, and a note): words the agent sees."""

    def action_reject_reason(self) -> None:
        self._ask("reject", "Why reject this hunk of {}?", "enter: reject; the agent sees why")

    def action_accept_note(self) -> None:
        self._ask(
            "accept", "Accept this hunk of {}, and…?", "enter: accept; the agent sees the note"
        )

    def _ask(self, op: str, question: str, hint: str) -> None:
        app: Any = self
        hunk = app._hunk_here()
        if hunk is None:
            return
        path = app.current.path

        def done(words: str | None) -> None:
            if words:
                app._submit(Decide(op, path, (hunk,), reason=words))  # type: ignore[arg-type]

        app.push_screen(
            ReasonScreen(question.format(quote_name(path)), hint=hint, placeholder=""), done
        )


class GateApp(SeatsMixin, GateKeys, ReviewApp, inherit_bindings=False):
    # Not inherited (see gate_footer), so Textual's own app keys are listed.
    BINDINGS = [*App.BINDINGS, *gate_footer()]  # type: ignore[assignment]
    EMPTY = "Waiting for an agent's edit (the hook is tether gate: docs/agents.md)"
    WRITE_AFTER_FRAME = False  # the agent waits on the answer, which waits on the write

    def __init__(self, host: GateHost, *, theme: str = "dark") -> None:
        super().__init__(host.service, label="agents' proposals (tether gate)", theme=theme)
        self.host = host

    def all_bindings(self) -> list[Binding]:
        return gate_footer()
