"""A seat's stand-in for the ReviewService: the review another process owns,
mirrored from the seat protocol, driven by the same review app.

Nothing here decides whether a command is allowed: it sends the command to
the owner (``app.gate.seat_hub``) and shows what the owner says. The state
(files, pending hunks, counts) is what the owner's messages last said; a
key press takes the hunk off this seat's screen at once ("deciding"), and
the owner's answer either confirms it (its file message) or brings it back
with the refusal (``CommandFailed``: another seat decided it first, a
read-only seat, ...).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.controls import control_flag
from app.core.errors import ApplyError, HunkGoneError, ReadOnlyError, TetherError, UndoError
from app.core.journal import Journal
from app.core.model import FilePatch, FileReview, FileStatus
from app.gate import seat_wire as wire
from app.gate.seat_link import SeatLink
from app.review.commands import Command, Decide, Redo, Undo, describe
from app.review.events import (
    CommandFailed,
    CommentAdded,
    DecisionMade,
    FilesChanged,
    HistoryChanged,
    HunksChanged,
    PresenceChanged,
    ReviewEvent,
)
from app.review.risks import hunk_risks
from app.review.seats import Look, Presence, RoleError, check_may_decide
from app.review.service import FileView
from app.review.session import Outcome

Listener = Callable[[ReviewEvent], None]
_REFUSALS: dict[str, type[TetherError]] = {
    HunkGoneError.title: HunkGoneError,
    UndoError.title: UndoError,
    ReadOnlyError.title: ReadOnlyError,
    RoleError.title: RoleError,
}


@dataclass(frozen=True, slots=True)
class OwnerGone(ReviewEvent):
    """The process that owns the review quit (or was killed)."""

    message: str


class RemoteService:
    """The owner's review, seen and driven from seat ``seat``."""

    def __init__(
        self, state_dir: Path, seat: str, *, read_only: bool = False, role: str = "both"
    ) -> None:
        self.seat = seat
        self.read_only = read_only
        self.role = role
        self.label = ""
        self.owner = ""
        self.root = state_dir
        self.folder = ""
        self.files: list[FileReview] = []
        self.presence = Presence()
        self.comment_log: list[CommentAdded] = []
        self.gone = ""
        self._views: dict[str, Mapping[str, Any]] = {}
        self._by_path: dict[str, FileReview] = {}
        self._deciding: dict[str, set[str]] = {}
        self._counts: dict[str, Any] = {}
        self._listeners: list[Listener] = []
        self._inflight = 0
        self._idle = threading.Condition()
        self.link = SeatLink(state_dir, seat, read_only=read_only, role=role, on_message=self._hear)
        # The owner's journal, read only (the figures `M` shows, the rate warning):
        # the same file on the same machine, as `tether journal` reads it.
        self.journal = Journal(state_dir / "journal.jsonl")

    def open(self) -> RemoteService:
        state = self.link.open()
        self.label = str(state.get("label", ""))
        self.owner = str(state.get("owner", ""))
        self.root = Path(str(state.get("root", self.root)))
        for message in state.get("files", ()):
            self._apply_file(message)
        self.comment_log = [wire.parse_comment(c) for c in state.get("comments", ())]
        self._apply_presence(state)
        self._counts = dict(state)
        return self

    # -- what the owner says ------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, event: ReviewEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _hear(self, message: Mapping[str, Any]) -> None:
        kind = message.get("type")
        if "decided" in message:
            self._counts = dict(message)
        if kind == "file":
            path = self._apply_file(message["file"])
            self._emit(
                HunksChanged(
                    path, int(message["file"].get("revision", 0)), str(message.get("why", ""))
                )
            )
        elif kind == "files":
            paths = tuple(self._apply_file(f) for f in message["files"])
            self._emit(FilesChanged(paths))
        elif kind == "decided":
            outcome = wire.parse_outcome(message["outcome"])
            self._emit(
                DecisionMade(outcome, str(message.get("reason", "")), str(message.get("seat", "")))
            )
        elif kind == "history":
            self._emit(HistoryChanged(self.can_undo(), self.can_redo()))
        elif kind == "comment":
            comment = wire.parse_comment(message["comment"])
            self.comment_log.append(comment)
            self._emit(comment)
        elif kind == "presence":
            self._apply_presence(message)
            self._emit(PresenceChanged(""))
        elif kind == "closed":
            self.gone = str(message.get("message", "the review's owner quit"))
            self._emit(OwnerGone(self.gone))

    def _apply_file(self, message: Mapping[str, Any]) -> str:
        path = str(message["path"])
        fr = self._by_path.get(path)
        if fr is None:
            fr = FileReview(path, FileStatus.MODIFIED)
            self._by_path[path] = fr
            self.files.append(fr)
        with contextlib.suppress(ValueError):
            fr.status = FileStatus(str(message.get("status", "modified")))
        fr.accepted_count = int(message.get("accepted_count", 0))
        fr.rejected_count = int(message.get("rejected_count", 0))
        fr.note = str(message.get("note", ""))
        if message.get("loaded"):
            hunks = [wire.parse_hunk(h) for h in message.get("hunks", ())]
            fr.patch = FilePatch(path, path, hunks)
            fr.revision = int(message.get("revision", 0))
            fr.origin = str(message.get("origin", ""))
            fr.stale = str(message.get("stale", ""))
            fr.loaded = True
            self._views[path] = message
        return path

    def _apply_presence(self, message: Mapping[str, Any]) -> None:
        self.presence.replace(
            tuple(
                Look(str(p["seat"]), str(p["path"]), str(p["hunk"]))
                for p in message.get("presence", ())
            )
        )

    # -- what the review app reads ------------------------------------------------------

    def file(self, path: str) -> FileReview:
        return self._by_path[path]

    def load(self, fr: FileReview) -> FileReview:
        if fr.loaded or self.gone:
            return fr
        answer = self.link.request({"type": "view", "path": fr.path})
        if answer.get("type") == "file":
            self._apply_file(answer["file"])
        return fr

    def is_large(self, fr: FileReview) -> bool:
        return False

    def view(self, path: str) -> FileView:
        fr = self.load(self._by_path[path])
        message = self._views.get(path, {})
        deciding = self._deciding.get(path, set())
        hunks = tuple(h for h in fr.hunks if h.id not in deciding)
        risks = {h.id: found for h in hunks if (found := hunk_risks(path, h))}
        return FileView(
            path=path,
            status=str(fr.status),
            revision=fr.revision,
            hunks=hunks,
            old_lines=list(message.get("old_lines", ())),
            note=fr.note,
            stale=fr.stale,
            blocked=dict(message.get("blocked", {})),
            flag=str(message.get("flag", "")) or control_flag(path) or "",
            origin=fr.origin,
            risks=risks,
        )

    def all_hunks(self, path: str) -> tuple[str, ...]:
        return tuple(h.id for h in self.view(path).hunks)

    def pending_in(self, fr: FileReview) -> int:
        deciding = self._deciding.get(fr.path, set())
        return sum(1 for h in fr.hunks if h.id not in deciding)

    @property
    def pending(self) -> int:
        return sum(self.pending_in(fr) for fr in self.files if fr.loaded)

    @property
    def decided(self) -> int:
        return int(self._counts.get("decided", 0))

    @property
    def may_decide(self) -> bool:
        return not self.read_only and self.role != "driver"

    def can_undo(self) -> bool:
        return bool(self._counts.get("can_undo")) and self.may_decide

    def can_redo(self) -> bool:
        return bool(self._counts.get("can_redo")) and self.may_decide

    @property
    def busy(self) -> bool:
        return self._inflight > 0

    def summary(self) -> dict[str, object]:
        files = [
            {
                "path": fr.path,
                "accepted": fr.accepted_count,
                "rejected": fr.rejected_count,
                "pending": fr.pending if fr.loaded else None,
                "note": fr.note,
            }
            for fr in self.files
        ]
        return {
            "source": f"{self.label or self.root} (seat {self.seat})",
            "accepted": sum(f.accepted_count for f in self.files),
            "rejected": sum(f.rejected_count for f in self.files),
            "files": files,
        }

    # -- commands -----------------------------------------------------------------------

    def _request(self, command: Command) -> dict[str, Any]:
        if isinstance(command, Decide):
            return {
                "type": "decide",
                "op": command.op,
                "path": command.path,
                "hunks": list(command.hunks),
                "lines": list(command.lines),
                "reason": command.reason,
            }
        if isinstance(command, Undo | Redo):
            return {"type": "undo" if isinstance(command, Undo) else "redo"}
        raise ApplyError(f"{describe(command)} is the owner's to do, not a seat's")

    def _precheck(self, command: Command) -> dict[str, Any]:
        if self.gone:
            raise ApplyError(f"the review's owner is gone ({self.gone}); nothing was sent")
        if isinstance(command, Decide | Undo | Redo):
            # The owner's rule, said here at once; the owner applies it again.
            check_may_decide(self.seat, role=self.role, read_only=self.read_only)
        return self._request(command)

    def submit(self, command: Command, *, defer: bool = False) -> None:
        """Send ``command``; its hunks leave this screen now, and come back
        with the owner's refusal if it has one (``CommandFailed``)."""
        request = self._precheck(command)
        if isinstance(command, Decide) and not command.lines:
            self._deciding.setdefault(command.path, set()).update(command.hunks)
            self._emit(HunksChanged(command.path, self._by_path[command.path].revision, "deciding"))
        with self._idle:
            self._inflight += 1
        threading.Thread(
            target=self._send, args=(command, request), name="tether-seat-command", daemon=True
        ).start()

    def _send(self, command: Command, request: dict[str, Any]) -> None:
        try:
            try:
                answer = self.link.request(request)
            except TetherError as exc:
                answer = {"type": "refused", "title": exc.title, "message": str(exc)}
            if isinstance(command, Decide):
                self._deciding.get(command.path, set()).difference_update(command.hunks)
            if answer.get("type") == "refused":
                self._emit(CommandFailed(command, _refusal(answer)))
                path = getattr(command, "path", None)
                if path is not None and path in self._by_path:
                    self._emit(HunksChanged(path, self._by_path[path].revision, "restored"))
        finally:
            with self._idle:
                self._inflight -= 1
                self._idle.notify_all()

    def execute(self, command: Command) -> Outcome:
        answer = self.link.request(self._precheck(command))
        if answer.get("type") == "refused":
            raise _refusal(answer)
        return wire.parse_outcome(answer["outcome"])

    def comment(self, path: str, hunk_id: str, text: str, *, line: str = "") -> None:
        """A comment every seat sees (read-only seats too); raises the refusal."""
        if self.gone:
            raise ApplyError(f"the review's owner is gone ({self.gone}); nothing was sent")
        answer = self.link.request(
            {"type": "comment", "path": path, "hunk": hunk_id, "text": text, "line": line}
        )
        if answer.get("type") == "refused":
            raise _refusal(answer)

    def look(self, seat: str, path: str, hunk_id: str) -> None:
        """Tell the other seats where this one (``seat``) is (best effort)."""
        if not self.gone:
            with contextlib.suppress(TetherError, OSError):
                self.link.send({"type": "look", "path": path, "hunk": hunk_id})

    def release(self) -> None:
        """Nothing waits here: the owner writes as soon as it hears."""

    def flush(self, timeout: float | None = None) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout)

    def close(self) -> None:
        self.flush(timeout=30)
        self.link.close()


def _refusal(answer: Mapping[str, Any]) -> TetherError:
    kind = _REFUSALS.get(str(answer.get("title", "")), TetherError)
    error = kind(str(answer.get("message", "refused")))
    error.title = str(answer.get("title") or error.title)
    return error
