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

The pane is composed of mixins: ``diff_cursor`` (cursor, marks, folds, the
cursor keys), ``diff_render`` (rows drawn and cached), ``diff_highlight``
(syntax colours and changed words); this module holds what is shown, its
layout into rows (``diff_rows``) and the scrolling.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from math import ceil

from rich.segment import Segment
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from app.core.model import Hunk
from app.core.names import safe_text
from app.core.text import strip_eol
from widgets.diff_cursor import CURSOR_BINDINGS, DiffCursorMixin
from widgets.diff_highlight import DiffHighlightMixin
from widgets.diff_render import DiffRenderMixin
from widgets.diff_rows import BlockCache, Row, layout, wrap_rows
from widgets.highlight import Tokens

__all__ = ["CURSOR_BINDINGS", "DiffPane"]


class DiffPane(
    DiffCursorMixin,
    DiffRenderMixin,
    DiffHighlightMixin,
    ScrollView,
    can_focus=True,
    inherit_bindings=False,
):
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

    # repaint=False: the watcher redraws the rows whose mark moved (or all
    # of them when the view scrolled), not the reactive the whole pane.
    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)
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

    # -- cursor (the rest is diff_cursor's) ----------------------------------------

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


def _thumb(bar: ScrollBar, virtual: int) -> tuple[int, int]:
    """Where a vertical scrollbar's thumb is drawn, in eighths of a cell, for a
    virtual height (the geometry of Textual's ``ScrollBarRender.render_bar``)."""
    size, window, position = bar.size.height, bar.window_size, bar.position
    if not (window and size and virtual and size != virtual and virtual > window):
        return (0, 0)
    thumb = max(1.0, window / (virtual / size))
    start = int((size - thumb) * (position / (virtual - window)) * 8)
    return start, start + ceil(thumb * 8)
