"""Agents' proposals inside ``tether watch`` and the loop: the inbox.

While a watch or a loop runs, it owns the repository's endpoint, so an
agent's ``tether gate`` (or ``tether mcp``) call reaches it. The proposals
are their own review (a ``GateHost``: accepted hunks are held for the
agent's tool, nothing is written here), shown on the inbox screen over the
running app: ``I`` opens it, and a toast says when a proposal arrives. The
agent waits only for its own call; the watch or loop goes on meanwhile.
Under the loop, the slider's level limits what a proposal may touch
(``GateScope``): a hunk out of scope is marked and needs ``w``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar, cast

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header

from app.core.errors import TetherError
from app.core.names import quote_name
from app.gate.host import GateHost
from app.review.commands import Command, Decide, Undo, Widen
from app.review.events import FilesChanged, HunksChanged, ReviewEvent
from app.tui.screens import HelpScreen, ReasonScreen
from app.tui.seating import COMMENT_KEY, SeatsMixin
from widgets.diff_pane import CURSOR_BINDINGS, DiffPane
from widgets.status_line import StatusLine

INBOX_BINDINGS = [
    Binding(
        "y", "decide('accept')", "Accept", tooltip="Accept the hunk; the agent's tool writes it"
    ),
    Binding("n", "decide('reject')", "Reject", tooltip="Reject the hunk"),
    Binding("r", "reason('reject')", "Reject+why", tooltip="Reject the hunk; the agent sees why"),
    Binding(
        "Y",
        "reason('accept')",
        "Yes, and…",
        key_display="Y",
        tooltip="Accept with a note for the agent",
    ),
    Binding("w", "widen", "Widen", tooltip="Allow this out-of-scope hunk (the slider's level)"),
    Binding("j", "hunk(1)", "Next", tooltip="Next hunk or proposal"),
    Binding("k", "hunk(-1)", "Prev", tooltip="Previous hunk or proposal"),
    Binding("u", "undo", "Undo", tooltip="Undo the inbox's newest decision"),
    Binding("escape,I", "close", "Back", tooltip="Back to the review (proposals keep waiting)"),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key of the inbox"),
]


class InboxScreen(Screen[None]):
    """The pending proposals, one file at a time, decided by hunk id."""

    BINDINGS = [*CURSOR_BINDINGS, *INBOX_BINDINGS]

    def __init__(self, host: GateHost) -> None:
        super().__init__()
        self.host = host
        self.path = ""
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DiffPane(id="inbox-diff")
        yield StatusLine(id="inbox-status")
        yield Footer(compact=True)

    @property
    def pane(self) -> DiffPane:
        return self.query_one(DiffPane)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def on_mount(self) -> None:
        self.status.source = "agents' inbox"
        self._unsubscribe = self.host.service.subscribe(self._deliver)
        self.show_next()
        self.pane.focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    class Changed(Message):
        """The gate's review changed (on whichever thread changed it)."""

    def _deliver(self, event: ReviewEvent) -> None:
        if isinstance(event, HunksChanged | FilesChanged):
            self.post_message(self.Changed())  # thread-safe

    def on_inbox_screen_changed(self, _message: Changed) -> None:
        self.refresh_view()

    def waiting(self) -> list[str]:
        service = self.host.service
        return [fr.path for fr in list(service.files) if fr.loaded and service.pending_in(fr)]

    def show_next(self, step: int = 0) -> None:
        files = self.waiting()
        if not files:
            self.path = ""
            self.pane.show("", [], [], note="No agent's proposal is waiting (esc goes back)")
            self._progress()
            return
        at = files.index(self.path) if self.path in files else 0
        self.path = files[(at + step) % len(files)]
        self._show(hunk=0 if step >= 0 else 10**9)

    def _show(self, *, hunk: str | int | None) -> None:
        view = self.host.service.view(self.path)
        self.pane.show(
            view.path, view.hunks, view.old_lines, notes=view.blocked, hunk=hunk, banner=view.banner
        )
        self._progress()

    def refresh_view(self) -> None:
        if not self.is_attached:
            return
        if self.path in self.waiting():
            self._show(hunk=None)
        else:
            self.show_next()

    def _progress(self) -> None:
        files = self.waiting()
        pending = sum(self.host.service.pending_in(self.host.service.file(p)) for p in files)
        here = f"{self.path} · " if self.path else ""
        self.status.progress = f"{here}{len(files)} file(s) · {pending} hunk(s) waiting"

    # -- keys -----------------------------------------------------------------------

    def _run(self, command: Command) -> None:
        try:
            self.host.service.execute(command)
        except TetherError as exc:
            self.status.say(str(exc), error=True)
            return
        self.refresh_view()

    def action_decide(self, op: str, words: str = "") -> None:
        hunk = self.pane.current_hunk_id()
        if hunk is None or not self.path:
            self.status.say("no hunk under the cursor")
            return
        path = self.path
        self._run(Decide(op, path, (hunk,), self.pane.marked_lines(hunk), reason=words))  # type: ignore[arg-type]
        verb = "accepted" if op == "accept" else "rejected"
        self.status.say(
            f"{verb} a hunk of {quote_name(path)}; the agent hears when its call is decided"
        )

    def action_reason(self, op: str) -> None:
        hunk = self.pane.current_hunk_id()
        if hunk is None:
            return
        ask = "Why reject" if op == "reject" else "Accept, and…"

        def done(words: str | None) -> None:
            if words:
                self.action_decide(op, words)

        self.app.push_screen(
            ReasonScreen(
                f"{ask}: this hunk of {quote_name(self.path)}", hint="enter: send", placeholder=""
            ),
            done,
        )

    def action_widen(self) -> None:
        hunk = self.pane.current_hunk_id()
        if hunk is not None and self.path:
            self._run(Widen(self.path, hunk))

    def action_hunk(self, step: int) -> None:
        if not self.pane.next_hunk(step):
            self.show_next(step)

    def action_undo(self) -> None:
        self._run(Undo())

    def action_close(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen.of(INBOX_BINDINGS))


