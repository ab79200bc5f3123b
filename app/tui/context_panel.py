"""The loop's context panel: exactly what was sent to the model, the plan,
the walkthrough; shown, hidden and sized like the other side panels.

A mixin for ``LoopApp`` (the room's side panel hooks are ``app.tui.room``'s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from app.core.text import displayable
from app.core.uiprefs import CONTEXT_WIDTH, RoomPrefs
from app.tui.room import MIN_PANEL, panel_width

if TYPE_CHECKING:
    from app.loop.controller import LoopController
    from app.tui.review_app import ReviewApp

    _Base = ReviewApp
else:
    _Base = object


class ContextPanelMixin(_Base):
    """``#context``: c shows or hides it, ( and ) size it, t brings the walkthrough back."""

    if TYPE_CHECKING:  # what the loop app has
        loop: LoopController
        intro: str

    def action_context(self) -> None:
        panel = self.query_one("#context")
        panel.display = not panel.display
        if panel.display and not self.loop.sent and not self.intro:
            self._set_context_text("Nothing sent yet.")
        self.save_room(context_shown=bool(panel.display))

    context_chosen = CONTEXT_WIDTH

    def restore_side_panels(self, prefs: RoomPrefs) -> None:
        self.context_chosen = prefs.context_width

    def size_side_panels(self, total: int) -> None:
        # The context panel gives way before the diff: at most 30% of the screen.
        self.query_one("#context").styles.width = panel_width(self.context_chosen, total, 0.3)

    def action_context_width(self, delta: int) -> None:
        panel = self.query_one("#context")
        if not panel.display:
            self.status.say("the context panel is hidden: c shows it")
            return
        limit = panel_width(10**6, self.size.width, 0.3)
        current = min(self.context_chosen, limit)
        chosen = max(MIN_PANEL, min(current + delta, limit))
        if chosen == current:
            edge = "narrowest" if delta < 0 else "widest"
            self.status.say(f"the context panel is as {edge} as it goes ({chosen} columns)")
            return
        self.context_chosen = chosen
        self.apply_room()
        self.save_room(context_width=chosen)
        self.status.say(f"context panel {chosen} columns wide")

    def _set_context_text(self, text: str) -> None:
        # What was sent includes file contents: drawn with controls made visible.
        lines = text.split("\n")
        self.query_one("#context-text", Static).update(Text("\n".join(map(displayable, lines))))

    def action_walkthrough(self) -> None:
        if not self.intro:
            self.status.say("no walkthrough here: t shows it in tether demo")
            return
        self._set_context_text(self.intro)
        self.query_one("#context").display = True
        self.status.say("the walkthrough is back (c hides it)")
