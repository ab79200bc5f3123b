"""The list of files in a review, with per-file status and progress.

A Line API widget: every file is one row and only the rows on screen are
drawn, so a list of thousands (a branch checkout under ``tether watch``)
updates a row, or grows, without measuring every label again.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from app.core.names import quote_name

STATUS_MARK = {"modified": "M", "added": "A", "deleted": "D", "renamed": "R", "copied": "C"}
ROW_WIDTH = 32  # the list's content width: 34 columns less the border and scrollbar
PROGRESS_WIDTH = 5


@dataclass(frozen=True, slots=True)
class FileEntry:
    """What the list shows for a file; ``pending`` is None until it is diffed."""

    path: str
    status: str
    accepted: int
    rejected: int
    pending: int | None
    note: str = ""


def progress_of(entry: FileEntry) -> tuple[str, str]:
    """The progress column's text and its component class suffix."""
    done = entry.accepted + entry.rejected
    if entry.note:
        return "—", "dim"
    if entry.pending is None:
        return "…", "dim"
    if entry.pending == 0:
        return "✓", "done"
    return f"{done}/{done + entry.pending}", "pending"


def fit_left(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, cut from the left (``…`` marks the
    cut): the end of a path says the most. Wide characters count double."""
    if cell_len(text) <= width:
        return text
    kept: list[str] = []
    used = 1  # the ellipsis
    for char in reversed(text):
        used += cell_len(char)
        if used > width:
            break
        kept.append(char)
    return "…" + "".join(reversed(kept))


def columns(entry: FileEntry, width: int = ROW_WIDTH) -> tuple[str, str, str, str]:
    """The row's mark, name and progress, each padded to its cells, and the
    progress kind. The progress is never cut (``12/112`` must not read as
    ``12/11``); the name gets what is left."""
    progress, kind = progress_of(entry)
    progress_cells = max(PROGRESS_WIDTH, cell_len(progress) + 1)
    name_cells = max(0, width - 2 - progress_cells)
    name = fit_left(quote_name(entry.path), name_cells)  # escapes shown, never sent
    return (
        f"{STATUS_MARK.get(entry.status, '?')} ",
        name + " " * (name_cells - cell_len(name)),
        " " * (progress_cells - cell_len(progress)) + progress,
        kind,
    )


def label_of(entry: FileEntry, width: int = ROW_WIDTH) -> Text:
    """The row as plain styled text (for tests, help and screenshots)."""
    mark, name, progress, kind = columns(entry, width)
    label = Text()
    label.append(mark, style="bold")
    label.append(name)
    label.append(progress, style={"done": "green", "pending": "yellow"}.get(kind, "dim"))
    return label


class FileList(ScrollView, can_focus=True):
    """Files of the review, one row each; ``highlighted`` is the shown file.

    Clicking a row, or moving with the arrows while the list has the focus
    (Tab), posts ``FileList.Selected``; the app decides what to show. A filter
    (``set_filter``) lists only the files whose name holds a text.
    """

    BINDINGS = [
        Binding("up", "step(-1)", "Up", show=False),
        Binding("down", "step(1)", "Down", show=False),
        Binding("home", "step(-1000000000)", "First file", show=False),
        Binding("end", "step(1000000000)", "Last file", show=False),
        Binding("enter,escape", "leave", "To the diff", show=False),
    ]

    COMPONENT_CLASSES = {
        "file-list--highlighted",
        "file-list--mark",
        "file-list--dim",
        "file-list--done",
        "file-list--pending",
    }

    DEFAULT_CSS = """
    FileList {
        width: 34;
        height: 1fr;
        border: none;
        border-right: vkey $panel;
        background: $surface;
        color: $foreground;
        padding: 0;
        scrollbar-size-vertical: 1;
    }
    FileList:focus { border-right: vkey $primary; }
    FileList > .file-list--highlighted { background: $block-cursor-blurred-background; }
    FileList:focus > .file-list--highlighted { background: $block-cursor-background; }
    FileList > .file-list--mark { text-style: bold; }
    FileList > .file-list--dim { color: $text-muted; }
    FileList > .file-list--done { color: $text-success; }
    FileList > .file-list--pending { color: $text-warning; }
    """

    # repaint=False: the watcher redraws the two rows that change, not the list.
    highlighted: reactive[int | None] = reactive(None, always_update=False, repaint=False)
    """Index of the highlighted row (the file on show), or None for an empty list."""

    class Selected(Message):
        """A row was clicked."""

        def __init__(self, file_list: FileList, index: int) -> None:
            super().__init__()
            self.file_list = file_list
            self.index = index

        @property
        def control(self) -> FileList:
            return self.file_list

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._entries: list[FileEntry] = []
        self._filter = ""
        self._shown: list[int] | None = None  # entry indices the filter lets through

    # -- the filter ------------------------------------------------------------------

    def _passes(self, entry: FileEntry) -> bool:
        return self._filter.lower() in quote_name(entry.path).lower()

    def set_filter(self, text: str) -> None:
        """List only the files whose shown name holds ``text`` (any case);
        empty: every file."""
        self._filter = text.strip()
        if self._filter:
            self._shown = [i for i, e in enumerate(self._entries) if self._passes(e)]
        else:
            self._shown = None
        self._resize()
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        if self.highlighted is not None:
            self._keep_visible(self.highlighted)
        self.refresh()

    def shown_indices(self) -> list[int]:
        """The entries listed now (all of them without a filter)."""
        return list(range(len(self._entries))) if self._shown is None else list(self._shown)

    def _index_at(self, row: int) -> int | None:
        if self._shown is None:
            return row if 0 <= row < len(self._entries) else None
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def _row_of(self, index: int) -> int | None:
        if self._shown is None:
            return index
        at = bisect_left(self._shown, index)
        return at if at < len(self._shown) and self._shown[at] == index else None

    def action_step(self, delta: int) -> None:
        shown = self.shown_indices()
        if not shown:
            return
        here = self._row_of(self.highlighted) if self.highlighted is not None else None
        if here is None:
            target = shown[0] if delta > 0 else shown[-1]
        else:
            target = shown[max(0, min(here + delta, len(shown) - 1))]
        if target != self.highlighted:
            self.post_message(self.Selected(self, target))

    def action_leave(self) -> None:
        self.screen.focus_next()

    # -- contents ------------------------------------------------------------------

    @property
    def entry_count(self) -> int:
        return len(self._entries)

    def entry_at(self, index: int) -> FileEntry:
        return self._entries[index]

    def label_at(self, index: int) -> Text:
        return label_of(self._entries[index])

    def set_entries(self, entries: list[FileEntry], *, keep: int | None = None) -> None:
        """Show ``entries``, keeping the highlight at ``keep`` (or where it was)."""
        before = self.highlighted if keep is None else keep
        self._entries = list(entries)
        if self._filter:
            self._shown = [i for i, e in enumerate(self._entries) if self._passes(e)]
        self._resize()
        self.highlighted = max(0, min(before or 0, len(entries) - 1)) if entries else None
        self.refresh()

    def add_entries(self, entries: list[FileEntry]) -> None:
        """Append rows: what a burst of new files needs, without touching the rest."""
        if not entries:
            return
        start = len(self._entries)
        self._entries.extend(entries)
        if self._shown is not None:
            self._shown.extend(i for i, e in enumerate(entries, start) if self._passes(e))
        self._resize()
        if self.highlighted is None:
            self.highlighted = 0
        self.refresh()

    def update_entry(self, index: int, entry: FileEntry) -> None:
        if self._entries[index] == entry:
            return
        self._entries[index] = entry
        self._refresh_row(index)

    def _resize(self) -> None:
        # No width: rows fit the list, which never scrolls sideways.
        rows = len(self._entries) if self._shown is None else len(self._shown)
        self.virtual_size = Size(0, rows)

    def _refresh_row(self, index: int) -> None:
        # refresh_line takes the row's index in the list, not on the screen.
        row = self._row_of(index)
        if row is None:
            return
        y = row - self.scroll_offset.y
        if 0 <= y < self.scrollable_content_region.height:
            self.refresh_line(row)

    # -- the highlight -------------------------------------------------------------

    def validate_highlighted(self, value: int | None) -> int | None:
        if value is None or not self._entries:
            return None
        return max(0, min(value, len(self._entries) - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in (old, new):
            if index is not None:
                self._refresh_row(index)
        if new is not None:
            self._keep_visible(new)

    def _keep_visible(self, index: int) -> None:
        # force: right after the list grew, the scrollbar (which allows
        # scrolling) only appears at the next layout.
        row = self._row_of(index)
        if row is None:
            return
        index = row
        height = self.scrollable_content_region.height
        top = self.scroll_offset.y
        if not height:
            return
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True, force=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        self._resize()
        if self.highlighted is not None:
            self._keep_visible(self.highlighted)

    def on_show(self) -> None:
        if self.highlighted is not None:
            self._keep_visible(self.highlighted)

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self._index_at(offset.y + self.scroll_offset.y)
        if index is not None:
            self.post_message(self.Selected(self, index))

    # -- drawing -------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        found = self._index_at(self.scroll_offset.y + y)
        base = self.visual_style.rich_style
        if found is None:
            return Strip.blank(width, base)
        index = found

        def part(name: str) -> Style:
            return self.get_component_rich_style(f"file-list--{name}", partial=True)

        if index == self.highlighted:
            # The full style: its translucent background blended with the list's.
            base = self.get_component_rich_style("file-list--highlighted")
        mark, name, progress, kind = columns(self._entries[index], width)
        segments = [
            Segment(mark, base + part("mark")),
            Segment(name, base),
            Segment(progress, base + part(kind)),
        ]
        return Strip(segments).adjust_cell_length(width, base)
