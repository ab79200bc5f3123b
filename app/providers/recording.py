"""The recording format: a session's events with their timing, as JSONL (or JSON).

JSONL, one object a line::

    {"format": "tether-recording", "version": 1, "provider": "anthropic",
     "model": "claude-sonnet-4-5", "recorded_at": "2025-06-01T12:00:00Z"}
    {"turn": 0, "prompt": "Add a total to the report", "edit_format": "text_editor"}
    {"t": 0.0,   "type": "text", "text": "I'll add "}
    {"t": 0.41,  "type": "edit", "call_id": "toolu_01", "edit": {"path": "a.py", ...}}
    {"t": 0.52,  "type": "edit_failed", "call_id": "toolu_02",
     "error": {"message": "...", "path": null, "line": 3, "for_model": "...", "index": 1}}
    {"t": 0.6,   "type": "view", "call_id": "toolu_03", "path": "a.py", "view_range": [1, 9]}
    {"t": 0.9,   "type": "usage", "input_tokens": 812, "output_tokens": 95}
    {"t": 0.91,  "type": "fallback", "failed_provider": "...", "provider": "...",
     "model": "...", "reason": "..."}
    {"t": 1.0,   "type": "finished", "stop_reason": "tool_use"}
    {"t": 1.0,   "type": "stream_failed", "message": "...", "retryable": true}
    {"t": 0.0,   "type": "provider_error", "message": "...", "status": 500, "retryable": true}
    {"turn": 1, "prompt": "..."}
    ...

``t`` is seconds from the start of its turn. A ``{"turn": n, ...}`` line
starts a turn (``prompt`` and ``edit_format`` are optional; ``"parse":
"search_replace"`` or ``"v4a"`` makes the replay parse the turn's text
into edits, so a session can be written by hand as text alone). An ``edit``
holds the fields of :class:`app.edits.model.Edit`; its ``chunks`` hold
``contexts``, ``lines`` as ``[op, text]`` pairs, ``end_of_file``.

The JSON form is one object: the header's keys plus ``"turns": [{"prompt",
"edit_format", "parse", "events": [...]}]``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.atomic import atomic_write
from app.core.errors import TetherError
from app.edits.model import Chunk, Edit, EditError
from app.providers.base import (
    EditFailed,
    EditReady,
    Event,
    FallbackUsed,
    Finished,
    GenerationRequest,
    Provider,
    ProviderError,
    StreamFailed,
    TextDelta,
    Usage,
    ViewRequested,
)

FORMAT = "tether-recording"
VERSION = 1

Entry = Event | ProviderError  # a ProviderError is replayed by raising it


class RecordingError(TetherError):
    title = "Invalid recording"


@dataclass
class Turn:
    prompt: str = ""
    edit_format: str | None = None
    parse: str | None = None
    events: list[tuple[float, Entry]] = field(default_factory=list)


@dataclass
class Recording:
    provider: str = "replay"
    model: str = "recorded"
    recorded_at: str = ""
    turns: list[Turn] = field(default_factory=list)


# -- events <-> JSON ---------------------------------------------------------------


def _edit_json(edit: Edit) -> dict[str, Any]:
    data = dataclasses.asdict(edit)
    for chunk in data["chunks"]:
        chunk["lines"] = [list(pair) for pair in chunk["lines"]]
    return data


def _edit_from(data: dict[str, Any]) -> Edit:
    chunks = [
        Chunk(
            contexts=list(c.get("contexts", [])),
            lines=[(str(op), str(text)) for op, text in c.get("lines", [])],
            end_of_file=bool(c.get("end_of_file", False)),
            source_line=c.get("source_line"),
        )
        for c in data.get("chunks", [])
    ]
    return Edit(**{**data, "chunks": chunks})


def entry_to_json(t: float, entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {"t": round(t, 4)}
    match entry:
        case TextDelta(text):
            out.update(type="text", text=text)
        case EditReady(edit, call_id):
            out.update(type="edit", call_id=call_id, edit=_edit_json(edit))
        case EditFailed(error, call_id):
            out.update(
                type="edit_failed",
                call_id=call_id,
                error={
                    "message": error.message,
                    "path": error.path,
                    "line": error.line,
                    "for_model": error.for_model,
                    "index": error.index,
                },
            )
        case ViewRequested(call_id, path, view_range):
            out.update(
                type="view",
                call_id=call_id,
                path=path,
                view_range=list(view_range) if view_range else None,
            )
        case Usage(input_tokens, output_tokens):
            out.update(type="usage", input_tokens=input_tokens, output_tokens=output_tokens)
        case FallbackUsed(failed, provider, model, reason):
            out.update(
                type="fallback",
                failed_provider=failed,
                provider=provider,
                model=model,
                reason=reason,
            )
        case Finished(stop_reason):
            out.update(type="finished", stop_reason=stop_reason)
        case StreamFailed(message, retryable):
            out.update(type="stream_failed", message=message, retryable=retryable)
        case ProviderError():
            out.update(
                type="provider_error",
                message=entry.detail,
                status=entry.status,
                retryable=entry.retryable,
                provider=entry.provider,
                base_url=entry.base_url,
            )
    return out


def entry_from_json(data: dict[str, Any]) -> tuple[float, Entry]:
    kind = data.get("type")
    t = float(data.get("t", 0.0))
    call_id = data.get("call_id")
    if kind == "text":
        return t, TextDelta(str(data["text"]))
    if kind == "edit":
        return t, EditReady(_edit_from(data["edit"]), call_id)
    if kind == "edit_failed":
        e = data["error"]
        error = EditError(
            e["message"],
            path=e.get("path"),
            line=e.get("line"),
            for_model=e.get("for_model"),
            index=e.get("index"),
        )
        return t, EditFailed(error, call_id)
    if kind == "view":
        span = data.get("view_range")
        return t, ViewRequested(str(call_id), data["path"], (span[0], span[1]) if span else None)
    if kind == "usage":
        return t, Usage(int(data["input_tokens"]), int(data["output_tokens"]))
    if kind == "fallback":
        return t, FallbackUsed(
            data["failed_provider"], data["provider"], data["model"], data["reason"]
        )
    if kind == "finished":
        return t, Finished(str(data["stop_reason"]))
    if kind == "stream_failed":
        return t, StreamFailed(str(data["message"]), bool(data.get("retryable", False)))
    if kind == "provider_error":
        return t, ProviderError(
            str(data["message"]),
            provider=str(data.get("provider", "replay")),
            base_url=data.get("base_url"),
            status=data.get("status"),
            retryable=bool(data.get("retryable")),
        )
    raise ValueError(f"unknown event type {kind!r}")


# -- files ----------------------------------------------------------------------------


def _turn_header(index: int, turn: Turn) -> dict[str, Any]:
    head: dict[str, Any] = {"turn": index, "prompt": turn.prompt}
    if turn.edit_format:
        head["edit_format"] = turn.edit_format
    if turn.parse:
        head["parse"] = turn.parse
    return head


def dumps_jsonl(recording: Recording) -> str:
    header = {
        "format": FORMAT,
        "version": VERSION,
        "provider": recording.provider,
        "model": recording.model,
        "recorded_at": recording.recorded_at,
    }
    lines = [json.dumps(header, ensure_ascii=False)]
    for index, turn in enumerate(recording.turns):
        lines.append(json.dumps(_turn_header(index, turn), ensure_ascii=False))
        lines += [json.dumps(entry_to_json(t, e), ensure_ascii=False) for t, e in turn.events]
    return "\n".join(lines) + "\n"


def save_recording(recording: Recording, path: Path) -> None:
    """Write ``recording`` atomically, as JSON if ``path`` ends in .json, else JSONL."""
    if path.suffix == ".json":
        turns = [
            {**_turn_header(i, turn), "events": [entry_to_json(t, e) for t, e in turn.events]}
            for i, turn in enumerate(recording.turns)
        ]
        text = (
            json.dumps(
                {
                    "format": FORMAT,
                    "version": VERSION,
                    "provider": recording.provider,
                    "model": recording.model,
                    "recorded_at": recording.recorded_at,
                    "turns": turns,
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )
    else:
        text = dumps_jsonl(recording)
    atomic_write(path.parent, path.name, text.encode("utf-8"))


def load_recording(path: Path) -> Recording:
    """Read a recording; errors name the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(f"cannot read: {exc}", path=str(path)) from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise RecordingError(
                f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno
            ) from None
        if not isinstance(data, dict):
            raise RecordingError("not a Tether recording: expected an object", path=str(path))
        rows: list[Any] = [{k: v for k, v in data.items() if k != "turns"}]
        for index, turn in enumerate(data.get("turns") or []):
            if not isinstance(turn, dict):
                raise RecordingError(f"turn {index} is not an object", path=str(path))
            rows.append({**{k: v for k, v in turn.items() if k != "events"}, "turn": index})
            rows.extend(turn.get("events") or [])
        return _from_rows(((None, row) for row in rows), path)
    rows_jsonl = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows_jsonl.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise RecordingError(f"invalid JSON: {exc.msg}", path=str(path), line=number) from None
    return _from_rows(iter(rows_jsonl), path)


