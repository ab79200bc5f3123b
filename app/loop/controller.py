"""The generation loop without a UI: prompts, the slider and its leash, the
scope of a proposal, plans in small steps, rejecting with a reason, and the
policy of sending a failed edit's error back once.

The Textual loop app only renders what this says and forwards keys; tests
drive it the same way. Every rule of the loop is here once: the size of a
proposal (``proposal_size``, long lines weigh by their length), what it may
change (``Scope``), when it is held, and whether an error goes back.

A generation runs on a thread of its own: it builds the context packet (git
calls), streams from the provider and hands each event to ``Generation``,
which proposes edits through the thread-safe review service. Nothing blocks
the UI thread, not even once per streamed token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.autonomy import DEFAULT_LEASH, LEVEL_NAMES, Level, Scope, insertion_line
from app.core.context import build_context
from app.core.errors import HunkGoneError, TetherError
from app.core.gitrepo import run_git
from app.core.pricing import estimate_cost
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
from app.loop.generation import EditRejected, Generation, HunksReady
from app.loop.leash import LeashPolicy
from app.loop.plan import Plan, PlanStep, parse_plan
from app.loop.planstore import PLAN_FILE, PlanRecord
from app.loop.prompts import SYSTEM_PROMPT, plan_prompt, reason_prompt, step_prompt
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
from app.review.commands import Decide
from app.review.events import DecisionMade, ReviewEvent
from app.review.service import ReviewService

Listener = Callable[[ReviewEvent], None]
# The reason a held proposal is set aside with (not a reviewer's own decision).
SET_ASIDE = "held: "


@dataclass(frozen=True, slots=True)
class View:
    """Where the user is when they ask: the file, the cursor line and the
    selection (1-based, inclusive), which levels 1 and 2 act on."""

    path: str | None = None
    cursor_line: int | None = None
    selection: tuple[int, int] | None = None
    # Files to send whole as well (a plan's steps over several files).
    extra: tuple[str, ...] = ()


class LoopController:
    """Drives one provider against one review, whose policy is its leash."""

    def __init__(
        self,
        service: ReviewService,
        provider: Provider,
        *,
        label: str,
        level: int = int(Level.FILE),
        leash: dict[Level, int] | None = None,
        plan_file: str = PLAN_FILE,
    ) -> None:
        self.service = service
        self.provider = provider
        self.label = label
        self.policy = LeashPolicy(
            service,
            level=Level(max(0, min(int(Level.REPO), level))),
            leash=dict(leash) if leash else dict(DEFAULT_LEASH),
        )
        self.generation: Generation | None = None
        self.goal = ""
        self.sent = ""
        self.tokens_done = (0, 0)
        self.errors: list[str] = []
        self._listeners: list[Listener] = []
        self._thread: threading.Thread | None = None
        self._running = False
        # Seats' comments already sent to the model (each goes once).
        self._comments_sent = len(service.comments())
        service.set_policy(self.policy)
        # The plan, the step whose hunks are live, and the file recording them.
        self.plan_file = plan_file
        self._plans = PlanRecord(service.root, plan_file, lambda m, e: self._say(m, error=e))
        self._note: dict[str, object] = {}  # journaled with decisions on this generation
        self._stop_review = service.subscribe(self._on_review)
        self._plans.load(self._default_scope())
        if self.plan is not None:
            self.goal = self.plan.goal

    # -- the plan (its record is app/loop/planstore.py) ---------------------------

    @property
    def plan(self) -> Plan | None:
        return self._plans.plan

    @plan.setter
    def plan(self, plan: Plan | None) -> None:
        self._plans.plan = plan

    @property
    def plan_note(self) -> str:
        return self._plans.note

    # -- events --------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, event: ReviewEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _say(self, message: str, *, error: bool = False) -> None:
        self._emit(Said(message, error))

    # -- the slider and the leash ----------------------------------------------

    @property
    def level(self) -> Level:
        return self.policy.level

    @property
    def leash(self) -> dict[Level, int]:
        return self.policy.leash

    @property
    def scope(self) -> Scope:
        return self.policy.scope

    @property
    def limit(self) -> int:
        return self.policy.limit

    @property
    def held(self) -> bool:
        return self.policy.held

    def proposal_size(self) -> int:
        return self.policy.proposal_size()

    def set_level(self, level: int) -> None:
        """Move the slider. The leash of the proposal on show follows it; what
        the proposal may touch (its scope) stays what was sent."""
        new = Level(max(int(Level.OFF), min(int(Level.REPO), level)))
        if new == self.policy.level:
            return
        self.policy.level = new
        self._emit(LevelChanged(int(new), self.limit))
        self._say(f"autonomy: {LEVEL_NAMES[new]} · leash {self.limit} lines")
        for fr in self.service.files:
            if fr.loaded and fr.hunks:
                self.service.notify_changed(fr.path, "leash")

    # -- asking ------------------------------------------------------------------

    @property
    def generating(self) -> bool:
        return self._running

    def ask(self, prompt: str, view: View) -> bool:
        """Send ``prompt`` at the slider's level; False (and says why) if not now."""
        prompt = prompt.strip()
        if not prompt:
            return False
        if not self._may_start():
            return False
        self.goal = prompt
        self.plan, self._plans.step = None, None  # the plan file stays: a restart offers it again
        self._start(prompt, view)
        return True

    def _may_start(self) -> bool:
        if self._running:
            self._say("the model is still generating; esc cancels it first", error=True)
            return False
        if self.level is Level.OFF:
            self._say(
                "the slider is at 0 (off): the model may change nothing; + moves it", error=True
            )
            return False
        return True

    def _start(
        self,
        prompt: str,
        view: View,
        *,
        region: tuple[str, tuple[int, int]] | None = None,
        context_level: Level | None = None,
        plan: Plan | None = None,
        scope: Scope | None = None,
    ) -> None:
        """Build the context and stream, on a thread of the loop's own."""
        prompt = self._with_comments(prompt)
        self._running = True
        self._emit(StatusChanged())
        level = self.level
        thread = threading.Thread(
            target=self._generate,
            args=(prompt, view, level, region, context_level, plan, scope),
            name="tether-generation",
            daemon=True,
        )
        self._thread = thread
        thread.start()

    def _generate(
        self,
        prompt: str,
        view: View,
        level: Level,
        region: tuple[str, tuple[int, int]] | None,
        context_level: Level | None,
        plan: Plan | None,
        fixed: Scope | None,
    ) -> None:
        try:
            try:
                packet = build_context(
                    self.service.root,
                    int(context_level if context_level is not None else level),
                    path=view.path,
                    cursor_line=view.cursor_line,
                    selection=view.selection,
                    extra_files=view.extra,
                )
            except TetherError as exc:
                self._emit(Failed(exc))
                return
            except OSError as exc:  # a file the context needed could not be read
                self._emit(Failed(_os_error(exc, "nothing was sent")))
                return
            scope = fixed if fixed is not None else Scope.from_packet(packet, level, self.leash)
            if region is not None:
                scope = scope.region(*region)
            request = GenerationRequest(
                user_prompt=prompt, system_prompt=SYSTEM_PROMPT, context=packet.render()
            )
            # The first line is what the hunks are judged by (the slider's level
            # and the proposal's scope); the context may be wider (a plan step
            # shows the model the whole file), and then says so.
            summary = packet.summary()
            if plan is not None:
                head = f"a plan: nothing may change yet (context at level {packet.level})"
            else:
                head = scope.describe()
                if packet.level != int(level):
                    head += f"\ncontext sent at level {packet.level} ({LEVEL_NAMES[Level(packet.level)]})"
            self.sent = (
                "\n".join([head, *summary[1:]])
                + "\n\n── exactly what was sent ──\n"
                + user_text(request)
            )
            self._emit(ContextSent(self.sent))
            self._note = {"prompt": prompt, "context": "\n".join([head, *summary[1:]])}
            if self._plans.stepping and self._plans.step is not None:
                self._note["plan_step"] = self._plans.step + 1
            plan_only = plan is not None
            if plan is None:
                self.policy.scope = scope
            generation: Generation | None = Generation(
                self.service, scope, request, plan_only=plan_only
            )
            where = scope.describe() if not plan_only else f"a plan at level {int(level)}"
            self._say(f"asked the model ({where})")
            self.errors = []
            while generation is not None:
                self.generation = generation
                self._stream(generation)
                generation = self._after(generation, plan)
        finally:
            if self._plans.stepping:
                self._step_generated()
            self._running = False
            self._emit(StatusChanged())

    def _stream(self, generation: Generation) -> None:
        try:
            for event in self.provider.stream(generation.request):
                for out in generation.handle(event):
                    self._show(generation, out)
                if isinstance(event, Usage | Finished | StreamFailed):
                    self._emit(StatusChanged())
        except (ProviderError, TetherError) as exc:
            self._emit(Failed(exc))
        except OSError as exc:
            # The OS refused something an edit or a tool call needed: say so
            # and end this generation; the loop and its review go on.
            self._emit(Failed(_os_error(exc, "the generation stopped")))
        finally:
            if generation.stats.finished is None:
                generation.stats.finished = generation.stats.started

    def _show(self, generation: Generation, out: object) -> None:
        if isinstance(out, HunksReady):
            # Decisions on these hunks are journaled with what asked for them.
            self.policy.notes[out.path] = dict(self._note)
            self._emit(HunksArrived(out.path))
        elif isinstance(out, EditRejected):
            self.errors.append(out.message)
            self._emit(EditRefused(out.message, out.path))
        elif isinstance(out, StreamFailed):
            self._say(f"the stream failed: {out.message}; complete hunks are kept", error=True)
        elif isinstance(out, TextDelta) and generation.plan_only:
            text = generation.plan_text()  # not per token once it is long
            if text is not None:
                self._emit(PlanText(text))

    def _after(self, generation: Generation, plan: Plan | None) -> Generation | None:
        """What follows a finished generation: a plan is read, failed edits go
        back once (``Generation.retry``); returns the follow-up, if any."""
        done_in, done_out = self.tokens_done
        self.tokens_done = (
            done_in + generation.stats.input_tokens,
            done_out + generation.stats.output_tokens,
        )
        if plan is not None:
            self._plan_ready(plan, generation.text)
            return None
        stats = generation.stats
        if not stats.edits_applied and not stats.edits_failed and generation.failed is None:
            # A reply without an edit (a question back, say) would go unseen otherwise.
            words = " ".join(generation.text.split())
            if words:
                self._say(f"the model made no edit; it wrote: {words[:300]}")
        follow = generation.retry()
        if follow is not None:
            self._say(
                f"{len(generation.failures)} edit(s) did not apply; sent the exact error back once"
            )
        return follow

    def cancel(self) -> None:
        """End the generation; the complete hunks stay for review."""
        if self._running:
            self.provider.cancel()
            kept = sum(fr.pending for fr in self.service.files)
            self._say(f"cancelled; {kept} complete hunk(s) kept for review")

    def close(self, timeout: float = 10.0) -> None:
        self._stop_review()
        self.provider.cancel()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the running generation (and its follow-up) to end."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _with_comments(self, prompt: str) -> str:
        """The prompt and the seats' comments made since the last request (journaled,
        so redacted: a secret in a comment never reaches the model)."""
        comments = self.service.comments()
        new, self._comments_sent = comments[self._comments_sent :], len(comments)
        if not new:
            return prompt
        said = [
            f"- {c.seat or 'a reviewer'} on {c.path}"
            + (f" (hunk {c.hunk_id})" if c.hunk_id else "")
            + f": {c.text}"
            for c in new
        ]
        return prompt + "\n\nReviewers' comments since your last proposal:\n" + "\n".join(said)

    # -- reject with a reason ------------------------------------------------------

    def reject_with_reason(self, path: str, hunk_id: str, reason: str) -> bool:
        """Reject the hunk (journaled with the reason) and ask for that region
        again, at the slider's level and leash, told why."""
        reason = reason.strip()
        if not reason or not self._may_start():
            return False
        fr = self.service.file(path)
        hunk = fr.hunk(hunk_id)
        if hunk is None:
            raise HunkGoneError(f"hunk {hunk_id} is no longer pending", path=path)
        changed = [ln.old_no for ln in hunk.lines if ln.kind == "-" and ln.old_no]
        # A pure insertion's region is where it goes (the leash's own rule),
        # not its leading context: else its regenerated hunk is out of leash.
        first = min(changed) if changed else insertion_line(hunk)
        last = max(changed) if changed else first
        text = hunk.header() + "\n" + "".join(ln.kind + ln.raw for ln in hunk.lines)
        # A step's hunk regenerated stays the step's: not ticked in between.
        self._plans.stepping = self._plans.step is not None
        try:
            self.service.execute(Decide("reject", path, (hunk_id,), reason=reason))
        except TetherError:
            self._plans.stepping = False
            raise
        prompt = reason_prompt(path, text.rstrip("\n"), first, last, reason)
        self._start(
            prompt,
            View(path=path, cursor_line=first, selection=(first, last)),
            region=(path, (first, last)),
        )
        return True

    # -- plans ----------------------------------------------------------------------

    def make_plan(self, fallback_path: str | None = None) -> bool:
        """Put a held proposal aside (rejected into the journal, recoverable) and
        ask for a numbered plan of steps that each fit the leash."""
        size = self.proposal_size()
        if size <= self.limit:
            self._say("nothing is held: the proposal is within the leash")
            return False
        if not self._may_start():
            return False
        held = [fr.path for fr in self.service.files if fr.pending]
        path = held[0] if held else fallback_path
        # Every step may change the files the held proposal changed, by at
        # most the leash it was held at: the slider's level, which it stays at.
        scope = Scope(
            level=self.level,
            path=path,
            paths=frozenset(held) if len(held) > 1 else frozenset(),
            leash=dict(self.leash),
        )
        self.service.reject_all(reason=f"{SET_ASIDE}{size} lines over the leash of {self.limit}")
        plan = Plan(goal=self.goal, scope=scope)
        self.plan, self._plans.step = plan, None
        self._start(
            plan_prompt(size, self.limit, self.goal),
            View(path=path),
            context_level=max(self.level, Level.FILE),
            plan=plan,
        )
        return True

    def _plan_ready(self, plan: Plan, text: str) -> None:
        plan.text = text
        plan.items = [PlanStep(step) for step in parse_plan(text)]
        if not plan.items:
            self._say(
                "the model sent no numbered plan; ask again with p or a new prompt", error=True
            )
            return
        self._emit(PlanReady(plan))
        saved = self._write_plan()
        where = f"written to {self.plan_file} (E edits it); " if saved else ""
        self._say(
            f"plan of {len(plan.steps)} steps, each within {plan.scope.path} and the leash of "
            f"{plan.scope.limit} lines; {where}g carries out step 1"
        )

    def next_step(self, fallback_path: str | None = None) -> bool:
        """Carry out the plan's first step not ticked off (the file is read
        again first: the user may have edited it). A plan made for a held
        proposal runs in its scope: its files, by at most the leash it was
        made for (the slider moves back to that level, visibly, if it was
        moved since); the model sees the whole file. A plan written by hand
        runs at the slider's level on ``fallback_path`` (the file on show)."""
        if not self._may_start():
            return False
        # A decision just keyed may still be on the writer thread: once it has
        # run, the step it finished is ticked and the next one is chosen.
        self.service.flush()
        self._reload_plan()
        plan = self.plan
        index = plan.next_index() if plan is not None else None
        if plan is None or index is None:
            self._say("no plan step left" if plan is None else "every step of the plan is done")
            return False
        if index == self._plans.step and self.service.pending:
            self._say(f"step {index + 1}'s hunks are still pending: decide them first (y/n)")
            return False
        if plan.fixed and self.level != plan.scope.level:
            self.set_level(int(plan.scope.level))
        item = plan.items[index]
        item.prompt = step_prompt(index + 1, plan.steps, plan.goal)
        item.hunks = []
        self._plans.step, self._plans.stepping = index, True
        self._write_plan()
        if plan.fixed:
            files = tuple(sorted(plan.scope.paths))
            path = plan.scope.path
            view = View(path=path, extra=tuple(f for f in files if f != path))
            # The whole file (several: the repo map and those files) as context.
            context = Level.REPO if files else max(plan.scope.level, Level.FILE)
            self._start(item.prompt, view, context_level=context, scope=plan.scope.fresh())
        else:
            view = View(path=fallback_path)
            self._start(item.prompt, view, context_level=max(self.level, Level.FILE))
        return True

    # -- the plan file -------------------------------------------------------------------

    def plan_path(self) -> Path:
        """The plan file's place (checked to be inside the repository)."""
        return self._plans.store.path()

    def save_plan(self) -> bool:
        return self._write_plan()

    def reload_plan(self) -> None:
        self._reload_plan()

    def _reload_plan(self) -> None:
        self._plans.reload(self._default_scope())
        if self.plan is not None:
            self.goal = self.plan.goal or self.goal

    def _default_scope(self) -> Scope:
        """The scope of a plan that names none (written by hand): the slider's."""
        return Scope(level=self.level, leash=dict(self.leash))

    def _write_plan(self) -> bool:
        return self._plans.save()

    def _step_generated(self) -> None:
        hunks = [(fr.path, h.id) for fr in self.service.files if fr.loaded for h in fr.hunks]
        self._plans.generated(hunks, self.service.pending)

    def _on_review(self, event: ReviewEvent) -> None:
        """A decision on a step's hunks is recorded (and the step ticked when
        none is pending)."""
        if isinstance(event, DecisionMade) and event.outcome.op in ("accept", "reject"):
            outcome = event.outcome
            self._plans.decided(
                outcome.op, outcome.path, outcome.hunk_ids, event.reason, self.service.pending
            )

    # -- what the status line says -------------------------------------------------------

    def status(self) -> str:
        gen = self.generation
        parts = [self.label]
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
        if self._running:
            parts.append("generating…")
        return " · ".join(parts)

    def held_note(self) -> str:
        """ "HELD: N lines > leash M (p: plan in steps)" while the proposal is
        over the leash, else "" (kept in sight apart from the status)."""
        size = self.proposal_size()
        if size and size > self.limit:
            return f"HELD: {size} lines > leash {self.limit} (p: plan in steps)"
        return ""


def first_tracked_file(root: Path) -> str | None:
    """A file to open the code view on: the first tracked Python file, else
    the first tracked file (git ls-files; call it off the UI thread)."""
    try:
        out = run_git(root, "ls-files", "-z", check=False)
    except TetherError:
        return None
    files = [f for f in out.decode("utf-8", "surrogateescape").split("\0") if f]
    python = [f for f in files if f.endswith(".py")]
    chosen = python or files
    return chosen[0] if chosen else None


def _os_error(exc: OSError, tail: str) -> TetherError:
    """An OS refusal as an error naming the file (when the OS named one)."""
    where = exc.filename if isinstance(exc.filename, str) else None
    return TetherError(f"{exc.strerror or exc}; {tail}", path=where)
