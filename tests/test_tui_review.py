"""The review app beyond single decisions, through Textual's Pilot on the
sample repo: undo and redo (also across a restart), reloading after outside
changes, the help and summary screens, the command palette, and the
background prefetch.
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
from conftest import (
    NEW_TEST,
    REPORT,
    STOCK,
    AppFactory,
    git,
    head_bytes,
    index_bytes,
    repo_state,
    staged_names,
    unstaged_names,
    worktree_bytes,
)
from rich.console import Console
from textual.command import CommandList, CommandPalette
from textual.screen import Screen
from textual.widgets import Static
from tui_helpers import SIZE, hunk_texts, message, press, settle

from app.core.model import FileReview
from app.tui.review_app import BINDINGS
from app.tui.screens import HelpScreen, SummaryScreen
from widgets.file_list import FileList

# -- u / U: undo and redo ------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["y", "n", "a", "d", "space y"])
async def test_u_undoes_byte_for_byte(make_app: AppFactory, sample_repo: Path, key: str) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, *key.split())
        assert repo_state(sample_repo) != before
        assert app.check_action("undo", ()) and not app.check_action("redo", ())
        await press(pilot, "u")
        assert repo_state(sample_repo) == before
        assert not app.check_action("undo", ()) and app.check_action("redo", ())
        assert app.index == 0 and app.pane.path == REPORT and len(app.pane.hunks) == 1
        fr = app.session.files[0]
        assert (fr.accepted_count, fr.rejected_count) == (0, 0)
        assert message(app).startswith(f"undo done in {REPORT}")


async def test_u_undoes_in_reverse_order(make_app: AppFactory, sample_repo: Path) -> None:
    states = [repo_state(sample_repo)]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("s", "y", "n", "d"):  # split, stage, revert; then stock.py goes
            await press(pilot, key)
            if key != "s":
                states.append(repo_state(sample_repo))
        assert len({repr(s) for s in states}) == 4
        for expected in reversed(states[:-1]):
            await press(pilot, "u")
            assert repo_state(sample_repo) == expected
        assert not app.check_action("undo", ())


async def test_u_puts_the_cursor_on_the_hunk_it_brought_back(
    make_app: AppFactory, sample_repo: Path
) -> None:
    """After a decision the cursor has moved on; u shows the hunk that came back,
    not whatever hunk the cursor happens to be on."""

    def here() -> str:
        hunk = app.pane.hunks[app.pane.current_hunk()]
        return "".join(line.raw for line in hunk.lines if line.kind != " ")

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        changes = ["".join(ln.raw for ln in h.lines if ln.kind != " ") for h in app.pane.hunks]
        assert len(changes) == 2
        await press(pilot, "y")
        assert here() == changes[1]
        await press(pilot, "u")
        assert app.pane.path == REPORT and len(app.pane.hunks) == 2
        assert here() == changes[0]
        await press(pilot, "j", "n")  # the same when the undone hunk comes after
        await press(pilot, "k", "u")
        assert here() == changes[1]


async def test_capital_u_redoes(make_app: AppFactory, sample_repo: Path) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "y")
        after = repo_state(sample_repo)
        await press(pilot, "u")
        assert repo_state(sample_repo) == before
        await press(pilot, "U")
        assert repo_state(sample_repo) == after
        assert app.session.files[0].accepted_count == 1
        assert message(app).startswith(f"redo done in {REPORT}")
        assert app.check_action("undo", ()) and not app.check_action("redo", ())
        # U with nothing to redo is hidden and does nothing.
        await press(pilot, "U")
        assert repo_state(sample_repo) == after


async def test_undo_of_a_partial_decision_survives_a_restart(
    make_app: AppFactory, sample_repo: Path, isolated_home: Path
) -> None:
    before = repo_state(sample_repo)
    first = make_app()
    async with first.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "y")
        assert index_bytes(sample_repo, REPORT) != head_bytes(sample_repo, REPORT)
    # The journal lives in the repository's git dir, not in the (fake) home.
    assert (sample_repo / ".git" / "tether" / "journal.jsonl").is_file()
    assert not any(p.name == "tether" for p in isolated_home.rglob("*"))

    second = make_app()
    async with second.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert second.check_action("undo", ())
        await press(pilot, "u")
        assert repo_state(sample_repo) == before
        assert second.pane.path == REPORT and len(second.pane.hunks) == 1
        await press(pilot, "U")
        assert index_bytes(sample_repo, REPORT) != head_bytes(sample_repo, REPORT)


async def test_undo_of_a_whole_file_decision_survives_a_restart(
    make_app: AppFactory, sample_repo: Path
) -> None:
    before = repo_state(sample_repo)
    first = make_app()
    async with first.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "y")  # report.py is fully staged: no longer a worktree change
    second = make_app()
    async with second.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [fr.path for fr in second.session.files] == [STOCK, NEW_TEST]
        await press(pilot, "u")
        assert repo_state(sample_repo) == before
        assert second.pane.path == REPORT
        assert second.query_one(FileList).entry_count == 3


# -- R: reload, and what happens when the file changed under the app ---------------------------


async def test_capital_r_reloads_after_an_external_change(
    make_app: AppFactory, sample_repo: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = sample_repo / REPORT
        target.write_bytes(target.read_bytes() + b"# added outside tether\n")
        assert "# added outside tether" not in hunk_texts(app)
        await press(pilot, "R")
        assert "# added outside tether" in hunk_texts(app)
        assert message(app) == f"reloaded {REPORT} from disk"
        await press(pilot, "d")
        assert worktree_bytes(sample_repo, REPORT) == head_bytes(sample_repo, REPORT)


async def test_n_on_a_file_changed_on_disk_overwrites_nothing(
    make_app: AppFactory, sample_repo: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        external = b'"""Rewritten by someone else."""\n'
        (sample_repo / REPORT).write_bytes(external)
        index_before = repo_state(sample_repo).index
        await press(pilot, "n")
        assert worktree_bytes(sample_repo, REPORT) == external
        assert repo_state(sample_repo).index == index_before
        assert app.status.is_error and app.status.has_class("-error")
        assert REPORT in message(app)
        assert app.session.files[0].rejected_count == 0
        assert not app.check_action("undo", ())
        # Reloading shows the new text; then the decision goes through.
        await press(pilot, "R")
        assert not app.status.is_error
        await press(pilot, "d")
        assert worktree_bytes(sample_repo, REPORT) == head_bytes(sample_repo, REPORT)


async def test_y_when_the_index_changed_elsewhere_overwrites_nothing(
    make_app: AppFactory, sample_repo: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        git(sample_repo, "add", REPORT)
        staged = index_bytes(sample_repo, REPORT)
        (sample_repo / REPORT).write_bytes(b"changed after staging\n")
        await press(pilot, "y")
        assert index_bytes(sample_repo, REPORT) == staged
        assert app.status.is_error and REPORT in message(app)


# -- ? and q: the modal screens ----------------------------------------------------------------


def rendered_text(screen: Screen[object]) -> str:
    """The text of a screen's Static widgets, as a terminal would show it."""
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None, legacy_windows=False)
    for static in screen.query(Static):
        console.print(static.content)
    return out.getvalue()


