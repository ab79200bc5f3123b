"""What a journal's entries add up to: every entry by seq, and each source's
undo and redo stacks, kept up to date entry by entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import JournalError
from app.core.journal_entry import DECISIONS, NOTES, Entry, Op


@dataclass
class Stacks:
    """One source's undo state, kept up to date entry by entry."""

    done: list[Entry] = field(default_factory=list)
    undone: list[Entry] = field(default_factory=list)
    # Every entry of the source but records, oldest first (reconcile reads the last).
    steps: list[Entry] = field(default_factory=list)
    by_path: dict[str, list[Entry]] = field(default_factory=dict)


class Index:
    """Everything parsed so far and the stacks per source."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.by_seq: dict[int, Entry] = {}
        self.sources: dict[str, Stacks] = {}
        self.last_seq = 0
        self.offset = 0  # bytes of the file parsed (whole lines only)
        self.lines = 0
        self.identity: tuple[int, int] | None = None  # (device, inode)

    def stacks(self, source: str) -> Stacks:
        found = self.sources.get(source)
        if found is None:
            found = self.sources[source] = Stacks()
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
