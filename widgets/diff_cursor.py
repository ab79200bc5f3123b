"""The diff pane's cursor, marks and folds: which row, hunk and lines it is
on, moving it, the lines marked with space, the folds opened with enter.

A mixin for ``DiffPane``. ``CURSOR_BINDINGS`` are the cursor keys an app
binds to the pane's actions (the pane binds none itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

from app.core.model import ADDED, REMOVED, Hunk
from widgets.diff_rows import HUNK, Row

if TYPE_CHECKING:
    from textual.scroll_view import ScrollView

    _Base = ScrollView
else:
    _Base = object

CURSOR_BINDINGS: list[Binding] = [
    Binding("up", "cursor_by(-1)", "Up", show=False, tooltip="Cursor up one line"),
    Binding("down", "cursor_by(1)", "Down", show=False, tooltip="Cursor down one line"),
    Binding("pageup", "page_by(-1)", "Page up", show=False, tooltip="Page up"),
    Binding("pagedown", "page_by(1)", "Page down", show=False, tooltip="Page down"),
    Binding("home", "hunk_at(0)", "First", show=False, tooltip="First hunk of the file"),
    Binding("end", "hunk_at(-1)", "Last", show=False, tooltip="Last hunk of the file"),
]


class DiffCursorMixin(_Base):
    """The row cursor and what it points at; marks and folds."""

    if TYPE_CHECKING:  # what the pane has
        rows: list[Row]
        cursor: int
        expanded: set[str]
        _hunks: tuple[Hunk, ...]
        _by_id: dict[str, int]
        _marked: dict[str, set[int]]
        _row_of_hunk: dict[str, int]

        def code_room(self) -> int: ...
        def _relayout(self) -> None: ...
        def _prewarm(self, start: int | None = None) -> None: ...

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
