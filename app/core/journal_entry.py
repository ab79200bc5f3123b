"""The journal's entry types: ``Op``, ``Entry``, a stored line read back, and
the check and redaction every entry gets before it is appended."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from app.core.errors import JournalError
from app.core.model import Side
from app.core.secrets import redact


class Op(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    EDIT = "edit"
    UNDO = "undo"
    REDO = "redo"
    # Takes back the step just before it whose write did not happen: the
    # journal is written first, so a crash or a refused write leaves a record
    # to take back (see the session's reconcile).
    ABORT = "abort"
    # Kept, not a decision (undo skips it): hunks dropped because the file
    # changed on disk and they no longer match.
    STALE = "stale"
    # Written by ``compact``: the undo stacks of one source, by seq.
    CHECKPOINT = "checkpoint"
    # Kept, not a decision (undo skips it): a seat's comment on a hunk
    # (``text``, and ``line`` when it is on one line), shown to every seat.
    COMMENT = "comment"


DECISIONS = frozenset({Op.ACCEPT, Op.REJECT, Op.EDIT})
RECORDS = frozenset({Op.STALE, Op.CHECKPOINT, Op.COMMENT})
# Records kept per file that no undo stack holds.
NOTES = frozenset({Op.STALE, Op.COMMENT})
# What an abort takes back.
ABORTED = frozenset({"decision", "undo", "redo"})
EXACT_FIELDS = ("path", "hunk", "hunk_id", "before", "after")


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal line. ``seq`` and ``ts`` are given by ``append``.

    Decisions (accept, reject, edit) carry ``path``, ``side``, ``hunk`` (the
    decided lines as a patch), ``hunk_id`` (comma-separated ids) and
    ``before``/``after`` (blob shas, or None for an absent file). Undo, redo
    and abort carry ``target``, the seq they act on; abort also says what it
    took back (``aborted``). ``extra`` holds any other metadata (a reason,
    where a proposal came from), redacted. ``seat`` names who made the entry
    (``tether attach --seat``, config ``seat``; "" in journals written before
    seats, which read as before).
    """

    op: Op
    source: str
    seq: int = 0
    ts: str = ""
    path: str = ""
    side: Side | None = None
    hunk: str = ""
    hunk_id: str = ""
    before: str | None = None
    after: str | None = None
    target: int | None = None
    aborted: str = ""
    done: tuple[int, ...] = ()
    undone: tuple[int, ...] = ()
    seat: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_decision(self) -> bool:
        return self.op in DECISIONS

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": self.seq, "ts": self.ts, "op": str(self.op)}
        out["source"] = self.source
        if self.op is Op.COMMENT:
            out.update(path=self.path, hunk_id=self.hunk_id)
        elif self.op in DECISIONS or self.op is Op.STALE:
            out.update(path=self.path, hunk=self.hunk)
            if self.op is not Op.STALE:
                out.update(
                    side=str(self.side),
                    hunk_id=self.hunk_id,
                    before=self.before,
                    after=self.after,
                )
        elif self.op is Op.CHECKPOINT:
            out.update(done=list(self.done), undone=list(self.undone))
        else:
            out["target"] = self.target
            if self.path:
                out["path"] = self.path
            if self.side is not None:
                out["side"] = str(self.side)
            if self.op is Op.ABORT:
                out["aborted"] = self.aborted
        if self.seat:
            out["seat"] = self.seat
        for key, value in self.extra.items():
            out.setdefault(key, value)
        return out


_KNOWN = frozenset(Entry.__dataclass_fields__) - {"extra"}


def _side(value: object, source: str) -> Side:
    # Before Side.BASELINE existed, the non-git baseline was journaled as "index".
    if value == "index" and source == "baseline":
        return Side.BASELINE
    return Side(str(value))


