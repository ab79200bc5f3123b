"""A read-only view of one file with a line cursor and a line selection.

The cursor and selection tell the autonomy slider's levels 1 and 2 which
lines the model may change. Line API: only visible lines are drawn, and
highlighting is done per 200-line block on first sight; of a very long line
only the visible columns (``highlight.WINDOW_OVER``).
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from app.core.text import displayable, split_lines, strip_eol
from themes import palette_for
from widgets.highlight import WINDOW_OVER, Tokens, clip_tokens, colour_for, lex_lines, token_colours

_BLOCK = 200


class CodeView(ScrollView, can_focus=True):
    """Shows a file; ``v`` starts or ends a line selection."""

    DEFAULT_CSS = """
    CodeView { background: $background; scrollbar-size-vertical: 1; }
    """

    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "move_page(-1)", "Page up", show=False),
        Binding("pagedown", "move_page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "Top", show=False),
        Binding("end", "move_to(-1)", "Bottom", show=False),
        Binding("shift+up", "extend(-1)", "Select up", show=False),
        Binding("shift+down", "extend(1)", "Select down", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)
    """0-based line under the cursor."""

    selection_start: reactive[int | None] = reactive(None)
    """Where the selection started (None: no selection)."""

    class Moved(Message):
        """The cursor or the selection changed."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.path = ""
        self.lines: list[str] = []
        self._tokens: dict[int, list[Tokens]] = {}

    def show(self, path: str, text: str, *, line: int = 0) -> None:
        self.path = path
        self.lines = [strip_eol(ln) for ln in split_lines(text)] or [""]
        self._tokens.clear()
        self.selection_start = None
        width = max(len(ln) for ln in self.lines) + 8
        self.virtual_size = Size(width, len(self.lines))
        self.cursor = line
        self.refresh()

    @property
    def selection(self) -> tuple[int, int] | None:
        """Selected lines, 1-based inclusive, or None."""
        if self.selection_start is None:
            return None
        first, last = sorted((self.selection_start, self.cursor))
        return first + 1, last + 1

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.lines) - 1))

    def watch_cursor(self, value: int) -> None:
        height = self.scrollable_content_region.height or self.size.height
        top = int(self.scroll_y)
        if height > 0:
            if value < top:
                self.scroll_to(y=value, animate=False, immediate=True)
            elif value >= top + height:
                self.scroll_to(y=value - height + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Moved())

    def watch_selection_start(self) -> None:
        self.refresh()
        self.post_message(self.Moved())

    def action_move(self, delta: int) -> None:
        self.cursor += delta

    def action_move_page(self, direction: int) -> None:
        self.cursor += direction * max(1, self.scrollable_content_region.height - 2)

    def action_move_to(self, line: int) -> None:
        self.cursor = line if line >= 0 else len(self.lines) - 1

    def action_extend(self, delta: int) -> None:
        if self.selection_start is None:
            self.selection_start = self.cursor
        self.cursor += delta

    def toggle_selection(self) -> None:
        self.selection_start = self.cursor if self.selection_start is None else None

    def _line_tokens(self, index: int) -> Tokens:
        block = index // _BLOCK
        lexed = self._tokens.get(block)
        if lexed is None:
            start = block * _BLOCK
            lexed = lex_lines(self.path, tuple(self.lines[start : start + _BLOCK]))
            self._tokens[block] = lexed
        return lexed[index % _BLOCK]

    def render_line(self, y: int) -> Strip:
        theme = self.app.current_theme
        pal = palette_for(theme.name, theme.dark)
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        base = Style(bgcolor=pal.background)
        if index >= len(self.lines):
            return Strip.blank(width, base)
        selected = (
            self.selection is not None and self.selection[0] <= index + 1 <= self.selection[1]
        )
        bg = pal.cursor_bg if index == self.cursor or selected else pal.background
        gutter = len(str(len(self.lines)))
        marker = "▌" if index == self.cursor else ("┃" if selected else " ")
        segs = [
            Segment(marker, Style(color=pal.selected, bgcolor=pal.background, bold=True)),
            Segment(f"{index + 1:>{gutter}} ", Style(color=pal.gutter, bgcolor=bg)),
        ]
        colours = token_colours(pal.pygments_style)
        tokens = self._line_tokens(index)
        long = len(self.lines[index]) > WINDOW_OVER
        if long:  # only the columns on screen are built
            tokens = clip_tokens(tokens, scroll_x, width)
        code = [
            Segment(
                displayable(value),
                Style(color=colour_for(colours, ttype) or pal.text, bgcolor=bg),
            )
            for ttype, value in tokens
        ]
        body = Strip(code)
        if long:
            body = body.crop(0, width)
        elif scroll_x:
            body = body.crop(scroll_x, scroll_x + width)
        return Strip.join([Strip(segs), body]).adjust_cell_length(width, Style(bgcolor=bg))
