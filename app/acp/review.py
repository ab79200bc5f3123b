"""The review of one ACP agent session's edits.

A gate review (``GateHost`` over a ``GateBackend``: the agent's proposals
are decided per hunk, their accepted side held in memory) under the loop's
``LeashPolicy``, so the slider means for an agent what it means for a
model: level 0 lets it change nothing, 1–3 only the focus file, 4 anything
in the repository. What Tether writes itself (an ``fs/write_text_file``,
the accepted part of a refused permission) goes through ``mcp_apply.Writer``:
a journaled ``ReviewSession``, preflighted, atomic, compare-and-swap.

Every method here blocks (a review waits for the human) and is called from a
worker thread of the ACP client, never from its event loop.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.acp.edits import (
    VIA_PERMISSION,
    VIA_WRITE,
    level_refusal,
    option_for,
    permission_feedback,
    proposed_from_diffs,
    write_answer,
)
from app.core.autonomy import Level, Scope
from app.core.blobs import BlobStore
from app.core.context import ModelRules
from app.core.journal import Journal
from app.core.locations import state_dir_for
from app.gate.answers import Verdict
from app.gate.calls import GateRefusal, Origin, ProposedFile, Reader
from app.gate.host import GateBackend, GateHost
from app.gate.mcp_apply import Applied, Writer
from app.loop.leash import LeashPolicy
from app.review.service import ReviewService
from app.review.session import ReviewSession


@dataclass(frozen=True)
class PermissionAnswer:
    """An edit permission's outcome: the option chosen (None: cancelled)."""

    option_id: str | None
    allowed: bool
    summary: str


