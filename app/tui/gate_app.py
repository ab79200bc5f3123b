"""``tether inbox``: the review of what agents propose through ``tether gate``,
before any of it touches disk. The review app, over a gate review: files
arrive as the agent's hook calls do, and each call is answered as soon as
its last hunk is decided."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from app.core.names import quote_name
from app.gate.host import GateHost
from app.review.commands import Decide
from app.tui.review_app import BINDINGS as REVIEW_BINDINGS
from app.tui.review_app import ReviewApp
from app.tui.screens import ReasonScreen

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


def _footer_order() -> list[Binding]:
    """The review's keys with the gate's right after y and n: Textual puts
    a subclass's added keys after its base's, where an 80-column footer
    cut them off."""
    first = [b for b in REVIEW_BINDINGS if b.key in ("y", "n")]
    rest = [b for b in REVIEW_BINDINGS if b.key not in ("y", "n")]
    return [*first, *GATE_BINDINGS, *rest]


class GateApp(ReviewApp, inherit_bindings=False):
    # Not inherited (see _footer_order), so Textual's own app keys are listed.
    BINDINGS = [*App.BINDINGS, *_footer_order()]  # type: ignore[assignment]
    EMPTY = "Waiting for an agent's edit (the hook is tether gate: docs/agents.md)"

    def __init__(self, host: GateHost, *, theme: str = "dark") -> None:
        super().__init__(host.service, label="agents' proposals (tether gate)", theme=theme)
        self.host = host

    def all_bindings(self) -> list[Binding]:
        return _footer_order()

    def action_reject_reason(self) -> None:
        self._ask("reject", "Why reject this hunk of {}?", "enter: reject; the agent sees why")

    def action_accept_note(self) -> None:
        self._ask(
            "accept", "Accept this hunk of {}, and…?", "enter: accept; the agent sees the note"
        )

    def _ask(self, op: str, question: str, hint: str) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        path = self.current.path

        def done(words: str | None) -> None:
            if words:
                self._submit(Decide(op, path, (hunk,), reason=words))  # type: ignore[arg-type]

        self.push_screen(
            ReasonScreen(question.format(quote_name(path)), hint=hint, placeholder=""), done
        )
