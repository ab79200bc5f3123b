"""The leash in the loop: widen a hunk, ask for a plan, carry out its steps,
edit the plan file.

A mixin for ``LoopApp``; the rules are ``LoopController``'s.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from app.core.names import quote_name

if TYPE_CHECKING:
    from app.loop.controller import LoopController
    from app.tui.review_app import ReviewApp
    from widgets.code_view import CodeView

    _Base = ReviewApp
else:
    _Base = object


class PlanMixin(_Base):
    """The keys of the leash and the plan (w, p, g, E)."""

    if TYPE_CHECKING:  # what the loop app has
        loop: LoopController

        @property
        def code(self) -> CodeView: ...
        def _set_context_text(self, text: str) -> None: ...

    def action_widen(self) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        from app.review.commands import Widen

        outcome = self._run(Widen(self.current.path, hunk))
        if outcome is None:
            return
        if outcome.lines:
            self.status.say(
                f"widened: hunk {hunk} of {quote_name(self.current.path)} may be accepted"
            )
        else:
            self.status.say("this hunk is inside the leash already")

    def action_plan(self) -> None:
        self.loop.make_plan(self.code.path or None)

    def action_next_step(self) -> None:
        self.loop.next_step(self.code.path or None)

    def _show_plan(self, title: str) -> None:
        plan = self.loop.plan
        if plan is None:
            return
        from app.loop.planfile import render_plan

        self._set_context_text(f"{title}:\n\n{render_plan(plan)}")
        self.query_one("#context").display = True

    def action_edit_plan(self) -> None:
        """The plan file in $EDITOR; the next g reads it as it was left."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.status.say("set $EDITOR (or $VISUAL) to edit the plan", error=True)
            return
        if self.loop.plan is None:
            self.status.say("no plan yet: p asks for one when a proposal is held", error=True)
            return
        if not self.loop.save_plan():
            return
        problem = self._run_editor(editor, str(self.loop.plan_path()))
        if problem is not None:
            self.status.say(f"{problem}; the plan file was not read back", error=True)
            return
        self.loop.reload_plan()
        plan = self.loop.plan
        if plan is not None:
            self.status.say(
                f"plan read back: {len(plan.items)} steps, {plan.done} done; g carries out the next"
            )
            self._show_plan("Plan (g carries out the next step)")
        self.update_keys()
