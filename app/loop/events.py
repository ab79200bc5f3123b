"""What the loop controller tells its front end (beside the review's events)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import TetherError
from app.loop.plan import Plan
from app.review.events import ReviewEvent


@dataclass(frozen=True, slots=True)
class LoopEvent(ReviewEvent):
    """Base class of the loop's events."""


@dataclass(frozen=True, slots=True)
class Said(LoopEvent):
    """A line for the status bar (``error``: shown as an error)."""

    message: str
    error: bool = False


@dataclass(frozen=True, slots=True)
class Failed(LoopEvent):
    """Something the user must see as an error notification."""

    error: TetherError
    title: str = ""


@dataclass(frozen=True, slots=True)
class ContextSent(LoopEvent):
    """A request went to the model: exactly what was sent, for the ``c`` panel."""

    text: str


@dataclass(frozen=True, slots=True)
class PlanText(LoopEvent):
    """The model's plan, as far as it has streamed."""

    text: str


@dataclass(frozen=True, slots=True)
class HunksArrived(LoopEvent):
    """An edit of the model's became hunks of ``path``."""

    path: str


@dataclass(frozen=True, slots=True)
class EditRefused(LoopEvent):
    """An edit of the model's was not applied (it goes back to the model once)."""

    message: str
    path: str | None


@dataclass(frozen=True, slots=True)
class PlanReady(LoopEvent):
    plan: Plan


@dataclass(frozen=True, slots=True)
class LevelChanged(LoopEvent):
    """The slider's level (0-4) and its leash."""

    level: int
    limit: int


@dataclass(frozen=True, slots=True)
class StatusChanged(LoopEvent):
    """Generating started or ended, tokens arrived, the proposal became held."""
