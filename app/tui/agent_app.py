"""``tether agent -- CMD``: drive an ACP agent, reviewing its edits per hunk.

The gate's review app (``GateApp``: ``r`` rejects with a reason, ``Y``
accepts with a note) over the agent session's review, with the loop's
prompt box and slider and a side panel where the agent's messages, plan and
tool calls stream. A thin client of ``AgentRunner`` (UI-free, app/acp): keys
become prompts, cancels and review commands; the panel renders its events.
"""

from __future__ import annotations

import threading
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from app.acp.events import (
    AcpEvent,
    AgentExited,
    AgentFailed,
    AgentReady,
    AgentText,
    EditAnswered,
    EditArrived,
    PlanShown,
    ToolCallShown,
    TurnEnded,
    TurnStarted,
)
from app.acp.runner import AgentRunner
from app.core.autonomy import LEVEL_NAMES, Level
from app.core.names import quote_name
from app.core.text import displayable
from app.review.events import ReviewEvent
from app.tui.gate_app import GateApp, gate_footer
from widgets.autonomy_slider import AutonomySlider
from widgets.diff_pane import DiffPane
from widgets.file_header import FileHeader
from widgets.file_list import FileList
from widgets.status_line import StatusLine

AGENT_BINDINGS = [
    Binding("i", "prompt", "Prompt", tooltip="Write a prompt for the agent (enter sends)"),
    Binding("escape", "cancel", "Cancel", tooltip="Cancel the agent's turn (session/cancel)"),
    Binding("w", "widen", "Widen", tooltip="Allow this out-of-scope hunk to be accepted"),
    Binding(
        "minus", "level(-1)", "Slider -", key_display="-", tooltip="Move the autonomy slider left"
    ),
    Binding(
        "plus,equals_sign",
        "level(1)",
        "Slider +",
        key_display="+",
        tooltip="Move the autonomy slider right",
    ),
    Binding("t", "panel", "Agent", tooltip="Show or hide the agent's messages, plan and tools"),
]

# What each stop lets an agent do (the scope is the loop's: app/core/autonomy.py).
AGENT_LEVEL_HELP = {
    Level.OFF: "the agent may read, and change nothing",
    Level.LINE: "edits only to the focus file",
    Level.CHUNK: "edits only to the focus file",
    Level.FILE: "edits only to the focus file",
    Level.REPO: "edits anywhere in the repository",
}
# The side panel keeps this much of the conversation (older text scrolls away).
PANEL_CHARS = 40_000
# Narrower than this, the diff and the panel do not both fit: the panel
# steps aside while hunks wait (t brings it back).
NARROW = 130


class AgentEvent(Message):
    def __init__(self, event: AcpEvent) -> None:
        super().__init__()
        self.event = event