def _from_rows(rows: Iterator[tuple[int | None, Any]], path: Path) -> Recording:
    number, header = next(rows, (1, None))
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(
            f'not a Tether recording: the first line must be a header with "format": "{FORMAT}"',
            path=str(path),
            line=number,
        )
    if header.get("version") != VERSION:
        raise RecordingError(
            f"unsupported version {header.get('version')!r} (this Tether reads version {VERSION})",
            path=str(path),
            line=number,
        )
    recording = Recording(
        provider=str(header.get("provider", "replay")),
        model=str(header.get("model", "recorded")),
        recorded_at=str(header.get("recorded_at", "")),
    )
    for number, row in rows:
        try:
            if not isinstance(row, dict):
                raise TypeError(f"expected an object, not {type(row).__name__}")
            if "turn" in row:
                recording.turns.append(
                    Turn(
                        prompt=str(row.get("prompt", "")),
                        edit_format=row.get("edit_format"),
                        parse=row.get("parse"),
                    )
                )
                continue
            if not recording.turns:
                recording.turns.append(Turn())
            recording.turns[-1].events.append(entry_from_json(row))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise RecordingError(f"invalid event: {exc!r}", path=str(path), line=number) from None
    return recording


# -- recording a live session -------------------------------------------------------------


class Recorder:
    """Saves the events of a session, as they pass, into a recording file
    (one turn per :meth:`capture`); the file is rewritten after each turn."""

    def __init__(
        self, path: Path, *, provider: str, model: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = path
        self.clock = clock
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.recording = Recording(provider=provider, model=model, recorded_at=stamp)

    def capture(self, events: Iterable[Event], request: GenerationRequest) -> Iterator[Event]:
        turn = Turn(prompt=request.user_prompt, edit_format=request.edit_format)
        self.recording.turns.append(turn)
        start = self.clock()
        try:
            for event in events:
                turn.events.append((self.clock() - start, event))
                yield event
        except ProviderError as error:
            turn.events.append((self.clock() - start, error))
            raise
        finally:
            save_recording(self.recording, self.path)


class RecordingProvider:
    """Wraps any provider and records every stream it makes into ``path``."""

    def __init__(self, inner: Provider, path: Path) -> None:
        self.inner = inner
        self.recorder = Recorder(path, provider=inner.name, model=inner.model)

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def model(self) -> str:
        return self.inner.model

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        return self.recorder.capture(self.inner.stream(request), request)

    def cancel(self) -> None:
        self.inner.cancel()


def record(provider: Provider, request: GenerationRequest, path: Path) -> list[Event]:
    """Run one request through ``provider`` and save it as a recording at ``path``."""
    recorder = Recorder(path, provider=provider.name, model=provider.model)
    return list(recorder.capture(provider.stream(request), request))
