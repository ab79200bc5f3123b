"""Room for the diff: side panels that hide, resize and give way on a narrow
terminal, and scrolling the code sideways.

A mixin for the review workbench (and the apps built on it). The panels are
the file list (``#files``) and, in the loop, the context panel
(``#context``); what the user chose (shown or not, how wide) is kept for the
session and across runs (``app.core.uiprefs``: per user, never in the
repository), and what is drawn is that choice shrunk to leave the diff at
least half the screen.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from app.core.uiprefs import FILES_WIDTH, RoomPrefs, load_prefs, save_prefs
from widgets.diff_pane import DiffPane
from widgets.status_line import StatusLine

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[dict]
else:
    _Base = object

MIN_PANEL = 12
STEP = 4
MIN_SIZE = (40, 10)  # below this the diff has no room at all


class TooSmallScreen(ModalScreen[None]):
    """Covers the workbench while the terminal is too small for it."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen > Static { width: 100%; height: auto; text-align: center; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")

    def on_mount(self) -> None:
        self._say()

    def on_resize(self, _event: events.Resize) -> None:
        self._say()

    def _say(self) -> None:
        width, height = self.app.size
        self.query_one(Static).update(
            Text(
                f"The terminal is {width}×{height}: Tether needs at least "
                f"{MIN_SIZE[0]}×{MIN_SIZE[1]}. Make it larger (ctrl+q quits)."
            )
        )


ROOM_BINDINGS = [
    Binding("b", "toggle_files", "Files", tooltip="Hide or show the file list", show=False),
    Binding(
        "left_curly_bracket",
        "files_width(-4)",
        "Narrower list",
        key_display="{",
        tooltip="Make the file list narrower",
        show=False,
    ),
    Binding(
        "right_curly_bracket",
        "files_width(4)",
        "Wider list",
        key_display="}",
        tooltip="Make the file list wider",
        show=False,
    ),
    Binding("z", "toggle_wrap", "Wrap", show=False, tooltip="Wrap long lines, or cut them"),
    Binding(
        "left",
        "sideways(-1)",
        "Scroll left",
        key_display="←",
        tooltip="Scroll the code left",
        show=False,
    ),
    Binding(
        "right",
        "sideways(1)",
        "Scroll right",
        key_display="→",
        tooltip="Scroll the code right (to a change cut at the edge first)",
        show=False,
    ),
]


def panel_width(chosen: int, total: int, share: float = 0.25) -> int:
    """The width a side panel gets: what was chosen, but never more than
    ``share`` of the terminal (the diff keeps the rest), nor less than
    ``MIN_PANEL``."""
    return max(MIN_PANEL, min(chosen, int(total * share)))


class RoomMixin(_Base):
    """Keys and layout rules that give the diff its room."""

    files_shown = True
    files_chosen = FILES_WIDTH
    room_prefs: RoomPrefs | None = None  # as loaded, then as last saved

    def load_room(self) -> None:
        """Take the panels as the user left them last time (once, at start)."""
        prefs, note = load_prefs()
        self.room_prefs = prefs
        self.files_shown, self.files_chosen = prefs.files_shown, prefs.files_width
        self.restore_side_panels(prefs)
        if note:
            self.notify(note, title="Panel sizes", severity="warning")

    def save_room(self, **changes: Any) -> None:
        """Remember the panels as they are now (and ``changes``, the loop's)."""
        prefs = replace(
            self.room_prefs or RoomPrefs(),
            files_shown=self.files_shown,
            files_width=self.files_chosen,
            **changes,
        )
        if prefs == self.room_prefs:
            return
        note = save_prefs(prefs)
        if note:
            self.notify(note, title="Panel sizes", severity="warning")
        else:
            self.room_prefs = prefs

    def restore_side_panels(self, prefs: RoomPrefs) -> None:
        """Apps with more panels take their stored choices here."""

    def apply_room(self) -> None:
        """Size the side panels for the terminal as it is now; below
        ``MIN_SIZE`` say so on the whole screen (the diff would be gone)."""
        if self.room_prefs is None:
            self.load_room()
        self._check_too_small()
        total = self.size.width
        for panel in self.query("#files"):
            panel.display = self.files_shown
            panel.styles.width = panel_width(self.files_chosen, total)
        self.size_side_panels(total)

    def _check_too_small(self) -> None:
        width, height = self.size
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        showing = isinstance(self.screen, TooSmallScreen)
        if small and not showing:
            self.push_screen(TooSmallScreen())
        elif showing:
            screen = self.screen
            assert isinstance(screen, TooSmallScreen)
            if small:
                screen.refresh()
            else:
                self.pop_screen()

    def size_side_panels(self, total: int) -> None:
        """Apps with more panels size them here (the loop's context panel)."""

    def on_resize(self, _event: events.Resize) -> None:
        # Later: this runs before App's own handler has taken the new size.
        self.call_later(self.apply_room)

    def _say(self, text: str) -> None:
        self.query_one(StatusLine).say(text)

    def action_toggle_files(self) -> None:
        self.files_shown = not self.files_shown
        self.apply_room()
        self.save_room()
        self._say(
            "file list shown (b hides it)" if self.files_shown else "file list hidden (b shows it)"
        )

    def action_files_width(self, delta: int) -> None:
        if not self.files_shown:
            self._say("the file list is hidden: b shows it")
            return
        limit = panel_width(10**6, self.size.width)
        current = min(self.files_chosen, limit)
        chosen = max(MIN_PANEL, min(current + delta, limit))
        if chosen == current:
            edge = "narrowest" if delta < 0 else "widest"
            self._say(f"the file list is as {edge} as it goes ({chosen} columns)")
            return
        self.files_chosen = chosen
        self.apply_room()
        self.save_room()
        self._say(f"file list {chosen} columns wide")

    def action_sideways(self, direction: int) -> None:
        pane = self.query_one(DiffPane)
        if pane.wrap:
            self._say("lines are wrapped: nothing to scroll (z cuts them again)")
            return
        self._say(pane.scroll_sideways(direction))

    def action_toggle_wrap(self) -> None:
        pane = self.query_one(DiffPane)
        pane.wrap = not pane.wrap
        self._say(
            "long lines wrap (↪ marks a continuation; z cuts them)"
            if pane.wrap
            else "long lines are cut at the edge (» marks it; → scrolls; z wraps)"
        )
