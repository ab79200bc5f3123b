"""Where an agent's gated proposals are reviewed: a review whose files arrive
through the endpoint, decided like any other review, answered per call.

``GateBackend`` is a proposal review whose accepted side is *held*: the
agent's own tool writes the file once the review answers, so accepting a
hunk changes only what will be sent back (``Side.HELD``), rejecting one only
the proposal in memory. Nothing here writes the working tree.

``GateHost`` is the endpoint's handler: a proposal's files join the review
(``ReviewService.propose``, tagged with their origin, which the journal
keeps with every decision), the call waits until none of its hunks is
pending, then the verdict is what the accepted side holds and what the
journal says of each hunk.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.backends import ProposalBackend, encode
from app.core.blobs import BlobStore
from app.core.errors import TetherError
from app.core.journal import Entry, Journal, Op
from app.core.locations import state_dir_for
from app.core.model import FileReview, FileStatus, Side
from app.gate.answers import HunkVerdict, Verdict
from app.gate.calls import Origin, ProposedFile
from app.gate.endpoint import GateProtocolError
from app.review.commands import Decide
from app.review.events import ReviewEvent
from app.review.service import ReviewService
from app.review.session import ReviewSession

# How often a waiting call checks that its agent is still there (the wait
# itself ends on the review's events).
_CHECK_EVERY = 0.5


class GateBackend(ProposalBackend):
    """accepted = held for the agent (memory), proposed = the agent's edit."""

    accepted_side = Side.HELD
    kind = "gate"

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.held: dict[str, str | None] = {}
        self.origins: dict[str, str] = {}

    def arrive(self, proposed: ProposedFile, origin: str) -> None:
        """A call's file: what it holds now is the accepted side."""
        self.held[proposed.path] = proposed.before
        self.origins[proposed.path] = origin

    def file_for(self, path: str) -> FileReview | None:
        if path not in self.texts:
            return None
        return FileReview(path, FileStatus.MODIFIED, origin=self.origins.get(path, ""))

    def current_text(self, path: str) -> str | None:
        return self.held.get(path)

    def load(self, fr: FileReview) -> None:
        fr.accepted = self.held.get(fr.path)
        fr.proposed = self.texts.get(fr.path, fr.accepted)
        fr.origin = self.origins.get(fr.path, fr.origin)
        if fr.accepted is None:
            fr.status = FileStatus.ADDED
        elif fr.proposed is None:
            fr.status = FileStatus.DELETED
        else:
            fr.status = FileStatus.MODIFIED

    def read(self, side: Side, fr: FileReview) -> bytes | None:
        if side is Side.HELD:
            return encode(self.held.get(fr.path))
        return encode(fr.proposed)

    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None:
        if side is Side.HELD:
            self.held[fr.path] = after
        else:
            self.texts[fr.path] = after


