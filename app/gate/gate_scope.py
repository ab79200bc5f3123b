"""What an agent's gated proposal may touch in the loop: the slider's level.

The one scope rule is ``Scope`` (``app.core.autonomy``); this policy asks it
about each incoming hunk with the scope the loop's slider sets now: level 0
allows nothing, levels 1–3 the file on the loop's screen (an agent's edit
has no cursor or selection to narrow to), level 4 any file. A hunk out of
scope, or any hunk of a file whose proposal is over the leash, is marked
and cannot be accepted until ``w`` widens it, as in the loop.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.autonomy import DEFAULT_LEASH, Level, Scope, changed_lines
from app.core.model import FileReview, Hunk


class GateScope:
    """A ``Policy`` for the gate's review; ``where`` gives the slider's
    level, its leash and the file on the loop's screen, asked each time."""

    def __init__(self, where: Callable[[], tuple[Level, dict[Level, int], str | None]]) -> None:
        self.where = where
        self.widened: set[str] = set()

    def scope(self) -> Scope:
        level, leash, path = self.where()
        return Scope(
            level=level,
            path=path if level is not Level.REPO else None,
            leash=dict(leash or DEFAULT_LEASH),
            widened=self.widened,
        )

    def blocked(self, fr: FileReview, hunk: Hunk) -> str | None:
        return self.scope().blocked(fr.path, hunk, changed_lines(fr.hunks))

    def widen(self, fr: FileReview, hunk: Hunk) -> bool:
        if self.blocked(fr, hunk) is None:
            return False
        self.widened.add(hunk.id)
        return True
