"""A plan of small steps: what the model is asked for when a proposal is
held over the leash, then carried out one reviewed step at a time."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.core.autonomy import Scope

_STEP = re.compile(r"^\s*(\d+)[.)]\s+(.+)$", re.MULTILINE)


def parse_plan(text: str) -> list[str]:
    """The numbered steps of a model's reply (``1. …`` or ``1) …``), in order."""
    return [m.group(2).strip() for m in _STEP.finditer(text)]


@dataclass
class Plan:
    """The steps, the task, and the scope the held proposal had: every step
    runs in that scope, at that level and leash, so the slider shows what
    each step may do."""

    goal: str
    scope: Scope
    text: str = ""
    steps: list[str] = field(default_factory=list)
    done: int = 0  # steps started so far

    @property
    def remaining(self) -> int:
        return len(self.steps) - self.done
