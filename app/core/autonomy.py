"""The autonomy slider and the leash, as policy (no UI).

The level decides what the model may touch; the leash caps how many lines a
single proposal may change. A hunk outside the scope, or any hunk of a
proposal over the leash, cannot be accepted until the user explicitly widens
(``Scope.widen``) or asks for the proposal in small steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from app.core.model import Hunk


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

    def hunk_in_scope(self, path: str, hunk: Hunk) -> bool:
        if self.level is Level.OFF:
            return False
        if self.level is Level.REPO:
            return not self.paths or path in self.paths
        if path != self.path:
            return False
        if self.level is Level.FILE or self.lines is None:
            return True
        first, last = self.lines
        start = hunk.old_start if hunk.old_len else hunk.old_start + 1
        # Only the changed lines count, not the context around them.
        changed = [ln.old_no for ln in hunk.lines if ln.kind == "-" and ln.old_no is not None]
        if not changed:
            # A pure insertion: in scope when it lands inside or at the edges.
            insert_at = next(
                (ln.old_no for ln in hunk.lines if ln.kind == " " and ln.old_no), start
            )
            changed = [insert_at]
            return first - 1 <= min(changed) <= last + 1
        return first <= min(changed) and max(changed) <= last

    def blocked(self, path: str, hunk: Hunk, proposal_size: int) -> str | None:
        """Why this hunk may not be accepted now, or None."""
        if hunk.id in self.widened:
            return None
        if proposal_size > self.limit:
            return (
                f"held: this proposal changes {proposal_size} lines, over the leash of {self.limit} "
                f"at level {LEVEL_NAMES[self.level]}; p asks the model for small steps, w widens"
            )
        if not self.hunk_in_scope(path, hunk):
            where = self.path if self.level is not Level.REPO else "the allowed files"
            if self.level in (Level.LINE, Level.CHUNK) and self.lines:
                where = f"{self.path} lines {self.lines[0]}–{self.lines[1]}"
            return (
                f"out of leash: level {LEVEL_NAMES[self.level]} allows changes to {where}; w widens"
            )
        return None
