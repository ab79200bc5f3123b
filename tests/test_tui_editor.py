"""The review's `e` key with an editor that is missing or fails: a clear
message, the hunk unchanged, the app still running (Pilot), and in a real
terminal the screen comes back (pty)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from conftest import REPORT, AppFactory, worktree_bytes
from test_tui_pty import STARTUP_TIMEOUT, review_in_pty
from tui_helpers import SIZE, hunk_texts, message, press, settle


async def test_a_missing_editor_is_named_and_the_hunk_is_unchanged(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", "tether-no-such-editor")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = hunk_texts(app)
        await press(pilot, "e")
        assert app.status.is_error
        assert message(app) == (
            "the editor 'tether-no-such-editor' was not found (from $VISUAL or $EDITOR);"
            " the hunk is unchanged"
        )
        assert hunk_texts(app) == before
        await press(pilot, "y")  # still reviewing
        assert app.session.files[0].accepted_count == 1


async def test_an_editor_that_fails_leaves_the_hunk_unchanged(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, sample_repo: Path
) -> None:
    # It writes into the file, then fails: its half edit must not be taken.
    script = 'printf "half an edit\\n" >> "$1"; exit 3'
    monkeypatch.setenv("EDITOR", f"sh -c {shlex.quote(script)} editor")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = hunk_texts(app)
        disk = worktree_bytes(sample_repo, REPORT)
        await press(pilot, "e")
        assert message(app) == "the editor exited with status 3; the hunk is unchanged"
        assert app.status.is_error
        assert hunk_texts(app) == before
        assert worktree_bytes(sample_repo, REPORT) == disk


def test_a_missing_editor_gives_the_screen_back(sample_repo: Path, isolated_home: Path) -> None:
    """In a real terminal: before, the exception inside Textual's suspend()
    left the terminal blank and raw, keys echoed, and ctrl+c ended it with 0."""
    with review_in_pty(sample_repo, EDITOR="tether-no-such-editor") as term:
        term.wait_for("inventory/report.py", STARTUP_TIMEOUT)
        term.wait_for("0 decided")
        term.send(b"e")
        # Wording aside: before, nothing at all was drawn after the key.
        term.wait_for("'tether-no-such-editor'")
        assert "the editor 'tether-no-such-editor' was" in term.text()
        # The app still takes keys: a decision, then quitting as usual.
        term.send(b"y")
        term.wait_for(f"accepted 11 lines of {REPORT}")
        term.send(b"q")
        term.wait_for("enter/q quit")
        term.send(b"\r")
        assert term.wait_exit() == 0
        assert "1 accepted" in term.text()
