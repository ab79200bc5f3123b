"""What a front end can ask of a review: commands addressed by hunk id.

A command names hunks by their content-based id and lines by their line id
(``<hunk id>.<n>``, the n-th changed line of that hunk), never by a position
on someone's screen, so it means the same change however the file was
re-diffed between the key press and the write. A command whose hunk is gone
is refused (``HunkGoneError``); nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DecideOp = Literal["accept", "reject"]


@dataclass(frozen=True, slots=True)
class Decide:
    """Accept or reject hunks of one file; ``lines`` restricts a hunk to the
    line ids given for it (a hunk none of whose lines is named goes whole).
    ``reason`` (a reject's why) is journaled and goes to the model.
    ``seat`` names who decides ("": the review's own seat)."""

    op: DecideOp
    path: str
    hunks: tuple[str, ...]
    lines: tuple[str, ...] = ()
    reason: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False)
    seat: str = ""


@dataclass(frozen=True, slots=True)
class Split:
    """Show each separate change of a hunk as its own hunk."""

    path: str
    hunk: str


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the proposed side of a hunk with ``text`` (the user edited it)."""

    path: str
    hunk: str
    text: str


@dataclass(frozen=True, slots=True)
class Undo:
    """Take back the newest decision of this review (it survives restarts);
    a seat takes back only its own (``seat`` "": the review's own seat)."""

    seat: str = ""


@dataclass(frozen=True, slots=True)
class Redo:
    """Redo what undo took back (the seat that undid it)."""

    seat: str = ""


@dataclass(frozen=True, slots=True)
class Widen:
    """Allow one out-of-leash hunk to be accepted (the loop's ``w``)."""

    path: str
    hunk: str


@dataclass(frozen=True, slots=True)
class Reload:
    """Read a file from disk again (re-anchoring a proposal held in memory)."""

    path: str


Command = Decide | Split | Edit | Undo | Redo | Widen | Reload


def describe(command: Command) -> str:
    """A few words naming a command, for messages."""
    if isinstance(command, Decide):
        count = len(command.hunks)
        return f"{command.op} {count} hunk{'s' if count != 1 else ''} of {command.path}"
    if isinstance(command, Split | Edit | Widen):
        return f"{type(command).__name__.lower()} hunk {command.hunk} of {command.path}"
    if isinstance(command, Reload):
        return f"reload {command.path}"
    return type(command).__name__.lower()