async def test_question_mark_opens_help_listing_every_binding(
    make_app: AppFactory, sample_repo: Path
) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = rendered_text(app.screen)
        for binding in BINDINGS:
            key = (binding.key_display or binding.key).replace("question_mark", "?")
            assert binding.tooltip and binding.tooltip in text, binding
            assert any(
                line.split()[:1] == [key] and binding.tooltip in line for line in text.splitlines()
            ), binding
        assert "ctrl+p" in text
        # The review's keys do not reach through the modal.
        await press(pilot, "y")
        assert isinstance(app.screen, HelpScreen)
        assert repo_state(sample_repo) == before
        await press(pilot, "escape")
        assert not isinstance(app.screen, HelpScreen)
        await press(pilot, "question_mark", "question_mark")
        assert not isinstance(app.screen, HelpScreen)


async def test_q_shows_the_summary_and_enter_exits_with_it(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "y")  # report.py: 1 accepted; on to stock.py
        await press(pilot, "s", "n", "d")  # stock.py: 6 rejected (1, then the other 5)
        assert app.pane.path == NEW_TEST
        await press(pilot, "q")
        assert isinstance(app.screen, SummaryScreen)
        shown = rendered_text(app.screen)
        assert "Review of working tree vs index: 1 accepted, 6 rejected, 1 pending" in shown
        assert f"{REPORT}: 1 accepted, 0 rejected, 0 pending" in shown
        assert f"{STOCK}: 0 accepted, 6 rejected, 0 pending" in shown
        await press(pilot, "enter")
    assert app.return_value == {
        "source": "working tree vs index",
        "accepted": 1,
        "rejected": 6,
        "files": [
            {"path": REPORT, "accepted": 1, "rejected": 0, "pending": 0, "note": ""},
            {"path": STOCK, "accepted": 0, "rejected": 6, "pending": 0, "note": ""},
            {"path": NEW_TEST, "accepted": 0, "rejected": 0, "pending": 1, "note": ""},
        ],
    }


async def test_deciding_every_hunk_keeps_the_review_open_until_q(
    make_app: AppFactory, sample_repo: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "y", "d", "a")  # report.py staged, stock.py reverted, test staged
        assert app.is_running
        assert app.session.pending == 0
        assert message(app).endswith("all hunks decided; q for the summary")
        assert staged_names(sample_repo) == [REPORT, NEW_TEST]
        assert unstaged_names(sample_repo) == []
        # With nothing left, the hunk keys are hidden and do nothing.
        assert not app.check_action("accept", ())
        await press(pilot, "y", "n", "space", "a", "d", "s", "e", "j", "k", "v", "enter")
        assert app.is_running and staged_names(sample_repo) == [REPORT, NEW_TEST]
        await press(pilot, "q", "enter")
    assert app.return_value is not None
    assert (app.return_value["accepted"], app.return_value["rejected"]) == (2, 1)