class PermissionScreen(ModalScreen[str | None]):
    """An agent's request that is not an edit (run a command, …): the human
    picks one of the agent's options; esc cancels."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]
    DEFAULT_CSS = """
    PermissionScreen { align: center middle; }
    PermissionScreen > VerticalScroll {
        width: 76; height: auto; max-height: 80%;
        background: $surface; border: round $warning; padding: 1 2;
    }
    """

    def __init__(self, title: str, options: list[Any]) -> None:
        super().__init__()
        self.title_text = title
        self.options = options

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(f"The agent asks: {displayable(self.title_text)}", style="bold"))
            yield OptionList(
                # The agent's words, never read as markup.
                *(
                    Option(Text(displayable(f"{o.name} ({o.kind})")), id=o.option_id)
                    for o in self.options
                )
            )
            yield Static(Text("enter: answer · esc: cancel", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class AgentApp(GateApp, inherit_bindings=False):
    # The inbox's footer order (r/Y after y/n), then the agent's own keys.
    BINDINGS = [*App.BINDINGS, *gate_footer(), *AGENT_BINDINGS]  # type: ignore[assignment]
    EMPTY = "No edit from the agent yet: i writes a prompt, enter sends it."
    # The panel's text wraps at the panel's width.
    CSS = "#agent-log { width: 100%; }"

    def __init__(self, runner: AgentRunner, *, theme: str = "dark") -> None:
        super().__init__(runner.review.host, theme=theme)
        self.runner = runner
        self.review = runner.review
        self.label = f"{runner.agent_name} · {self.review.root.name}"
        self._transcript = ""
        self._tools: dict[str, str] = {}
        self._asks: list[threading.Event] = []
        self._stop_runner: Any = None
        self._panel_choice: bool | None = None  # t: the user's choice, else by width
        self._render_due = False
        runner.client.ask = self._ask_human

    def all_bindings(self) -> list[Binding]:
        return [*gate_footer(), *AGENT_BINDINGS]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield AutonomySlider(id="slider")
        with Horizontal(id="main"):
            yield FileList(id="files")
            with Vertical(id="diff-box"):
                yield FileHeader(id="file-header")
                yield DiffPane(id="diff")
            with VerticalScroll(id="context"):
                yield Static(id="agent-log")
        yield Input(placeholder="i: prompt the agent (enter sends, esc leaves)", id="prompt")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        slider = self.query_one(AutonomySlider)
        slider.leash = {int(k): v for k, v in self.review.policy.leash.items()}
        with slider.prevent(AutonomySlider.Changed):
            slider.level = int(self.review.level)
        self._stop_runner = self.runner.subscribe(self._hear)
        self._append(f"starting {' '.join(self.runner.command)}\n")
        self.status.say(f"starting the agent ({self.runner.agent_name})…")
        self.runner.start()
        # After the review's own start-up, which focuses the diff pane.
        self.call_after_refresh(self.query_one("#prompt", Input).focus)

    def on_unmount(self) -> None:
        for waiting in self._asks:
            waiting.set()  # an open question is answered "cancelled"
        if self._stop_runner is not None:
            self._stop_runner()
        self.runner.close()
        super().on_unmount()

    def on_resize(self, _event: events.Resize) -> None:
        # Textual calls each class's handler in turn: the room's runs too.
        self._fit_panel()

    def on_review_event(self, event: ReviewEvent) -> None:
        super().on_review_event(event)
        if self._alive():
            self._fit_panel()

    def _fit_panel(self) -> None:
        """Wide: the diff and the panel side by side. Narrow: one of them —
        the diff while hunks wait, else the panel (t switches)."""
        panel = self.query_one("#context")
        shown = panel.display
        narrow = self.size.width < NARROW
        if self._panel_choice is not None:
            panel.display = self._panel_choice
        else:
            panel.display = not narrow or not self.service.pending
        alone = narrow and panel.display
        panel.styles.width = "1fr" if alone else None  # None: the stylesheet's width
        self.pane.display = not alone
        if panel.display and not shown:
            self._follow()  # it scrolled nowhere while hidden

    def _hear(self, event: AcpEvent) -> None:
        self.post_message(AgentEvent(event))  # from the runner's thread

    # -- the side panel ---------------------------------------------------------------

    def _append(self, text: str) -> None:
        self._transcript = (self._transcript + text)[-PANEL_CHARS:]
        # An agent streams many small chunks: the panel is redrawn once per frame.
        if not self._render_due:
            self._render_due = True
            self.call_after_refresh(self._render_transcript)

    def _render_transcript(self) -> None:
        self._render_due = False
        lines = [displayable(line) for line in self._transcript.split("\n")]
        self.query_one("#agent-log", Static).update(Text("\n".join(lines)))
        self._follow()

    def _follow(self) -> None:
        """Keep the newest text in sight, once the panel's new size is known."""
        panel = self.query_one("#context", VerticalScroll)
        self.call_after_refresh(panel.scroll_end, animate=False)

    def on_agent_event(self, message: AgentEvent) -> None:
        if not self._alive():
            return
        event = message.event
        if isinstance(event, AgentReady):
            self.label = f"{event.name} · {self.review.root.name}"
            self.sub_title = self.status.source = self.label
            self._append(f"{event.name} is ready\n")
            self.status.say(f"{event.name} is ready: write a prompt, enter sends it")
        elif isinstance(event, AgentText):
            self._append(event.text)
        elif isinstance(event, PlanShown):
            marks = {"completed": "✓", "in_progress": "…"}
            rows = [f"  {marks.get(status, '·')} {entry}" for status, entry in event.entries]
            self._append("\nPlan:\n" + "\n".join(rows) + "\n")
        elif isinstance(event, ToolCallShown):
            if self._tools.get(event.tool_call_id) != event.status:
                self._tools[event.tool_call_id] = event.status
                self._append(f"\n⚙ {event.title or event.tool_call_id} [{event.status}]\n")
        elif isinstance(event, EditArrived):
            names = ", ".join(quote_name(p) for p in event.paths)
            self._append(f"\n✎ {names}: waiting for your review ({event.via})\n")
            self.status.say(f"the agent's edit of {names} waits for your review")
            self._show_arrival(event.paths)
            self._fit_panel()
            if not self.query_one("#context").display:
                self.status.say(f"the agent's edit of {names} waits for your review (t: the agent)")
        elif isinstance(event, EditAnswered):
            self._append(f"→ {event.summary}\n")
            if event.refused:
                self.status.say(event.summary.splitlines()[0], error=True)
        elif isinstance(event, TurnStarted):
            self._append(f"\n> {event.text}\n")
        elif isinstance(event, TurnEnded):
            self._turn_ended(event.stop_reason)
        elif isinstance(event, AgentExited):
            self._exited(event)
        elif isinstance(event, AgentFailed):
            self._append(f"! {event.message}\n")
            self.status.say(event.message, error=True)
        self.update_keys()

    def _turn_ended(self, reason: str) -> None:
        self._append(f"\n— turn ended ({reason}) —\n")
        if self.review.has_feedback:
            self.status.say(
                "your decisions go with the next prompt (enter on an empty prompt sends them)"
            )
        else:
            self.status.say(f"the agent's turn ended ({reason})")

    def _exited(self, event: AgentExited) -> None:
        code = "?" if event.returncode is None else str(event.returncode)
        self._append(f"\n— the agent exited (status {code}) —\n{event.stderr}\n")
        if event.expected:
            return
        tail = "\n".join(event.stderr.splitlines()[-6:]) or "(nothing on stderr)"
        self.notify(tail, title=f"The agent exited (status {code})", severity="error")
        pending = self.service.pending
        self.status.say(
            f"the agent exited (status {code}); {pending} hunks stay for review", error=True
        )

    # -- questions that are not edits ----------------------------------------------------

    def _ask_human(self, title: str, options: list[Any]) -> str | None:
        """On the client's worker thread: wait for the human's pick."""
        answered = threading.Event()
        chosen: list[str | None] = [None]

        def done(option: str | None) -> None:
            chosen[0] = option
            answered.set()

        self._asks.append(answered)
        try:
            self.call_from_thread(self.push_screen, PermissionScreen(title, options), done)
        except RuntimeError:  # the app has stopped
            return None
        answered.wait()
        return chosen[0]

    # -- keys ------------------------------------------------------------------------------

    def action_prompt(self) -> None:
        self.query_one("#prompt", Input).focus()

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        if self.service.files:
            # Levels 1–3 let the agent edit the file on show when the prompt goes.
            self.review.set_level(int(self.review.level), focus=self.current.path)
        why = self.runner.prompt(event.value)
        if why:
            self.status.say(why, error=True)
            return
        event.input.value = ""
        self.pane.focus()

    def action_cancel(self) -> None:
        if self.query_one("#prompt", Input).has_focus:
            self.pane.focus()
            return
        if self.runner.cancel():
            self.status.say("cancel sent (session/cancel); the hunks that arrived stay")
        else:
            self.status.say("the agent is not working on a prompt")

    def action_widen(self) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        from app.review.commands import Widen

        outcome = self._run(Widen(self.current.path, hunk))
        if outcome is not None:
            self.status.say(
                f"widened: hunk {hunk} may be accepted"
                if outcome.lines
                else "this hunk is inside the scope already"
            )

    def action_level(self, delta: int) -> None:
        level = self.review.set_level(int(self.review.level) + delta)
        slider = self.query_one(AutonomySlider)
        with slider.prevent(AutonomySlider.Changed):
            slider.level = int(level)
        where = f" ({self.review.focus})" if Level.OFF < level < Level.REPO else ""
        self.status.say(
            f"autonomy {int(level)} ({LEVEL_NAMES[level]}): {AGENT_LEVEL_HELP[level]}{where}"
        )

    def on_autonomy_slider_changed(self, message: AutonomySlider.Changed) -> None:
        self.action_level(message.level - int(self.review.level))

    def action_panel(self) -> None:
        self._panel_choice = not self.query_one("#context").display
        self._fit_panel()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_running:
            return True
        if action in ("widen", "reject_reason", "accept_note"):
            return bool(self.service.files) and bool(self.pane.hunks)
        return super().check_action(action, parameters)
