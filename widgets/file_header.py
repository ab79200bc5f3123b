"""The line above the diff: which file this is, in full, and how far along it is.

The file list cuts names from the left to fit; this header never hides the
start of a path without a mark: a name too long for the line loses its
middle (``…``), so both the top folder and the file name stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from app.core.names import quote_name
from widgets.file_list import STATUS_MARK


@dataclass(frozen=True, slots=True)
class FileTitle:
    """What the header says about one file."""

    path: str
    status: str = "modified"
    old_path: str | None = None
    old_mode: str | None = None
    new_mode: str | None = None
    hunk: int = -1  # the hunk under the cursor (0-based), -1: none
    hunks: int = 0  # pending hunks on show
    decided: int = 0  # hunks of the file decided so far


def fit_middle(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, its middle replaced by ``…`` when
    too long (wide characters count double)."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    room = width - 1
    head_room = room // 2
    tail_room = room - head_room
    head: list[str] = []
    used = 0
    for char in text:
        if used + cell_len(char) > head_room:
            break
        head.append(char)
        used += cell_len(char)
    tail: list[str] = []
    used = 0
    for char in reversed(text):
        if used + cell_len(char) > tail_room:
            break
        tail.append(char)
        used += cell_len(char)
    return "".join(head) + "…" + "".join(reversed(tail))


def title_text(title: FileTitle, width: int) -> str:
    """The header line: status mark, the full name (old → new for a rename),
    a mode change, and the file's hunk progress; the name gives way first."""
    mark = STATUS_MARK.get(title.status, "?")
    name = quote_name(title.path)
    if title.old_path and title.old_path != title.path:
        name = f"{quote_name(title.old_path)} → {name}"
    extras: list[str] = []
    if title.old_mode and title.new_mode and title.old_mode != title.new_mode:
        extras.append(f"mode {title.old_mode} → {title.new_mode}")
    if title.hunks:
        where = (
            f"hunk {title.hunk + 1}/{title.hunks}" if title.hunk >= 0 else f"{title.hunks} hunks"
        )
        extras.append(where)
    if title.decided:
        extras.append(f"{title.decided} decided")
    tail = "".join(f" · {e}" for e in extras)
    room = max(8, width - cell_len(mark) - 1 - cell_len(tail))
    return f"{mark} {fit_middle(name, room)}{tail}"


class FileHeader(Static):
    """One line: the file on show, never cut from the left without a mark."""

    DEFAULT_CSS = """
    FileHeader {
        height: 1;
        background: $panel;
        color: $foreground;
        text-style: bold;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title_of: FileTitle | None = None

    def set_title(self, title: FileTitle | None) -> None:
        if title != self.title_of:
            self.title_of = title
            self.refresh()

    @property
    def text(self) -> str:
        """What the line says now (for tests and the status of a narrow screen)."""
        if self.title_of is None:
            return ""
        return title_text(self.title_of, max(1, self.size.width - 2))

    def render(self) -> Content:
        # Plain text: a name may hold "[" (markup) or escapes (shown by quote_name).
        return Content(self.text)
