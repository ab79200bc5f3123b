"""The autonomy slider and the leash, as policy (no UI).

The level decides what the model may touch; the leash caps how many lines a
single proposal may change. A hunk outside the scope, or any hunk of a
proposal over the leash, cannot be accepted until the user explicitly widens
(``Scope.widen``) or asks for the proposal in small steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from app.core.model import Hunk

if TYPE_CHECKING:
    from app.core.context import ContextPacket


def insertion_line(hunk: Hunk) -> int:
    """The old line a pure insertion goes before (past its leading context):
    where a region for it starts, and what a region must hold to allow it."""
    before = hunk.old_start + 1 if hunk.old_len == 0 else hunk.old_start
    for ln in hunk.lines:
        if ln.kind == "+":
            break
        if ln.old_no is not None:
            before = ln.old_no + 1
    return before


class Level(IntEnum):
    OFF = 0
    LINE = 1
    CHUNK = 2
    FILE = 3
    REPO = 4


LEVEL_NAMES = {
    Level.OFF: "off",
    Level.LINE: "line",
    Level.CHUNK: "chunk",
    Level.FILE: "file",
    Level.REPO: "repo",
}

LEVEL_HELP = {
    Level.OFF: "review external changes only; the model may change nothing",
    Level.LINE: "the model may change the line(s) at the cursor",
    Level.CHUNK: "the model may change the selected lines",
    Level.FILE: "the model may change the current file",
    Level.REPO: "the model may change any tracked file",
}

DEFAULT_LEASH = {Level.OFF: 0, Level.LINE: 5, Level.CHUNK: 40, Level.FILE: 200, Level.REPO: 400}


# A changed line longer than this counts as one line per this many characters,
# so a single 10 MB line cannot slip under a 5-line leash.
LINE_WIDTH = 200


def changed_lines(hunks: list[Hunk]) -> int:
    """The size of a proposal, in lines (long lines weigh by their length)."""
    return sum(
        -(-max(len(ln.raw), 1) // LINE_WIDTH) for h in hunks for ln in h.lines if ln.kind != " "
    )


def creates_file(hunk: Hunk) -> bool:
    """Whether the hunk is a whole new file (``@@ -0,0 +1,N @@``)."""
    return hunk.old_start == 0 and hunk.old_len == 0


@dataclass
class Scope:
    """What the current proposal may change.

    ``path`` and ``lines`` (1-based, inclusive) narrow levels 1–3; level 4
    allows any path the context packager allowed (``paths``; empty = any).
    """

    level: Level = Level.FILE
    path: str | None = None
    lines: tuple[int, int] | None = None
    paths: frozenset[str] = frozenset()
    leash: dict[Level, int] = field(default_factory=lambda: dict(DEFAULT_LEASH))
    # Hunk ids the user explicitly allowed outside the scope (the widen key).
    widened: set[str] = field(default_factory=set)

    @property
    def limit(self) -> int:
        return self.leash.get(self.level, 0)

    @classmethod
    def from_packet(
        cls, packet: ContextPacket, level: Level, leash: dict[Level, int] | None = None
    ) -> Scope:
        """What the model may change, as the context sent to it said."""
        path = next(iter(packet.allowed_paths), None) if level is not Level.REPO else None
        lines = packet.allowed_ranges.get(path) if path is not None else None
        return cls(
            level=level,
            path=path,
            lines=lines if level in (Level.LINE, Level.CHUNK) else None,
            paths=frozenset(packet.allowed_paths) if level is Level.REPO else frozenset(),
            leash=dict(leash) if leash else dict(DEFAULT_LEASH),
        )

    def region(self, path: str, lines: tuple[int, int]) -> Scope:
        """This level and leash, narrowed to ``lines`` of ``path`` (regenerating
        one rejected hunk)."""
        return Scope(level=self.level, path=path, lines=lines, leash=self.leash)

    def fresh(self) -> Scope:
        """The same scope with nothing widened (a plan's next step)."""
        return Scope(self.level, self.path, self.lines, self.paths, dict(self.leash))

    def hunk_in_scope(self, path: str, hunk: Hunk) -> bool:
        """Whether the hunk changes only what the scope allows: a region
        (``lines``, at any level: levels 1-2, or regenerating one rejected
        hunk) must hold its changed lines; otherwise the level decides."""
        if self.level is Level.OFF:
            return False
        if self.lines is None:
            if self.level is Level.REPO:
                # The files the context allowed, or a file the model creates
                # (the generation already refused secret, ignored and unsafe paths).
                return not self.paths or path in self.paths or creates_file(hunk)
            if self.paths:  # a plan's steps: the files the held proposal changed
                return path in self.paths
            return path == self.path
        if path != self.path:
            return False
        first, last = self.lines
        # Only the changed lines count, not the context around them.
        changed = [ln.old_no for ln in hunk.lines if ln.kind == "-" and ln.old_no is not None]
        if not changed:
            # A pure insertion: in scope when the old line it goes before is
            # inside the lines, or right after them (the bottom edge).
            return first <= insertion_line(hunk) <= last + 1
        return first <= min(changed) and max(changed) <= last

    def may_view(self, path: str) -> bool:
        """Whether a model may be shown ``path`` whole (its ``view`` tool): at
        level 4 the context packager decides; below, only the scope's files."""
        if self.level is Level.REPO:
            return True
        if self.level is Level.OFF:
            return False
        return path == self.path or path in self.paths

    def describe(self) -> str:
        """What the scope allows, in the words the status line and toasts use."""
        return f"level {int(self.level)} ({LEVEL_NAMES[self.level]}): {self.describe_where()}, leash {self.limit} lines"

    def describe_where(self) -> str:
        """Which files (and lines) the scope allows."""
        where = {
            Level.OFF: "nothing",
            Level.LINE: self.path or "the cursor line",
            Level.CHUNK: self.path or "the selection",
            Level.FILE: self.path or "the current file",
            Level.REPO: "the allowed files",
        }[self.level]
        if self.lines is not None and self.level is not Level.OFF:
            where = f"{self.path} lines {self.lines[0]}–{self.lines[1]}"
        elif self.paths and self.level is not Level.REPO:
            where = ", ".join(sorted(self.paths))
        return where

    def blocked(
        self,
        path: str,
        hunk: Hunk,
        proposal_size: int,
        *,
        limit: int | None = None,
        level: Level | None = None,
    ) -> str | None:
        """Why this hunk may not be accepted now, or None. ``limit`` and
        ``level`` are the slider's, when it moved since the proposal was made."""
        if hunk.id in self.widened:
            return None
        limit = self.limit if limit is None else limit
        at = self.level if level is None else level
        if proposal_size > limit:
            return (
                f"held: this proposal changes {proposal_size} lines, over the leash of {limit} "
                f"at level {LEVEL_NAMES[at]}; p asks the model for small steps, w widens"
            )
        if not self.hunk_in_scope(path, hunk):
            where = self.path if self.level is not Level.REPO else "the allowed files"
            if self.paths and self.level is not Level.REPO:
                where = ", ".join(sorted(self.paths))
            if self.lines is not None:
                where = f"{self.path} lines {self.lines[0]}–{self.lines[1]}"
            if self.level is Level.OFF:
                where = "nothing"
            return (
                f"out of leash: level {LEVEL_NAMES[self.level]} allows changes to {where}; w widens"
            )
        return None
