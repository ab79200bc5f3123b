"""One generation: a provider's stream of edits turned into reviewable hunks.

The provider streams on the loop's thread; each event is handed to
``Generation.handle`` there, which applies complete edits to the in-memory
proposal through the review service (thread-safe; the UI hears of new hunks
from the service's events). So a hunk is reviewable as soon as its edit is
complete, while the model keeps going.

An edit that does not match, names an unsafe path, or touches a secret file
is never applied: it becomes an ``EditRejected`` with a message naming what
and where, and (once per generation) goes back to the model with the exact
error.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from app.core.autonomy import LEVEL_NAMES, Level, Scope
from app.core.context import ModelRules
from app.core.errors import TetherError, UnsafePathError
from app.core.paths import normalize, resolve_in_root
from app.core.secrets import redact
from app.edits.apply import apply_edit
from app.edits.model import Edit, EditError
from app.edits.str_replace import bad_view_range, listing, numbered
from app.providers.base import (
    EditFailed,
    EditReady,
    Event,
    FallbackUsed,
    Finished,
    FollowUp,
    GenerationRequest,
    StreamFailed,
    TextDelta,
    ToolOutcome,
    Transcript,
    Usage,
    ViewRequested,
)
from app.review.service import ReviewService


@dataclass(frozen=True)
class HunksReady:
    """An edit was applied to the proposal of ``path``; its hunks are ready."""

    path: str
    edit: Edit


@dataclass(frozen=True)
class EditRejected:
    """An edit that was not applied, and why."""

    message: str
    path: str | None


@dataclass
class GenerationStats:
    started: float = field(default_factory=time.monotonic)
    first_hunk: float | None = None
    finished: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    edits_applied: int = 0
    edits_failed: int = 0

    @property
    def time_to_first_hunk(self) -> float | None:
        return None if self.first_hunk is None else self.first_hunk - self.started


class TextChunks:
    """A reply's text as the deltas it came in, joined only when asked.

    ``text += delta`` copies the whole text at every delta: a 4 MB reply in
    100-byte deltas copies 80 GB. The pieces are kept in a list and joined
    on demand, once (the joined text is kept for the next call).
    """

    # Below this many characters every delta is shown (a typical plan);
    # above it, only once the text has grown by an eighth since last shown,
    # so showing a long stream costs a bounded multiple of its length.
    SHOW_EVERY_DELTA = 4096
    SHOW_GROWTH = 8

    def __init__(self) -> None:
        self._joined = ""
        self._pieces: list[str] = []
        self._length = 0
        self._shown = 0

    def __len__(self) -> int:
        return self._length

    def append(self, piece: str) -> None:
        self._pieces.append(piece)
        self._length += len(piece)

    def text(self) -> str:
        if self._pieces:
            self._joined = "".join([self._joined, *self._pieces])
            self._pieces.clear()
        return self._joined

    def worth_showing(self) -> bool:
        """True (and counted as shown) when the text should be shown again."""
        if self._length == self._shown:
            return False
        grown = self._length - self._shown
        if self._length > self.SHOW_EVERY_DELTA and grown < self._shown // self.SHOW_GROWTH:
            return False
        self._shown = self._length
        return True


class Generation:
    """Applies one generation's edits to a review's proposal.

    ``plan_only``: the model was asked for a plan, not edits; edits it sends
    anyway are ignored. ``is_retry``: this generation sends earlier errors
    back, so its own errors are not sent back again (once, not in a loop).
    """

    def __init__(
        self,
        service: ReviewService,
        scope: Scope,
        request: GenerationRequest,
        *,
        plan_only: bool = False,
        is_retry: bool = False,
    ) -> None:
        self.service = service
        self.scope = scope
        self.request = request
        self.plan_only = plan_only
        self.is_retry = is_retry
        self.root = service.root
        self.rules = ModelRules(self.root)
        self.stats = GenerationStats()
        self._text = TextChunks()
        self.outcomes: list[ToolOutcome] = []
        self.failures: list[str] = []
        self.transcript: Transcript | None = None
        self.stop_reason: str | None = None
        self.failed: str | None = None

    def handle(self, event: Event) -> list[object]:
        """Apply one provider event; returns what the UI should show."""
        if self.plan_only and isinstance(event, EditReady | EditFailed | ViewRequested):
            return []
        if isinstance(event, EditReady):
            return [self._apply(event.edit, event.call_id)]
        if isinstance(event, EditFailed):
            return [self._failed(event.error, event.call_id)]
        if isinstance(event, TextDelta):
            self._text.append(event.text)
            return [event]
        if isinstance(event, Usage):
            self.stats.input_tokens = event.input_tokens
            self.stats.output_tokens = event.output_tokens
            return [event]
        if isinstance(event, ViewRequested):
            self.outcomes.append(self._view(event))
            return []
        if isinstance(event, Finished):
            self.transcript = event.transcript
            self.stop_reason = event.stop_reason
            self.stats.finished = time.monotonic()
            return [event]
        if isinstance(event, StreamFailed):
            self.failed = event.message
            self.stats.finished = time.monotonic()
            return [event]
        if isinstance(event, FallbackUsed):
            self._text = TextChunks()
            return [event]
        return []

    @property
    def text(self) -> str:
        """The reply's text so far (joined once per call: not per token)."""
        return self._text.text()

    def plan_text(self) -> str | None:
        """The plan's text to show after a delta, or None when the last one
        shown is close enough (see ``TextChunks.worth_showing``)."""
        return self._text.text() if self._text.worth_showing() else None

    def _view(self, event: ViewRequested) -> ToolOutcome:
        """The text editor tool's ``view``: the file's lines numbered, only
        ``view_range`` when given, or a folder's listing; anything refused goes
        back as an error result (``is_error``) saying why."""
        path = event.path
        try:
            text, reason = self._view_text(event)
        except EditError as exc:
            return ToolOutcome.viewed(event.call_id, exc.for_model, ok=False)
        if text is None:
            return ToolOutcome.viewed(
                event.call_id, f"Error: {path} is not available ({reason})", ok=False
            )
        return ToolOutcome.viewed(event.call_id, text)

    def _view_text(self, event: ViewRequested) -> tuple[str | None, str]:
        # The same rules as the context packager: what is withheld from the
        # context (secrets, also via links; ignored files; keys) stays withheld.
        # Below level 4 the model sees only its scope: it was sent all of
        # that already, so view opens nothing new.
        path = event.path
        try:
            if self.scope.level < Level.REPO and not self.scope.may_view(normalize(path)):
                return None, (
                    f"at level {int(self.scope.level)} ({LEVEL_NAMES[self.scope.level]}) you may "
                    f"see only {self.scope.describe_where()}; everything you may see was sent"
                )
            if event.invalid_range:
                raise bad_view_range(event.invalid_range, path)
            if path.strip("/") in ("", ".") or (self.root / normalize(path)).is_dir():
                entries, reason = self.rules.may_list(path)
                return (None, reason) if entries is None else (listing(path, entries), "")
            text, reason = self.rules.may_read(path)
        except (TetherError, OSError) as exc:
            if isinstance(exc, EditError):
                raise
            # A path git or the OS will not answer for (through a symlinked
            # folder, too long): the model is told, the generation goes on.
            return None, exc.message if isinstance(exc, TetherError) else exc.strerror or str(exc)
        if text is None:
            return None, reason
        return numbered(text, event.view_range, path), ""

    def _failed(self, error: EditError, call_id: str | None) -> EditRejected:
        self.stats.edits_failed += 1
        self.failures.append(str(error))
        if call_id:
            self.outcomes.append(ToolOutcome.failed(call_id, error))
        return EditRejected(str(error), error.path)

    def _apply(self, edit: Edit, call_id: str | None) -> object:
        paths = [edit.path] + ([edit.move_to] if edit.move_to else [])
        try:
            for path in paths:
                resolve_in_root(self.root, path)
                reason = self.rules.may_edit(path, int(self.scope.level))
                if reason:
                    raise UnsafePathError(f"a model may not edit this file: {reason}", path=path)
        except UnsafePathError as exc:
            self.stats.edits_failed += 1
            self.failures.append(str(exc))
            if call_id:
                self.outcomes.append(ToolOutcome.rejected(call_id, str(exc)))
            return EditRejected(str(exc), edit.path)
        # One name per file in the review, however the model spelled it ("./a.py").
        edit = dataclasses.replace(
            edit,
            path=normalize(edit.path),
            move_to=normalize(edit.move_to) if edit.move_to else edit.move_to,
        )
        try:
            current = self._proposed_text(edit.path)
            new = apply_edit(current, edit)
            if new is not None and "\0" in new and "\0" not in (current or ""):
                raise TetherError(
                    "the edit puts a NUL byte (binary content) into a text file; refused",
                    path=edit.path,
                )
        except EditError as exc:
            return self._failed(exc, call_id)
        except TetherError as exc:
            self.stats.edits_failed += 1
            self.failures.append(str(exc))
            if call_id:
                self.outcomes.append(ToolOutcome.rejected(call_id, str(exc)))
            return EditRejected(str(exc), edit.path)
        if edit.kind == "move" and edit.move_to:
            self.service.propose(edit.move_to, new)
            self.service.propose(edit.path, None)
            shown = edit.move_to
        else:
            self.service.propose(edit.path, new)
            shown = edit.path
        self.stats.edits_applied += 1
        if self.stats.first_hunk is None:
            self.stats.first_hunk = time.monotonic()
        if call_id:
            self.outcomes.append(ToolOutcome.applied(call_id, edit))
        return HunksReady(shown, edit)

    def _proposed_text(self, path: str) -> str | None:
        return self.service.proposed_text(path)

    def retry(self) -> Generation | None:
        """The follow-up that sends the exact errors back, once: None when there
        were none, this is a retry already, the stream failed, or the
        conversation cannot be continued."""
        if self.is_retry or self.failed is not None or self.plan_only:
            return None
        request = self.retry_request()
        if request is None:
            return None
        return Generation(self.service, self.scope, request, is_retry=True)

    def retry_request(self) -> GenerationRequest | None:
        """A follow-up request that sends the exact errors back, or None when
        there were none (or the conversation cannot be continued)."""
        if not self.failures or self.transcript is None:
            return None
        prompt = (
            "Some of your edits could not be applied:\n"
            + "\n".join(f"- {redact(failure)}" for failure in self.failures)
            + "\nResend only those edits, corrected. Copy the existing lines exactly."
        )
        return GenerationRequest(
            user_prompt=prompt,
            system_prompt=self.request.system_prompt,
            model=self.request.model,
            max_tokens=self.request.max_tokens,
            edit_format=self.request.edit_format,
            follow_up=FollowUp(self.transcript, tuple(self.outcomes)),
        )