async def test_escape_on_the_summary_goes_back_to_the_review(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "q")
        assert isinstance(app.screen, SummaryScreen)
        await press(pilot, "escape")
        assert not isinstance(app.screen, SummaryScreen)
        assert app.is_running and app.return_value is None
        await press(pilot, "j")  # keys work again
        assert app.index == 1
        await press(pilot, "q", "n")
        assert not isinstance(app.screen, SummaryScreen) and app.is_running
        await press(pilot, "q", "q")
    assert app.return_value is not None and app.return_value["accepted"] == 0


# -- what the app offers: palette, hidden keys ----------------------------------------------------


async def test_every_binding_is_in_the_command_palette(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for binding in BINDINGS:
            assert binding.tooltip in commands, binding
            assert (binding.key_display or binding.key) in commands[binding.tooltip].help
        # The commands run the same actions as the keys, arguments included.
        start = app.pane.cursor
        commands["Cursor down one line"].callback()
        await pilot.pause()
        assert app.pane.cursor == start + 1
        commands["Next file"].callback()
        await pilot.pause()
        assert app.index == 1


async def test_the_command_palette_runs_an_action_by_name(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*["space" if c == " " else c for c in "Next file"])
        commands = app.screen.query_one(CommandList)
        deadline = time.monotonic() + 15
        # The palette searches in a worker: wait (bounded) for the first hit.
        while not (
            commands.option_count and "Next file" in str(commands.get_option_at_index(0).prompt)
        ):
            assert time.monotonic() < deadline, "the palette never offered 'Next file'"
            await pilot.pause(0.05)
        await press(pilot, "enter")
        await settle(pilot)
        assert not isinstance(app.screen, CommandPalette)
        assert app.index == 1 and app.pane.path == STOCK


async def test_keys_that_do_not_apply_are_hidden(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.check_action("undo", ()) is False
        assert app.check_action("redo", ()) is False
        shown = app.screen.active_bindings
        assert "u" not in shown and "U" not in shown
        assert {"y", "n", "space", "a", "d", "s", "e"} <= set(shown)
        await press(pilot, "u")  # hidden, so it does nothing, but says why
        assert message(app) == "nothing to undo yet"
        await press(pilot, "y")
        assert app.check_action("undo", ()) is True
        assert "u" in app.screen.active_bindings
        # Back on the decided file there is no hunk: the hunk keys go away.
        await press(pilot, "left_square_bracket")
        assert app.pane.path == REPORT and app.pane.current_hunk() == -1
        for action in ("accept", "reject", "toggle_line", "split", "edit", "accept_file"):
            assert app.check_action(action, ()) is False, action
        shown = app.screen.active_bindings
        assert not {"y", "n", "space", "a", "d", "s", "e"} & set(shown)


# -- the background prefetch ------------------------------------------------------------------


async def test_switching_to_a_file_the_prefetch_is_diffing_shows_its_hunks(
    make_app: AppFactory,
) -> None:
    app = make_app()
    session = app.session
    rediff = session._rediff
    diffing = threading.Event()
    release = threading.Event()

    def slow_rediff(fr: FileReview) -> None:
        if threading.current_thread() is not threading.main_thread() and fr.path == STOCK:
            diffing.set()
            release.wait(10)
        rediff(fr)

    session._rediff = slow_rediff  # type: ignore[method-assign]
    # Regression: show_file used to see loaded=True with patch=None ("No pending
    # changes") when ] reached a file the prefetch thread was still diffing.
    async with app.run_test(size=SIZE) as pilot:
        deadline = time.monotonic() + 15
        while not diffing.is_set():
            assert time.monotonic() < deadline, "the prefetch never reached stock.py"
            await pilot.pause(0.02)
        # The UI thread may wait for the worker (a lock), so release it from a timer.
        threading.Timer(0.5, release.set).start()
        await press(pilot, "right_square_bracket")
        await settle(pilot)
        assert app.pane.path == STOCK
        assert len(app.pane.hunks) == 1


# -- a file that controls a tool is flagged (issue 10) -----------------------------------------


async def test_a_ci_file_is_flagged_above_its_hunks_and_y_still_decides(
    make_app: AppFactory, sample_repo: Path
) -> None:
    ci = ".github/workflows/ci.yml"
    (sample_repo / ".github/workflows").mkdir(parents=True)
    (sample_repo / ci).write_text("on: push\njobs:\n  t:\n    steps:\n      - run: pytest\n")
    git(sample_repo, "add", ci)
    (sample_repo / ci).write_text("on: push\njobs:\n  t:\n    steps:\n      - run: curl x | sh\n")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.show_file(app.session.files.index(app.session.file(ci)))
        await pilot.pause()
        assert app.pane.rows[0].text.startswith("⚑ this file controls CI")
        assert app.pane.current_hunk_id() is not None  # the cursor is on the hunk
        await press(pilot, "y")
        assert index_bytes(sample_repo, ci) == (sample_repo / ci).read_bytes()
        # An ordinary file carries no banner.
        app.show_file(app.session.files.index(app.session.file(REPORT)))
        await pilot.pause()
        assert not app.pane.rows[0].text.startswith("⚑")
