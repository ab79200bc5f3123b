"""The append-only decision journal: one JSON object per line.

Each ``append`` is a single ``os.write`` of one whole line on an
``O_APPEND`` descriptor, under an exclusive ``flock``, then ``fsync``. A crash
therefore leaves at most a torn *last* line, which ``entries`` ignores and the
next ``append`` cuts off; an unreadable line anywhere else is real corruption
and raises ``JournalError`` with its line number.

Entries carry ``seq`` and ``ts`` (added here), ``op``, ``source``, and for
decisions (accept/reject/edit) ``path``, ``side``, ``hunk``, ``hunk_id``,
``before`` and ``after`` (blob shas or null); undo/redo carry ``target``, the
seq they undo or redo.

Secrets: string values in metadata fields are passed through ``redact``. The
exact fields (``hunk``, ``path``, ``hunk_id``, ``before``, ``after``) are
stored verbatim because undo needs them byte-exact; the session layer must
therefore never journal files for which ``paths.is_secret_path`` is true.
"""

from __future__ import annotations

import json
import os
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.atomic import fsync_dir
from app.core.errors import JournalError, UndoError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

DECISIONS = frozenset({"accept", "reject", "edit"})
# Records that are kept but are not decisions (undo skips them): "stale" holds
# hunks dropped because the file changed on disk and they no longer match.
RECORDS = frozenset({"stale"})
# "abort" takes back the decision (or undo/redo) just before it whose write
# did not happen: the journal is written first, so a crash or a refused write
# leaves a record to take back (see ReviewSession._reconcile).
OPS = DECISIONS | {"undo", "redo", "abort"} | RECORDS
SIDES = frozenset({"index", "worktree", "memory"})
DECISION_FIELDS = ("path", "side", "hunk", "hunk_id", "before", "after")
EXACT_FIELDS = frozenset({"hunk", "path", "hunk_id", "before", "after"})
REDACTED = "[redacted]"

_SECRET = re.compile(
    r"(?<![A-Za-z0-9])sk-(?:ant-)?[A-Za-z0-9_-]{16,}"
    r"|(?<![A-Z0-9])AKIA[0-9A-Z]{16}(?![0-9A-Z])"
)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

Entry = dict[str, Any]