def entry_from_json(obj: Mapping[str, Any]) -> Entry:
    """An ``Entry`` from a stored line (ValueError/KeyError/TypeError if it is not one)."""
    op = Op(obj["op"])
    source = obj["source"]
    if not isinstance(source, str) or not isinstance(obj["seq"], int):
        raise TypeError("source must be a string and seq an integer")
    side = obj.get("side")
    target = obj.get("target")
    return Entry(
        op=op,
        source=source,
        seq=obj["seq"],
        ts=str(obj.get("ts", "")),
        path=str(obj.get("path", "")),
        side=None if side is None else _side(side, source),
        hunk=str(obj.get("hunk", "")),
        hunk_id=str(obj.get("hunk_id", "")),
        before=obj.get("before"),
        after=obj.get("after"),
        target=target if isinstance(target, int) else None,
        aborted=str(obj.get("aborted", "decision" if op is Op.ABORT else "")),
        done=tuple(obj.get("done", ())),
        undone=tuple(obj.get("undone", ())),
        seat=str(obj.get("seat") or ""),
        extra={k: v for k, v in obj.items() if k not in _KNOWN},
    )


def validated(entry: Entry | Mapping[str, Any]) -> Entry:
    """Validate a caller's entry; a redacted copy without seq and ts."""
    if isinstance(entry, Mapping):
        entry = _from_mapping(entry)
    if not isinstance(entry, Entry):
        raise JournalError(f"a journal entry must be an Entry, not {type(entry).__name__}")
    if not entry.source:
        raise JournalError("a journal entry needs a non-empty string 'source'")
    if entry.op in DECISIONS and entry.side is None:
        raise JournalError(f"{entry.op} entry is missing side")
    if entry.op in (Op.UNDO, Op.REDO, Op.ABORT) and entry.target is None:
        raise JournalError(f"{entry.op} entry needs an integer 'target' (the seq to {entry.op})")
    if entry.op is Op.ABORT and entry.aborted not in ABORTED:
        raise JournalError(f"abort of {entry.aborted!r}: expected one of {sorted(ABORTED)}")
    try:
        extra = json.loads(json.dumps(dict(entry.extra)))
    except (TypeError, ValueError) as exc:
        raise JournalError(f"entry cannot be stored as JSON: {exc}") from None
    return replace(entry, seq=0, ts="", seat=redact(entry.seat), extra=_redact_value(extra))


def _from_mapping(data: Mapping[str, Any]) -> Entry:
    try:
        op = Op(str(data.get("op")))
    except ValueError:
        raise JournalError(
            f"unknown journal op {data.get('op')!r} (expected one of {sorted(map(str, Op))})"
        ) from None
    source = data.get("source")
    if not isinstance(source, str):
        raise JournalError("a journal entry needs a non-empty string 'source'")
    if op in DECISIONS:
        missing = [k for k in ("side", *EXACT_FIELDS) if k not in data]
        if missing:
            raise JournalError(f"{op} entry is missing {', '.join(missing)}")
    elif op is Op.COMMENT:
        if not data.get("path"):
            raise JournalError("a comment entry needs the 'path' it is on")
    elif op is Op.STALE:
        missing = [k for k in ("path", "hunk") if k not in data]
        if missing:
            raise JournalError(f"{op} entry is missing {', '.join(missing)}")
    elif op is not Op.CHECKPOINT:
        target = data.get("target")
        if not isinstance(target, int) or isinstance(target, bool):
            raise JournalError(f"{op} entry needs an integer 'target' (the seq to {op})")
    side = data.get("side")
    try:
        parsed_side = None if side is None else Side(side)
    except ValueError:
        raise JournalError(
            f"unknown side {side!r} (expected one of {sorted(map(str, Side))})"
        ) from None
    fields = {k: v for k, v in data.items() if k in _KNOWN and k not in ("seq", "ts")}
    fields.update(op=op, side=parsed_side)
    for name in ("done", "undone"):
        if name in fields:
            fields[name] = tuple(fields[name])
    extra = {k: v for k, v in data.items() if k not in _KNOWN}
    try:
        return Entry(**fields, extra=extra)
    except TypeError as exc:
        raise JournalError(f"not a journal entry: {exc}") from None


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value
