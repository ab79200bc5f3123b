"""The append-only decision journal: one JSON object per line, typed on read.

Each ``append`` is a single ``os.write`` of one whole line on an
``O_APPEND`` descriptor, under an exclusive ``flock``, then ``fsync``. A crash
therefore leaves at most a torn *last* line, which reading ignores and the
next ``append`` cuts off; an unreadable line anywhere else is real corruption
and raises ``JournalError`` with its line number.

The file is parsed once per process and then kept up to date by reading only
what was appended since (by this process or another one: the size and the
inode tell), so asking for the undo stacks costs one ``stat``, however long
the journal is. ``compact`` rewrites a long journal to what undo still needs
(the rest goes to ``journal.archive.jsonl``, nothing is deleted), and a
``checkpoint`` entry records the stacks, so undo survives it and a restart.

Secrets: free-text fields (``extra``) pass through ``secrets.redact``. The
exact fields (``hunk``, ``path``, ``hunk_id``, ``before``, ``after``) are
stored verbatim because undo needs them byte-exact; the session therefore
never journals the content of a secret file.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.core.atomic import fsync_dir
from app.core.errors import JournalError, UndoError
from app.core.model import Side
from app.core.secrets import redact

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]


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
# Compact when the journal holds more entries than this, keeping this many
# undoable decisions per source.
COMPACT_AT = 20_000
KEEP_UNDO = 1_000

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


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


def _draft(entry: Entry | Mapping[str, Any]) -> Entry:
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


@dataclass
class _Stacks:
    """One source's undo state, kept up to date entry by entry."""

    done: list[Entry] = field(default_factory=list)
    undone: list[Entry] = field(default_factory=list)
    # Every entry of the source but records, oldest first (reconcile reads the last).
    steps: list[Entry] = field(default_factory=list)
    by_path: dict[str, list[Entry]] = field(default_factory=dict)


