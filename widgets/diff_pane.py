"""The diff pane: red/green hunks drawn with the Line API.

Only visible rows are rendered, and each rendered row is cached as a Strip,
so a 20,000-line file with 500 hunks paints as fast as a 2-line one. Syntax
highlighting and word-level highlights are computed lazily per hunk.

Attributes flow down (``show_file``, ``split_view``); a ``CursorMoved``
message flows up when the cursor enters another hunk.
"""

from __future__ import annotations

from collections import OrderedDict

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from app.core.model import ADDED, CONTEXT, REMOVED, Hunk
from app.core.text import strip_eol
from themes import DiffPalette, palette_for
from widgets.diff_rows import FOLD, HUNK, NOTE, Row, build_rows, pairs_in_hunk
from widgets.highlight import Tokens, colour_for, lex_lines, token_colours
from widgets.intraline import Spans, word_spans

_STRIP_CACHE = 2048


class DiffPane(ScrollView, can_focus=True):
    """A scrollable, highlighted view of one file's hunks with a row cursor."""

    DEFAULT_CSS = """
    DiffPane {
        background: $background;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 1;
    }
    """

    # The cursor, not the viewport, follows these keys (ScrollView's own
    # bindings would scroll and leave the cursor behind).
    BINDINGS = [
        Binding("up", "cursor_by(-1)", "Up", show=False),
        Binding("down", "cursor_by(1)", "Down", show=False),
        Binding("pageup", "page_by(-1)", "Page up", show=False),
        Binding("pagedown", "page_by(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "Top", show=False),
        Binding("end", "cursor_to(-1)", "Bottom", show=False),
    ]

    split_view: reactive[bool] = reactive(False)
    """Side-by-side (True) or unified (False)."""

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the row under the cursor."""

    class CursorMoved(Message):
        """The cursor entered another hunk (or left all hunks: -1)."""

        def __init__(self, pane: DiffPane, hunk: int) -> None:
            super().__init__()
            self.pane = pane
            self.hunk = hunk

        @property
        def control(self) -> DiffPane:
            return self.pane

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.path = ""
        self.hunks: list[Hunk] = []
        self.old_lines: list[str] = []
        self.note = ""
        self.rows: list[Row] = []
        self.expanded: set[int] = set()
        self.selected: dict[int, set[int]] = {}
        # Why a hunk may not be accepted now (out of leash, held), by index.
        self.hunk_notes: dict[int, str] = {}
        self._strips: OrderedDict[tuple[object, ...], Strip] = OrderedDict()
        self._tokens: dict[tuple[int, str], list[Tokens]] = {}
        self._pairs: dict[int, dict[int, int]] = {}
        self._last_hunk = -2
        self._gutter = 4

    # -- data ------------------------------------------------------------------

    def show_file(
        self,
        path: str,
        hunks: list[Hunk],
        old_lines: list[str],
        *,
        note: str = "",
        hunk: int = 0,
        hunk_notes: dict[int, str] | None = None,
    ) -> None:
        """Show a file, putting the cursor on hunk ``hunk`` (clamped)."""
        same_file = path == self.path
        self.hunk_notes = hunk_notes or {}
        self.path, self.hunks, self.old_lines, self.note = path, hunks, old_lines, note
        self.selected = {}
        if not same_file:
            self.expanded = set()
        self._tokens.clear()
        self._pairs.clear()
        self._relayout()
        self.move_to_hunk(min(hunk, len(hunks) - 1) if hunks else 0, force_scroll=True)

    def hide_hunks(self, indices: set[int]) -> None:
        """Take decided hunks off the screen before the app has written them."""
        hunk = self.current_hunk()
        kept = [i for i in range(len(self.hunks)) if i not in indices]
        self.hunks = [self.hunks[i] for i in kept]
        self.hunk_notes = {kept.index(i): note for i, note in self.hunk_notes.items() if i in kept}
        self.selected = {}
        self._tokens.clear()
        self._pairs.clear()
        self._relayout()
        if self.hunks:
            self.move_to_hunk(min(max(hunk, 0), len(self.hunks) - 1))

    def _relayout(self) -> None:
        self.rows = build_rows(
            self.hunks,
            self.old_lines,
            split_view=self.split_view,
            expanded=self.expanded,
            note=self.note,
        )
        top = max((h.old_start + h.old_len for h in self.hunks), default=1)
        top = max(
            top, max((h.new_start + h.new_len for h in self.hunks), default=1), len(self.old_lines)
        )
        self._gutter = max(3, len(str(top)))
        width = max((len(r.text) for r in self.rows), default=0) + 2 * self._gutter + 8
        self.virtual_size = Size(0 if self.split_view else width, len(self.rows))
        self._strips.clear()
        self.refresh()

    def watch_split_view(self) -> None:
        hunk = self.current_hunk()
        self._relayout()
        self.move_to_hunk(max(hunk, 0), force_scroll=True)

    def on_resize(self) -> None:
        self._strips.clear()

    def refresh_palette(self) -> None:
        self._strips.clear()
        self.refresh()

    # -- cursor ------------------------------------------------------------------

    def current_hunk(self) -> int:
        if not self.rows:
            return -1
        row = self.rows[min(self.cursor, len(self.rows) - 1)]
        return row.hunk

    def current_row(self) -> Row | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self.rows) - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        self._keep_visible(new)
        self.refresh()
        hunk = self.current_hunk()
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
        self.post_message(self.CursorMoved(self, self.current_hunk()))

    def action_page_by(self, direction: int) -> None:
        self.page(direction)
        self.post_message(self.CursorMoved(self, self.current_hunk()))

    def action_cursor_to(self, row: int) -> None:
        self.cursor = row if row >= 0 else len(self.rows) - 1

    def page(self, direction: int) -> None:
        height = max(1, self.scrollable_content_region.height - 2)
        self.scroll_to(y=self.scroll_y + direction * height, animate=False, immediate=True)
        self.cursor = self.cursor + direction * height

    def _first_row_of(self, hunk: int) -> int:
        header = -1
        for i, row in enumerate(self.rows):
            if row.hunk == hunk:
                if row.kind == HUNK:
                    header = i
                elif row.kind in (ADDED, REMOVED) or (
                    row.kind == "pair" and (row.left_kind or row.right_kind) in (ADDED, REMOVED)
                ):
                    return i
        return max(header, 0)

    def move_to_hunk(self, hunk: int, *, force_scroll: bool = False) -> None:
        if not self.hunks:
            self.cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
            return
        hunk = max(0, min(hunk, len(self.hunks) - 1))
        target = self._first_row_of(hunk)
        header = next(
            (i for i, r in enumerate(self.rows) if r.kind == HUNK and r.hunk == hunk), target
        )
        height = self.scrollable_content_region.height or self.size.height
        top = int(self.scroll_y)
        if force_scroll or header < top or target >= top + max(height, 1) - 2:
            self.scroll_to(y=max(0, header - 2), animate=False, immediate=True)
        self.cursor = target

    def next_hunk(self, step: int = 1) -> bool:
        current = self.current_hunk()
        if current < 0:
            # On a fold or note row: find the nearest hunk in that direction.
            rng = range(self.cursor, len(self.rows)) if step > 0 else range(self.cursor, -1, -1)
            for i in rng:
                if self.rows[i].hunk >= 0:
                    self.move_to_hunk(self.rows[i].hunk)
                    return True
            return False
        target = current + step
        if 0 <= target < len(self.hunks):
            self.move_to_hunk(target)
            return True
        return False

    # -- selection and folds -------------------------------------------------------

    def toggle_line(self) -> bool:
        """Toggle the change line under the cursor; False if it is not one."""
        row = self.current_row()
        if row is None or row.hunk < 0:
            return False
        indices = [
            i for i in (row.line, row.right) if i >= 0 and self.hunks[row.hunk].lines[i].is_change
        ]
        if row.kind not in ("pair",):
            indices = [row.line] if row.kind in (ADDED, REMOVED) else []
        if not indices:
            return False
        chosen = self.selected.setdefault(row.hunk, set())
        if all(i in chosen for i in indices):
            chosen.difference_update(indices)
        else:
            chosen.update(indices)
        if not chosen:
            del self.selected[row.hunk]
        self._strips.clear()
        self.cursor = self.cursor + 1
        return True

    def toggle_fold(self) -> bool:
        row = self.current_row()
        if row is None or row.fold < 0:
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
        row = self.rows[index]
        is_cursor = index == self.cursor and self.has_focus_within or index == self.cursor
        sel = self.selected.get(row.hunk)
        key = (
            bool(self.hunk_notes.get(row.hunk)),
            index,
            width,
            scroll_x,
            is_cursor,
            tuple(sorted(sel)) if sel else None,
            self.app.current_theme.name,
        )
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(row, width, scroll_x, is_cursor)
            self._strips[key] = strip
            if len(self._strips) > _STRIP_CACHE:
                self._strips.popitem(last=False)
        return strip

    def _render_row(self, row: Row, width: int, scroll_x: int, is_cursor: bool) -> Strip:
        pal = self._palette()
        cursor_seg = Segment(
            "▌" if is_cursor else " ", Style(color=pal.selected, bgcolor=pal.background, bold=True)
        )
        if row.kind == NOTE:
            base = Style(bgcolor=pal.background)
            return Strip(
                [cursor_seg, Segment(" " + row.text, base + Style(color=pal.fold_fg, italic=True))]
            ).adjust_cell_length(width, base)
        if row.kind == HUNK:
            hunk = self.hunks[row.hunk]
            sel = self.selected.get(row.hunk)
            info = f"  hunk {row.hunk + 1}/{len(self.hunks)} · {hunk.id}"
            if sel:
                info += f" · {len(sel)} line{'s' if len(sel) != 1 else ''} selected"
            bg = pal.cursor_bg if is_cursor else pal.hunk_bg
            segs = [
                cursor_seg,
                Segment(" " + row.text, Style(color=pal.hunk_fg, bgcolor=bg, bold=True)),
                Segment(info, Style(color=pal.fold_fg, bgcolor=bg)),
            ]
            blocked = self.hunk_notes.get(row.hunk)
            if blocked:
                segs.append(
                    Segment(f"  ⊘ {blocked}", Style(color=pal.removed_mark, bgcolor=bg, bold=True))
                )
            return Strip(segs).adjust_cell_length(width, Style(bgcolor=bg))
        if row.kind == FOLD:
            end = row.old_no + row.count - 1 if row.old_no else row.count
            text = f"   ⋯ {row.count} unchanged line{'s' if row.count != 1 else ''} ({row.old_no}–{end}) · enter expands"
            bg = pal.cursor_bg if is_cursor else pal.background
            return Strip(
                [cursor_seg, Segment(text, Style(color=pal.fold_fg, bgcolor=bg, italic=True))]
            ).adjust_cell_length(width, Style(bgcolor=bg))
        if row.kind == "pair":
            return self._render_pair(row, width, is_cursor, cursor_seg, pal)
        return self._render_unified(row, width, scroll_x, is_cursor, cursor_seg, pal)

    def _line_style(self, kind: str, pal: DiffPalette) -> tuple[str | None, str | None, str, str]:
        if kind == ADDED:
            return pal.added_bg, pal.added_word_bg, "+", pal.added_mark
        if kind == REMOVED:
            return pal.removed_bg, pal.removed_word_bg, "-", pal.removed_mark
        return pal.background, None, " ", pal.gutter

    def _render_unified(
        self,
        row: Row,
        width: int,
        scroll_x: int,
        is_cursor: bool,
        cursor_seg: Segment,
        pal: DiffPalette,
    ) -> Strip:
        bg, word_bg, mark, mark_fg = self._line_style(row.kind, pal)
        if is_cursor and row.kind == CONTEXT:
            bg = pal.cursor_bg
        selected = row.hunk >= 0 and row.line in self.selected.get(row.hunk, ())
        g = self._gutter
        old = f"{row.old_no:>{g}}" if row.old_no is not None else " " * g
        new = f"{row.new_no:>{g}}" if row.new_no is not None else " " * g
        gutter_style = Style(color=pal.gutter, bgcolor=bg)
        segs = [
            cursor_seg,
            Segment("●" if selected else " ", Style(color=pal.selected, bold=True, bgcolor=bg)),
            Segment(f"{old} {new} ", gutter_style),
            Segment(mark, Style(color=mark_fg, bgcolor=bg, bold=True)),
            Segment(" ", Style(bgcolor=bg)),
        ]
        code = self._code(row.hunk, row.line, row.text, row.kind, bg, word_bg, pal)
        prefix = Strip(segs)
        body = Strip(code)
        if scroll_x:
            body = body.crop(scroll_x, scroll_x + max(0, width - prefix.cell_length))
        return Strip.join([prefix, body]).adjust_cell_length(width, Style(bgcolor=bg))

    def _render_pair(
        self, row: Row, width: int, is_cursor: bool, cursor_seg: Segment, pal: DiffPalette
    ) -> Strip:
        half = max(10, (width - 2) // 2)
        g = self._gutter
        sel = self.selected.get(row.hunk, ())
        parts = [Strip([cursor_seg])]
        for side, (kind, idx, no, text) in enumerate(
            (
                (row.left_kind, row.line, row.old_no, row.text),
                (row.right_kind, row.right, row.new_no, row.right_text),
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
            chosen = idx >= 0 and idx in sel and kind != CONTEXT
            segs = [
                Segment("●" if chosen else " ", Style(color=pal.selected, bold=True, bgcolor=bg)),
                Segment(
                    f"{no:>{g}} " if no is not None else " " * (g + 1),
                    Style(color=pal.gutter, bgcolor=bg),
                ),
                Segment(mark + " ", Style(color=mark_fg, bgcolor=bg, bold=True)),
            ]
            code = self._code(row.hunk, idx, text, kind, bg, word_bg, pal)
            parts.append(
                Strip(segs + code).adjust_cell_length(half, Style(bgcolor=bg)).crop(0, half)
            )
            if side == 0:
                parts.append(Strip([Segment("│", Style(color=pal.gutter, bgcolor=pal.background))]))
        return Strip.join(parts).adjust_cell_length(width)

    def _code(
        self,
        hunk_index: int,
        line_index: int,
        text: str,
        kind: str,
        bg: str | None,
        word_bg: str | None,
        pal: DiffPalette,
    ) -> list[Segment]:
        tokens = self._line_tokens(hunk_index, line_index, text, kind)
        spans: Spans = ()
        if hunk_index >= 0 and kind in (ADDED, REMOVED):
            partner = self._pairs_for(hunk_index).get(line_index)
            if partner is not None:
                other = strip_eol(self.hunks[hunk_index].lines[partner].raw)
                old_spans, new_spans = (
                    word_spans(text, other) if kind == REMOVED else word_spans(other, text)
                )
                spans = old_spans if kind == REMOVED else new_spans
        colours = token_colours(pal.pygments_style)
        segs: list[Segment] = []
        pos = 0
        for ttype, value in tokens:
            fg = colour_for(colours, ttype) or pal.text
            start = pos
            end = pos + len(value)
            pos = end
            cuts = sorted({start, end, *[c for s in spans for c in s if start < c < end]})
            for a, b in zip(cuts, cuts[1:], strict=False):
                piece = value[a - start : b - start].replace("\t", "    ")
                in_word = any(s <= a < e for s, e in spans)
                segs.append(Segment(piece, Style(color=fg, bgcolor=word_bg if in_word else bg)))
        return segs

    def _pairs_for(self, hunk_index: int) -> dict[int, int]:
        pairs = self._pairs.get(hunk_index)
        if pairs is None:
            pairs = self._pairs[hunk_index] = pairs_in_hunk(self.hunks[hunk_index])
        return pairs

    def _line_tokens(self, hunk_index: int, line_index: int, text: str, kind: str) -> Tokens:
        if hunk_index < 0 or line_index < 0:
            return lex_lines(self.path, (text,))[0]
        side = "old" if kind == REMOVED else "new"
        key = (hunk_index, side)
        lexed = self._tokens.get(key)
        hunk = self.hunks[hunk_index]
        wanted = (CONTEXT, REMOVED) if side == "old" else (CONTEXT, ADDED)
        members = [i for i, ln in enumerate(hunk.lines) if ln.kind in wanted]
        if lexed is None:
            lexed = lex_lines(self.path, tuple(strip_eol(hunk.lines[i].raw) for i in members))
            self._tokens[key] = lexed
        try:
            return lexed[members.index(line_index)]
        except ValueError:
            return [(_text_token(), text)]


def _text_token():  # type: ignore[no-untyped-def]
    from pygments.token import Text

    return Text
