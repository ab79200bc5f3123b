"""A recorded session as frames to step through or print: the one reading of
a journal or a recording that replay and export share.

From a journal: each prompt (journaled with the decisions on its hunks),
the context it sent, then each decision with its hunk and reason, undos and
redos. From a recording: each turn's prompt, then what the model streamed up
to each edit (the edit as a diff), and how the turn finished. Nothing here
writes anything; reading is all it does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.core.errors import JournalError, TetherError
from app.core.journal import Entry, Journal, Op
from app.core.secrets import redact
from app.edits.model import Edit
from app.providers.base import EditFailed, EditReady, Finished, StreamFailed, TextDelta
from app.providers.prompts import Sequencer, TextEdits
from app.providers.recording import FORMAT, Recording, Turn, load_recording


@dataclass(frozen=True, slots=True)
class Frame:
    """One step of a replay. ``at``: seconds from the session's start."""

    kind: str  # prompt, decision, undo, stream, edit, failed, finished, note
    title: str
    body: str = ""
    diff: str = ""
    reason: str = ""
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Session:
    source: str  # what was read, for a heading
    kind: str  # journal or recording
    frames: tuple[Frame, ...]

    @property
    def prompts(self) -> int:
        return sum(f.kind == "prompt" for f in self.frames)

    def count(self, title_start: str) -> int:
        return sum(f.kind == "decision" and f.title.startswith(title_start) for f in self.frames)


class SessionError(TetherError):
    title = "Cannot read the session"


def load_session(path: Path) -> Session:
    """A journal (``journal.jsonl``) or a recording, told apart by the first line."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(1 << 20)
    except OSError as exc:
        raise SessionError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    if _is_recording(first, path):
        return recording_session(load_recording(path), source=str(path))
    try:
        entries = Journal(path).entries()
    except JournalError as exc:
        raise SessionError(
            f"neither a journal nor a recording: {exc.message}", path=str(path)
        ) from None
    return journal_session(entries, source=str(path))


def _is_recording(first: bytes, path: Path) -> bool:
    if path.suffix == ".json":
        return True
    try:
        head = json.loads(first)
    except ValueError:
        return False
    return isinstance(head, dict) and head.get("format") == FORMAT


# -- journals ----------------------------------------------------------------------------


def journal_session(entries: Sequence[Entry], *, source: str = "journal") -> Session:
    frames: list[Frame] = []
    start = _time(entries[0].ts) if entries else None
    prompt: object = None
    for entry in entries:
        at = _offset(start, entry.ts)
        if entry.is_decision:
            asked = entry.extra.get("prompt")
            if asked is not None and asked != prompt:
                frames.append(_prompt_frame(entry, at))
            elif asked is None and prompt is not None:
                frames.append(Frame("section", "decisions without a prompt (a review)", at=at))
            prompt = asked
            frames.append(_decision_frame(entry, at))
        elif entry.op in (Op.UNDO, Op.REDO):
            why = " (a write set rolled back)" if entry.extra.get("rollback") else ""
            frames.append(
                Frame(
                    "undo", f"{entry.op} of decision #{entry.target}{why}", at=at, body=entry.path
                )
            )
        elif entry.op is Op.ABORT:
            frames.append(Frame("note", f"#{entry.target}'s write did not happen (aborted)", at=at))
        elif entry.op is Op.STALE:
            frames.append(
                Frame(
                    "note",
                    f"{entry.path}: hunks dropped, the file changed on disk",
                    at=at,
                    diff=entry.hunk,
                )
            )
    return Session(source, "journal", tuple(frames))


def _prompt_frame(entry: Entry, at: float) -> Frame:
    step = entry.extra.get("plan_step")
    title = f"prompt (plan step {step})" if step else "prompt"
    return Frame(
        "prompt",
        title,
        body=str(entry.extra.get("prompt", "")),
        reason=str(entry.extra.get("context", "")),  # the context sent, summarised
        at=at,
    )


def _decision_frame(entry: Entry, at: float) -> Frame:
    verb = {"accept": "accepted", "reject": "rejected", "edit": "edited"}[str(entry.op)]
    ids = entry.hunk_id.replace(",", ", ")
    seat = f" by {entry.extra['seat']}" if entry.extra.get("seat") else ""
    title = f"{verb} {entry.path} (hunk {ids}){seat}"
    return Frame(
        "decision", title, diff=entry.hunk, reason=str(entry.extra.get("reason", "")), at=at
    )


def _time(ts: str) -> datetime | None:
    try:
        return datetime.fromisoformat(ts)
    except ValueError:
        return None


def _offset(start: datetime | None, ts: str) -> float:
    now = _time(ts)
    if start is None or now is None:
        return 0.0
    return max(0.0, (now - start).total_seconds())


# -- recordings ----------------------------------------------------------------------------


def recording_session(recording: Recording, *, source: str = "recording") -> Session:
    frames: list[Frame] = []
    offset = 0.0
    for index, turn in enumerate(recording.turns):
        frames.append(
            Frame(
                "prompt",
                f"turn {index + 1}: prompt",
                body=redact(turn.prompt)
                or "(whatever the user typed: this turn answers any prompt)",
                at=offset,
            )
        )
        end = offset
        for at, frame in _turn_frames(turn):
            frames.append(_at(frame, offset + at))
            end = max(end, offset + at)
        offset = end
    return Session(source, "recording", tuple(frames))


def _turn_frames(turn: Turn) -> Iterable[tuple[float, Frame]]:
    parser = TextEdits(turn.parse, Sequencer()) if turn.parse else None
    text: list[str] = []
    last = 0.0
    for t, entry in turn.events:
        last = t
        events: list[object] = [entry]
        if isinstance(entry, TextDelta):
            text.append(entry.text)
            events = list(parser.feed(entry.text)) if parser is not None else []
        elif isinstance(entry, Finished) and parser is not None:
            events = [*parser.close(), entry]
        for event in events:
            if isinstance(event, EditReady | EditFailed):
                if text:
                    yield t, Frame("stream", "the model wrote", body=_trim(redact("".join(text))))
                    text = []
                if isinstance(event, EditReady):
                    yield t, Frame("edit", f"edit: {event.edit.path}", diff=edit_diff(event.edit))
                else:
                    yield t, Frame("failed", "edit not applied", body=str(event.error))
            elif isinstance(event, Finished):
                if text:
                    yield t, Frame("stream", "the model wrote", body=_trim(redact("".join(text))))
                    text = []
                yield t, Frame("finished", f"finished ({event.stop_reason})")
            elif isinstance(event, StreamFailed):
                yield t, Frame("failed", "the stream failed", body=event.message)
    if text:
        yield last, Frame("stream", "the model wrote", body=_trim(redact("".join(text))))


def edit_diff(edit: Edit) -> str:
    """An edit as diff lines (what it removes and adds), for reading."""
    if edit.chunks:
        lines = [f"{op}{text}" for chunk in edit.chunks for op, text in chunk.lines]
        return "\n".join(lines)
    out = [f"-{line}" for line in edit.old.splitlines()]
    out += [f"+{line}" for line in edit.new.splitlines()]
    if edit.kind in ("delete", "move"):
        out.append(f"({edit.kind}{' to ' + edit.move_to if edit.move_to else ''})")
    return "\n".join(out)


def _at(frame: Frame, at: float) -> Frame:
    return Frame(frame.kind, frame.title, frame.body, frame.diff, frame.reason, at)


def _trim(text: str) -> str:
    """Streamed text without the blank lines around it (spaces inside kept)."""
    return text.strip("\n")