class _Index:
    """Everything parsed so far and the stacks per source."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.by_seq: dict[int, Entry] = {}
        self.sources: dict[str, _Stacks] = {}
        self.last_seq = 0
        self.offset = 0  # bytes of the file parsed (whole lines only)
        self.lines = 0
        self.identity: tuple[int, int] | None = None  # (device, inode)

    def stacks(self, source: str) -> _Stacks:
        found = self.sources.get(source)
        if found is None:
            found = self.sources[source] = _Stacks()
        return found

    def add(self, entry: Entry, path: Path) -> None:
        problem = self.problem(entry)
        if problem:
            raise JournalError(f"entry seq {entry.seq}: {problem}", path=str(path))
        self.apply(entry)

    def problem(self, entry: Entry) -> str | None:
        """Why ``entry`` cannot follow what is here, or None."""
        if entry.op in DECISIONS or entry.op in NOTES:
            return None
        stacks = self.stacks(entry.source)
        if entry.op is Op.CHECKPOINT:
            missing = [s for s in (*entry.done, *entry.undone) if s not in self.by_seq]
            return f"checkpoint names unknown seq {missing[0]}" if missing else None
        target = entry.target
        if entry.op is Op.ABORT:
            if entry.aborted == "undo":
                ok = bool(stacks.undone) and stacks.undone[-1].seq == target
            else:
                ok = bool(stacks.done) and stacks.done[-1].seq == target
            return None if ok else f"nothing to abort at seq {target}"
        stack = stacks.done if entry.op is Op.UNDO else stacks.undone
        if not stack:
            return f"nothing to {entry.op}"
        if stack[-1].seq != target:
            return f"cannot {entry.op} seq {target}: the next decision to {entry.op} is seq {stack[-1].seq}"
        return None

    def apply(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.by_seq[entry.seq] = entry
        self.last_seq = max(self.last_seq, entry.seq)
        stacks = self.stacks(entry.source)
        if entry.op in NOTES:
            return
        if entry.op is Op.CHECKPOINT:
            stacks.done = [self.by_seq[s] for s in entry.done]
            stacks.undone = [self.by_seq[s] for s in entry.undone]
            return
        stacks.steps.append(entry)
        if entry.path:
            stacks.by_path.setdefault(entry.path, []).append(entry)
        if entry.op in DECISIONS:
            stacks.done.append(entry)
            stacks.undone.clear()
        elif entry.op is Op.UNDO:
            stacks.undone.append(stacks.done.pop())
        elif entry.op is Op.REDO or entry.aborted == "undo":
            stacks.done.append(stacks.undone.pop())
        elif entry.aborted == "redo":
            stacks.undone.append(stacks.done.pop())
        else:
            stacks.done.pop()


class Journal:
    """An append-only JSONL journal at ``path`` (created on first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive_path = path.with_name(path.stem + ".archive" + path.suffix)
        self._lock = threading.RLock()
        self._index = _Index()

    # -- reading -------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """All complete entries, oldest first; a torn last line is ignored."""
        with self._lock:
            self._refresh()
            return list(self._index.entries)

    def undo_stack(self, source: str) -> tuple[list[Entry], list[Entry]]:
        """(done, undone) decision entries for ``source``, each newest last."""
        with self._lock:
            self._refresh()
            stacks = self._index.sources.get(source)
            return ([], []) if stacks is None else (list(stacks.done), list(stacks.undone))

    def next_undo(self, source: str) -> Entry | None:
        """The decision ``undo`` would take back (one ``stat``, whatever the length)."""
        with self._lock:
            self._refresh()
            stacks = self._index.sources.get(source)
            return stacks.done[-1] if stacks and stacks.done else None

    def next_redo(self, source: str) -> Entry | None:
        with self._lock:
            self._refresh()
            stacks = self._index.sources.get(source)
            return stacks.undone[-1] if stacks and stacks.undone else None

    def last_step(self, source: str) -> Entry | None:
        """The source's newest entry that is not a record (what reconcile checks)."""
        with self._lock:
            self._refresh()
            stacks = self._index.sources.get(source)
            return stacks.steps[-1] if stacks and stacks.steps else None

    def steps_for(self, source: str, path: str) -> list[Entry]:
        """The source's steps that name ``path``, oldest first."""
        with self._lock:
            self._refresh()
            stacks = self._index.sources.get(source)
            return list(stacks.by_path.get(path, ())) if stacks else []

    def entry(self, seq: int) -> Entry | None:
        with self._lock:
            self._refresh()
            return self._index.by_seq.get(seq)

    def __len__(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._index.entries)

    def _refresh(self, fd: int | None = None) -> None:
        """Read what was appended since the last look (or everything, if the
        file was replaced by a compaction or cut short)."""
        try:
            st = os.fstat(fd) if fd is not None else os.stat(self.path)
        except FileNotFoundError:
            self._index = _Index()
            return
        except OSError as exc:
            raise JournalError(
                f"cannot read journal: {exc.strerror}", path=str(self.path)
            ) from None
        index = self._index
        identity = (st.st_dev, st.st_ino)
        if index.identity != identity or st.st_size < index.offset:
            index = _Index()
            index.identity = identity
        if st.st_size == index.offset:
            self._index = index
            return
        try:
            data = _read_from(fd, self.path, index.offset)
        except OSError as exc:
            raise JournalError(
                f"cannot read journal: {exc.strerror}", path=str(self.path)
            ) from None
        _parse_into(index, data, self.path)
        self._index = index

    # -- writing -------------------------------------------------------------

    def append(self, entry: Entry | Mapping[str, Any]) -> Entry:
        """Validate, redact, number and durably append ``entry``; return it as stored.

        Undo, redo and abort must act on the top of the right stack
        (``UndoError`` otherwise), so the journal always replays cleanly.
        """
        draft = _draft(entry)
        with self._lock:
            try:
                return self._append_locked(draft)
            except OSError as exc:
                raise JournalError(
                    f"cannot write journal: {exc.strerror or exc}", path=str(self.path)
                ) from None

    def _append_locked(self, draft: Entry) -> Entry:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        with self._open() as fd:
            self._refresh(fd)
            index = self._index
            size = os.fstat(fd).st_size
            if size > index.offset:
                os.ftruncate(fd, index.offset)  # cut off a torn last line
                size = index.offset
            stored = replace(
                draft,
                seq=index.last_seq + 1,
                ts=datetime.now(UTC).isoformat(timespec="milliseconds"),
            )
            problem = index.problem(stored)
            if problem:
                raise UndoError(problem)
            data = _line(stored)
            written = os.write(fd, data)
            if written != len(data):
                os.ftruncate(fd, size)
                raise JournalError(
                    f"short write ({written} of {len(data)} bytes); not recorded",
                    path=str(self.path),
                )
            os.fsync(fd)
            index.apply(stored)
            index.offset = size + written
            index.lines += 1
        if created:
            fsync_dir(self.path.parent)
        return stored

    def _open(self) -> _Locked:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | _O_CLOEXEC
        return _Locked(os.open(self.path, flags, 0o600))

    # -- compaction ----------------------------------------------------------

    def needs_compaction(self, limit: int | None = None) -> bool:
        return len(self) > (COMPACT_AT if limit is None else limit)

    def compact(self, keep: int | None = None) -> int:
        """Rewrite the journal to what undo needs: per source, its last ``keep``
        done decisions and every undone one, then a checkpoint of the stacks.
        The whole old journal is appended to the archive first; returns how
        many entries were dropped. The caller holds the repository lock."""
        keep = KEEP_UNDO if keep is None else keep
        with self._lock, self._open() as fd:
            self._refresh(fd)
            index = self._index
            if not index.entries:
                return 0
            old = _read_from(fd, self.path, 0)[: index.offset]
            kept: dict[int, Entry] = {}
            checkpoints: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
            for source, stacks in index.sources.items():
                done = stacks.done[-keep:] if keep else []
                for entry in (*done, *stacks.undone):
                    kept[entry.seq] = entry
                if done or stacks.undone:
                    checkpoints.append(
                        (source, tuple(e.seq for e in done), tuple(e.seq for e in stacks.undone))
                    )
            lines = [_line(kept[seq]) for seq in sorted(kept)]
            seq = index.last_seq
            now = datetime.now(UTC).isoformat(timespec="milliseconds")
            for source, done_seqs, undone_seqs in checkpoints:
                seq += 1
                lines.append(
                    _line(
                        Entry(
                            Op.CHECKPOINT,
                            source,
                            seq=seq,
                            ts=now,
                            done=done_seqs,
                            undone=undone_seqs,
                        )
                    )
                )
            _append_durably(self.archive_path, old)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as out:
                out.write(b"".join(lines))
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            fsync_dir(self.path.parent)
            dropped = len(index.entries) - len(kept)
        with self._lock:
            self._index = _Index()
            self._refresh()
        return dropped

    def archived(self) -> Iterator[Entry]:
        """Entries moved to the archive by compaction (for ``tether journal --all``)."""
        try:
            data = self.archive_path.read_bytes()
        except FileNotFoundError:
            return
        for raw in data.splitlines():
            try:
                yield entry_from_json(json.loads(raw))
            except (ValueError, KeyError, TypeError):
                continue


class _Locked:
    """An open journal descriptor holding the exclusive ``flock``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> int:
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)  # against other Tether processes
        return self.fd

    def __exit__(self, *_exc: object) -> None:
        os.close(self.fd)


def _line(entry: Entry) -> bytes:
    try:
        text = json.dumps(entry.to_json(), ensure_ascii=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise JournalError(f"entry cannot be stored as JSON: {exc}") from None
    return (text + "\n").encode("ascii")


def _read_from(fd: int | None, path: Path, offset: int) -> bytes:
    if fd is None:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read()
    chunks = []
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _parse_into(index: _Index, data: bytes, path: Path) -> None:
    """Parse whole lines of ``data`` (which starts at ``index.offset``)."""
    lines = data.split(b"\n")
    tail = lines.pop()  # after the last newline: empty, or a torn line
    for position, raw in enumerate(lines):
        number = index.lines + 1
        if raw.strip():
            entry: Entry | None
            try:
                entry = entry_from_json(json.loads(raw))
            except (ValueError, KeyError, TypeError):
                entry = None
            if entry is None:
                if position == len(lines) - 1 and not tail:
                    return  # the last line, torn by a crash: ignored, cut off on append
                raise JournalError(
                    "corrupt journal line (not a journal entry)", path=str(path), line=number
                )
            index.add(entry, path)
        index.offset += len(raw) + 1
        index.lines = number


def _append_durably(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
