"""The diff pane: red/green hunks drawn with the Line API.

Only visible rows are rendered, and each rendered row is cached as a Strip,
so a 20,000-line file with 500 hunks paints as fast as a 2-line one. Rows
are laid out from cached per-hunk blocks (``diff_rows``), syntax highlighting
is cached by text (``highlight.lex_cached``) and word highlights by line
pair, so a decision re-lays the file out without re-rendering or re-lexing
what did not change, and a cursor move repaints two rows.

Attributes flow down (``show``, ``split_view``); ``CursorMoved`` flows up
when the cursor enters another hunk. ``CURSOR_BINDINGS`` are the cursor keys
(up, down, page up/down, home, end) an app binds to the pane's actions.
Hunks are named by id: ``current_hunk_id`` and ``marked_lines`` are what a
front end turns into a command.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from math import ceil
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from app.core.model import ADDED, CONTEXT, REMOVED, Hunk
from app.core.names import safe_text
from app.core.text import displayable, strip_eol
from themes import DiffPalette, palette_for, syntax_colour
from widgets.diff_rows import (
    FOLD,
    HUNK,
    NOTE,
    BlockCache,
    Row,
    layout,
    pairs_in_hunk,
    wrap_rows,
)
from widgets.highlight import (
    WINDOW_OVER,
    Tokens,
    clip_tokens,
    colour_for,
    lex_cached,
    token_colours,
)
from widgets.intraline import Spans, word_spans

if TYPE_CHECKING:
    from pygments.token import _TokenType

_STRIP_CACHE = 4096
# Rows drawn ahead per idle turn (see DiffPane._prewarm).
_PREWARM_STEP = 8

CURSOR_BINDINGS: list[Binding] = [
    Binding("up", "cursor_by(-1)", "Up", show=False, tooltip="Cursor up one line"),
    Binding("down", "cursor_by(1)", "Down", show=False, tooltip="Cursor down one line"),
    Binding("pageup", "page_by(-1)", "Page up", show=False, tooltip="Page up"),
    Binding("pagedown", "page_by(1)", "Page down", show=False, tooltip="Page down"),
    Binding("home", "hunk_at(0)", "First", show=False, tooltip="First hunk of the file"),
    Binding("end", "hunk_at(-1)", "Last", show=False, tooltip="Last hunk of the file"),
]


class DiffPane(ScrollView, can_focus=True, inherit_bindings=False):
    """A scrollable, highlighted view of one file's hunks with a row cursor.

    The pane binds no keys itself: the app binds ``CURSOR_BINDINGS`` to the
    ``action_*`` methods here, so one key has one handler, and the app can say
    where the cursor is in the same frame as the cursor moves. (ScrollView's
    own scrolling keys are not inherited: they would scroll and leave the
    cursor behind.)"""

    DEFAULT_CSS = """
    DiffPane {
        background: $background;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
    }
    """

    split_view: reactive[bool] = reactive(False)
    """Side-by-side (True) or unified (False)."""

    wrap: reactive[bool] = reactive(False)
    """Soft-wrap long lines (continuation rows marked ``↪``) instead of cutting them."""

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the row under the cursor."""

    class CursorMoved(Message):
        """The cursor entered another hunk (``hunk`` is its id; None: it left
        all hunks, onto a fold or a note)."""

        def __init__(self, pane: DiffPane, hunk: str | None) -> None:
            super().__init__()
            self.pane = pane
            self.hunk = hunk

        @property
        def control(self) -> DiffPane:
            return self.pane

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.path = ""
        self.note = ""
        self.banner = ""
        self.rows: list[Row] = []
        self.expanded: set[str] = set()
        self._hunks: tuple[Hunk, ...] = ()
        self._by_id: dict[str, int] = {}
        self._old_lines: Sequence[str] = ()
        self._notes: Mapping[str, str] = {}
        self._risks: Mapping[str, str] = {}
        self._badges: Mapping[str, str] = {}
        self._presence: Mapping[str, str] = {}
        self._marked: dict[str, set[int]] = {}
        self._blocks = BlockCache()
        self._strips: OrderedDict[tuple[object, ...], Strip] = OrderedDict()
        self._codes: OrderedDict[tuple[object, ...], list[Segment]] = OrderedDict()
        self._sides: dict[tuple[str, str], tuple[Hunk, dict[int, Tokens]]] = {}
        self._pairs: dict[str, tuple[Hunk, dict[int, int]]] = {}
        self._row_of_hunk: dict[str, int] = {}
        self._last_hunk: str | None = "\0"
        self._gutter = 4
        self._text_width = 0

    # -- what is shown (read-only views for front ends and tests) ---------------

    @property
    def hunks(self) -> tuple[Hunk, ...]:
        return self._hunks

    @property
    def hunk_notes(self) -> dict[int, str]:
        """Why a hunk may not be accepted now, by its index on show."""
        return {self._by_id[h]: note for h, note in self._notes.items() if h in self._by_id}

    @property
    def hunk_badges(self) -> dict[int, str]:
        """What each hunk's checks say, by its index on show."""
        return {self._by_id[h]: badge for h, badge in self._badges.items() if h in self._by_id}

    @property
    def hunk_presence(self) -> dict[int, str]:
        """Which other seats are on each hunk, by its index on show."""
        return {self._by_id[h]: who for h, who in self._presence.items() if h in self._by_id}

    @property
    def selected(self) -> dict[int, set[int]]:
        """Marked lines (indices into the hunk's lines), by hunk index."""
        return {self._by_id[h]: set(v) for h, v in self._marked.items() if h in self._by_id}

    # -- data --------------------------------------------------------------------

    def show(
        self,
        path: str,
        hunks: Sequence[Hunk],
        old_lines: Sequence[str],
        *,
        note: str = "",
        notes: Mapping[str, str] | None = None,
        hunk: str | int | None = None,
        banner: str = "",
        risks: Mapping[str, str] | None = None,
        badges: Mapping[str, str] | None = None,
    ) -> None:
        """Show a file. The cursor goes to hunk ``hunk`` (an id, or an index,
        clamped); with None it stays on the hunk it was on, or the one now at
        its place. Re-showing the same file keeps open folds and marks.
        ``banner`` is a line above the hunks about the whole file (a flag);
        ``risks`` what each hunk's header flags (``⚠ …``), by hunk id;
        ``badges`` what its checks say (``✓ ruff``, ``✗ …``, ``⋯ checking``)."""
        same_file = path == self.path
        before = self.current_hunk_id()
        before_index = max(self.current_hunk(), 0)
        had_hunks = bool(self._hunks)
        start = self._row_of_hunk.get(before, 0) if before is not None else 0
        offset = self.cursor - start
        self.path, self.note, self.banner = path, safe_text(note), safe_text(banner)
        self._hunks = tuple(hunks)
        self._by_id = {h.id: i for i, h in enumerate(self._hunks)}
        self._old_lines = old_lines
        self._notes = {key: safe_text(text) for key, text in (notes or {}).items()}
        self._risks = {key: safe_text(text) for key, text in (risks or {}).items()}
        self._badges = {key: safe_text(text) for key, text in (badges or {}).items()}
        if same_file:
            self._marked = {h: v for h, v in self._marked.items() if h in self._by_id}
            self._blocks.keep_only(self._by_id)
        else:
            self._marked = {}
            self.expanded = set()
            if self.scroll_x:  # another file: its lines start at column 1
                self.scroll_to(x=0, animate=False, immediate=True)
            self._blocks.clear()
            self._sides.clear()
            self._pairs.clear()
        self._relayout()
        if isinstance(hunk, str):
            self.move_to_hunk(self._by_id.get(hunk, 0), force_scroll=not same_file)
        elif isinstance(hunk, int):
            self.move_to_hunk(hunk, force_scroll=not same_file)
        elif not same_file:
            self.move_to_hunk(0, force_scroll=True)
        elif before is not None and before in self._by_id:
            # The same hunk, the same line of it, wherever it moved.
            self.cursor = self._row_of_hunk[before] + offset
            if self.current_hunk_id() != before:
                self.move_to_hunk(self._by_id[before])
        elif before is not None or not had_hunks:
            self.move_to_hunk(before_index)  # the hunk that took its place (or the first)
        else:
            self.cursor = self.cursor  # on a fold row: stay there (clamped)

    def set_badges(self, badges: Mapping[str, str]) -> None:
        """New check verdicts for the hunks on show: only their header rows
        change (the strip cache is keyed by the badge), nothing is laid out."""
        self._badges = {key: safe_text(text) for key, text in badges.items()}
        self.refresh()

    def set_presence(self, presence: Mapping[str, str]) -> None:
        """The other seats on each hunk (``"bob"``, ``"bob, eve"``), by hunk id,
        marked ``◆ bob`` in its header; like badges, only headers change."""
        fresh = {key: safe_text(who) for key, who in presence.items() if who}
        if fresh != self._presence:
            self._presence = fresh
            self.refresh()

    def _relayout(self) -> None:
        laid = layout(
            self._hunks,
            self._old_lines,
            split_view=self.split_view,
            expanded=self.expanded,
            note=self.note,
            blocks=self._blocks,
            banner=self.banner,
        )
        self.rows, self._row_of_hunk = laid.rows, laid.headers
        top = len(self._old_lines) + 1
        for h in self._hunks[-1:]:
            top = max(top, h.old_start + h.old_len, h.new_start + h.new_len)
        self._gutter = max(3, len(str(top)))
        self._text_width = laid.width
        if self.wrap and self.scrollable_content_region.width:
            self.rows, self._row_of_hunk = wrap_rows(
                self.rows, self._row_of_hunk, self.code_room(), split_view=self.split_view
            )
            self._text_width = 0  # nothing to scroll sideways
        self._set_virtual_size(Size(self._virtual_width(), len(self.rows)))
        self.refresh()
        self.call_after_refresh(self._prewarm)

    def _set_virtual_size(self, size: Size) -> None:
        """Set the scrollable size without a layout of the whole screen when
        no scrollbar appears or goes (a decision removing a hunk's rows):
        the scrollbars are told, the rows are repainted, nothing moves."""
        old = self.virtual_size
        view = self.scrollable_content_region.size
        same_bars = (
            (old.height > view.height) == (size.height > view.height)
            and (old.width > view.width) == (size.width > view.width)
            and view.height > 0
        )
        if old == size:
            return
        if not same_bars:
            self.virtual_size = size  # a scrollbar comes or goes: lay the screen out
            return
        self.set_reactive(DiffPane.virtual_size, size)
        bar = self.vertical_scrollbar if self.show_vertical_scrollbar else None
        if bar is not None and _thumb(bar, old.height) == _thumb(bar, size.height):
            # The thumb does not move by an eighth of a cell (a few rows of
            # thousands went): tell the scrollbar, do not redraw it.
            bar.set_reactive(type(bar).window_virtual_size, size.height)
        else:
            self._scroll_update(size)
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def watch_wrap(self) -> None:
        hunk = self.current_hunk()
        if self.scroll_x:
            self.scroll_to(x=0, animate=False, immediate=True)
        self._strips.clear()
        self._relayout()
        self.move_to_hunk(max(hunk, 0), force_scroll=True)

    def _virtual_width(self) -> int:
        """How wide the rows are, so that scrolling sideways stops where the
        longest text ends: in unified view a row's code follows its gutter;
        side by side, each half shows the same columns of its text."""
        if self.wrap:
            return 0
        if not self.split_view:
            return self._text_width + 2 * self._gutter + 8
        view = self.scrollable_content_region.width or self.size.width
        room = self._half_room(view)
        return max(0, self._text_width - room) + view if self._text_width > room else 0

    def _half_room(self, width: int) -> int:
        """Columns of code on each side of the split view."""
        return max(1, max(10, (width - 2) // 2) - (self._gutter + 4))

    def code_room(self) -> int:
        """Columns of code a row shows (each half's, side by side)."""
        width = self.scrollable_content_region.width or self.size.width
        if self.split_view:
            return self._half_room(width)
        return max(1, width - (2 * self._gutter + 6))

    def scroll_sideways(self, direction: int) -> str:
        """Scroll the code left or right. Right goes first to the next change
        of the hunk under the cursor that is cut at the right edge (so a change
        at column 255 is one key away), else by half the code's width. Says
        where it went (for the status line)."""
        room = self.code_room()
        x = int(self.scroll_x)
        if direction > 0:
            cut = self._next_cut_change(x + room)
            target = max(x + 1, cut - room // 4) if cut is not None else x + max(1, room // 2)
        else:
            target = max(0, x - max(1, room // 2))
        target = min(target, int(self.max_scroll_x))
        if target == x:
            return (
                "at the start of the lines" if direction < 0 else "at the end of the longest line"
            )
        self.scroll_to(x=target, animate=False, immediate=True)
        self._strips.clear()
        return f"columns {target + 1}–{target + room}"

    def _next_cut_change(self, edge: int) -> int | None:
        """Where the first change of the current hunk that starts past
        column ``edge`` begins, or None."""
        hunk_id = self.current_hunk_id()
        index = self._by_id.get(hunk_id) if hunk_id else None
        if index is None:
            return None
        hunk = self._hunks[index]
        starts = [
            start
            for i, line in enumerate(hunk.lines)
            if line.is_change
            for start, _end in self._changed_spans(hunk, i, strip_eol(line.raw), line.kind)
            if start >= edge
        ]
        return min(starts) if starts else None

    def watch_split_view(self) -> None:
        hunk = self.current_hunk()
        self._relayout()
        self.move_to_hunk(max(hunk, 0), force_scroll=True)

    def on_resize(self) -> None:
        self._strips.clear()
        if self.wrap and self.rows:
            self._relayout()  # the room per row changed: wrap again
        elif self.split_view and self.rows:
            self._set_virtual_size(Size(self._virtual_width(), len(self.rows)))

    def refresh_palette(self) -> None:
        self._strips.clear()
        self._codes.clear()
        self.refresh()

    # -- cursor ------------------------------------------------------------------

    def current_row(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def current_hunk_id(self) -> str | None:
        """The id of the hunk under the cursor, or None (a fold, a note)."""
        row = self.current_row()
        return row.hunk if row is not None and row.hunk else None

    def current_hunk(self) -> int:
        """The index of the hunk under the cursor, or -1."""
        hunk = self.current_hunk_id()
        return self._by_id.get(hunk, -1) if hunk is not None else -1

    def marked_lines(self, hunk_id: str) -> tuple[str, ...]:
        """Line ids of the lines marked with space in ``hunk_id`` (empty: none)."""
        index = self._by_id.get(hunk_id)
        if index is None:
            return ()
        hunk = self._hunks[index]
        return tuple(hunk.line_id(i) for i in sorted(self._marked.get(hunk_id, ())))

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        top = int(self.scroll_y)
        self._keep_visible(new)
        if int(self.scroll_y) != top or old >= len(self.rows):
            self.refresh()
            self.call_after_refresh(self._prewarm)
        else:
            # Only the two rows whose cursor mark changed are drawn again.
            self.refresh_line(old)
            self.refresh_line(new)
        hunk = self.current_hunk_id()
        if hunk != self._last_hunk:
            self._last_hunk = hunk
            self.post_message(self.CursorMoved(self, hunk))

    def _keep_visible(self, row: int, *, margin: int = 2) -> None:
        height = self.scrollable_content_region.height or self.size.height
        if height <= 0:
            return
        top = int(self.scroll_y)
        if row < top + margin:
            self.scroll_to(y=max(0, row - margin), animate=False, immediate=True)
        elif row >= top + height - margin:
            self.scroll_to(y=row - height + margin + 1, animate=False, immediate=True)

    def move_cursor(self, delta: int) -> None:
        self.cursor = self.cursor + delta

    def action_cursor_by(self, delta: int) -> None:
        self.move_cursor(delta)

    def action_page_by(self, direction: int) -> None:
        self.page(direction)

    def action_cursor_to(self, row: int) -> None:
        self.cursor = row if row >= 0 else len(self.rows) - 1

    def page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 2)
        self.scroll_to(y=self.scroll_y + direction * height, animate=False, immediate=True)
        self.cursor = self.cursor + direction * height
        self.call_after_refresh(self._prewarm)

    def _first_row_of(self, hunk_id: str) -> int:
        header = self._row_of_hunk.get(hunk_id)
        if header is None:
            return 0
        for i in range(header + 1, len(self.rows)):
            row = self.rows[i]
            if row.hunk != hunk_id:
                break
            if row.kind in (ADDED, REMOVED) or (
                row.kind == "pair" and (row.left_kind or row.right_kind) in (ADDED, REMOVED)
            ):
                return i
        return header

    def move_to_hunk(self, hunk: int, *, force_scroll: bool = False) -> None:
        if not self._hunks:
            self.cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
            return
        hunk = max(0, min(hunk, len(self._hunks) - 1))
        hunk_id = self._hunks[hunk].id
        target = self._first_row_of(hunk_id)
        header = self._row_of_hunk.get(hunk_id, target)
        height = self.scrollable_content_region.height or self.size.height
        top = int(self.scroll_y)
        if force_scroll or header < top or target >= top + max(height, 1) - 2:
            self.scroll_to(y=max(0, header - 2), animate=False, immediate=True)
        self.cursor = target

    def action_hunk_at(self, index: int) -> None:
        """The cursor to the file's first (0) or last (-1) hunk: Home and
        End stay on hunks, not on the fold rows around them."""
        if self._hunks:
            self.move_to_hunk(index if index >= 0 else len(self._hunks) - 1)

    def row_of_line(self, hunk_id: str, line: int) -> int | None:
        """The row that shows line ``line`` of hunk ``hunk_id`` (either side)."""
        start = self._row_of_hunk.get(hunk_id)
        if start is None:
            return None
        for i in range(start, len(self.rows)):
            row = self.rows[i]
            if row.hunk != hunk_id:
                break
            if row.kind != HUNK and line in (row.line, row.right):
                return i
        return None

    def show_column(self, column: int, length: int = 1) -> None:
        """Scroll sideways so that columns ``column`` to ``column + length``
        of the code are on screen (a search match)."""
        room = self.code_room()
        x = int(self.scroll_x)
        if column < x + 1 or column + length > x + room - 1:
            self.scroll_to(x=max(0, column - room // 4), animate=False, immediate=True)

    def next_hunk(self, step: int = 1) -> bool:
        current = self.current_hunk()
        if current < 0:
            # On a fold or note row: find the nearest hunk in that direction.
            rng = range(self.cursor, len(self.rows)) if step > 0 else range(self.cursor, -1, -1)
            for i in rng:
                if self.rows[i].hunk:
                    self.move_to_hunk(self._by_id[self.rows[i].hunk])
                    return True
            return False
        target = current + step
        if 0 <= target < len(self._hunks):
            self.move_to_hunk(target)
            return True
        return False

    # -- selection and folds -------------------------------------------------------

    def toggle_line(self) -> bool:
        """Mark or unmark the changed line under the cursor; False if it is not one."""
        row = self.current_row()
        if row is None or not row.hunk:
            return False
        hunk = self._hunks[self._by_id[row.hunk]]
        if row.kind == "pair":
            indices = [i for i in (row.line, row.right) if i >= 0 and hunk.lines[i].is_change]
        else:
            indices = [row.line] if row.kind in (ADDED, REMOVED) else []
        if not indices:
            return False
        chosen = self._marked.setdefault(row.hunk, set())
        if all(i in chosen for i in indices):
            chosen.difference_update(indices)
        else:
            chosen.update(indices)
        if not chosen:
            del self._marked[row.hunk]
        self._refresh_hunk(row.hunk)
        self.cursor = self.cursor + 1
        return True

    def _refresh_hunk(self, hunk_id: str) -> None:
        start = self._row_of_hunk.get(hunk_id)
        if start is None:
            return
        end = start + 1
        while end < len(self.rows) and self.rows[end].hunk == hunk_id:
            end += 1
        self.refresh_lines(start, end - start)

    def toggle_fold(self) -> bool:
        row = self.current_row()
        if row is None or not row.fold:
            return False
        fold = row.fold
        if fold in self.expanded:
            self.expanded.discard(fold)
        else:
            self.expanded.add(fold)
        self._relayout()
        self.cursor = next((i for i, r in enumerate(self.rows) if r.fold == fold), self.cursor)
        return True

    # -- rendering -------------------------------------------------------------------

    def _palette(self) -> DiffPalette:
        theme = self.app.current_theme
        return palette_for(theme.name, theme.dark)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width, Style(bgcolor=self._palette().background))
        return self._strip(index, width, scroll_x, self.app.current_theme.name)

    def _strip(self, index: int, width: int, scroll_x: int, theme: str) -> Strip:
        """Row ``index`` drawn, from the cache when nothing it shows changed."""
        row = self.rows[index]
        is_cursor = index == self.cursor
        hunk = self._hunk_of(row)
        marks = self._marked.get(row.hunk) if row.hunk else None
        numbers: object = None
        if hunk is not None:
            if row.kind == HUNK:
                numbers = (hunk.header(), self._by_id[row.hunk], len(self._hunks))
            else:
                numbers = (
                    hunk.lines[row.line].old_no if row.line >= 0 else None,
                    hunk.lines[row.line].new_no if row.line >= 0 else None,
                    hunk.lines[row.right].new_no if row.right >= 0 else None,
                )
        key = (
            row.key,
            numbers,
            self._notes.get(row.hunk) if row.kind == HUNK else None,
            self._badges.get(row.hunk) if row.kind == HUNK else None,
            self._presence.get(row.hunk) if row.kind == HUNK else None,
            width,
            scroll_x,
            is_cursor,
            self._gutter,
            tuple(sorted(marks)) if marks else None,
            theme,
        )
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, hunk, width, scroll_x, is_cursor)
            self._strips[key] = strip
            if len(self._strips) > _STRIP_CACHE:
                self._strips.popitem(last=False)
        return strip

    def _prewarm(self, start: int | None = None) -> None:
        """Draw, in the idle time after a frame, the rows just below the screen
        (a decision moves them up into view), a few at a time so that a key
        pressed meanwhile is not kept waiting."""
        height = self.scrollable_content_region.height
        if height <= 0 or not self.is_mounted:
            return
        top = int(self.scroll_y) + height
        first = top if start is None else start
        end = min(len(self.rows), top + height)
        if first >= end:
            return
        width = self.scrollable_content_region.width
        theme = self.app.current_theme.name
        stop = min(end, first + _PREWARM_STEP)
        for index in range(first, stop):
            self._strip(index, width, int(self.scroll_x), theme)
        if stop < end:
            self.call_later(self._prewarm, stop)

    def _hunk_of(self, row: Row) -> Hunk | None:
        if not row.hunk:
            return None
        index = self._by_id.get(row.hunk)
        return self._hunks[index] if index is not None else None

    def _render_row(
        self, row: Row, hunk: Hunk | None, width: int, scroll_x: int, is_cursor: bool
    ) -> Strip:
        pal = self._palette()
        cursor_seg = Segment(
            "▌" if is_cursor else " ", Style(color=pal.selected, bgcolor=pal.background, bold=True)
        )
        if row.kind == NOTE:
            base = Style(bgcolor=pal.background)
            return Strip(
                [cursor_seg, Segment(" " + row.text, base + Style(color=pal.fold_fg, italic=True))]
            ).adjust_cell_length(width, base)
        if row.kind == HUNK and hunk is not None:
            marks = self._marked.get(row.hunk)
            info = f"  hunk {self._by_id[row.hunk] + 1}/{len(self._hunks)} · {hunk.id}"
            if marks:
                info += f" · {len(marks)} line{'s' if len(marks) != 1 else ''} selected"
            bg = pal.cursor_bg if is_cursor else pal.hunk_bg
            segs = [
                cursor_seg,
                Segment(
                    " " + displayable(hunk.header()),
                    Style(color=pal.hunk_fg, bgcolor=bg, bold=True),
                ),
            ]
            here = self._presence.get(row.hunk)
            if here:  # another seat is on this hunk: first, so two people see it at once
                segs.append(Segment(f"  ◆ {here}", Style(color=pal.hunk_fg, bgcolor=bg)))
            risk = self._risks.get(row.hunk)
            if risk:  # before the counter: at 80 columns it is what must show
                segs.append(
                    Segment(f"  ⚠ {risk}", Style(color=pal.selected, bgcolor=bg, bold=True))
                )
            badge = self._badges.get(row.hunk)
            if badge:  # a check's verdict: ✓ passed, ✗ and its first message, ⋯ running
                color = pal.added_mark if badge[0] == "✓" else pal.removed_mark
                if badge[0] == "⋯":
                    color = pal.fold_fg
                segs.append(Segment(f"  {badge}", Style(color=color, bgcolor=bg, bold=True)))
            segs.append(Segment(info, Style(color=pal.fold_fg, bgcolor=bg)))
            blocked = self._notes.get(row.hunk)
            if blocked:
                segs.append(
                    Segment(f"  ⊘ {blocked}", Style(color=pal.removed_mark, bgcolor=bg, bold=True))
                )
            return Strip(segs).adjust_cell_length(width, Style(bgcolor=bg))
        if row.kind == FOLD:
            end = row.old_no + row.count - 1 if row.old_no else row.count
            lines = f"{row.count} unchanged line{'s' if row.count != 1 else ''}"
            text = f"   ⋯ {lines} ({row.old_no}–{end}) · enter expands"
            bg = pal.cursor_bg if is_cursor else pal.background
            return Strip(
                [cursor_seg, Segment(text, Style(color=pal.fold_fg, bgcolor=bg, italic=True))]
            ).adjust_cell_length(width, Style(bgcolor=bg))
        if row.kind == "pair":
            return self._render_pair(row, hunk, width, scroll_x, is_cursor, cursor_seg, pal)
        return self._render_unified(row, hunk, width, scroll_x, is_cursor, cursor_seg, pal)

    def _line_style(self, kind: str, pal: DiffPalette) -> tuple[str | None, str | None, str, str]:
        if kind == ADDED:
            return pal.added_bg, pal.added_word_bg, "+", pal.added_mark
        if kind == REMOVED:
            return pal.removed_bg, pal.removed_word_bg, "-", pal.removed_mark
        return pal.background, None, " ", pal.gutter

    def _numbers(self, row: Row, hunk: Hunk | None) -> tuple[int | None, int | None]:
        if hunk is None or row.line < 0:
            return row.old_no, row.new_no
        line = hunk.lines[row.line]
        return line.old_no, line.new_no

    def _render_unified(
        self,
        row: Row,
        hunk: Hunk | None,
        width: int,
        scroll_x: int,
        is_cursor: bool,
        cursor_seg: Segment,
        pal: DiffPalette,
    ) -> Strip:
        bg, word_bg, mark, mark_fg = self._line_style(row.kind, pal)
        if is_cursor and row.kind == CONTEXT:
            bg = pal.cursor_bg
        selected = hunk is not None and row.line in self._marked.get(row.hunk, ())
        old_no, new_no = self._numbers(row, hunk)
        g = self._gutter
        old = f"{old_no:>{g}}" if old_no is not None else " " * g
        new = f"{new_no:>{g}}" if new_no is not None else " " * g
        if row.part:  # a continuation of the line above: no numbers, the wrap mark
            old, new, mark, mark_fg = " " * g, " " * g, "↪", pal.gutter
        gutter_style = Style(color=pal.gutter, bgcolor=bg)
        segs = [
            cursor_seg,
            Segment("●" if selected else " ", Style(color=pal.selected, bold=True, bgcolor=bg)),
            Segment(f"{old} {new} ", gutter_style),
            Segment(mark, Style(color=mark_fg, bgcolor=bg, bold=True)),
            Segment(" ", Style(bgcolor=bg)),
        ]
        prefix = Strip(segs)
        room = max(0, width - prefix.cell_length)
        if row.part:
            scroll_x = row.part * room
        body = self._body(hunk, row.line, row.text, row.kind, bg, word_bg, pal, scroll_x, room)
        return Strip.join([prefix, body]).adjust_cell_length(width, Style(bgcolor=bg))

    def _body(
        self,
        hunk: Hunk | None,
        line_index: int,
        text: str,
        kind: str,
        bg: str | None,
        word_bg: str | None,
        pal: DiffPalette,
        scroll_x: int,
        room: int,
    ) -> Strip:
        """A line's code, columns ``scroll_x`` to ``scroll_x + room``, with a
        mark where text is cut: ``»``/``«`` dim when unchanged text is cut,
        bold in the change's colours when a change is (never invisible)."""
        if room <= 0:
            return Strip([])
        fill = Style(bgcolor=bg)
        if len(text) > WINDOW_OVER:
            # Only the columns on screen are built (a 5 MB line is one row).
            window = (scroll_x, room)
            code = self._code(hunk, line_index, text, kind, bg, word_bg, pal, window)
            body = Strip(code).crop(0, room)
            total = len(text)
        else:
            full = Strip(self._code(hunk, line_index, text, kind, bg, word_bg, pal))
            total = full.cell_length
            body = full.crop(scroll_x, scroll_x + room) if scroll_x else full
        if self.wrap:
            return body  # the rest of the line is on the next row
        cut_left = scroll_x > 0 and total > 0
        cut_right = total > scroll_x + room
        if not (cut_left or cut_right):
            return body
        body = body.adjust_cell_length(room, fill)
        spans = self._changed_spans(hunk, line_index, text, kind) if hunk is not None else ()
        weak = Style(color=pal.gutter, bgcolor=bg, bold=True)
        strong = Style(color=pal.selected, bgcolor=word_bg or bg, bold=True)
        edge = scroll_x + room - 1
        if cut_right:
            hidden = any(e > edge for _s, e in spans)
            body = Strip.join(
                [body.crop(0, room - 1), Strip([Segment("»", strong if hidden else weak)])]
            )
        if cut_left and room > 1:
            hidden = any(s < scroll_x + 1 for s, _e in spans)
            body = Strip.join(
                [Strip([Segment("«", strong if hidden else weak)]), body.crop(1, room)]
            )
        return body

    def _render_pair(
        self,
        row: Row,
        hunk: Hunk | None,
        width: int,
        scroll_x: int,
        is_cursor: bool,
        cursor_seg: Segment,
        pal: DiffPalette,
    ) -> Strip:
        half = max(10, (width - 2) // 2)
        g = self._gutter
        marks = self._marked.get(row.hunk, ())
        if hunk is not None:
            left_no = hunk.lines[row.line].old_no if row.line >= 0 else None
            right_no = hunk.lines[row.right].new_no if row.right >= 0 else None
        else:
            left_no, right_no = row.old_no, row.new_no
        parts = [Strip([cursor_seg])]
        for side, (kind, idx, no, text) in enumerate(
            (
                (row.left_kind, row.line, left_no, row.text),
                (row.right_kind, row.right, right_no, row.right_text),
            )
        ):
            if not kind:
                filler = Style(color=pal.gutter, bgcolor=pal.hunk_bg)
                parts.append(Strip([Segment("╱" * half, filler)]).adjust_cell_length(half, filler))
                if side == 0:
                    parts.append(
                        Strip([Segment("│", Style(color=pal.gutter, bgcolor=pal.background))])
                    )
                continue
            bg, word_bg, mark, mark_fg = self._line_style(kind, pal)
            if is_cursor and kind == CONTEXT:
                bg = pal.cursor_bg
            chosen = idx >= 0 and idx in marks and kind != CONTEXT
            if row.part:  # a continuation: no number, the wrap mark if this side goes on
                goes_on = len(text) > row.part * (half - g - 4)
                no, mark, mark_fg = None, "↪" if goes_on else " ", pal.gutter
            segs = [
                Segment("●" if chosen else " ", Style(color=pal.selected, bold=True, bgcolor=bg)),
                Segment(
                    f"{no:>{g}} " if no is not None else " " * (g + 1),
                    Style(color=pal.gutter, bgcolor=bg),
                ),
                Segment(mark + " ", Style(color=mark_fg, bgcolor=bg, bold=True)),
            ]
            head = Strip(segs)
            room = half - head.cell_length
            offset = row.part * room if row.part else scroll_x
            body = self._body(hunk, idx, text, kind, bg, word_bg, pal, offset, room)
            parts.append(
                Strip.join([head, body]).adjust_cell_length(half, Style(bgcolor=bg)).crop(0, half)
            )
            if side == 0:
                parts.append(Strip([Segment("│", Style(color=pal.gutter, bgcolor=pal.background))]))
        return Strip.join(parts).adjust_cell_length(width)

    def _code(
        self,
        hunk: Hunk | None,
        line_index: int,
        text: str,
        kind: str,
        bg: str | None,
        word_bg: str | None,
        pal: DiffPalette,
        window: tuple[int, int] | None = None,
    ) -> list[Segment]:
        # The same text with the same highlights draws the same segments:
        # kept, so moving a row (a decision above it, its numbers shifting)
        # costs a gutter, not a lexer pass and a word diff. ``window``
        # (first character, count): only those characters are drawn.
        key = (
            hunk.id if hunk is not None else "",
            line_index,
            text,
            kind,
            bg,
            pal.pygments_style,
            window,
        )
        cached = self._codes.get(key)
        if cached is not None:
            return cached
        segs = self._code_segments(hunk, line_index, text, kind, bg, word_bg, pal, window)
        self._codes[key] = segs
        if len(self._codes) > _STRIP_CACHE:
            self._codes.popitem(last=False)
        return segs

    def _code_segments(
        self,
        hunk: Hunk | None,
        line_index: int,
        text: str,
        kind: str,
        bg: str | None,
        word_bg: str | None,
        pal: DiffPalette,
        window: tuple[int, int] | None = None,
    ) -> list[Segment]:
        tokens = self._line_tokens(hunk, line_index, text, kind)
        spans = self._word_spans(hunk, line_index, text, kind)
        if window is not None:
            first, count = window
            tokens = clip_tokens(tokens, first, count)
            spans = tuple(
                (max(0, s - first), min(count, e - first))
                for s, e in spans
                if e > first and s < first + count
            )
        colours = token_colours(pal.pygments_style)
        segs: list[Segment] = []
        pos = 0
        for ttype, value in tokens:
            fg = syntax_colour(colour_for(colours, ttype) or pal.text, pal)
            start = pos
            end = pos + len(value)
            pos = end
            cuts = sorted({start, end, *[c for s in spans for c in s if start < c < end]})
            for a, b in zip(cuts, cuts[1:], strict=False):
                piece = displayable(value[a - start : b - start])
                in_word = any(s <= a < e for s, e in spans)
                segs.append(Segment(piece, Style(color=fg, bgcolor=word_bg if in_word else bg)))
        # Neighbouring tokens of one colour become one segment: every segment of
        # every line on screen passes through Textual's colour filter per frame.
        return list(Segment.simplify(segs))

    def _word_spans(self, hunk: Hunk | None, line_index: int, text: str, kind: str) -> Spans:
        """The changed words of a changed line that has a partner line."""
        if hunk is None or kind not in (ADDED, REMOVED):
            return ()
        partner = self._pairs_for(hunk).get(line_index)
        if partner is None:
            return ()
        other = strip_eol(hunk.lines[partner].raw)
        if kind == REMOVED:
            return word_spans(text, other)[0]
        return word_spans(other, text)[1]

    def _changed_spans(self, hunk: Hunk | None, line_index: int, text: str, kind: str) -> Spans:
        """Where a line's change is: its changed words, else (an added or
        removed line without a partner, or one too different) all of it."""
        if kind not in (ADDED, REMOVED):
            return ()
        spans = self._word_spans(hunk, line_index, text, kind)
        if spans:
            return spans
        # A line that differs only in leading/trailing space still has a place.
        return ((0, max(1, len(text))),)

    def _pairs_for(self, hunk: Hunk) -> dict[int, int]:
        cached = self._pairs.get(hunk.id)
        if cached is None or cached[0] is not hunk:
            cached = self._pairs[hunk.id] = (hunk, pairs_in_hunk(hunk))
        return cached[1]

    def _line_tokens(self, hunk: Hunk | None, line_index: int, text: str, kind: str) -> Tokens:
        if hunk is None or line_index < 0:
            return lex_cached(self.path, (text,))[0]
        side = "old" if kind == REMOVED else "new"
        cached = self._sides.get((hunk.id, side))
        if cached is None or cached[0] is not hunk:
            wanted = (CONTEXT, REMOVED) if side == "old" else (CONTEXT, ADDED)
            members = [i for i, ln in enumerate(hunk.lines) if ln.kind in wanted]
            lexed = lex_cached(self.path, tuple(strip_eol(hunk.lines[i].raw) for i in members))
            cached = self._sides[(hunk.id, side)] = (hunk, dict(zip(members, lexed, strict=True)))
        found = cached[1].get(line_index)
        return found if found is not None else [(_text_token(), text)]


def _thumb(bar: ScrollBar, virtual: int) -> tuple[int, int]:
    """Where a vertical scrollbar's thumb is drawn, in eighths of a cell, for a
    virtual height (the geometry of Textual's ``ScrollBarRender.render_bar``)."""
    size, window, position = bar.size.height, bar.window_size, bar.position
    if not (window and size and virtual and size != virtual and virtual > window):
        return (0, 0)
    thumb = max(1.0, window / (virtual / size))
    start = int((size - thumb) * (position / (virtual - window)) * 8)
    return start, start + ceil(thumb * 8)


def _text_token() -> _TokenType:
    from pygments.token import Text

    return Text