class ProposalArrived(Message):
    """An agent's proposal joined the inbox."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path


INBOX_KEY = Binding(
    "I", "inbox", "Inbox", key_display="I", tooltip="Agents' proposals waiting for you"
)


class InboxMixin:
    """For an app that owns the endpoint (watch, loop): agents' proposals in
    an inbox screen over it. ``attach_inbox`` before ``run``."""

    inbox_host: GateHost | None = None

    def attach_inbox(self, host: GateHost) -> None:
        self.inbox_host = host
        host.service.subscribe(self._inbox_event)

    def _inbox_event(self, event: ReviewEvent) -> None:
        if isinstance(event, HunksChanged) and event.why == "proposal":
            app = self
            assert isinstance(app, App)
            app.post_message(ProposalArrived(event.path))  # thread-safe

    def on_proposal_arrived(self, message: ProposalArrived) -> None:
        app = self
        assert isinstance(app, App)
        if isinstance(app.screen, InboxScreen):
            return
        host = self.inbox_host
        origin = host.service.file(message.path).origin if host is not None else ""
        who = origin or "an agent"
        app.notify(
            f"{who} proposes an edit to {quote_name(message.path)}: I opens the inbox",
            title="Agent's proposal",
        )

    def action_inbox(self) -> None:
        app = self
        assert isinstance(app, App)
        if self.inbox_host is not None and not isinstance(app.screen, InboxScreen):
            app.push_screen(InboxScreen(self.inbox_host))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if not isinstance(screen, InboxScreen):
            yield from super().get_system_commands(screen)  # type: ignore[misc]
            return
        for binding in INBOX_BINDINGS:
            name, _, arg = binding.action.partition("(")
            method = getattr(screen, f"action_{name}")
            key = binding.key_display or binding.key
            yield SystemCommand(binding.tooltip, f"key: {key}", _bound(method, arg))


def _bound(method: Callable[..., object], arg: str) -> Callable[[], object]:
    """The action with its binding's argument ("1", "'accept'"), as a call."""
    value = arg.rstrip(")").strip("'")

    def call() -> object:
        if not arg:
            return method()
        return method(int(value) if value.lstrip("-").isdigit() else value)

    return call


AppT = TypeVar("AppT", bound=App[dict])


def with_inbox(cls: type[AppT]) -> type[AppT]:
    """``cls`` (WatchApp, LoopApp) with the agents' inbox (``I``) and the
    other seats (presence, their decisions and comments; ``m``)."""
    bindings = [*cls.BINDINGS, COMMENT_KEY, INBOX_KEY]
    made = type(f"{cls.__name__}WithInbox", (InboxMixin, SeatsMixin, cls), {"BINDINGS": bindings})
    return cast(type[AppT], made)
