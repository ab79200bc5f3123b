"""A plan of small steps: what the model is asked for when a proposal is
held over the leash, then carried out one reviewed step at a time.

The plan lives in a Markdown file the user may edit (app/loop/planfile.py
reads and writes it); each step keeps the prompt it was sent with, the
hunks it produced and the decisions made on them, and is ticked when done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.core.autonomy import Scope

_STEP = re.compile(r"^\s*(\d+)[.)]\s+(.+)$", re.MULTILINE)


def parse_plan(text: str) -> list[str]:
    """The numbered steps of a model's reply (``1. …`` or ``1) …``), in order."""
    return [m.group(2).strip() for m in _STEP.finditer(text)]


@dataclass
class Decided:
    """A decision on one of a step's hunks (``op``: accept, reject, edit)."""

    op: str
    path: str
    hunk: str
    reason: str = ""


@dataclass
class PlanStep:
    text: str
    done: bool = False
    prompt: str = ""  # what was sent for it (empty: not sent yet)
    hunks: list[tuple[str, str]] = field(default_factory=list)  # (path, hunk id)
    decisions: list[Decided] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines the user wrote under it, verbatim


@dataclass
class Plan:
    """The steps, the task, and the scope the held proposal had: every step
    runs in that scope, at that level and leash, so the slider shows what
    each step may do. A plan written by hand has no such scope (``fixed``
    False): its steps run at the slider's level on the file on show."""

    goal: str
    scope: Scope
    text: str = ""
    items: list[PlanStep] = field(default_factory=list)
    fixed: bool = True
    intro: list[str] = field(default_factory=list)  # the user's lines before the steps

    @property
    def steps(self) -> list[str]:
        return [item.text for item in self.items]

    @property
    def done(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def remaining(self) -> int:
        return len(self.items) - self.done

    def next_index(self) -> int | None:
        """The first step not ticked off, or None."""
        return next((i for i, item in enumerate(self.items) if not item.done), None)
