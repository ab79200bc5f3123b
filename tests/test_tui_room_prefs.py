"""Remembered panels: the file list's and the loop's context panel's visibility and
width outlive the run, per user (``$XDG_STATE_HOME/tether/ui.json``), never in the
repository; a bad file is ignored with a note and the app keeps running."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import AppFactory, repo_state
from test_loop_tui import demo, loop_app, session  # noqa: F401 (fixtures)
from tui_helpers import SIZE, message, press, settle

from app.core.uiprefs import CONTEXT_WIDTH, FILES_WIDTH, RoomPrefs, load_prefs, prefs_path
from app.review.session import ReviewSession
from widgets.file_list import FileList


def stored() -> dict[str, object]:
    return json.loads(prefs_path().read_text(encoding="utf-8"))


def notes(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_the_file_list_comes_back_as_it_was_left(
    make_app: AppFactory, sample_repo: Path, isolated_home: Path
) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert app.query_one(FileList).outer_size.width == FILES_WIDTH
        await press(pilot, "right_curly_bracket")
        await press(pilot, "b")
    assert prefs_path().is_relative_to(isolated_home)
    assert stored()["files_width"] == FILES_WIDTH + 4 and stored()["files_shown"] is False
    assert os.stat(prefs_path()).st_mode & 0o777 == 0o600
    assert repo_state(sample_repo) == before  # nothing of it in the repository
    again = make_app()
    async with again.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        files = again.query_one(FileList)
        assert not files.display
        await press(pilot, "b")
        assert files.outer_size.width == FILES_WIDTH + 4


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"{not json", "is not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"files_width": -5, "files_shown": "yes"}', "ignored files_shown, files_width"),
        (None, "panel sizes not restored"),  # a folder where the file should be
    ],
)
async def test_a_bad_file_is_ignored_with_a_note(
    make_app: AppFactory, isolated_home: Path, content: bytes | None, said: str
) -> None:
    path = prefs_path()
    path.parent.mkdir(parents=True)
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.query_one(FileList).display
        assert any(said in note and str(path) in note for note in notes(app)), notes(app)
        await press(pilot, "b")  # still working
        assert "file list hidden" in message(app)


async def test_a_save_that_fails_says_so_and_the_review_goes_on(
    make_app: AppFactory, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = isolated_home / "not-a-folder"
    blocker.write_text("a file\n", encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "b")
        assert not app.query_one(FileList).display
        assert any("panel sizes not saved" in note for note in notes(app)), notes(app)
    assert blocker.read_text(encoding="utf-8") == "a file\n"


def test_stored_values_are_checked_one_by_one(isolated_home: Path) -> None:
    prefs_path().parent.mkdir(parents=True)
    prefs_path().write_text(
        json.dumps({"files_width": 50, "context_width": True, "context_shown": False}),
        encoding="utf-8",
    )
    prefs, note = load_prefs()
    assert prefs == RoomPrefs(files_width=50, context_shown=False)
    assert "context_width" in note and "files_width" not in note


async def test_the_loops_context_panel_is_remembered_hidden_and_its_width(
    session: ReviewSession,  # noqa: F811
    isolated_home: Path,
) -> None:
    app = loop_app(session, demo())
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        panel = app.query_one("#context")
        if not panel.display:
            await press(pilot, "c")
        await press(pilot, "left_parenthesis")
        assert app.context_chosen == min(CONTEXT_WIDTH, 48) - 4
        await press(pilot, "c")
        assert not panel.display
    assert stored()["context_shown"] is False
    assert stored()["context_width"] == min(CONTEXT_WIDTH, 48) - 4
    again = loop_app(session, demo())
    async with again.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert not again.query_one("#context").display
        assert again.context_chosen == min(CONTEXT_WIDTH, 48) - 4
