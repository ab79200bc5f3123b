"""What a review tells its front ends: typed events, emitted after each change.

Events are notifications: a front end reads the current state from the
service when one arrives, so two front ends (or an event that arrives after
a newer one) never disagree with the review. They are delivered on the
thread that made the change; a UI hands them to its own thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import TetherError
from app.review.commands import Command
from app.review.session import Outcome


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """Base class of everything a review emits."""


@dataclass(frozen=True, slots=True)
class FilesChanged(ReviewEvent):
    """Files joined the review, or a file's status changed."""

    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HunksChanged(ReviewEvent):
    """The pending hunks of ``path`` changed; ``why`` says what changed them
    (``decided``, ``deciding``, ``restored``, ``disk``, ``proposal``, ``split``,
    ``edit``, ``undo``, ``redo``, ``widened``, ``reload``, ``loaded``)."""

    path: str
    revision: int
    why: str


@dataclass(frozen=True, slots=True)
class DecisionMade(ReviewEvent):
    """A decision (or an undo or redo of one) is journaled and written;
    ``seat`` made it ("": the review's own)."""

    outcome: Outcome
    reason: str = ""
    seat: str = ""


@dataclass(frozen=True, slots=True)
class CommandFailed(ReviewEvent):
    """A submitted command was refused or its write failed; nothing was written."""

    command: Command
    error: TetherError


@dataclass(frozen=True, slots=True)
class HistoryChanged(ReviewEvent):
    """Whether undo and redo can do anything changed."""

    can_undo: bool
    can_redo: bool


@dataclass(frozen=True, slots=True)
class FileStale(ReviewEvent):
    """A file changed on disk under pending hunks that no longer match it."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class CommentAdded(ReviewEvent):
    """A seat commented on a hunk (journaled; shown to every seat)."""

    path: str
    hunk_id: str
    seat: str
    text: str
    line: str = ""


@dataclass(frozen=True, slots=True)
class PresenceChanged(ReviewEvent):
    """A seat moved to another hunk, or left the review."""

    seat: str


@dataclass(frozen=True, slots=True)
class ChecksChanged(ReviewEvent):
    """What the checks say of ``path``'s hunks changed (started, passed, failed)."""

    path: str