class GateHost:
    """Answers the endpoint's proposals from ``service`` (over a GateBackend)."""

    def __init__(self, service: ReviewService, backend: GateBackend) -> None:
        self.service = service
        self.backend = backend
        self._changed = threading.Condition()
        self._waiting: set[str] = set()
        self._closed = False
        self._unsubscribe = service.subscribe(self._on_event)

    @property
    def root(self) -> Path:
        """The repository whose agents' calls this host answers."""
        return self.backend.root

    def close(self) -> None:
        """The review ends: every waiting call is answered at once (the gate
        denies), never left to run into the agent's time limit."""
        self._unsubscribe()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def _on_event(self, _event: ReviewEvent) -> None:
        with self._changed:
            self._changed.notify_all()

    def __call__(
        self,
        origin: Origin,
        files: list[ProposedFile],
        deadline: float | None,
        say: Callable[[dict[str, Any]], None],
        alive: Callable[[], bool],
    ) -> Verdict:
        paths = [f.path for f in files]
        with self._changed:
            if self._closed:
                raise GateProtocolError("Tether is closing; nothing was reviewed")
            busy = sorted(set(paths) & self._waiting)
            if busy:
                raise GateProtocolError(
                    f"{busy[0]}: another proposal for this file is waiting for review"
                )
            self._waiting.update(paths)
        answered = False
        try:
            journaled = self.service.journal.entries()
            start = journaled[-1].seq if journaled else 0
            label = origin.label()
            for proposed in files:
                self.backend.arrive(proposed, label)
                self.service.propose(proposed.path, proposed.after)
            shown = {p: [(h.id, h.header()) for h in self._hunks(p)] for p in paths}
            say({"type": "queued", "hunks": sum(len(v) for v in shown.values())})
            for proposed in files:  # the agent waits on the decision: its write, not this
                self.service.keep_ahead(
                    (proposed.path, proposed.moved_from), (proposed.before, proposed.after)
                )
            self._wait(paths, deadline, alive)
            verdict = self._verdict(files, shown, start)
            answered = True
            return verdict
        finally:
            if not answered:
                # Whatever ended the call (the agent gone, its time up, Tether
                # closing, an error): its hunks leave the queue, journaled.
                self._withdraw(paths)
            with self._changed:
                self._waiting.difference_update(paths)

    def status(self) -> dict[str, Any]:
        """Where the review stands, for the endpoint's ``status`` request:
        hunks pending and decided, and each file still waiting."""
        service = self.service
        queue = [
            {"path": fr.path, "origin": fr.origin, "pending": service.pending_in(fr)}
            for fr in list(service.files)
            if fr.loaded and service.pending_in(fr)
        ]
        return {"pending": service.pending, "decided": service.decided, "queue": queue}

    def _hunks(self, path: str) -> list[Any]:
        fr = self.service.load(self.service.file(path))
        if fr.note:
            raise TetherError(fr.note, path=path)
        return list(fr.patch.hunks) if fr.patch else []

    def _pending(self, paths: list[str]) -> int:
        return sum(self.service.pending_in(self.service.file(p)) for p in paths)

    def _wait(self, paths: list[str], deadline: float | None, alive: Callable[[], bool]) -> None:
        with self._changed:
            while self._pending(paths) or self.service.busy:
                if self._closed:
                    raise GateProtocolError("Tether quit before the review decided")
                if not alive():
                    raise GateProtocolError("the agent stopped waiting")
                if deadline is not None and time.time() >= deadline:
                    raise GateProtocolError("the agent's time limit passed")
                self._changed.wait(_CHECK_EVERY)

    def _withdraw(self, paths: list[str]) -> None:
        """The call ended unanswered: its pending hunks are rejected
        (journaled, so they stay recoverable) and leave the queue."""
        why = sys.exc_info()[1]
        for path in paths:
            try:
                ids = self.service.all_hunks(path)
                if ids:
                    reason = f"withdrawn: {why or 'the call ended'}"
                    self.service.execute(Decide("reject", path, ids, reason=reason))
            except (TetherError, KeyError):
                continue  # never loaded (a refused file): nothing is pending

    def _verdict(
        self, files: list[ProposedFile], shown: dict[str, list[tuple[str, str]]], start: int
    ) -> Verdict:
        source = self.service.session.source
        entries = [
            e for e in self.service.journal.entries() if e.seq > start and e.source == source
        ]
        texts = {f.path: self.backend.held.get(f.path) for f in files}
        hunks: list[HunkVerdict] = []
        for path, listed in shown.items():
            fates = _fates(entries, path)
            comments = _comments(entries, path)
            for hunk_id, header in listed:
                accepted, words = fates.get(hunk_id, _mixed(entries, path))
                # Seats' comments on the hunk go to the agent with the answer.
                words = "; ".join(filter(None, (words, *comments.get(hunk_id, ()))))
                hunks.append(
                    HunkVerdict(
                        path,
                        hunk_id,
                        header,
                        accepted,
                        reason="" if accepted else words,
                        note=words if accepted else "",
                    )
                )
        return Verdict(texts, tuple(hunks))


def _fates(entries: list[Entry], path: str) -> dict[str, tuple[bool, str]]:
    """The last standing decision of each hunk id on ``path``."""
    undone = {e.target for e in entries if e.op in (Op.UNDO, Op.ABORT)}
    redone = {e.target for e in entries if e.op is Op.REDO}
    out: dict[str, tuple[bool, str]] = {}
    for e in entries:
        if e.path != path or e.op not in (Op.ACCEPT, Op.REJECT):
            continue
        if e.seq in undone and e.seq not in redone:
            continue
        words = str(e.extra.get("reason") or e.extra.get("note") or "")
        for hunk_id in filter(None, e.hunk_id.split(",")):
            out[hunk_id] = (e.op is Op.ACCEPT, words)
    return out


def _comments(entries: list[Entry], path: str) -> dict[str, list[str]]:
    """Each hunk's comments, as "<seat>: <text>", oldest first."""
    out: dict[str, list[str]] = {}
    for e in entries:
        if e.op is Op.COMMENT and e.path == path:
            who = f"{e.seat}: " if e.seat else ""
            out.setdefault(e.hunk_id, []).append(f"{who}{e.extra.get('text', '')}")
    return out


def _mixed(entries: list[Entry], path: str) -> tuple[bool, str]:
    """A hunk decided in parts (split, or line by line): accepted if any part was."""
    fates = _fates(entries, path).values()
    reasons = "; ".join(sorted({w for ok, w in fates if not ok and w}))
    return any(ok for ok, _ in fates), reasons


def open_gate(root: Path) -> GateHost:
    """The review of agents' gated proposals for ``root`` (journal and blobs in
    its state folder; each host is its own source, as each loop is)."""
    state = state_dir_for(root)
    backend = GateBackend(root)
    session = ReviewSession(
        backend,
        journal=Journal(state / "journal.jsonl"),
        blobs=BlobStore(state / "blobs"),
        source=f"gate:{time.strftime('%Y%m%dT%H%M%S')}:{os.getpid()}",
    )
    return GateHost(ReviewService(session), backend)
