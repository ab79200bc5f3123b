"""The review workbench: file list, diff pane, status line and the keys.

A thin client of the review service: keys become commands addressed by hunk
id (``app.review.commands``), the screen is redrawn from the service's state
when its events arrive, and no rule is computed here. Keys follow
``git add -p`` and lazygit.
"""

from __future__ import annotations

import gc
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import rich
from rich.segment import Segments
from textual import events, work
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from app.core.errors import TetherError
from app.core.model import FileReview, FileStatus, Side
from app.core.names import quote_name, safe_text
from app.review.checks import ChecksConfig
from app.review.commands import Command, Decide, Edit, Redo, Reload, Split, Undo
from app.review.events import (
    ChecksChanged,
    CommandFailed,
    DecisionMade,
    FilesChanged,
    HistoryChanged,
    HunksChanged,
    ReviewEvent,
)
from app.review.risks import describe
from app.review.service import ReviewService
from app.review.session import Outcome, ReviewSession
from app.tui.autoaccept_view import AutoAcceptMixin
from app.tui.checks_view import ChecksMixin
from app.tui.finding import FINDING_BINDINGS, FindingMixin
from app.tui.metrics_view import MetricsMixin
from app.tui.room import ROOM_BINDINGS, RoomMixin, TooSmallScreen
from app.tui.screens import HelpScreen, SummaryScreen, help_sections
from app.tui.why import why_not
from themes import ALIASES, CSS_PATH, THEMES
from widgets.diff_pane import CURSOR_BINDINGS, DiffPane
from widgets.file_header import FileHeader, FileTitle
from widgets.file_list import FileEntry, FileList
from widgets.status_line import StatusLine

# Actions that need the file on show to have pending hunks.
_HUNK_ACTIONS = {"accept", "reject", "toggle_line", "split", "edit", "accept_file", "reject_file"}

# The footer shows keys in this order and cuts what does not fit: the keys
# of every hunk first, help and quit before the rest (80 columns hold them).
# (The compact footer puts a group's label flush against the next key.)
MOVE = Binding.Group("Move ")
UNDO = Binding.Group("Undo/redo ")

BINDINGS = [
    Binding("y", "accept", "Accept", tooltip="Accept the hunk (or the lines marked with space)"),
    Binding("n", "reject", "Reject", tooltip="Reject the hunk (or the lines marked with space)"),
    Binding("j", "next_hunk", "Next", tooltip="Next hunk", group=MOVE),
    Binding("k", "prev_hunk", "Prev", tooltip="Previous hunk", group=MOVE),
    Binding("u", "undo", "Undo", tooltip="Undo the last decision (survives restarts)", group=UNDO),
    Binding("U", "redo", "Redo", key_display="U", tooltip="Redo what undo took back", group=UNDO),
    Binding(
        "B",
        "restore",
        "Restore",
        key_display="B",
        show=False,
        group=UNDO,
        tooltip="Bring back what the newest rejection took from a file (tether journal restore)",
    ),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="Show all keys"),
    Binding("q", "quit_review", "Quit", tooltip="Quit with a summary of the decisions"),
    Binding(
        "space", "toggle_line", "Mark", tooltip="Mark/unmark the changed line under the cursor"
    ),
    Binding(
        "right_square_bracket",
        "next_file",
        "File→",
        key_display="]",
        tooltip="Next file",
        show=False,
    ),
    Binding(
        "left_square_bracket",
        "prev_file",
        "←File",
        key_display="[",
        tooltip="Previous file",
        show=False,
    ),
    Binding("a", "accept_file", "Acc. file", tooltip="Accept the rest of this file", show=False),
    Binding("d", "reject_file", "Rej. file", tooltip="Reject the rest of this file", show=False),
    Binding("s", "split", "Split", tooltip="Split the hunk into its separate changes"),
    Binding("e", "edit", "Edit", tooltip="Edit the proposed side of the hunk in $EDITOR"),
    Binding("v", "toggle_view", "View", tooltip="Toggle unified / side-by-side view"),
    Binding("enter", "toggle_fold", "Fold", show=False, tooltip="Expand or fold unchanged lines"),
    # The diff pane's cursor keys, here so that the status line changes in the
    # same frame as the cursor (a message up from the pane lands a frame late).
    *(
        Binding(b.key, f"pane_{b.action}", b.description, show=False, tooltip=b.tooltip)
        for b in CURSOR_BINDINGS
    ),
    *ROOM_BINDINGS,
    *FINDING_BINDINGS,
    Binding(
        "R", "reload", "Reload", show=False, key_display="R", tooltip="Reload the file from disk"
    ),
    Binding(
        "M",
        "metrics",
        "Metrics",
        show=False,
        key_display="M",
        tooltip="Show your review's figures: seconds per decision, accept rate, lines/hour",
    ),
]


