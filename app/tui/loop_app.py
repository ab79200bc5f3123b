"""The generation → verification loop: prompt, streaming hunks, slider, leash.

Extends the review workbench: the model's edits become hunks in the same
diff pane, reviewed with the same keys, while the model keeps generating.
A thin client of ``LoopController`` (UI-free): it forwards keys and the
cursor's place, and renders what the controller and the review say.

Composed like the review app: ``loop_bindings`` (its keys), ``loop_plan``
(the leash and the plan), ``coaching_view`` (hints), ``context_panel``
(what was sent to the model).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Footer, Header, Input, Static

from app.core.autonomy import Level
from app.core.errors import TetherError
from app.core.names import quote_name
from app.loop.controller import LoopController, View, first_tracked_file
from app.loop.events import (
    ContextSent,
    EditRefused,
    Failed,
    HunksArrived,
    LevelChanged,
    PlanReady,
    PlanText,
    Said,
    StatusChanged,
)
from app.providers.base import Provider
from app.review.events import DecisionMade, ReviewEvent
from app.review.service import ReviewService
from app.teaching.coaching import Coach
from app.tui.coaching_view import CoachingMixin
from app.tui.context_panel import ContextPanelMixin
from app.tui.loop_bindings import LOOP_BINDINGS, SLIDER
from app.tui.loop_plan import PlanMixin
from app.tui.review_app import BINDINGS as REVIEW_BINDINGS
from app.tui.review_app import ReviewApp
from app.tui.screens import ReasonScreen
from app.tui.watching import WatchingMixin
from widgets.autonomy_slider import AutonomySlider
from widgets.code_view import CodeView
from widgets.diff_pane import DiffPane
from widgets.file_header import FileHeader, FileTitle
from widgets.file_list import FileList
from widgets.status_line import StatusLine

__all__ = ["LOOP_BINDINGS", "SLIDER", "LoopApp"]

_REVIEW_ONLY = {
    "accept",
    "reject",
    "toggle_line",
    "split",
    "edit",
    "accept_file",
    "reject_file",
    "next_hunk",
    "prev_hunk",
    "toggle_view",
}


class LoopApp(PlanMixin, CoachingMixin, ContextPanelMixin, WatchingMixin, ReviewApp):
    """Prompt the model, review its hunks as they stream, keep it on a leash."""

    # A review key the loop uses for its own (g: the plan's next step) is the loop's.
    BINDINGS = [  # type: ignore[assignment]
        b for b in REVIEW_BINDINGS if b.key not in {x.key for x in LOOP_BINDINGS}
    ] + LOOP_BINDINGS
    CSS = """
    #coach {
        height: auto;
        max-height: 4;
        padding: 0 1;
        background: $warning 20%;
        display: none;
    }
    """

    def __init__(
        self,
        service: ReviewService,
        *,
        provider: Provider,
        provider_label: str,
        start_file: str | None,
        level: int = int(Level.FILE),
        leash: dict[Level, int] | None = None,
        theme: str = "dark",
        intro: str = "",
        coach: bool = False,
        plan_file: str | None = None,
    ) -> None:
        super().__init__(service, label=f"{provider_label} · {service.root.name}", theme=theme)
        self.root = service.root
        self.loop = LoopController(
            service,
            provider,
            label=provider_label,
            level=level,
            leash=leash,
            **({"plan_file": plan_file} if plan_file else {}),
        )
        # Coaching hints, when asked for (--coach, or coach = true in the config).
        self.coach = Coach() if coach else None
        self.start_file = start_file
        self.intro = intro
        self._stop_loop: Callable[[], None] | None = None

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield AutonomySlider(id="slider")
        with Horizontal(id="main"):
            yield FileList(id="files")
            with Vertical(id="diff-box"):
                yield FileHeader(id="file-header")
                with ContentSwitcher(initial="code", id="views"):
                    yield CodeView(id="code")
                    yield DiffPane(id="diff")
            with VerticalScroll(id="context"):
                yield Static(id="context-text")
        yield Static(id="coach")
        yield Input(placeholder="i: ask the model (enter sends, esc leaves)", id="prompt")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self._stop_loop = self.loop.subscribe(self._deliver)
        slider = self.query_one(AutonomySlider)
        slider.leash = {int(k): v for k, v in self.loop.leash.items()}
        with slider.prevent(AutonomySlider.Changed):
            slider.level = int(self.loop.level)
        chosen = self.room_prefs.context_shown if self.room_prefs else None
        self.query_one("#context").display = bool(self.intro) if chosen is None else chosen
        self._set_context_text(self.intro)
        if self.start_file:
            self.open_code(self.start_file)
        else:
            self.open_code(None)
            self._find_first_file()
        self._update_loop_status()
        self.start_watching(self.root, git=True)
        if self.loop.plan_note:
            self.status.say(self.loop.plan_note, error=self.loop.plan is None)
            if self.loop.plan is not None:
                self._show_plan("Unfinished plan (g carries out the next step, E edits it)")
        if self.coach is not None:
            self._learn_names()

    @work(thread=True, group="first-file")
    def _find_first_file(self) -> None:
        path = first_tracked_file(self.root)  # git ls-files, off the UI thread
        self.call_later(self._first_file_found, path)

    def _first_file_found(self, path: str | None) -> None:
        if self._alive() and not self.code.path and not self.reviewing:
            self.open_code(path)

    def on_unmount(self) -> None:
        self.stop_watching()
        if self._stop_loop is not None:
            self._stop_loop()
        self.loop.close()
        super().on_unmount()

    @property
    def code(self) -> CodeView:
        return self.query_one(CodeView)

    @property
    def reviewing(self) -> bool:
        return self.query_one(ContentSwitcher).current == "diff"

    @property
    def plan(self) -> list[str]:
        return self.loop.plan.steps if self.loop.plan else []

    def open_code(self, path: str | None) -> None:
        self.query_one(ContentSwitcher).current = "code"
        if path is None:
            self.code.show("", "Nothing to show: the repository has no tracked files.")
        else:
            try:
                text = (self.root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                cause = exc.strerror if isinstance(exc, OSError) else exc.reason
                text = f"cannot show {quote_name(path)}: {cause}"
            self.code.show(path, text, line=self.code.cursor if path == self.code.path else 0)
        self._focus(self.code)
        self.update_keys()
        self.query_one(FileHeader).set_title(self.file_title())

    def _focus(self, widget: Widget) -> None:
        """Focus ``widget`` unless the prompt has it: a file event or the
        model's hunks arriving while someone types a prompt must not turn
        the rest of the typing into keys."""
        if not self.query_one("#prompt", Input).has_focus:
            widget.focus()

    def show_review(self, path: str | None = None) -> None:
        """Switch to the diff pane on ``path``; the cursor stays on its hunk if
        the pane shows that file already, else goes to the first hunk."""
        self.query_one(ContentSwitcher).current = "diff"
        self._sync_file_list()
        index = self._index_of(path) if path is not None else None
        index = self.index if index is None else index
        staying = self.service.files and self.pane.path == self.service.files[index].path
        self.show_file(index, hunk=None if staying and self.pane.current_hunk_id() else 0)
        self._focus(self.pane)
        self.update_keys()

    # -- events ------------------------------------------------------------------

    def on_review_event(self, event: ReviewEvent) -> None:
        if not self._alive():
            return
        if isinstance(event, Said):
            self.status.say(event.message, error=event.error)
        elif isinstance(event, Failed):
            self._error(event.error)
        elif isinstance(event, ContextSent | PlanText):
            prefix = "Plan (from the model):\n\n" if isinstance(event, PlanText) else ""
            self._set_context_text(prefix + event.text)
        elif isinstance(event, HunksArrived):
            if not self.reviewing:
                self.show_review(event.path)
            if self.coach is not None:
                self.coach.hunks_shown()
        elif isinstance(event, EditRefused):
            self.notify(event.message, title="Edit not applied", severity="warning")
            self.status.say(f"edit not applied: {event.message}", error=True)
        elif isinstance(event, PlanReady):
            self._set_context_text("Plan (g carries out the next step):\n\n" + event.plan.text)
            self.query_one("#context").display = True
            self.open_code(event.plan.scope.path or self.code.path or None)
        elif isinstance(event, LevelChanged):
            slider = self.query_one(AutonomySlider)
            with slider.prevent(AutonomySlider.Changed):
                slider.level = event.level
        elif not isinstance(event, StatusChanged):
            super().on_review_event(event)
            if isinstance(event, DecisionMade) and self.reviewing and not self.service.pending:
                self.open_code(self.code.path or None)  # all decided: back to the code
            if isinstance(event, DecisionMade):
                self._coach_decision(event)
                if self.loop.plan is not None and not self.service.pending:
                    self._show_plan("Plan (g carries out the next step, E edits it)")
        if isinstance(event, StatusChanged | HunksArrived) and self.coach is not None:
            self._hint(self.coach.proposal(self.loop.proposal_size(), self.loop.limit))
            if not self.loop.held and self.coach.withdraw("leash"):
                self.query_one("#coach", Static).display = False
        self._update_loop_status()
        self.update_keys()

    def batch_done(self, paths: set[str], touched: set[str]) -> None:
        """Someone changed files: pending hunks moved with the file or went stale."""
        if not touched:
            if self.code.path in paths and not self.reviewing:
                self.open_code(self.code.path)
            return
        stale = [fr.path for fr in self.service.files if fr.path in touched and fr.stale]
        if stale:
            self.status.say(
                f"{', '.join(stale)} changed on disk: its hunks are stale (R re-anchors, n rejects)",
                error=True,
            )
        else:
            self.status.say(
                f"{', '.join(sorted(touched))} changed on disk: pending hunks re-anchored"
            )

    def batch_failed(self, error: TetherError) -> None:
        self._error(error)

    def _update_loop_status(self) -> None:
        self.status.source = self.loop.status()
        self.status.flag = self.loop.held_note()

    # -- prompting ---------------------------------------------------------------

    def _view(self) -> View:
        code = self.code
        path = code.path or None
        return View(path=path, cursor_line=code.cursor + 1, selection=code.selection)

    def action_prompt(self) -> None:
        if self.loop.level is Level.OFF:
            self.status.say(
                "the slider is at 0 (off): the model may change nothing; + moves it", error=True
            )
            return
        self.query_one("#prompt", Input).focus()
        # Drawn once the focus has moved (focus() is deferred to a later
        # message; the frame comes after it): what to type now, and a sign
        # for whoever waits to type that the keys go to the prompt.
        self.status.say("writing a prompt: enter sends it, esc leaves")

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        if self.loop.ask(event.value, self._view()):
            if self.coach is not None:
                self._hint(self.coach.prompt_sent(event.value))
            event.input.value = ""
            (self.pane if self.reviewing else self.code).focus()

    def action_cancel(self) -> None:
        if self.query_one("#prompt", Input).has_focus:
            (self.pane if self.reviewing else self.code).focus()
            return
        self.loop.cancel()

    def action_reject_reason(self) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        path = self.current.path

        def done(reason: str | None) -> None:
            if not reason:
                return
            try:
                self.loop.reject_with_reason(path, hunk, reason)
            except TetherError as exc:
                self._error(exc)

        # A failing check's message is the reason already: enter sends it.
        question = f"Why reject this hunk of {quote_name(path)}?"
        self.push_screen(ReasonScreen(question, value=self.check_reason(path, hunk)), done)

    # -- the slider and the views ------------------------------------------------

    def action_level(self, delta: int) -> None:
        self.loop.set_level(int(self.loop.level) + delta)

    def on_autonomy_slider_changed(self, message: AutonomySlider.Changed) -> None:
        self.loop.set_level(message.level)  # a click on a stop

    def file_title(self) -> FileTitle | None:
        if self.reviewing:
            return super().file_title()
        return FileTitle(path=self.code.path) if self.code.path else None

    def action_code_view(self) -> None:
        if self.code.path:
            self.open_code(self.code.path)
        else:
            self._find_first_file()

    def action_select_lines(self) -> None:
        self.code.toggle_selection()

    def on_code_view_moved(self, _message: CodeView.Moved) -> None:
        sel = self.code.selection
        where = f"lines {sel[0]}–{sel[1]}" if sel else f"line {self.code.cursor + 1}"
        self.status.progress = f"{quote_name(self.code.path)} · {where}"
        self.query_one(FileHeader).set_title(self.file_title())

    def _focus_is_view(self) -> bool:
        return super()._focus_is_view() or isinstance(self.focused, CodeView)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_running:
            return True
        if action == "cancel":
            return True
        if action == "plan":
            return self.loop.held
        if action == "next_step":
            return bool(self.loop.plan and self.loop.plan.remaining > 0)
        if action == "edit_plan":
            return self.loop.plan is not None
        if action == "dismiss_hint":
            return self.coach is not None and self.coach.current is not None
        if action in ("widen", "reject_reason"):
            return self.reviewing and bool(self.pane.hunks)
        if action == "select_lines":
            return not self.reviewing
        if not self.reviewing and action in _REVIEW_ONLY:
            return False
        return super().check_action(action, parameters)