class AcpReview:
    def __init__(
        self,
        root: Path,
        *,
        agent: str = "agent",
        level: int = int(Level.FILE),
        leash: dict[Level, int] | None = None,
        focus: str | None = None,
    ) -> None:
        self.root = root.resolve()
        self.agent = agent
        state = state_dir_for(self.root)
        self.backend = GateBackend(self.root)
        session = ReviewSession(
            self.backend,
            journal=Journal(state / "journal.jsonl"),
            blobs=BlobStore(state / "blobs"),
            source=f"acp:{time.strftime('%Y%m%dT%H%M%S')}:{os.getpid()}",
        )
        self.service = ReviewService(session)
        self.host = GateHost(self.service, self.backend)
        self.writer = Writer(self.root, kind="acp-write", written_by="tether agent")
        self.focus = focus
        self.policy = LeashPolicy(self.service, level=level, leash=leash)
        self.policy.scope = self._scope()
        self.service.set_policy(self.policy)
        self.reader = Reader(self.root, self.root)
        self.rules = ModelRules(self.root)
        self._feedback: list[str] = []
        self._lock = threading.Lock()
        self.on_arrival: Callable[[tuple[str, ...], str], None] | None = None

    # -- the slider ------------------------------------------------------------------

    @property
    def level(self) -> Level:
        return self.policy.level

    def set_level(self, level: int, focus: str | None = None) -> Level:
        """Move the slider (and the focus file levels 1–3 allow); hunks on
        show get the new verdicts."""
        self.policy.level = Level(max(int(Level.OFF), min(int(Level.REPO), level)))
        if focus is not None:
            self.focus = focus
        self.policy.scope = self._scope()
        for fr in self.service.files:
            if fr.loaded and fr.hunks:
                self.service.notify_changed(fr.path, "leash")
        return self.policy.level

    def _scope(self) -> Scope:
        level = self.policy.level
        path = None if level is Level.REPO else self.focus
        return Scope(level=level, path=path, leash=self.policy.leash)

    # -- reads -----------------------------------------------------------------------

    def read(self, path: str, line: int | None = None, limit: int | None = None) -> str:
        """``fs/read_text_file``: the loop's rules (nothing outside the root or
        in .git, no secret or ignored file), then the lines asked for."""
        rel = self.reader.rel(path, "fs/read_text_file")
        text, reason = self.rules.may_read(rel)
        if text is None:
            raise GateRefusal(f"Tether does not show this file to agents: {reason}", path=rel)
        if line is None and limit is None:
            return text
        lines = text.splitlines(keepends=True)
        start = max((line or 1) - 1, 0)
        end = len(lines) if limit is None else start + max(limit, 0)
        return "".join(lines[start:end])

    # -- edits -----------------------------------------------------------------------

    def _allowed(self, files: Sequence[ProposedFile]) -> None:
        refusal = level_refusal(self.level)
        if refusal:
            raise GateRefusal(refusal)
        for f in files:
            reason = self.rules.may_edit(f.path, int(self.level))
            if reason:
                raise GateRefusal(f"Tether does not let agents change it: {reason}", path=f.path)

    def _review(self, origin: Origin, files: list[ProposedFile], via: str) -> Verdict:
        paths = tuple(f.path for f in files)

        def queued(_message: dict[str, Any]) -> None:  # the hunks are in the review now
            if self.on_arrival is not None:
                self.on_arrival(paths, via)

        # No deadline, and the agent need not be alive: a decided write is
        # Tether's own (and a crashed agent's complete hunks stay for review).
        return self.host(origin, files, None, queued, lambda: True)

    def write(self, origin: Origin, path: str, content: str) -> str:
        """``fs/write_text_file``: only the accepted hunks are written. The
        error to answer with, or "" when the whole content was written."""
        proposed = self.reader.write(path, content, VIA_WRITE)
        self._allowed([proposed])
        if proposed.before == proposed.after:
            return ""  # nothing changes: nothing to review or write
        verdict = self._review(origin, [proposed], VIA_WRITE)
        applied = self.writer.apply([proposed], verdict, origin)
        return write_answer(proposed.path, verdict, applied)

    def permission(
        self,
        origin: Origin,
        diffs: Sequence[Any],
        options: Sequence[Any],
        cancelled: threading.Event | None = None,
    ) -> PermissionAnswer:
        """``session/request_permission`` for an edit: allowed once when every
        hunk is accepted; otherwise rejected once, Tether writes the accepted
        hunks itself, and the decisions wait for the next prompt. Once
        ``cancelled`` is set the agent was answered already ("cancelled"):
        Tether writes what was accepted."""
        try:
            files = [f for f in proposed_from_diffs(self.reader, diffs) if f.before != f.after]
            self._allowed(files)
        except GateRefusal as exc:
            option, _ = option_for(options, Verdict({}), self.level)
            self.add_feedback(f"Tether refused your edit ({origin.label()}): {exc}")
            return PermissionAnswer(option, False, f"refused: {exc}")
        if not files:  # nothing would change: nothing to review, no harm in it
            allow = next((o.option_id for o in options if o.kind == "allow_once"), None)
            return PermissionAnswer(allow, allow is not None, "the edit changes nothing")
        verdict = self._review(origin, files, VIA_PERMISSION)
        option, allowed = option_for(options, verdict, self.level)
        gone = cancelled is not None and cancelled.is_set()
        if gone:
            option, allowed = None, False
        applied: Applied | None = None
        if not allowed and any(h.accepted for h in verdict.hunks):
            applied = self.writer.apply(files, verdict, origin)
        words = permission_feedback(
            origin.label(), verdict, applied, allowed=allowed, cancelled=gone
        )
        if words:
            self.add_feedback(words)
        done = sum(h.accepted for h in verdict.hunks)
        answered = "cancelled" if gone else "allowed once" if allowed else "rejected once"
        summary = f"{answered}: {done} of {len(verdict.hunks)} hunks accepted"
        return PermissionAnswer(option, allowed, summary)

    # -- what the next prompt carries ------------------------------------------------

    def add_feedback(self, words: str) -> None:
        with self._lock:
            self._feedback.append(words)

    @property
    def has_feedback(self) -> bool:
        with self._lock:
            return bool(self._feedback)

    def take_feedback(self) -> str:
        with self._lock:
            words, self._feedback = "\n\n".join(self._feedback), []
        return words

    def close(self) -> None:
        """The session ends: a waiting edit is answered at once (withdrawn,
        journaled), never left hanging."""
        self.host.close()
