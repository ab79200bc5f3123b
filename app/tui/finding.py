"""Finding your way: search in the diff, first and last hunk, a file filter,
the file list reached by Tab.

A mixin for the review workbench. Search looks at the lines of the pending
hunks (both sides), from the cursor on, through the following files, and
wraps; a letter in upper case makes it case-sensitive (as vim's smartcase).
``.``/``,`` repeat it forward/back: ``n`` is reject, so it cannot mean "next
match" here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

from app.core.names import quote_name
from app.core.text import strip_eol
from app.tui.screens import AskLine

if TYPE_CHECKING:
    from app.core.model import FileReview
    from app.review.service import ReviewService
    from app.tui.room import RoomMixin
    from widgets.diff_pane import DiffPane
    from widgets.status_line import StatusLine

    _Base = RoomMixin
else:
    _Base = object

FINDING_BINDINGS = [
    Binding(
        "slash", "search", "Search", key_display="/", show=False, tooltip="Search the diff's lines"
    ),
    Binding(
        "full_stop",
        "search_next(1)",
        "Next match",
        key_display=".",
        show=False,
        tooltip="Next match of the search (across files)",
    ),
    Binding(
        "comma",
        "search_next(-1)",
        "Prev match",
        key_display=",",
        show=False,
        tooltip="Previous match of the search",
    ),
    Binding("g", "edge_hunk(0)", "First", show=False, tooltip="First hunk of the review"),
    Binding(
        "G", "edge_hunk(-1)", "Last", key_display="G", show=False, tooltip="Last hunk of the review"
    ),
    Binding("f", "filter_files", "Filter", show=False, tooltip="Filter the file list by name"),
]


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a search matched: a file, a hunk, a line of it, a column."""

    file: int
    hunk: str
    line: int
    column: int


def matches(text: str, query: str) -> int:
    """Where ``query`` is in ``text`` (smartcase), or -1."""
    if query != query.lower():
        return text.find(query)
    return text.lower().find(query)


class FindingMixin(_Base):
    """The keys that find a file, a hunk or a text."""

    search_query = ""
    file_filter = ""

    if TYPE_CHECKING:  # what the review app has
        service: ReviewService
        index: int

        @property
        def pane(self) -> DiffPane: ...
        @property
        def status(self) -> StatusLine: ...
        @property
        def current(self) -> FileReview: ...
        def show_file(self, index: int, *, hunk: str | int | None = 0) -> None: ...
        def _update_progress(self) -> None: ...

    # -- search -----------------------------------------------------------------

    def action_search(self) -> None:
        def done(query: str | None) -> None:
            if query:
                self.search_query = query
                self.action_search_next(1)

        self.push_screen(
            AskLine(
                "Search",
                value=self.search_query,
                hint="enter: find after the cursor · . next · , previous · esc: cancel",
            ),
            done,
        )

    def action_search_next(self, direction: int) -> None:
        query = self.search_query
        if not query:
            self.status.say("no search yet: / starts one")
            return
        hit = self._find(query, direction)
        if hit is None:
            self.status.say(f"{query!r} is not in any pending hunk", error=True)
            return
        if hit.file != self.index:
            self.show_file(hit.file, hunk=hit.hunk)
        row = self.pane.row_of_line(hit.hunk, hit.line)
        if row is not None:
            self.pane.cursor = row
            self.pane.show_column(hit.column, len(query))
        self._update_progress()
        where = quote_name(self.current.path)
        self.status.say(f"{query!r} in {where} (. next, , previous)")

    def _find(self, query: str, direction: int) -> Hit | None:
        """The next line holding ``query`` after (or before) the cursor."""
        files = self.service.files
        if not files:
            return None
        count = len(files)
        here = self.pane.cursor
        current_rows = self.pane.rows
        # The rest of this file first, on screen rows (both sides of a pair).
        order = range(here + 1, len(current_rows)) if direction > 0 else range(here - 1, -1, -1)
        for i in order:
            hit = self._row_hit(i, query)
            if hit is not None:
                return hit
        for step in range(1, count + 1):
            index = (self.index + direction * step) % count
            fr = files[index]
            if self.service.is_large(fr) and not fr.loaded:
                continue  # diffed only when opened
            if index == self.index:
                rows = (
                    range(len(current_rows))
                    if direction > 0
                    else range(len(current_rows) - 1, -1, -1)
                )
                for i in rows:
                    hit = self._row_hit(i, query)
                    if hit is not None:
                        return hit
                continue
            hunks = self.service.view(fr.path).hunks
            lines = [(h.id, li, ln) for h in hunks for li, ln in enumerate(h.lines)]
            for hunk_id, li, line in lines if direction > 0 else reversed(lines):
                column = matches(strip_eol(line.raw), query)
                if column >= 0:
                    return Hit(index, hunk_id, li, column)
        return None

    def _row_hit(self, i: int, query: str) -> Hit | None:
        row = self.pane.rows[i]
        if not row.hunk:
            return None
        for line, text in ((row.line, row.text), (row.right, row.right_text)):
            column = matches(text, query) if line >= 0 else -1
            if column >= 0:
                return Hit(self.index, row.hunk, line, column)
        return None

    # -- first and last hunk ---------------------------------------------------

    def action_edge_hunk(self, which: int) -> None:
        files = self.service.files
        with_work = [i for i, fr in enumerate(files) if fr.loaded and self.service.pending_in(fr)]
        if not with_work:
            self.status.say("no pending hunks in the review")
            return
        index = with_work[0] if which == 0 else with_work[-1]
        self.show_file(index, hunk=0 if which == 0 else 10**9)
        self.status.say("first hunk of the review" if which == 0 else "last hunk of the review")

    # -- the file filter ---------------------------------------------------------

    def action_filter_files(self) -> None:
        from widgets.file_list import FileList

        files = self.query_one(FileList)
        if not self.files_shown:
            self.action_toggle_files()

        def done(text: str | None) -> None:
            if text is None:  # esc: the filter as it was
                files.set_filter(self.file_filter)
                return
            self.file_filter = text
            files.set_filter(text)
            shown = files.shown_indices()
            if text and not shown:
                self.status.say(f"no file name holds {text!r}; f changes the filter", error=True)
                return
            if shown and self.index not in shown:
                self.show_file(shown[0])
            if text:
                self.status.say(
                    f"{len(shown)} files hold {text!r} (f changes the filter, empty: all)"
                )
            else:
                self.status.say("every file listed")
            files.focus()

        self.push_screen(
            AskLine(
                "Show the files whose name holds",
                value=self.file_filter,
                hint="enter: keep it (empty: every file) · esc: as before",
                live=files.set_filter,
            ),
            done,
        )
