"""The journal file's bytes: one line per entry, a descriptor under the
exclusive ``flock``, reading from an offset, and parsing whole lines (a torn
last line is ignored: the next append cuts it off)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.core.errors import JournalError
from app.core.journal_entry import Entry, entry_from_json
from app.core.journal_index import Index

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class Locked:
    """An open journal descriptor holding the exclusive ``flock``."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> int:
        if fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)  # against other Tether processes
        return self.fd

    def __exit__(self, *_exc: object) -> None:
        os.close(self.fd)


def encode_line(entry: Entry) -> bytes:
    try:
        text = json.dumps(entry.to_json(), ensure_ascii=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise JournalError(f"entry cannot be stored as JSON: {exc}") from None
    return (text + "\n").encode("ascii")


def read_from(fd: int | None, path: Path, offset: int) -> bytes:
    if fd is None:
        with open(path, "rb") as fh:
            fh.seek(offset)
            return fh.read()
    chunks = []
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def parse_into(index: Index, data: bytes, path: Path) -> None:
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


def append_durably(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
