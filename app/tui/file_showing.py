"""Showing files in the workbench: the file list's rows, the file on show,
the progress in the status line and the header, the files diffed ahead.

A mixin for the review workbench: it draws what the review service says
(``view``), and computes no rule.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import work
from textual.worker import get_current_worker

from app.core.model import FileReview
from app.review.risks import describe
from widgets.file_header import FileHeader, FileTitle
from widgets.file_list import FileEntry, FileList

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.app import App
    from textual.screen import Screen

    from app.review.service import FileView, ReviewService
    from widgets.diff_pane import DiffPane
    from widgets.status_line import StatusLine

    _Base = App[dict]
else:
    _Base = object


class ShowingMixin(_Base):
    """The file on show and the rows and lines that say where the review is."""

    if TYPE_CHECKING:  # what the review app has
        service: ReviewService
        index: int
        EMPTY: str
        _indices: dict[str, int]
        _batched: bool
        _progress_due: bool
        _screen_up: bool
        _main_screen: Screen | None

        @property
        def pane(self) -> DiffPane: ...
        @property
        def status(self) -> StatusLine: ...
        @property
        def current(self) -> FileReview: ...
        def badges(self, view: FileView) -> Mapping[str, str]: ...
        def check_file(self, path: str) -> None: ...
        def update_keys(self) -> None: ...

    def _entry(self, fr: FileReview) -> FileEntry:
        pending = self.service.pending_in(fr) if fr.loaded else None
        return FileEntry(
            fr.path, str(fr.status), fr.accepted_count, fr.rejected_count, pending, fr.note
        )

    def _index_of(self, path: str) -> int | None:
        """The file's row (a dict, kept as the list grows: a burst of 5,000
        files brings 5,000 events, and a search per event was quadratic)."""
        files = self.service.files
        if len(self._indices) != len(files):
            for i in range(len(self._indices), len(files)):
                self._indices[files[i].path] = i
            if len(self._indices) != len(files):  # the list changed in place
                self._indices = {fr.path: i for i, fr in enumerate(files)}
        index = self._indices.get(path)
        if index is not None and (index >= len(files) or files[index].path != path):
            self._indices = {fr.path: i for i, fr in enumerate(files)}
            index = self._indices.get(path)
        return index

    def _sync_file_list(self, paths: Iterable[str] | None = None) -> None:
        """Rows for files that joined the review, and ``paths`` redrawn (all
        rows when None); the other rows already shown stay as they are."""
        files = self.query_one(FileList)
        listed = files.entry_count
        entries = self.service.files
        if listed > len(entries):
            files.set_entries([self._entry(fr) for fr in entries], keep=self.index)
            return
        if listed < len(entries):
            files.add_entries([self._entry(fr) for fr in entries[listed:]])
        if paths is None:
            indices: Iterable[int] = range(listed)
        else:
            wanted = set(paths)
            indices = [i for i in range(listed) if entries[i].path in wanted]
        for i in indices:
            files.update_entry(i, self._entry(entries[i]))

    def show_file(self, index: int, *, hunk: str | int | None = 0) -> None:
        """Show file ``index``, the cursor on hunk ``hunk`` (an id or an index;
        None: where it was, when it is the file already on show)."""
        files = self.service.files
        if not files:
            self.pane.show("", [], [], note=self.EMPTY)
            self._update_progress()
            return
        self.index = max(0, min(index, len(files) - 1))
        view = self.service.view(files[self.index].path)
        self.pane.show(
            view.path,
            view.hunks,
            view.old_lines,
            note=view.note,
            notes=view.blocked,
            hunk=hunk,
            banner=view.banner,
            # What controls a tool is said once, above the file (the banner);
            # a hunk outside the scope has its ⊘ note.
            risks={
                h: describe(tuple(x for x in r if x.kind not in ("controls", "scope")))
                for h, r in view.risks.items()
            },
            badges=self.badges(view),
        )
        if not view.checks:  # not checked yet (files that arrive are checked as they come)
            self.check_file(view.path)
        file_list = self.query_one(FileList)
        if file_list.entry_count <= self.index:
            # The review gained files on another thread (a watcher, the
            # gate's endpoint) whose event is still on its way: list them now.
            self._sync_file_list()
        file_list.update_entry(self.index, self._entry(files[self.index]))
        if file_list.highlighted != self.index:
            file_list.highlighted = self.index
        self._update_progress()
        self.update_keys()

    def _show_arrival(self, paths: Iterable[str]) -> None:
        """Work arrived in ``paths`` while the file on show has none left: the
        first of them with pending hunks is shown (else the reviewer faces a
        finished file, and y only says so)."""
        if not self.pane.path or self.pane.hunks:
            return
        for path in paths:
            index = self._index_of(path)
            if index is None or index == self.index:
                continue
            if self.service.pending_in(self.service.load(self.service.files[index])):
                self.show_file(index)
                return

    def _reshow(self) -> None:
        """The file on show changed: draw it again, the cursor on the same hunk."""
        self.show_file(self.index, hunk=None)

    def _first_pending(self, start: int) -> int:
        """The first file from ``start`` on (wrapping) with pending hunks, else ``start``."""
        files = self.service.files
        start %= max(len(files), 1)
        for offset in range(len(files)):
            i = (start + offset) % len(files)
            if self.service.is_large(files[i]):
                continue  # diffed when opened, not while looking for work
            if self.service.pending_in(self.service.load(files[i])):
                return i
        return start

    @work(thread=True, exclusive=True, group="prefetch")
    def _prefetch(self) -> None:
        # Diff the other files in the background so the list shows progress.
        # Exclusive: a newer run (more files arrived) replaces this one.
        # Rows are handed over at most every 50 ms: the progress count sums
        # over every file, which per file would be quadratic in a burst.
        worker = get_current_worker()
        done: list[int] = []
        handed = time.monotonic()
        for i, fr in enumerate(list(self.service.files)):
            if worker.is_cancelled:
                return
            if not fr.loaded and not self.service.is_large(fr):
                self.service.load(fr)
                done.append(i)
            if done and time.monotonic() - handed > 0.05:
                self._hand_over(done)
                done, handed = [], time.monotonic()
        if done:
            self._hand_over(done)

    def _hand_over(self, indices: list[int]) -> None:
        # Not call_from_thread: it blocks until the UI ran it, and raises when
        # the app has just stopped; a posted callback does neither.
        self.call_later(self._update_entries, indices)

    def _alive(self) -> bool:
        """Whether the screen is still there (a message or a worker's last word
        can arrive while the app shuts down)."""
        main = self._main_screen
        return self.is_running and self._screen_up and main is not None and main.is_attached

    def _update_entries(self, indices: list[int]) -> None:
        if not self._alive():
            return  # the app is shutting down; the prefetch's last word is moot
        files = self.query_one(FileList)
        for i in indices:
            files.update_entry(i, self._entry(self.service.files[i]))
        self._update_progress()

    def _update_progress(self) -> None:
        if self._batched:
            if not self._progress_due:
                self._progress_due = True
                self.call_later(self._update_progress_now)
            return
        self._update_progress_now()

    def _update_progress_now(self) -> None:
        self._progress_due = False
        if not self._alive():
            return
        files = self.service.files
        where = f"file {self.index + 1}/{len(files)}" if files else "no files"
        hunk = self.pane.current_hunk()
        total = len(self.pane.hunks)
        at = f" · hunk {hunk + 1}/{total}" if hunk >= 0 else ""
        decided = self.service.decided
        self.status.progress = f"{where}{at} · {decided} decided · {self.service.pending} pending"
        self.query_one(FileHeader).set_title(self.file_title())

    def file_title(self) -> FileTitle | None:
        """What the header above the diff says: the file on show, in full."""
        files = self.service.files
        if not files or not self.pane.path:
            return None
        fr = self.current
        patch = fr.patch
        return FileTitle(
            path=fr.path,
            status=str(fr.status),
            old_path=fr.old_path,
            old_mode=patch.old_mode if patch is not None else None,
            new_mode=patch.new_mode if patch is not None else None,
            hunk=self.pane.current_hunk(),
            hunks=len(self.pane.hunks),
            decided=fr.accepted_count + fr.rejected_count,
        )

    def on_diff_pane_cursor_moved(self, _message: DiffPane.CursorMoved) -> None:
        if not self._alive():
            return  # a message still queued while the app shuts down
        self._update_progress()

    def on_file_list_selected(self, message: FileList.Selected) -> None:
        if message.index != self.index:
            self.show_file(message.index)
