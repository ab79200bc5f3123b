"""The workbench's keys at work: which apply now (the footer shows those),
what a key that does not apply says, the command palette, the moving keys.

A mixin for the review workbench; the table of keys is ``review_bindings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from app.tui.room import TooSmallScreen
from app.tui.screens import HelpScreen, SummaryScreen
from app.tui.why import why_not
from widgets.diff_pane import DiffPane

if TYPE_CHECKING:
    from textual.app import App

    from app.review.service import ReviewService
    from widgets.status_line import StatusLine

    _Base = App[dict]
else:
    _Base = object

# Actions that need the file on show to have pending hunks.
_HUNK_ACTIONS = {"accept", "reject", "toggle_line", "split", "edit", "accept_file", "reject_file"}


class ReviewKeysMixin(_Base):
    """Whether a key applies, and the keys that move the cursor."""

    if TYPE_CHECKING:  # what the review app has
        service: ReviewService
        index: int
        _main_screen: Screen | None
        _applicable: tuple[bool, ...] | None

        @property
        def pane(self) -> DiffPane: ...
        @property
        def status(self) -> StatusLine: ...
        def show_file(self, index: int, *, hunk: str | int | None = 0) -> None: ...
        def _update_progress(self) -> None: ...

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_running or isinstance(self.screen, HelpScreen | SummaryScreen):
            return True
        if isinstance(self.screen, TooSmallScreen):
            return False  # nothing on show to act on
        if action in _HUNK_ACTIONS:
            return bool(self.pane.hunks)
        if action == "undo":
            # A decision on its way to disk will be there to undo.
            return self.service.busy or self.service.can_undo()
        if action == "redo":
            return self.service.can_redo()
        if action in ("next_file", "prev_file"):
            return len(self.service.files) > 1
        return True

    async def _on_key(self, event: events.Key) -> None:
        """A key of ours whose action does not apply now says why (Textual
        would drop it silently). Keys a focused list or input binds are theirs."""
        if self.screen is not self._main_screen or not self._focus_is_view():
            return
        actions = [b.action for b in self.all_bindings() if event.key in b.key.split(",")]
        if actions and not any(self.check_action(a.partition("(")[0], ()) for a in actions):
            event.prevent_default()  # nothing would run: App._on_key need not look
            self.status.say(why_not(actions[0]))

    def _focus_is_view(self) -> bool:
        """Whether the focus is on what the app's keys drive (the diff)."""
        return self.focused is None or isinstance(self.focused, DiffPane)

    def update_keys(self) -> None:
        """Refresh the footer only when the set of keys that apply changed:
        the Footer rebuilds its widgets on every refresh, which costs more
        than the whole repaint of a key press. The set depends on the file and
        the history, never on the row under the cursor, so moving is free."""
        table = cast("list[Binding]", type(self).BINDINGS)  # the app's table: Bindings only
        actions = tuple(bool(self.check_action(b.action.partition("(")[0], ())) for b in table)
        if actions != self._applicable:
            self._applicable = actions
            self.refresh_bindings()

    def all_bindings(self) -> list[Binding]:
        """Every key of the workbench (the cursor keys among them)."""
        return list(type(self).BINDINGS)  # type: ignore[arg-type]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.all_bindings():
            name, _, arg = binding.action.partition("(")
            method = getattr(self, f"action_{name}")
            key = binding.key_display or binding.key
            if arg:
                value = int(arg.rstrip(")"))
                yield SystemCommand(binding.tooltip, f"key: {key}", lambda m=method, v=value: m(v))
            else:
                yield SystemCommand(binding.tooltip, f"key: {key}", method)

    def action_help(self) -> None:
        self.push_screen(HelpScreen.of(self.all_bindings()))

    def action_next_hunk(self) -> None:
        # The status line is updated in the same frame as the cursor.
        moved = self.pane.next_hunk(1)
        self._update_progress()
        if not moved:
            if len(self.service.files) > 1:
                self.action_next_file()
            else:
                self.status.say("last hunk")

    def action_prev_hunk(self) -> None:
        moved = self.pane.next_hunk(-1)
        self._update_progress()
        if not moved:
            if len(self.service.files) > 1 and self.index > 0:
                self.show_file(self.index - 1, hunk=10**9)
            else:
                self.status.say("first hunk")

    def action_next_file(self) -> None:
        self.show_file((self.index + 1) % len(self.service.files))

    def action_prev_file(self) -> None:
        self.show_file((self.index - 1) % len(self.service.files))

    def action_pane_cursor_by(self, delta: int) -> None:
        self.pane.move_cursor(delta)
        self._update_progress()

    def action_pane_page_by(self, direction: int) -> None:
        self.pane.page(direction)
        self._update_progress()

    def action_pane_cursor_to(self, row: int) -> None:
        self.pane.action_cursor_to(row)
        self._update_progress()

    def action_pane_hunk_at(self, index: int) -> None:
        self.pane.action_hunk_at(index)
        self._update_progress()

    def action_toggle_view(self) -> None:
        self.pane.split_view = not self.pane.split_view
        self.status.say("side-by-side view" if self.pane.split_view else "unified view")

    def action_toggle_fold(self) -> None:
        self.pane.toggle_fold()
