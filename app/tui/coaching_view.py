"""Coaching in the loop: the hint panel, what it is told, its dismissal.

A mixin for ``LoopApp``; the rules are ``app.teaching``'s (``Coach``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.widgets import Static

from app.loop.controller import SET_ASIDE
from app.teaching.coaching import Coach, repo_names

if TYPE_CHECKING:
    from pathlib import Path

    from app.review.events import DecisionMade
    from app.teaching.coach import Hint
    from app.tui.review_app import ReviewApp

    _Base = ReviewApp
else:
    _Base = object


class CoachingMixin(_Base):
    """The coach's hints (``#coach``), when coaching is on."""

    if TYPE_CHECKING:  # what the loop app has
        coach: Coach | None
        root: Path

    @work(thread=True, group="coach-names")
    def _learn_names(self) -> None:
        names = repo_names(self.root)  # git ls-files and outlines, off the UI thread
        if self.coach is not None:
            self.coach.names |= names

    def _coach_decision(self, event: DecisionMade) -> None:
        if self.coach is None or event.outcome.op not in ("accept", "reject"):
            return
        if event.reason.startswith(SET_ASIDE):
            return  # the held proposal set aside by p: no reviewer read it
        self._hint(self.coach.decided(event.outcome.op, event.outcome.lines, event.reason))
        if not self.service.pending:
            self.coach.idle()

    def _hint(self, hint: Hint | None) -> None:
        if hint is None:
            return
        panel = self.query_one("#coach", Static)
        panel.update(Text(f"coach: {hint.text()} · x dismisses"))
        panel.display = True
        self.update_keys()

    def action_dismiss_hint(self) -> None:
        if self.coach is not None:
            self.coach.dismiss()
        self.query_one("#coach", Static).display = False
        self.update_keys()
