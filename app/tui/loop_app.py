"""The generation → verification loop: prompt, streaming hunks, slider, leash.

Extends the review workbench: the model's edits become hunks in the same
diff pane, reviewed with the same keys, while the model keeps generating.
The provider streams on a thread worker; every event is applied on the UI
thread by ``Generation.handle`` (UI-free), so the session has one owner.
"""

from __future__ import annotations

import re
import subprocess

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import ContentSwitcher, Footer, Header, Input, Static

from app.core.autonomy import LEVEL_NAMES, Level, Scope
from app.core.backends import FileReview
from app.core.context import build_context
from app.core.errors import TetherError
from app.core.generator import EditRejected, Generation, HunksReady
from app.core.pricing import estimate_cost
from app.core.session import ReviewSession
from app.core.unified import render_patch
from app.providers.base import (
    Finished,
    GenerationRequest,
    Provider,
    ProviderError,
    StreamFailed,
    TextDelta,
    Usage,
)
from app.providers.prompts import user_text
from app.tui.review_app import BINDINGS as REVIEW_BINDINGS
from app.tui.review_app import ReviewApp
from app.tui.screens import ReasonScreen
from app.tui.watching import WatchingMixin
from widgets.autonomy_slider import AutonomySlider
from widgets.code_view import CodeView
from widgets.diff_pane import DiffPane
from widgets.file_list import FileList
from widgets.status_line import StatusLine

LOOP_BINDINGS = [
    Binding("i", "prompt", "Prompt", tooltip="Write a prompt for the model (enter sends)"),
    Binding("escape", "cancel", "Cancel", tooltip="Cancel the generation (complete hunks stay)"),
    Binding(
        "r",
        "reject_reason",
        "Reject+why",
        tooltip="Reject the hunk with a reason and regenerate only it",
    ),
    Binding("w", "widen", "Widen", tooltip="Allow this out-of-leash hunk to be accepted"),
    Binding("p", "plan", "Plan", tooltip="Ask the model to split a held proposal into small steps"),
    Binding(
        "g", "next_step", "Next step", tooltip="Have the model carry out the next step of the plan"
    ),
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
    Binding("c", "context", "Context", tooltip="Show or hide exactly what was sent to the model"),
    Binding("o", "code_view", "Code", tooltip="Back to the code view (pick lines for levels 1-2)"),
    Binding(
        "V",
        "select_lines",
        "Select",
        key_display="V",
        show=False,
        tooltip="Start/end a line selection",
    ),
]

SYSTEM_PROMPT = """You are a careful coding assistant working inside Tether, where a human \
reviews every change hunk by hunk. Make one concrete, small change at a time. Change only \
what you are allowed to change (the context says what); everything else is read-only."""


