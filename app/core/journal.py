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
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.atomic import fsync_dir
from app.core.errors import JournalError, UndoError
from app.core.journal_compact import compacted
from app.core.journal_entry import (
    ABORTED,
    DECISIONS,
    EXACT_FIELDS,
    NOTES,
    RECORDS,
    Entry,
    Op,
    entry_from_json,
    validated,
)
from app.core.journal_file import O_CLOEXEC, Locked, append_durably, encode_line, read_from
from app.core.journal_file import parse_into as _parse_into  # the name tests spy on
from app.core.journal_index import Index

__all__ = [
    "ABORTED",
    "COMPACT_AT",
    "DECISIONS",
    "EXACT_FIELDS",
    "KEEP_UNDO",
    "NOTES",
    "RECORDS",
    "Entry",
    "Journal",
    "Op",
    "entry_from_json",
]

# Compact when the journal holds more entries than this, keeping this many
# undoable decisions per source.
COMPACT_AT = 20_000
KEEP_UNDO = 1_000


class Journal:
    """An append-only JSONL journal at ``path`` (created on first append)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive_path = path.with_name(path.stem + ".archive" + path.suffix)
        self._lock = threading.RLock()
        self._index = Index()

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
            self._index = Index()
            return
        except OSError as exc:
            raise JournalError(
                f"cannot read journal: {exc.strerror}", path=str(self.path)
            ) from None
        index = self._index
        identity = (st.st_dev, st.st_ino)
        if index.identity != identity or st.st_size < index.offset:
            index = Index()
            index.identity = identity
        if st.st_size == index.offset:
            self._index = index
            return
        try:
            data = read_from(fd, self.path, index.offset)
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
        draft = validated(entry)
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
            data = encode_line(stored)
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

    def _open(self) -> Locked:
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | O_CLOEXEC
        return Locked(os.open(self.path, flags, 0o600))

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
            old = read_from(fd, self.path, 0)[: index.offset]
            lines, kept = compacted(index, keep)
            append_durably(self.archive_path, old)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as out:
                out.write(b"".join(lines))
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
            fsync_dir(self.path.parent)
            dropped = len(index.entries) - kept
        with self._lock:
            self._index = Index()
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