class ServiceEvent(Message):
    """A review (or loop) event that happened on another thread."""

    def __init__(self, event: ReviewEvent) -> None:
        super().__init__()
        self.event = event


class ReviewApp(ChecksMixin, MetricsMixin, AutoAcceptMixin, FindingMixin, RoomMixin, App[dict]):
    """Review one source hunk by hunk."""

    CSS_PATH = str(CSS_PATH)
    TITLE = "tether"
    BINDINGS = BINDINGS  # type: ignore[assignment]
    # What the diff pane says while the review has no files.
    EMPTY = "Nothing to review: no changes found."
    # A decision's write waits for the frame that shows it, so keys feel
    # instant; an app whose decisions someone waits on (an agent, in the
    # gate) writes at once instead.
    WRITE_AFTER_FRAME = True

    def __init__(
        self,
        service: ReviewService,
        *,
        label: str,
        theme: str = "dark",
        checks: ChecksConfig | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.checks_config = checks
        self.label = label
        self.index = 0
        self._theme_name = ALIASES.get(theme, theme)
        self._applicable: tuple[bool, ...] | None = None
        self._ui_thread = threading.get_ident()
        self._unsubscribe: Callable[[], None] | None = None
        self._listed = 0
        self._screen_up = False
        self._main_screen: Screen | None = None
        self._indices: dict[str, int] = {}
        self._batched = False
        self._progress_due = False

    @property
    def session(self) -> ReviewSession:
        """The engine under the service (read it, never drive it from here)."""
        return self.service.session

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            yield FileList(id="files")
            with Vertical(id="diff-box"):
                yield FileHeader(id="file-header")
                yield DiffPane(id="diff")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = self._theme_name if self._theme_name in THEMES else "tether-dark"
        self.theme_changed_signal.subscribe(self, lambda _theme: self.pane.refresh_palette())
        self.sub_title = safe_text(self.label)
        self.status.source = self.label
        self._main_screen = self.screen
        self._screen_up = True
        self.apply_room()
        self._unsubscribe = self.service.subscribe(self._deliver)
        self.start_checks()
        self.start_auto_accept()
        self.metrics_started()
        self._sync_file_list()
        self.show_file(self._first_pending(0))
        self.pane.focus()
        self._prefetch()
        # What start-up made lives for the whole session: keep it out of the
        # collector's scans (they were 15% of a key press's time).
        self.call_after_refresh(gc.freeze)

    def on_unmount(self) -> None:
        self._screen_up = False
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.stop_auto_accept()
        self.stop_checks()
        self.service.close()  # every decision already shown is written before exit

    @property
    def pane(self) -> DiffPane:
        return self.query_one(DiffPane)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def current(self) -> FileReview:
        return self.service.files[self.index]

    def _entry(self, fr: FileReview) -> FileEntry:
        pending = self.service.pending_in(fr) if fr.loaded else None
        return FileEntry(
            fr.path, str(fr.status), fr.accepted_count, fr.rejected_count, pending, fr.note
        )

    # -- events from the review ---------------------------------------------------

    def _deliver(self, event: ReviewEvent) -> None:
        """Called on the thread that changed the review: handle it now on the
        UI thread, else hand it over (post_message is thread-safe)."""
        if threading.get_ident() == self._ui_thread:
            self.on_review_event(event)
        else:
            self.post_message(ServiceEvent(event))

    def on_service_event(self, message: ServiceEvent) -> None:
        # From another thread: a burst brings thousands; the status line is
        # recounted once after them, not once per event.
        self._batched = True
        try:
            self.on_review_event(message.event)
        finally:
            self._batched = False

    def on_review_event(self, event: ReviewEvent) -> None:
        if not self._alive():
            return  # the app is shutting down
        if isinstance(event, HunksChanged):
            self._hunks_changed(event)
        elif isinstance(event, FilesChanged):
            self._sync_file_list(event.paths)
            files = self.service.files
            if files and (
                not self.pane.path or files[min(self.index, len(files) - 1)].path in event.paths
            ):
                self._reshow()
            else:
                self._show_arrival(event.paths)
        elif isinstance(event, DecisionMade):
            self._decided(event.outcome)
        elif isinstance(event, CommandFailed):
            self._failed(event)
        elif isinstance(event, HistoryChanged):
            self.update_keys()
        elif isinstance(event, ChecksChanged) and self.pane.path == event.path:
            self.show_badges(self.pane)

    def _hunks_changed(self, event: HunksChanged) -> None:
        index = self._index_of(event.path)
        if index is None:
            self._sync_file_list()
            index = self._index_of(event.path)
        if index is None:
            return
        self.query_one(FileList).update_entry(index, self._entry(self.service.files[index]))
        if index != self.index and event.why == "proposal":
            self._show_arrival((event.path,))
        if index == self.index:
            self._reshow()
            if event.why == "deciding" and not self.pane.hunks:
                nxt = self._first_pending(self.index + 1)
                if nxt != self.index and self.service.pending_in(self.service.files[nxt]):
                    self.show_file(nxt)
        self._update_progress()

    def _decided(self, outcome: Outcome) -> None:
        self.update_keys()
        if outcome.op in ("undo", "redo"):
            self._sync_file_list()
            index = self._index_of(outcome.path)
            if index is not None:
                # The cursor goes to the hunk that came back, as the user
                # will want to decide it again.
                here = None if index == self.index else 0
                self.show_file(index, hunk=outcome.hunk_ids[0] if outcome.hunk_ids else here)
            self.status.say(f"{outcome.op} done in {quote_name(outcome.path)} (#{outcome.seq})")
            return
        what = f"{outcome.lines} line{'s' if outcome.lines != 1 else ''}"
        verb = "accepted" if outcome.op == "accept" else "rejected"
        message = f"{verb} {what} of {quote_name(outcome.path)} (#{outcome.seq}; u undoes)"
        if outcome.op == "reject" and self._deleted_by_reject(outcome.path):
            # Rejecting a new file removes it from disk: say how it comes back.
            message = (
                f"deleted {quote_name(outcome.path)}, a new file (#{outcome.seq}): u brings it"
                " back (its text is kept in the journal's blobs)"
            )
        if not self.service.busy and self.service.pending == 0:
            unopened = sum(1 for fr in self.service.files if not fr.loaded)
            if unopened:  # large files, diffed only when opened: not decided
                plural = "s" if unopened != 1 else ""
                message += f" · {unopened} large file{plural} not diffed yet: ] to open"
            else:
                message += " · all hunks decided; q for the summary"
        warning = self.metrics_warning()
        self.status.say(f"{message} · {warning}" if warning else message)

    def _deleted_by_reject(self, path: str) -> bool:
        """Whether rejecting left ``path`` absent on disk (a new file rejected
        where rejects write the working tree)."""
        session = getattr(self.service, "session", None)
        if session is None:  # a seat on another Tether's review: its owner knows the disk
            return False
        if session.backend.proposed_side is not Side.WORKTREE:
            return False
        fr = session.file(path)
        return fr.status is FileStatus.ADDED and fr.proposed is None

    def _failed(self, event: CommandFailed) -> None:
        """A decision shown at once could not be written: its hunks are back;
        show them where they are, with the error."""
        command = event.command
        if isinstance(command, Decide):
            index = self._index_of(command.path)
            if index is not None:
                self.show_file(index, hunk=command.hunks[0])
        self._error(event.error)

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

    # -- showing files ---------------------------------------------------------

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

    def update_keys(self) -> None:
        """Refresh the footer only when the set of keys that apply changed:
        the Footer rebuilds its widgets on every refresh, which costs more
        than the whole repaint of a key press. The set depends on the file and
        the history, never on the row under the cursor, so moving is free."""
        actions = tuple(
            bool(self.check_action(b.action.partition("(")[0], ())) for b in type(self).BINDINGS
        )
        if actions != self._applicable:
            self._applicable = actions
            self.refresh_bindings()

    def on_file_list_selected(self, message: FileList.Selected) -> None:
        if message.index != self.index:
            self.show_file(message.index)

    # -- the keys ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_running or isinstance(self.screen, HelpScreen | SummaryScreen):
            return True
        if isinstance(self.screen, TooSmallScreen):
            return False  # nothing on show to act on
        if action in _HUNK_ACTIONS:
            return bool(self.pane.hunks)
        if action == "undo":
            # A decision on its way to disk will be there to undo.
            return self.service.busy or self.service.can_undo()
        if action == "redo":
            return self.service.can_redo()
        if action in ("next_file", "prev_file"):
            return len(self.service.files) > 1
        return True

    async def _on_key(self, event: events.Key) -> None:
        """A key of ours whose action does not apply now says why (Textual
        would drop it silently). Keys a focused list or input binds are theirs."""
        if self.screen is not self._main_screen or not self._focus_is_view():
            return
        actions = [b.action for b in self.all_bindings() if event.key in b.key.split(",")]
        if actions and not any(self.check_action(a.partition("(")[0], ()) for a in actions):
            event.prevent_default()  # nothing would run: App._on_key need not look
            self.status.say(why_not(actions[0]))

    def _focus_is_view(self) -> bool:
        """Whether the focus is on what the app's keys drive (the diff)."""
        return self.focused is None or isinstance(self.focused, DiffPane)

    def _submit(self, command: Command) -> None:
        """Send a key's command: the screen shows it at once, and the write
        starts once that frame is drawn."""
        try:
            self.service.submit(command, defer=self.WRITE_AFTER_FRAME)
        except TetherError as exc:
            self._error(exc)
            return
        if self.WRITE_AFTER_FRAME:
            self.call_after_refresh(self.service.release)
        else:
            # The write runs alone, before this frame's drawing competes for
            # the interpreter lock; a slow disk holds the key at most this long.
            self.service.flush(timeout=0.1)

    def _run(self, command: Command) -> Outcome | None:
        try:
            return self.service.execute(command)
        except TetherError as exc:
            self._error(exc)
            return None

    def _hunk_here(self) -> str | None:
        hunk = self.pane.current_hunk_id()
        if hunk is None:
            self.status.say("no hunk under the cursor: j and k move to one")
        return hunk

    def action_accept(self) -> None:
        self._decide("accept")

    def action_reject(self) -> None:
        self._decide("reject")

    def _decide(self, op: str) -> None:
        hunk = self._hunk_here()
        if hunk is not None:
            path = self.current.path
            self._submit(Decide(op, path, (hunk,), self.pane.marked_lines(hunk)))  # type: ignore[arg-type]

    def action_accept_file(self) -> None:
        self._decide_file("accept")

    def action_reject_file(self) -> None:
        self._decide_file("reject")

    def _decide_file(self, op: str) -> None:
        path = self.current.path
        hunks = self.service.all_hunks(path)
        if hunks:
            self._submit(Decide(op, path, hunks))  # type: ignore[arg-type]

    def _error(self, exc: TetherError) -> None:
        self.status.say(str(exc), error=True)
        self.notify(str(exc), title=exc.title, severity="error")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Textual's notify, but plain text with escapes made visible by
        default: messages name files, and a name may hold "[" or ESC."""
        if not markup:
            message, title = safe_text(message), safe_text(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _fatal_error(self) -> None:
        """Textual's crash report without local variables: its pretty traceback
        shows them, and a decision's locals hold file bytes (and could hold a
        secret file's)."""
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def action_toggle_line(self) -> None:
        if not self.pane.toggle_line():
            self.status.say("space marks a changed (+/-) line; this one is context")

    def action_next_hunk(self) -> None:
        # The status line is updated in the same frame as the cursor.
        moved = self.pane.next_hunk(1)
        self._update_progress()
        if not moved:
            if len(self.service.files) > 1:
                self.action_next_file()
            else:
                self.status.say("last hunk")

    def action_prev_hunk(self) -> None:
        moved = self.pane.next_hunk(-1)
        self._update_progress()
        if not moved:
            if len(self.service.files) > 1 and self.index > 0:
                self.show_file(self.index - 1, hunk=10**9)
            else:
                self.status.say("first hunk")

    def action_next_file(self) -> None:
        self.show_file((self.index + 1) % len(self.service.files))

    def action_prev_file(self) -> None:
        self.show_file((self.index - 1) % len(self.service.files))

    def action_split(self) -> None:
        hunk = self._hunk_here()
        if hunk is None:
            return
        outcome = self._run(Split(self.current.path, hunk))
        if outcome is None:
            return
        if outcome.lines > 1:
            self.show_file(self.index, hunk=self.pane.current_hunk())
            self.status.say(f"split the hunk into {outcome.lines} hunks")
        else:
            self.status.say("this hunk has a single change; mark lines with space instead")

    def action_undo(self) -> None:
        self._submit(Undo())

    def action_redo(self) -> None:
        self._submit(Redo())

    def action_restore(self) -> None:
        # A seat's review lives in the owner's process: restoring is done there.
        restore = getattr(self.service, "restore_rejected", None)
        if restore is None:
            self.status.say("restore where the review is owned, or with `tether journal restore`")
            return
        try:
            done = restore()
        except TetherError as exc:
            self._error(exc)
            return
        if done is None:
            self.status.say(
                "nothing to restore: no rejection of this review left a file as it is now"
            )
            return
        self.status.say(
            f"restored {quote_name(done.path)} from #{done.entry.seq}"
            f" (journal #{done.written.seq if done.written else '?'}; u takes it back)"
        )

    def action_pane_cursor_by(self, delta: int) -> None:
        self.pane.move_cursor(delta)
        self._update_progress()

    def action_pane_page_by(self, direction: int) -> None:
        self.pane.page(direction)
        self._update_progress()

    def action_pane_cursor_to(self, row: int) -> None:
        self.pane.action_cursor_to(row)
        self._update_progress()

    def action_pane_hunk_at(self, index: int) -> None:
        self.pane.action_hunk_at(index)
        self._update_progress()

    def action_toggle_view(self) -> None:
        self.pane.split_view = not self.pane.split_view
        self.status.say("side-by-side view" if self.pane.split_view else "unified view")

    def action_toggle_fold(self) -> None:
        self.pane.toggle_fold()

    def action_reload(self) -> None:
        path = self.current.path
        if self._run(Reload(path)) is not None:
            self.status.say(f"reloaded {quote_name(path)} from disk")

    def action_edit(self) -> None:
        hunk_id = self._hunk_here()
        if hunk_id is None:
            return
        fr = self.current
        hunk = fr.hunk(hunk_id)
        if hunk is None:
            return
        if self.is_web:
            # A browser seat's stdout is textual-serve's pipe to the page: an
            # editor run there would draw into it, and the page would freeze.
            self.status.say("editing in $EDITOR needs a terminal, not a browser seat", error=True)
            return
        if hunk.whole:  # a rename, a mode, a binary file: no lines to edit
            self.status.say(f"{hunk.whole}: a change of the whole file; y or n decides it")
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.status.say("set $EDITOR (or $VISUAL) to edit a hunk", error=True)
            return
        region = "".join(ln.raw for ln in hunk.lines if ln.kind != "-")
        suffix = Path(fr.path).suffix
        with tempfile.NamedTemporaryFile(
            "w", suffix=suffix, delete=False, encoding="utf-8", newline=""
        ) as tmp:
            tmp.write(region)
        try:
            problem = self._run_editor(editor, tmp.name)
            edited = Path(tmp.name).read_bytes().decode("utf-8") if problem is None else region
        except (OSError, UnicodeDecodeError) as exc:
            problem = f"could not read the edited hunk back: {exc}"
        finally:
            Path(tmp.name).unlink(missing_ok=True)
        if problem is not None:
            self.status.say(f"{problem}; the hunk is unchanged", error=True)
            return
        if edited == region:
            self.status.say("hunk unchanged")
            return
        if self._run(Edit(fr.path, hunk_id, edited)) is not None:
            self.status.say(
                f"edited the proposed side of the hunk in {quote_name(fr.path)}; review it, then y/n"
            )

    def _run_editor(self, editor: str, path: str) -> str | None:
        """Run ``editor`` on ``path``; what went wrong, or None. Nothing may
        raise inside ``suspend()``: Textual resumes the screen only when its
        block ends normally, so an exception there left a blank, raw terminal."""
        try:
            words = shlex.split(editor)
        except ValueError as exc:
            return f"cannot read $EDITOR {editor!r}: {exc}"
        name = words[0] if words else editor
        if not words or shutil.which(name) is None:
            return f"the editor {name!r} was not found (from $VISUAL or $EDITOR)"
        command = [*words, path]
        outcome: int | str = 0
        try:
            with self.suspend():
                outcome = _run_quietly(command, stdin=None)
        except SuspendNotSupported:
            # Headless (tests): run the editor without handing over the terminal.
            outcome = _run_quietly(command, stdin=subprocess.DEVNULL)
        self.refresh()
        if isinstance(outcome, str):
            return outcome
        if outcome != 0:
            # As git does: an editor that failed may have left half an edit.
            return f"the editor exited with status {outcome}"
        return None

    def action_help(self) -> None:
        self.push_screen(HelpScreen.of(self.all_bindings()))

    def action_quit_review(self) -> None:
        self.service.flush()  # decisions on their way are part of the summary
        summary = {**self.service.summary(), "source": self.label}

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.exit(summary)

        self.push_screen(SummaryScreen(summary), done)

    def all_bindings(self) -> list[Binding]:
        """Every key of the workbench (the cursor keys among them)."""
        return list(type(self).BINDINGS)  # type: ignore[arg-type]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.all_bindings():
            name, _, arg = binding.action.partition("(")
            method = getattr(self, f"action_{name}")
            key = binding.key_display or binding.key
            if arg:
                value = int(arg.rstrip(")"))
                yield SystemCommand(binding.tooltip, f"key: {key}", lambda m=method, v=value: m(v))
            else:
                yield SystemCommand(binding.tooltip, f"key: {key}", method)


def help_rows(bindings: list[Binding] | None = None) -> list[tuple[str, str]]:
    return [row for _title, rows in help_sections(bindings or BINDINGS) for row in rows]


def _run_quietly(command: list[str], *, stdin: int | None) -> int | str:
    """The command's exit status, or why it could not start (never raises)."""
    try:
        return subprocess.run(command, check=False, stdin=stdin).returncode
    except OSError as exc:
        return f"the editor {command[0]!r} could not start: {exc.strerror or exc}"
