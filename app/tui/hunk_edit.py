"""Editing a hunk's proposed side in $EDITOR, the terminal handed over.

A mixin for the review workbench (the loop's plan file uses its
``_run_editor`` too).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from app.core.names import quote_name
from app.review.commands import Edit

if TYPE_CHECKING:
    from textual.app import App

    from app.core.model import FileReview
    from app.review.commands import Command
    from app.review.session import Outcome
    from widgets.status_line import StatusLine

    _Base = App[dict]
else:
    _Base = object


class HunkEditMixin(_Base):
    """``e``: the hunk's proposed lines in the user's editor, read back as an edit."""

    if TYPE_CHECKING:  # what the review app has

        @property
        def status(self) -> StatusLine: ...
        @property
        def current(self) -> FileReview: ...
        def _hunk_here(self) -> str | None: ...
        def _run(self, command: Command) -> Outcome | None: ...

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


def _run_quietly(command: list[str], *, stdin: int | None) -> int | str:
    """The command's exit status, or why it could not start (never raises)."""
    try:
        return subprocess.run(command, check=False, stdin=stdin).returncode
    except OSError as exc:
        return f"the editor {command[0]!r} could not start: {exc.strerror or exc}"