def redact(text: str) -> str:
    """``text`` with anything that looks like an API key replaced."""
    return _SECRET.sub(REDACTED, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value


def _prepare(entry: Entry) -> Entry:
    """Validate a caller's entry and return a redacted copy without seq/ts."""
    if not isinstance(entry, dict):
        raise JournalError(f"a journal entry must be a dict, not {type(entry).__name__}")
    op = entry.get("op")
    if op not in OPS:
        raise JournalError(f"unknown journal op {op!r} (expected one of {sorted(OPS)})")
    if not isinstance(entry.get("source"), str) or not entry["source"]:
        raise JournalError("a journal entry needs a non-empty string 'source'")
    if op in DECISIONS:
        missing = [name for name in DECISION_FIELDS if name not in entry]
        if missing:
            raise JournalError(f"{op} entry is missing {', '.join(missing)}")
    elif op in RECORDS:
        missing = [name for name in ("path", "hunk") if name not in entry]
        if missing:
            raise JournalError(f"{op} entry is missing {', '.join(missing)}")
    else:
        target = entry.get("target")
        if not isinstance(target, int) or isinstance(target, bool):
            raise JournalError(f"{op} entry needs an integer 'target' (the seq to {op})")
    if "side" in entry and entry["side"] not in SIDES:
        raise JournalError(f"unknown side {entry['side']!r} (expected one of {sorted(SIDES)})")
    return {
        key: value if key in EXACT_FIELDS else _redact_value(value)
        for key, value in entry.items()
        if key not in ("seq", "ts")
    }


def _scan(data: bytes, path: Path) -> tuple[list[Entry], int]:
    """Parse journal bytes: the entries and the length of the intact prefix."""
    lines = data.split(b"\n")
    tail = lines.pop()  # after the last newline: empty, or a torn line
    entries: list[Entry] = []
    good = 0
    for number, raw in enumerate(lines, 1):
        if raw.strip():
            try:
                obj = json.loads(raw)
            except ValueError:
                obj = None
            if not (
                isinstance(obj, dict)
                and isinstance(obj.get("seq"), int)
                and isinstance(obj.get("op"), str)
            ):
                if number == len(lines) and not tail:
                    break  # the last line, torn by a crash: ignored
                raise JournalError(
                    "corrupt journal line (not a journal entry)", path=str(path), line=number
                )
            entries.append(obj)
        good += len(raw) + 1
    return entries, good


def _replay(entries: list[Entry], source: str, path: Path) -> tuple[list[Entry], list[Entry]]:
    done: list[Entry] = []
    undone: list[Entry] = []
    for entry in entries:
        if entry.get("source") != source:
            continue
        op = entry["op"]
        if op in DECISIONS:
            done.append(entry)
            undone.clear()
        elif op in RECORDS:
            continue
        elif op == "abort":
            _abort(done, undone, entry, path)
        elif op in ("undo", "redo"):
            src, dst = (done, undone) if op == "undo" else (undone, done)
            problem = _target_problem(src, entry)
            if problem:
                raise JournalError(f"entry seq {entry.get('seq')}: {problem}", path=str(path))
            dst.append(src.pop())
        else:
            raise JournalError(f"unknown op {op!r} in entry seq {entry.get('seq')}", path=str(path))
    return done, undone


def _abort(done: list[Entry], undone: list[Entry], entry: Entry, path: Path) -> None:
    """Take back the last step: a decision leaves ``done``; an undo or redo
    whose write did not happen is reversed."""
    target = entry.get("target")
    aborted = entry.get("aborted", "decision")
    if aborted == "undo" and undone and undone[-1]["seq"] == target:
        done.append(undone.pop())
    elif aborted == "redo" and done and done[-1]["seq"] == target:
        undone.append(done.pop())
    elif aborted == "decision" and done and done[-1]["seq"] == target:
        done.pop()
    else:
        raise JournalError(
            f"entry seq {entry.get('seq')}: nothing to abort at seq {target}", path=str(path)
        )


def _target_problem(stack: list[Entry], entry: Entry) -> str | None:
    """Why ``entry`` (undo or redo) cannot pop the top of ``stack``, or None."""
    op, target = entry["op"], entry.get("target")
    if not stack:
        return f"nothing to {op}"
    if stack[-1]["seq"] != target:
        return f"cannot {op} seq {target}: the next decision to {op} is seq {stack[-1]['seq']}"
    return None


class Journal:
    """An append-only JSONL journal at ``path`` (created on first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seq = 0
        self._size = -1  # file size after our last append; -1: not known

    def entries(self) -> list[Entry]:
        """All complete entries, oldest first; a torn last line is ignored."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise JournalError(
                f"cannot read journal: {exc.strerror}", path=str(self.path)
            ) from None
        return _scan(data, self.path)[0]

    def undo_stack(self, source: str) -> tuple[list[Entry], list[Entry]]:
        """(done, undone) decision entries for ``source``, each newest last."""
        return _replay(self.entries(), source, self.path)

    def append(self, entry: Entry) -> Entry:
        """Validate, redact, number and durably append ``entry``; return it as stored.

        Undo/redo entries must target the top of the done/undone stack
        (``UndoError`` otherwise), so the journal always replays cleanly.
        """
        record = _prepare(entry)
        with self._lock:
            try:
                return self._append_locked(record)
            except OSError as exc:
                raise JournalError(
                    f"cannot write journal: {exc.strerror or exc}", path=str(self.path)
                ) from None

    def _append_locked(self, record: Entry) -> Entry:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | _O_CLOEXEC
        fd = os.open(self.path, flags, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # against other Tether processes
            size = os.fstat(fd).st_size
            last = self._seq
            if size != self._size or record["op"] not in DECISIONS:
                entries, good = _scan(_read_all(fd), self.path)
                if good < size:
                    os.ftruncate(fd, good)  # cut off a torn last line
                    size = good
                last = max((e["seq"] for e in entries), default=0)
                if record["op"] not in DECISIONS:
                    _check_undo(entries, record, self.path)
            stored = {
                "seq": last + 1,
                "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
                **record,
            }
            try:
                line = json.dumps(stored, ensure_ascii=True, separators=(",", ":")) + "\n"
            except (TypeError, ValueError) as exc:
                raise JournalError(
                    f"entry cannot be stored as JSON: {exc}", path=str(self.path)
                ) from None
            data = line.encode("ascii")
            written = os.write(fd, data)
            if written != len(data):
                os.ftruncate(fd, size)
                raise JournalError(
                    f"short write ({written} of {len(data)} bytes); not recorded",
                    path=str(self.path),
                )
            os.fsync(fd)
            self._seq, self._size = last + 1, size + written
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.path.parent)
        return stored


def _check_undo(entries: list[Entry], record: Entry, path: Path) -> None:
    if record["op"] in RECORDS:
        return
    done, undone = _replay(entries, record["source"], path)
    if record["op"] == "abort":
        _abort(done, undone, record, path)  # raises when there is nothing to take back
        return
    problem = _target_problem(done if record["op"] == "undo" else undone, record)
    if problem:
        raise UndoError(problem)


def _read_all(fd: int) -> bytes:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)
