"""The review workbench: file list, diff pane, status line and the keys.

The app only orchestrates: decisions go to ``ReviewSession`` (UI-free), and
the widgets are told what to show. Keys follow ``git add -p`` and lazygit.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from textual import work
from textual.app import App, ComposeResult, SuspendNotSupported, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from app.core.backends import FileReview
from app.core.errors import LeashError, StaleFileError, TetherError
from app.core.session import ReviewSession
from app.core.text import split_lines
from app.tui.screens import HelpScreen, SummaryScreen
from themes import ALIASES, CSS_PATH, THEMES
from widgets.diff_pane import DiffPane
from widgets.file_list import FileEntry, FileList
from widgets.status_line import StatusLine

# Actions that need a hunk under the cursor.
_HUNK_ACTIONS = {"accept", "reject", "toggle_line", "split", "edit", "accept_file", "reject_file"}

BINDINGS = [
    Binding("y", "accept", "Accept", tooltip="Accept the hunk (or the lines marked with space)"),
    Binding("n", "reject", "Reject", tooltip="Reject the hunk (or the lines marked with space)"),
    Binding(
        "space", "toggle_line", "Mark", tooltip="Mark/unmark the changed line under the cursor"
    ),
    Binding("j", "next_hunk", "Next", tooltip="Next hunk"),
    Binding("k", "prev_hunk", "Prev", tooltip="Previous hunk"),
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
    Binding("u", "undo", "Undo", tooltip="Undo the last decision (survives restarts)"),
    Binding("U", "redo", "Redo", key_display="U", tooltip="Redo what undo took back"),
    Binding("v", "toggle_view", "View", tooltip="Toggle unified / side-by-side view"),
    Binding("enter", "toggle_fold", "Fold", show=False, tooltip="Expand or fold unchanged lines"),
    Binding("down", "cursor(1)", "Down", show=False, tooltip="Cursor down one line"),
    Binding("up", "cursor(-1)", "Up", show=False, tooltip="Cursor up one line"),
    Binding("pagedown", "page(1)", "Page down", show=False, tooltip="Page down"),
    Binding("pageup", "page(-1)", "Page up", show=False, tooltip="Page up"),
    Binding(
        "R", "reload", "Reload", show=False, key_display="R", tooltip="Reload the file from disk"
    ),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="Show all keys"),
    Binding("q", "quit_review", "Quit", tooltip="Quit with a summary of the decisions"),
]


class ReviewApp(App[dict]):
    """Review one source hunk by hunk."""

    CSS_PATH = str(CSS_PATH)
    TITLE = "tether"
    BINDINGS = BINDINGS  # type: ignore[assignment]

    def __init__(self, session: ReviewSession, *, label: str, theme: str = "dark") -> None:
        super().__init__()
        self.session = session
        self.label = label
        self.index = 0
        self._theme_name = ALIASES.get(theme, theme)
        self._can_undo = False
        self._can_redo = False

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            yield FileList(id="files")
            yield DiffPane(id="diff")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = self._theme_name if self._theme_name in THEMES else "tether-dark"
        self.theme_changed_signal.subscribe(self, lambda _theme: self.pane.refresh_palette())
        self.sub_title = self.label
        self.status.source = self.label
        self._refresh_undo_state()
        self.query_one(FileList).set_entries([self._entry(fr) for fr in self.session.files])
        self.show_file(self._first_pending(0))
        self.pane.focus()
        self._prefetch()

    @property
    def pane(self) -> DiffPane:
        return self.query_one(DiffPane)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def current(self) -> FileReview:
        return self.session.files[self.index]

    def _entry(self, fr: FileReview) -> FileEntry:
        pending = fr.pending if fr.loaded else None
        return FileEntry(
            fr.path, str(fr.status), fr.accepted_count, fr.rejected_count, pending, fr.note
        )

    # -- showing files ---------------------------------------------------------

    def show_file(self, index: int, *, hunk: int = 0) -> None:
        if not self.session.files:
            self.pane.show_file("", [], [], note="Nothing to review: no changes found.")
            self._update_progress()
            return
        self.index = max(0, min(index, len(self.session.files) - 1))
        fr = self.session.ensure_loaded(self.current)
        hunks = fr.patch.hunks if fr.patch else []
        guard = self.session.guard
        if fr.stale:
            notes = {i: f"stale: {fr.stale}" for i in range(len(hunks))}
        else:
            notes = {i: reason for i, h in enumerate(hunks) if guard and (reason := guard(fr, h))}
        self.pane.show_file(
            fr.path,
            hunks,
            split_lines(fr.accepted or ""),
            note=fr.note,
            hunk=hunk,
            hunk_notes=notes,
        )
        files = self.query_one(FileList)
        files.update_entry(self.index, self._entry(fr))
        if files.highlighted != self.index:
            files.highlighted = self.index
        self._update_progress()
        self.update_keys()

    def _first_pending(self, start: int) -> int:
        """The first file from ``start`` on (wrapping) with pending hunks, else ``start``."""
        files = self.session.files
        start %= max(len(files), 1)
        for offset in range(len(files)):
            i = (start + offset) % len(files)
            if self.session.is_large(files[i]):
                continue  # diffed when opened, not while looking for work
            if self.session.ensure_loaded(files[i]).pending:
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
        for i, fr in enumerate(list(self.session.files)):
            if worker.is_cancelled:
                return
            if not fr.loaded and not self.session.is_large(fr):
                self.session.ensure_loaded(fr)
                done.append(i)
            if done and time.monotonic() - handed > 0.05:
                self.call_from_thread(self._update_entries, done)
                done, handed = [], time.monotonic()
        if done:
            self.call_from_thread(self._update_entries, done)

    def _update_entries(self, indices: list[int]) -> None:
        files = self.query(FileList)
        if not files:
            return  # the app is shutting down; the prefetch's last word is moot
        for i in indices:
            files.first().update_entry(i, self._entry(self.session.files[i]))
        self._update_progress()

    def _update_progress(self) -> None:
        files = self.session.files
        pending = sum(fr.pending for fr in files if fr.loaded)
        done = sum(fr.accepted_count + fr.rejected_count for fr in files)
        where = f"file {self.index + 1}/{len(files)}" if files else "no files"
        hunk = self.pane.current_hunk()
        total = len(self.pane.hunks)
        at = f" · hunk {hunk + 1}/{total}" if hunk >= 0 else ""
        self.status.progress = f"{where}{at} · {done} decided · {pending} pending"

    def on_diff_pane_cursor_moved(self, _message: DiffPane.CursorMoved) -> None:
        if not self.is_running or not self.screen.query(DiffPane):
            return  # a message still queued while the app shuts down
        self._update_progress()
        self.update_keys()

    def update_keys(self) -> None:
        """Refresh the footer only when the set of keys that apply changed:
        the Footer rebuilds its widgets on every refresh, which costs more
        than the whole repaint of a key press."""
        actions = tuple(
            bool(self.check_action(b.action.partition("(")[0], ())) for b in type(self).BINDINGS
        )
        if actions != getattr(self, "_applicable", None):
            self._applicable = actions
            self.refresh_bindings()

    def on_file_list_selected(self, message: FileList.Selected) -> None:
        if message.index != self.index:
            self.show_file(message.index)

    # -- the keys ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or isinstance(self.screen, HelpScreen | SummaryScreen):
            return True
        if action in _HUNK_ACTIONS:
            return self.pane.current_hunk() >= 0
        if action == "undo":
            return self._can_undo
        if action == "redo":
            return self._can_redo
        if action in ("next_file", "prev_file"):
            return len(self.session.files) > 1
        return True

    def _selection(self) -> dict[int, frozenset[int]] | None:
        hunk = self.pane.current_hunk()
        if hunk < 0:
            return None
        marked = self.pane.selected.get(hunk)
        lines = marked if marked else set(self.pane.hunks[hunk].change_indices())
        return {hunk: frozenset(lines)}

    def action_accept(self) -> None:
        self._decide("accept", self._selection())

    def action_reject(self) -> None:
        self._decide("reject", self._selection())

    def action_accept_file(self) -> None:
        self._decide("accept", self._rest_of_file())

    def action_reject_file(self) -> None:
        self._decide("reject", self._rest_of_file())

    def _rest_of_file(self) -> dict[int, frozenset[int]]:
        return {i: frozenset(h.change_indices()) for i, h in enumerate(self.pane.hunks)}

    def _decide(
        self, op: str, selection: dict[int, frozenset[int]] | None, *, now: bool = False
    ) -> None:
        """Decide; with ``now`` the write is done before returning (callers that
        act on the result at once), otherwise right after the next frame."""
        if not selection:
            return
        hunk = self.pane.current_hunk()
        fr = self.current
        refused = self._refusal(op, fr, selection)
        if refused is not None:
            self._error(refused)
            return
        whole = all(
            set(lines) == set(self.pane.hunks[i].change_indices()) for i, lines in selection.items()
        )
        if whole and not now:
            # Show the decision at once, then write it (journaled, fsynced)
            # right after that frame; a failed write puts the hunks back.
            self.pane.hide_hunks(set(selection))
            self.call_after_refresh(self._commit, op, fr, selection, hunk)
        else:
            self._commit(op, fr, selection, hunk)

    def _refusal(
        self, op: str, fr: FileReview, selection: dict[int, frozenset[int]]
    ) -> TetherError | None:
        """Why the session would refuse this decision (checked before painting it)."""
        if op != "accept":
            return None
        if fr.stale:
            return StaleFileError(fr.stale, path=fr.path)
        guard = self.session.guard
        for index in selection:
            reason = guard(fr, self.pane.hunks[index]) if guard else None
            if reason:
                return LeashError(reason, path=fr.path)
        return None

    def _commit(
        self, op: str, fr: FileReview, selection: dict[int, frozenset[int]], hunk: int
    ) -> None:
        try:
            outcome = (self.session.accept if op == "accept" else self.session.reject)(
                fr, selection
            )
        except TetherError as exc:
            self._error(exc)
            self.show_file(self.index, hunk=hunk)
            return
        what = f"{outcome.lines} line{'s' if outcome.lines != 1 else ''}"
        verb = "accepted" if op == "accept" else "rejected"
        self.status.say(f"{verb} {what} of {fr.path} (#{outcome.seq}; u undoes)")
        self._after_change(hunk)

    def _after_change(self, hunk: int) -> None:
        self._refresh_undo_state()
        self.query_one(FileList).update_entry(self.index, self._entry(self.current))
        if self.current.pending == 0:
            nxt = self._first_pending(self.index + 1)
            if self.session.files[nxt].pending:
                self.show_file(nxt)
                return
            self.show_file(self.index, hunk=0)
            unopened = sum(1 for fr in self.session.files if not fr.loaded)
            if unopened:  # large files, diffed only when opened: not decided
                self.status.say(
                    f"{self.status.message} · {unopened} large "
                    f"file{'s' if unopened != 1 else ''} not diffed yet: ] to open"
                )
            else:
                self.status.say(self.status.message + " · all hunks decided; q for the summary")
            return
        self.show_file(self.index, hunk=hunk)

    def _refresh_undo_state(self) -> None:
        self._can_undo = self.session.can_undo()
        self._can_redo = self.session.can_redo()

    def _error(self, exc: TetherError) -> None:
        self.status.say(str(exc), error=True)
        self.notify(str(exc), title=exc.title, severity="error")

    def action_toggle_line(self) -> None:
        if not self.pane.toggle_line():
            self.status.say("space marks a changed (+/-) line; this one is context")

    def action_next_hunk(self) -> None:
        # The status line is updated in the same frame as the cursor.
        moved = self.pane.next_hunk(1)
        self._update_progress()
        if not moved:
            if len(self.session.files) > 1:
                self.action_next_file()
            else:
                self.status.say("last hunk")

    def action_prev_hunk(self) -> None:
        moved = self.pane.next_hunk(-1)
        self._update_progress()
        if not moved:
            if len(self.session.files) > 1 and self.index > 0:
                self.show_file(self.index - 1, hunk=10**9)
            else:
                self.status.say("first hunk")

    def action_next_file(self) -> None:
        self.show_file((self.index + 1) % len(self.session.files))

    def action_prev_file(self) -> None:
        self.show_file((self.index - 1) % len(self.session.files))

    def action_split(self) -> None:
        hunk = self.pane.current_hunk()
        before = len(self.pane.hunks)
        if self.session.split_hunk(self.current, hunk):
            self.show_file(self.index, hunk=hunk)
            self.status.say(f"split the hunk into {len(self.pane.hunks) - before + 1} hunks")
        else:
            self.status.say("this hunk has a single change; mark lines with space instead")

    def action_undo(self) -> None:
        self._swing("undo")

    def action_redo(self) -> None:
        self._swing("redo")

    def _swing(self, op: str) -> None:
        try:
            outcome = self.session.undo() if op == "undo" else self.session.redo()
        except TetherError as exc:
            self._error(exc)
            return
        index = next(i for i, fr in enumerate(self.session.files) if fr.path == outcome.path)
        hunk = self.pane.current_hunk() if index == self.index else 0
        files = self.query_one(FileList)
        if files.entry_count != len(self.session.files):
            # Undo brought back a file that had no differences left.
            files.set_entries([self._entry(fr) for fr in self.session.files], keep=index)
        self._refresh_undo_state()
        self.show_file(index, hunk=max(hunk, 0))
        self.status.say(f"{op} done in {outcome.path} (#{outcome.seq})")

    def action_toggle_view(self) -> None:
        self.pane.split_view = not self.pane.split_view
        self.status.say("side-by-side view" if self.pane.split_view else "unified view")

    def action_toggle_fold(self) -> None:
        self.pane.toggle_fold()

    def action_cursor(self, delta: int) -> None:
        self.pane.move_cursor(delta)
        self._update_progress()

    def action_page(self, direction: int) -> None:
        self.pane.page(direction)
        self._update_progress()

    def action_reload(self) -> None:
        try:
            self.session.reload(self.current)
        except TetherError as exc:
            self._error(exc)
            return
        self.show_file(self.index, hunk=max(self.pane.current_hunk(), 0))
        self.status.say(f"reloaded {self.current.path} from disk")

    def action_edit(self) -> None:
        hunk_index = self.pane.current_hunk()
        fr = self.current
        if hunk_index < 0 or fr.patch is None:
            return
        hunk = fr.patch.hunks[hunk_index]
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
            self._run_editor(editor, tmp.name)
            edited = Path(tmp.name).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.status.say(f"editor failed: {exc}", error=True)
            return
        finally:
            Path(tmp.name).unlink(missing_ok=True)
        if edited == region:
            self.status.say("hunk unchanged")
            return
        try:
            self.session.edit_proposed(fr, hunk, edited)
        except TetherError as exc:
            self._error(exc)
            return
        self._after_change(hunk_index)
        self.status.say(f"edited the proposed side of the hunk in {fr.path}; review it, then y/n")

    def _run_editor(self, editor: str, path: str) -> None:
        command = [*shlex.split(editor), path]
        try:
            with self.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:
            # Headless (tests): run the editor without handing over the terminal.
            subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
        self.refresh()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(help_rows(type(self).BINDINGS)))

    def action_quit_review(self) -> None:
        summary = {**self.session.summary(), "source": self.label}

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.exit(summary)

        self.push_screen(SummaryScreen(summary), done)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in type(self).BINDINGS:
            assert isinstance(binding, Binding)
            action = binding.action
            name, _, arg = action.partition("(")
            method = getattr(self, f"action_{name}")
            key = binding.key_display or binding.key
            if arg:
                value = int(arg.rstrip(")"))
                yield SystemCommand(binding.tooltip, f"key: {key}", lambda m=method, v=value: m(v))
            else:
                yield SystemCommand(binding.tooltip, f"key: {key}", method)


def help_rows(bindings: list | None = None) -> list[tuple[str, str]]:
    rows = []
    for binding in bindings if bindings is not None else BINDINGS:
        key = binding.key_display or binding.key
        rows.append((key.replace("question_mark", "?"), binding.tooltip or binding.description))
    rows.append(("ctrl+p", "Command palette: every action by name"))
    return rows