class LoopApp(WatchingMixin, ReviewApp):
    """Prompt the model, review its hunks as they stream, keep it on a leash."""

    BINDINGS = REVIEW_BINDINGS + LOOP_BINDINGS  # type: ignore[assignment]

    def __init__(
        self,
        session: ReviewSession,
        *,
        provider: Provider,
        provider_label: str,
        start_file: str | None,
        level: int = int(Level.FILE),
        leash: dict[Level, int] | None = None,
        theme: str = "dark",
        intro: str = "",
    ) -> None:
        super().__init__(
            session, label=f"{provider_label} · {session.backend.root.name}", theme=theme
        )
        self.root = session.backend.root
        self.provider = provider
        self.provider_label = provider_label
        self.start_file = start_file
        self.start_level = level
        self.scope = Scope(level=Level(level), leash=dict(leash) if leash else Scope().leash)
        self.generation: Generation | None = None
        self.retried: set[int] = set()
        self.goal = ""
        self.plan: list[str] = []
        self.plan_step = 0
        self.plan_path: str | None = None
        self.plan_limit = 0
        self.intro = intro
        self.sent = ""
        # Tokens of finished generations; the running one is in its stats.
        self.tokens_done = (0, 0)
        self.errors: list[str] = []
        self._follow_up_pending = False
        session.guard = lambda fr, hunk: self.scope.blocked(fr.path, hunk, self._proposal_size())

    # -- layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield AutonomySlider(id="slider")
        with Horizontal(id="main"):
            yield FileList(id="files")
            with ContentSwitcher(initial="code", id="views"):
                yield CodeView(id="code")
                yield DiffPane(id="diff")
            with VerticalScroll(id="context"):
                yield Static(id="context-text")
        yield Input(placeholder="i: ask the model (enter sends, esc leaves)", id="prompt")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        slider = self.query_one(AutonomySlider)
        slider.leash = {int(k): v for k, v in self.scope.leash.items()}
        slider.level = self.start_level
        self.query_one("#context").display = bool(self.intro)
        self._set_context_text(self.intro)
        self.open_code(self.start_file or self._first_tracked_file())
        self._update_loop_status()
        self.start_watching(self.root, git=True)

    def on_unmount(self) -> None:
        self.stop_watching()
        self.provider.cancel()

    def disk_changed(self, paths: set[str], listing: list[FileReview] | None = None) -> None:
        """Someone changed files: pending hunks move with the file or go stale."""
        touched = self.session.disk_changed(paths, listing)
        if not touched:
            if self.code.path in paths and not self.reviewing:
                self.open_code(self.code.path)
            return
        self._sync_files()
        stale = [fr.path for fr in self.session.files if fr.path in touched and fr.stale]
        if stale:
            self.status.say(
                f"{', '.join(stale)} changed on disk: its hunks are stale (R re-anchors, n rejects)",
                error=True,
            )
        else:
            self.status.say(
                f"{', '.join(sorted(touched))} changed on disk: pending hunks re-anchored"
            )
        if self.reviewing and self.current.path in touched:
            self.show_file(self.index, hunk=max(self.pane.current_hunk(), 0))

    @property
    def code(self) -> CodeView:
        return self.query_one(CodeView)

    @property
    def reviewing(self) -> bool:
        return self.query_one(ContentSwitcher).current == "diff"

    def _first_tracked_file(self) -> str | None:
        out = subprocess.run(
            ["git", "ls-files"], cwd=self.root, capture_output=True, text=True, check=False
        )
        files = [f for f in out.stdout.splitlines() if f.endswith(".py")] or out.stdout.splitlines()
        return files[0] if files else None

    def open_code(self, path: str | None) -> None:
        self.query_one(ContentSwitcher).current = "code"
        if path is None:
            self.code.show("", "Nothing to show: the repository has no tracked files.")
        else:
            try:
                text = (self.root / path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                text = f"cannot show {path}: {exc}"
            self.code.show(path, text, line=self.code.cursor if path == self.code.path else 0)
        self.code.focus()
        self.update_keys()

    def show_review(self, path: str | None = None) -> None:
        self.query_one(ContentSwitcher).current = "diff"
        self._sync_files()
        if path is not None:
            index = next(
                (i for i, fr in enumerate(self.session.files) if fr.path == path), self.index
            )
            if index != self.index or not self.pane.hunks:
                self.show_file(index)
            else:
                self.show_file(index, hunk=max(self.pane.current_hunk(), 0))
        self.pane.focus()
        self.update_keys()

    def _sync_files(self) -> None:
        files = self.query_one(FileList)
        if files.entry_count != len(self.session.files):
            files.set_entries([self._entry(fr) for fr in self.session.files], keep=self.index)
        else:
            for i, fr in enumerate(self.session.files):
                files.update_entry(i, self._entry(fr))

    def _after_change(self, hunk: int) -> None:
        super()._after_change(hunk)
        if self.session.pending == 0:
            self.open_code(self.code.path or None)
        self._update_loop_status()

    # -- status ---------------------------------------------------------------

    def _proposal_size(self) -> int:
        return sum(
            fr.patch.added + fr.patch.removed for fr in self.session.files if fr.loaded and fr.patch
        )

    def _update_loop_status(self) -> None:
        gen = self.generation
        parts = [self.provider_label]
        tokens_in, tokens_out = self.tokens_done
        if gen is not None and gen.stats.finished is None:
            tokens_in += gen.stats.input_tokens
            tokens_out += gen.stats.output_tokens
        if tokens_in or tokens_out:
            parts.append(f"{tokens_in} in / {tokens_out} out tokens")
            cost = estimate_cost(self.provider.name, self.provider.model, tokens_in, tokens_out)
            parts.append(f"${cost:.4f}" if cost is not None else "$?")
        if gen is not None and gen.stats.time_to_first_hunk is not None:
            parts.append(f"first hunk {gen.stats.time_to_first_hunk:.2f}s")
        if self._generating:
            parts.append("generating…")
        size = self._proposal_size()
        if size and size > self.scope.limit:
            parts.append(f"HELD: {size} lines > leash {self.scope.limit} (p: plan in steps)")
        self.status.source = " · ".join(parts)

    def on_worker_state_changed(self, _event: object) -> None:
        self._update_loop_status()
        self.update_keys()

    @property
    def _generating(self) -> bool:
        # A scheduled follow-up counts: between two workers nothing is idle.
        return self._follow_up_pending or any(
            w.group == "generate" and not w.is_finished for w in self.workers
        )

    def _start_follow_up(self, generation: Generation) -> None:
        self._follow_up_pending = False
        self._run(generation)

    # -- prompting and generating ------------------------------------------------

    def action_prompt(self) -> None:
        if self.scope.level is Level.OFF:
            self.status.say(
                "the slider is at 0 (off): the model may change nothing; + moves it", error=True
            )
            return
        self.query_one("#prompt", Input).focus()

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if self.query_one(AutonomySlider).level == int(Level.OFF):
            self.status.say("the slider is at 0 (off): nothing is sent; + moves it", error=True)
            return
        event.input.value = ""
        self.goal = text
        self.plan = []
        self._start(text, self._scope_from_view())

    def _scope_from_view(self) -> Scope:
        level = Level(self.query_one(AutonomySlider).level)
        path = self.code.path or None
        lines = self.code.selection or (self.code.cursor + 1, self.code.cursor + 1)
        return Scope(
            level=level,
            path=path,
            lines=lines if level <= Level.CHUNK else None,
            leash=self.scope.leash,
        )

    def _start(
        self, prompt: str, scope: Scope, *, context_level: int | None = None, plan: bool = False
    ) -> None:
        if self._generating:
            self.status.say("the model is still generating; esc cancels it first", error=True)
            return
        if scope.level is Level.OFF:
            self.status.say("the slider is at 0 (off): nothing is sent", error=True)
            return
        level = int(scope.level) if context_level is None else context_level
        try:
            packet = build_context(
                self.root,
                level,
                path=scope.path,
                cursor_line=scope.lines[0] if scope.lines else None,
                selection=scope.lines,
            )
        except TetherError as exc:
            self._error(exc)
            return
        if scope.level is Level.REPO:
            scope.paths = frozenset(packet.allowed_paths)
        scope.widened = set()
        self.scope = scope
        request = GenerationRequest(
            user_prompt=prompt, system_prompt=SYSTEM_PROMPT, context=packet.render()
        )
        self.sent = (
            "\n".join(packet.summary()) + "\n\n── exactly what was sent ──\n" + user_text(request)
        )
        self._set_context_text(self.sent)
        generation = Generation(self.session, scope, request)
        generation.plan_only = plan  # type: ignore[attr-defined]
        self.generation = generation
        self.errors = []
        (self.pane if self.reviewing else self.code).focus()
        self._run(generation)
        self._update_loop_status()
        self.status.say(
            f"asked the model ({LEVEL_NAMES[scope.level]} level, leash {scope.limit} lines)"
        )

    @work(thread=True, exclusive=True, group="generate")
    def _run(self, generation: Generation) -> None:
        try:
            for event in self.provider.stream(generation.request):
                self.call_from_thread(self._on_event, generation, event)
        except ProviderError as exc:
            self.call_from_thread(self._on_provider_error, exc)
        finally:
            self.call_from_thread(self._on_done, generation)

    def _on_event(self, generation: Generation, event: object) -> None:
        if getattr(generation, "plan_only", False) and not isinstance(
            event, TextDelta | Usage | Finished | StreamFailed
        ):
            return
        for out in generation.handle(event):  # type: ignore[arg-type]
            if isinstance(out, HunksReady):
                self._hunks_arrived(out)
            elif isinstance(out, EditRejected):
                self.errors.append(out.message)
                self.notify(out.message, title="Edit not applied", severity="warning")
                self.status.say(f"edit not applied: {out.message}", error=True)
            elif isinstance(out, StreamFailed):
                self.status.say(
                    f"the stream failed: {out.message}; complete hunks are kept", error=True
                )
            elif isinstance(out, TextDelta) and getattr(generation, "plan_only", False):
                self._set_context_text("Plan (from the model):\n\n" + generation.text)
        self._update_loop_status()

    def _hunks_arrived(self, ready: HunksReady) -> None:
        if not self.reviewing:
            self.show_review(ready.path)
            return
        self._sync_files()
        if self.current.path == ready.path:
            self.show_file(self.index, hunk=max(self.pane.current_hunk(), 0))

    def _on_provider_error(self, exc: ProviderError) -> None:
        self._error(exc)

    def _on_done(self, generation: Generation) -> None:
        generation.stats.finished = generation.stats.finished or 0.0
        done_in, done_out = self.tokens_done
        self.tokens_done = (
            done_in + generation.stats.input_tokens,
            done_out + generation.stats.output_tokens,
        )
        if getattr(generation, "plan_only", False):
            self._plan_ready(generation.text)
        elif (
            generation.failures and id(generation) not in self.retried and generation.failed is None
        ):
            retry = generation.retry_request()
            if retry is not None:
                self.retried.add(id(generation))
                follow = Generation(self.session, self.scope, retry)
                self.retried.add(id(follow))  # errors go back once, not in a loop
                self.generation = follow
                self.status.say(
                    f"{len(generation.failures)} edit(s) did not apply; sent the exact error back once"
                )
                self._follow_up_pending = True
                self.call_later(self._start_follow_up, follow)
        self._update_loop_status()
        self.update_keys()

    def action_cancel(self) -> None:
        if self.query_one("#prompt", Input).has_focus:
            (self.pane if self.reviewing else self.code).focus()
            return
        if self._generating:
            self.provider.cancel()
            kept = sum(fr.pending for fr in self.session.files)
            self.status.say(f"cancelled; {kept} complete hunk(s) kept for review")

    # -- leash: widen, plan, steps ----------------------------------------------

    def action_widen(self) -> None:
        hunk_index = self.pane.current_hunk()
        if hunk_index < 0:
            return
        hunk = self.pane.hunks[hunk_index]
        reason = self.scope.blocked(self.current.path, hunk, self._proposal_size())
        if reason is None:
            self.status.say("this hunk is inside the leash already")
            return
        self.scope.widened.add(hunk.id)
        self.status.say(f"widened: hunk {hunk.id} of {self.current.path} may be accepted")
        self.show_file(self.index, hunk=hunk_index)

    def action_plan(self) -> None:
        size = self._proposal_size()
        if size <= self.scope.limit:
            self.status.say("nothing is held: the proposal is within the leash")
            return
        held = [fr for fr in self.session.files if fr.pending]
        self.plan_path = held[0].path if held else self.code.path
        self.plan_limit = self.scope.limit
        level = self.scope.level
        for fr in held:
            assert fr.patch is not None
            selection = {i: frozenset(h.change_indices()) for i, h in enumerate(fr.patch.hunks)}
            self.session.reject(fr, selection)  # journaled: the held proposal stays recoverable
        self._sync_files()
        prompt = (
            f"Do not edit yet. Your proposal changed {size} lines, over the limit of {self.plan_limit}. "
            f"Reply with a short numbered plan of small steps, each changing at most {self.plan_limit} "
            f"lines.\n\nThe task: {self.goal}"
        )
        scope = Scope(level=level, path=self.plan_path, lines=None, leash=self.scope.leash)
        self._start(prompt, scope, context_level=max(int(level), int(Level.FILE)), plan=True)

    def _plan_ready(self, text: str) -> None:
        self.plan = [
            m.group(2).strip() for m in re.finditer(r"^\s*(\d+)[.)]\s+(.+)$", text, re.MULTILINE)
        ]
        self.plan_step = 0
        if not self.plan:
            self.status.say(
                "the model sent no numbered plan; ask again with p or a new prompt", error=True
            )
            return
        self._set_context_text("Plan (g carries out the next step):\n\n" + text)
        self.query_one("#context").display = True
        self.open_code(self.plan_path)
        self.status.say(f"plan of {len(self.plan)} steps; g carries out step 1")

    def action_next_step(self) -> None:
        if self.plan_step >= len(self.plan):
            self.status.say("no plan step left")
            return
        step = self.plan[self.plan_step]
        self.plan_step += 1
        plan_text = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(self.plan))
        prompt = (
            f"Carry out step {self.plan_step} of the plan only: {step}\n\nThe plan:\n{plan_text}\n\n"
            f"The task: {self.goal}"
        )
        leash = dict(self.scope.leash)
        leash[Level.FILE] = self.plan_limit
        scope = Scope(level=Level.FILE, path=self.plan_path, leash=leash)
        self._start(prompt, scope)

    # -- reject with a reason ------------------------------------------------------

    def action_reject_reason(self) -> None:
        hunk_index = self.pane.current_hunk()
        if hunk_index < 0:
            return
        fr = self.current
        hunk = self.pane.hunks[hunk_index]

        def done(reason: str | None) -> None:
            if not reason:
                return
            text = render_patch(fr.patch) if fr.patch else ""
            hunk_text = text[text.find(hunk.header()) :] if hunk.header() in text else hunk.header()
            self._decide("reject", {hunk_index: frozenset(hunk.change_indices())}, now=True)
            changed = [ln.old_no for ln in hunk.lines if ln.kind == "-" and ln.old_no]
            first = (
                min(changed)
                if changed
                else (hunk.old_start if hunk.old_len else hunk.old_start + 1)
            )
            last = max(changed) if changed else first
            prompt = (
                f"The user rejected your change to {fr.path} (lines {first}–{last}):\n```diff\n"
                f"{hunk_text.split(chr(10) + '@@')[0]}\n```\nReason: {reason}\n"
                "Propose a replacement for only that part."
            )
            scope = Scope(
                level=Level.CHUNK, path=fr.path, lines=(first, last), leash=self.scope.leash
            )
            leash = dict(scope.leash)
            leash[Level.CHUNK] = max(leash.get(Level.CHUNK, 40), self.scope.limit)
            scope.leash = leash
            self._start(prompt, scope)

        self.push_screen(ReasonScreen(f"Why reject this hunk of {fr.path}?"), done)

    # -- the slider and the views ------------------------------------------------------

    def action_level(self, delta: int) -> None:
        slider = self.query_one(AutonomySlider)
        slider.level = slider.level + delta

    def on_autonomy_slider_changed(self, message: AutonomySlider.Changed) -> None:
        self.scope.level = Level(message.level)
        self.status.say(
            f"autonomy: {LEVEL_NAMES[Level(message.level)]} · leash {self.scope.limit} lines"
        )
        if self.reviewing:
            self.show_file(self.index, hunk=max(self.pane.current_hunk(), 0))
        self._update_loop_status()

    def action_context(self) -> None:
        panel = self.query_one("#context")
        panel.display = not panel.display
        if panel.display and not self.sent and not self.intro:
            self._set_context_text("Nothing sent yet.")

    def _set_context_text(self, text: str) -> None:
        from rich.text import Text

        self.query_one("#context-text", Static).update(Text(text))

    def action_code_view(self) -> None:
        self.open_code(self.code.path or self._first_tracked_file())

    def action_select_lines(self) -> None:
        self.code.toggle_selection()

    def on_code_view_moved(self, _message: CodeView.Moved) -> None:
        sel = self.code.selection
        where = f"lines {sel[0]}–{sel[1]}" if sel else f"line {self.code.cursor + 1}"
        self.status.progress = f"{self.code.path} · {where}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted:
            return True
        if action == "cancel":
            return True
        if action in ("plan",):
            return self._proposal_size() > self.scope.limit
        if action == "next_step":
            return self.plan_step < len(self.plan)
        if action in ("widen", "reject_reason"):
            return self.reviewing and self.pane.current_hunk() >= 0
        if action in ("select_lines",):
            return not self.reviewing
        if not self.reviewing and action in (
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
        ):
            return False
        return super().check_action(action, parameters)
