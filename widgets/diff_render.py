"""The diff pane's rows drawn (Textual's Line API): only the rows on screen,
each cached as a Strip keyed by everything it shows, the rows just below
drawn ahead in idle time.

A mixin for ``DiffPane``: unified and side-by-side rows, hunk headers (risk,
checks, other seats), folds and notes, code cut at the edge with ``»``/``«``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from app.core.model import ADDED, CONTEXT, REMOVED, Hunk
from app.core.text import displayable
from themes import DiffPalette, palette_for
from widgets.diff_rows import FOLD, HUNK, NOTE, Row
from widgets.highlight import WINDOW_OVER
from widgets.intraline import Spans

if TYPE_CHECKING:
    from textual.scroll_view import ScrollView

    _Base = ScrollView
else:
    _Base = object

STRIP_CACHE = 4096
# Rows drawn ahead per idle turn (see DiffRenderMixin._prewarm).
_PREWARM_STEP = 8


class DiffRenderMixin(_Base):
    """``render_line`` and the rows it draws."""

    if TYPE_CHECKING:  # what the pane has
        rows: list[Row]
        cursor: int
        wrap: bool
        _hunks: tuple[Hunk, ...]
        _by_id: dict[str, int]
        _marked: dict[str, set[int]]
        _notes: Mapping[str, str]
        _risks: Mapping[str, str]
        _badges: Mapping[str, str]
        _presence: Mapping[str, str]
        _strips: OrderedDict[tuple[object, ...], Strip]
        _gutter: int

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
        ) -> list[Segment]: ...
        def _changed_spans(
            self, hunk: Hunk | None, line_index: int, text: str, kind: str
        ) -> Spans: ...

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
            if len(self._strips) > STRIP_CACHE:
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
