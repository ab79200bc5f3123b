"""The list of files in a review, with per-file status and progress."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

STATUS_MARK = {"modified": "M", "added": "A", "deleted": "D", "renamed": "R", "copied": "C"}


@dataclass(frozen=True, slots=True)
class FileEntry:
    """What the list shows for a file; ``pending`` is None until it is diffed."""

    path: str
    status: str
    accepted: int
    rejected: int
    pending: int | None
    note: str = ""


class FileList(OptionList):
    """Files of the review. Highlighting a file posts OptionList.OptionHighlighted."""

    DEFAULT_CSS = """
    FileList {
        width: 34;
        border: none;
        border-right: vkey $panel;
        background: $surface;
        padding: 0;
    }
    FileList:focus { border-right: vkey $primary; }
    """

    def set_entries(self, entries: list[FileEntry], *, keep: int | None = None) -> None:
        highlighted = self.highlighted if keep is None else keep
        self.clear_options()
        self.add_options([Option(self._label(e), id=e.path) for e in entries])
        if entries:
            self.highlighted = max(0, min(highlighted or 0, len(entries) - 1))

    def update_entry(self, index: int, entry: FileEntry) -> None:
        self.replace_option_prompt_at_index(index, self._label(entry))

    @staticmethod
    def _label(e: FileEntry) -> Text:
        mark = STATUS_MARK.get(e.status, "?")
        done = e.accepted + e.rejected
        if e.note:
            progress, style = "—", "dim"
        elif e.pending is None:
            progress, style = "…", "dim"
        elif e.pending == 0:
            progress, style = "✓", "green"
        else:
            progress, style = f"{done}/{done + e.pending}", "yellow"
        label = Text()
        label.append(f"{mark} ", style="bold")
        name = e.path if len(e.path) <= 24 else "…" + e.path[-23:]
        label.append(f"{name:<25}")
        label.append(f"{progress:>5}", style=style)
        return label
