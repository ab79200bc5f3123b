"""Every key of the review app, driven through Textual's Pilot on the sample repo:
deciding, moving, whole files, reshaping. (Undo, reload, the modal screens and
the palette are in ``test_tui_review.py``.)

Keys that decide are checked against git itself (the index via ``git show :path``,
the working tree byte for byte); keys that only move or show are checked on the
widgets' state. ``KEY_TESTS`` at the end proves every binding has a test.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest
from conftest import (
    NEW_TEST,
    REPORT,
    STOCK,
    AppFactory,
    head_bytes,
    index_bytes,
    repo_state,
    staged_names,
    unstaged_names,
    worktree_bytes,
)
from tui_helpers import SIZE, hunk_texts, message, old_new, press, settle

from app.tui.review_app import BINDINGS
from widgets.diff_pane import CURSOR_BINDINGS, DiffPane
from widgets.diff_rows import FOLD, HUNK
from widgets.file_list import FileList

# -- the sample as the app first shows it -------------------------------------------


async def test_opens_on_first_change_of_first_file(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [fr.path for fr in app.session.files] == [REPORT, STOCK, NEW_TEST]
        assert app.index == 0 and app.pane.path == REPORT
        assert len(app.pane.hunks) == 1 and app.pane.current_hunk() == 0
        row = app.pane.current_row()
        assert row is not None and row.kind == "-"
        assert row.text == "def render_report(stock):"
        assert "file 1/3 · hunk 1/1 · 0 decided · 3 pending" in str(app.status.render())


# -- y / n / space: decisions on one hunk or on marked lines --------------------------


async def test_y_stages_the_hunk_and_leaves_the_working_tree(
    make_app: AppFactory, sample_repo: Path
) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "y")
        assert staged_names(sample_repo) == [REPORT]
        assert index_bytes(sample_repo, REPORT) == worktree_bytes(sample_repo, REPORT)
        assert index_bytes(sample_repo, STOCK) == head_bytes(sample_repo, STOCK)
        assert repo_state(sample_repo).files == before.files
        # The file is done, so the app moves on to the next one with work left.
        assert app.session.files[0].accepted_count == 1
        assert app.index == 1 and app.pane.path == STOCK
        assert message(app).startswith(f"accepted 11 lines of {REPORT} (#1;")


async def test_y_stages_exactly_one_of_two_hunks(make_app: AppFactory, sample_repo: Path) -> None:
    old, new = old_new(sample_repo)
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        assert len(app.pane.hunks) == 2
        await press(pilot, "y")
        # Hunk 1 turns old lines 1-7 into new lines 1-6; the rest stays old.
        assert index_bytes(sample_repo, REPORT) == b"".join(new[:6] + old[7:])
        assert staged_names(sample_repo) == [REPORT]
        assert repo_state(sample_repo).files == before.files
        assert app.index == 0 and len(app.pane.hunks) == 1
        assert app.session.files[0].accepted_count == 1


async def test_n_reverts_exactly_one_hunk_in_the_working_tree(
    make_app: AppFactory, sample_repo: Path
) -> None:
    old, new = old_new(sample_repo)
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "n")
        assert worktree_bytes(sample_repo, REPORT) == b"".join(old[:7] + new[6:])
        after = repo_state(sample_repo)
        assert after.index == before.index
        assert staged_names(sample_repo) == []
        others = [STOCK, NEW_TEST]
        assert [after.files[p] for p in others] == [before.files[p] for p in others]
        assert app.session.files[0].rejected_count == 1
        assert len(app.pane.hunks) == 1


async def test_space_marks_a_line_and_y_stages_only_that_line(
    make_app: AppFactory, sample_repo: Path
) -> None:
    old, _new = old_new(sample_repo)
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start = app.pane.cursor
        await press(pilot, "space")
        # The removed line "def render_report(stock):" (hunk line 3) is marked,
        # and the cursor steps to the next line.
        assert app.pane.selected == {0: {3}}
        assert app.pane.cursor == start + 1
        await press(pilot, "y")
        assert index_bytes(sample_repo, REPORT) == b"".join(old[:3] + old[4:])
        assert repo_state(sample_repo).files == before.files
        assert message(app).startswith(f"accepted 1 line of {REPORT}")
        # The rest of the hunk is still there to review; the marks are gone.
        assert app.index == 0 and len(app.pane.hunks) == 1 and app.pane.selected == {}
        assert b"def render_report(stock):" not in hunk_texts(app).encode()


async def test_space_marks_two_lines_and_n_reverts_only_those(
    make_app: AppFactory, sample_repo: Path
) -> None:
    _old, new = old_new(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "down", "down", "down", "down")  # to the first added line
        row = app.pane.current_row()
        assert row is not None and row.kind == "+"
        await press(pilot, "space", "space")
        assert app.pane.selected == {0: {7, 8}}
        await press(pilot, "n")
        # The two added lines (new lines 4 and 5) leave the working tree.
        assert worktree_bytes(sample_repo, REPORT) == b"".join(new[:3] + new[5:])
        assert index_bytes(sample_repo, REPORT) == head_bytes(sample_repo, REPORT)


async def test_space_unmarks_and_ignores_context_lines(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "space", "up", "space")
        assert app.pane.selected == {}
        await press(pilot, "up", "up")
        row = app.pane.current_row()
        assert row is not None and row.kind == " "
        await press(pilot, "space")
        assert app.pane.selected == {}
        assert "context" in message(app)


# -- moving: j/k, ]/[, cursor keys, pages, folds, view ---------------------------------


async def test_j_and_k_move_between_hunks(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")
        assert app.pane.current_hunk() == 0
        await press(pilot, "j")
        assert app.pane.current_hunk() == 1
        row = app.pane.current_row()
        assert row is not None and row.kind in "-+"
        assert "hunk 2/2" in app.status.progress
        await press(pilot, "k")
        assert app.pane.current_hunk() == 0
        await press(pilot, "k")
        assert app.index == 0 and app.pane.current_hunk() == 0
        assert message(app) == "first hunk"
        # j past the last hunk of a file goes on to the next file.
        await press(pilot, "j", "j")
        assert app.index == 1 and app.pane.path == STOCK and app.pane.current_hunk() == 0
        # k before the first hunk goes back to the last hunk of the previous file.
        await press(pilot, "k")
        assert app.index == 0 and app.pane.current_hunk() == 1


async def test_brackets_switch_files(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        files = app.query_one(FileList)
        await press(pilot, "right_square_bracket")
        assert app.index == 1 and app.pane.path == STOCK and files.highlighted == 1
        await press(pilot, "right_square_bracket")
        assert app.index == 2 and app.pane.path == NEW_TEST
        await press(pilot, "right_square_bracket")
        assert app.index == 0 and app.pane.path == REPORT
        await press(pilot, "left_square_bracket")
        assert app.index == 2 and app.pane.path == NEW_TEST and files.highlighted == 2
        await press(pilot, "left_square_bracket")
        assert app.index == 1 and app.pane.path == STOCK


async def test_up_and_down_move_the_cursor_one_row(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start = app.pane.cursor
        await press(pilot, "down")
        assert app.pane.cursor == start + 1
        await press(pilot, "down", "down")
        assert app.pane.cursor == start + 3
        await press(pilot, "up")
        assert app.pane.cursor == start + 2
        await press(pilot, *["up"] * 20)
        assert app.pane.cursor == 0
        await press(pilot, *["down"] * 40)
        assert app.pane.cursor == len(app.pane.rows) - 1


async def test_a_cursor_move_redraws_the_two_rows_whose_mark_moves(make_app: AppFactory) -> None:
    # The watcher redrew the two rows, but the reactive's own repaint redrew
    # the whole pane as well on every cursor key.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = app.pane
        start = pane.cursor
        drawn: list[int] = []
        real = pane.render_line
        pane.render_line = lambda y: (drawn.append(y), real(y))[1]  # type: ignore[method-assign]
        await press(pilot, "down")
        top = int(pane.scroll_y)
        assert pane.cursor == start + 1 and int(pane.scroll_y) == top
        assert sorted(set(drawn)) == [start - top, start + 1 - top]


async def test_a_cursor_key_reports_a_new_hunk_once(make_app: AppFactory) -> None:
    """Bug: the cursor keys were bound on the App and on the pane, so entering
    another hunk posted CursorMoved twice."""
    app = make_app()
    seen: list[str | None] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s")  # report.py in two hunks, a fold row between them
        app.pane.post_message = lambda m, post=app.pane.post_message: (  # type: ignore[method-assign]
            seen.append(m.hunk) if isinstance(m, DiffPane.CursorMoved) else None,
            post(m),
        )[1]
        first = app.pane.current_hunk_id()
        while app.pane.current_hunk_id() == first:
            await press(pilot, "down")
        assert seen == [app.pane.current_hunk_id()]


async def test_moving_onto_a_fold_row_keeps_the_footer(make_app: AppFactory) -> None:
    """Bug: the footer was rebuilt whenever the cursor landed on a fold row (the
    hunk keys became unavailable) and again on the next hunk row: 60 ms a press."""
    from widgets.diff_rows import FOLD as FOLD_ROW

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "y")  # the rest of report.py starts after a fold row
        assert app.pane.rows[0].kind == FOLD_ROW
        rebuilt: list[int] = []
        real = app.refresh_bindings
        app.refresh_bindings = lambda: (rebuilt.append(1), real())[1]  # type: ignore[method-assign]
        kinds = set()
        for key in ["up"] * app.pane.cursor + ["down"] * 3:
            await press(pilot, key)
            kinds.add(app.pane.current_row().kind)  # type: ignore[union-attr]
        assert FOLD_ROW in kinds and kinds & {"+", "-", " "}
        assert rebuilt == []
        await press(pilot, *["up"] * app.pane.cursor)  # the fold row (home goes to a hunk)
        assert app.pane.cursor == 0
        staged = repo_state(app.service.root).index
        await press(pilot, "y")  # no hunk under a fold row: says so, writes nothing
        assert "no hunk under the cursor" in message(app)
        assert repo_state(app.service.root).index == staged


async def test_up_and_down_move_the_cursor_in_a_long_file(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right_square_bracket")  # stock.py: 50 rows, more than a screen
        assert len(app.pane.rows) > app.pane.scrollable_content_region.height
        start = app.pane.cursor
        await press(pilot, "down", "down")
        assert app.pane.cursor == start + 2
        await press(pilot, "up")
        assert app.pane.cursor == start + 1


async def test_pagedown_and_pageup_move_by_a_screen(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right_square_bracket")  # stock.py: 50 rows, more than a screen
        pane = app.pane
        height = pane.scrollable_content_region.height
        assert len(pane.rows) > height
        start = pane.cursor
        assert pane.scroll_y == 0
        await press(pilot, "pagedown")
        assert pane.cursor == start + height - 2
        assert pane.scroll_y > 0
        await press(pilot, "pageup")
        assert pane.cursor == start
        assert pane.scroll_y == 0


async def test_enter_expands_and_folds_unchanged_lines(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "y")  # the rest of report.py starts at line 5
        pane = app.pane
        assert pane.rows[0].kind == FOLD and pane.rows[0].count == 4
        rows_before = len(pane.rows)
        await press(pilot, *["up"] * pane.cursor)
        assert pane.cursor == 0
        await press(pilot, "enter")
        assert pane.expanded == {pane.hunks[0].id}  # the fold before the first hunk
        assert len(pane.rows) == rows_before - 1 + 4
        assert [r.kind for r in pane.rows[:5]] == [" ", " ", " ", " ", HUNK]
        assert pane.rows[3].text == 'def render_report(stock, *, title="Stock report"):'
        await press(pilot, "enter")
        assert pane.expanded == set() and len(pane.rows) == rows_before


async def test_enter_off_a_fold_does_nothing(make_app: AppFactory, sample_repo: Path) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = len(app.pane.rows)
        await press(pilot, "enter")
        assert len(app.pane.rows) == rows and app.pane.expanded == set()
        assert repo_state(sample_repo) == before


async def test_v_toggles_side_by_side(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "j")
        assert not app.pane.split_view
        await press(pilot, "v")
        assert app.pane.split_view
        assert {r.kind for r in app.pane.rows} <= {"pair", HUNK, FOLD}
        assert app.pane.current_hunk() == 1  # the view change keeps the place
        assert message(app) == "side-by-side view"
        await press(pilot, "v")
        assert not app.pane.split_view
        assert "pair" not in {r.kind for r in app.pane.rows}
        assert app.pane.current_hunk() == 1
        assert message(app) == "unified view"


async def test_side_by_side_space_and_y_replace_a_line_in_place(
    make_app: AppFactory, sample_repo: Path
) -> None:
    old, new = old_new(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "v")
        row = app.pane.current_row()
        assert row is not None and row.kind == "pair"
        assert (row.text, row.right_text) == (
            "def render_report(stock):",
            'def render_report(stock, *, title="Stock report"):',
        )
        await press(pilot, "space")
        assert app.pane.selected == {0: {3, 7}}
        await press(pilot, "y")
        assert index_bytes(sample_repo, REPORT) == b"".join(old[:3] + new[3:4] + old[4:])


# -- a / d: the rest of a file ------------------------------------------------------------


async def test_a_accepts_the_rest_of_the_file(make_app: AppFactory, sample_repo: Path) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right_square_bracket", "s")
        assert app.pane.path == STOCK and len(app.pane.hunks) == 6
        await press(pilot, "j", "n")  # reject one hunk, then take all the others
        worktree_after_n = worktree_bytes(sample_repo, STOCK)
        assert worktree_after_n != head_bytes(sample_repo, STOCK)
        assert len(app.pane.hunks) == 5
        await press(pilot, "a")
        assert index_bytes(sample_repo, STOCK) == worktree_after_n
        assert worktree_bytes(sample_repo, STOCK) == worktree_after_n
        assert staged_names(sample_repo) == [STOCK]
        assert unstaged_names(sample_repo) == [REPORT]
        fr = app.session.files[1]
        assert (fr.accepted_count, fr.rejected_count, fr.pending) == (5, 1, 0)
        assert app.index == 2 and app.pane.path == NEW_TEST


async def test_d_rejects_the_rest_of_the_file(make_app: AppFactory, sample_repo: Path) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "j", "d")  # with the cursor on hunk 2: both go
        assert worktree_bytes(sample_repo, REPORT) == head_bytes(sample_repo, REPORT)
        assert repo_state(sample_repo).index == before.index
        assert unstaged_names(sample_repo) == [STOCK]
        fr = app.session.files[0]
        assert (fr.accepted_count, fr.rejected_count, fr.pending) == (0, 2, 0)
        assert app.index == 1


async def test_d_on_a_new_file_deletes_it_and_a_stages_it(
    make_app: AppFactory, sample_repo: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "left_square_bracket")
        assert app.pane.path == NEW_TEST
        proposed = worktree_bytes(sample_repo, NEW_TEST)
        await press(pilot, "a")
        assert index_bytes(sample_repo, NEW_TEST) == proposed
        await press(pilot, "u")
        assert index_bytes(sample_repo, NEW_TEST) is None
        assert app.pane.path == NEW_TEST
        await press(pilot, "d")
        assert not (sample_repo / NEW_TEST).exists()
        await press(pilot, "u")
        assert worktree_bytes(sample_repo, NEW_TEST) == proposed


# -- s / e: reshaping the proposal ------------------------------------------------------------


async def test_s_splits_a_hunk_without_writing(make_app: AppFactory, sample_repo: Path) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(app.pane.hunks) == 1
        await press(pilot, "s")
        assert [h.header() for h in app.pane.hunks] == ["@@ -1,7 +1,6 @@", "@@ -8,4 +7,4 @@"]
        assert app.pane.current_hunk() == 0
        assert "2 hunks" in message(app)
        assert repo_state(sample_repo) == before
        # Each half has a single change now: s says so and changes nothing.
        await press(pilot, "s")
        assert len(app.pane.hunks) == 2
        assert "single change" in message(app)


async def test_s_on_stock_py_reports_the_number_of_hunks(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right_square_bracket", "s")
        assert len(app.pane.hunks) == 6
        assert "6 hunks" in message(app)


EDITOR_SCRIPT = """\
import pathlib, sys
path = pathlib.Path(sys.argv[-1])
pathlib.Path(sys.argv[1]).write_text(path.suffix, encoding="utf-8")
text = path.read_bytes().decode("utf-8")
path.write_bytes(text.replace('title="Stock report"', 'title="Inventory"').encode("utf-8"))
"""


def install_editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> Path:
    """$EDITOR = a python script; returns the file where it notes its argument's suffix."""
    editor = tmp_path / "editor.py"
    editor.write_text(script, encoding="utf-8")
    seen = tmp_path / "editor-saw.txt"
    command = " ".join(shlex.quote(str(p)) for p in (sys.executable, editor, seen))
    monkeypatch.setenv("EDITOR", command)
    return seen


async def test_e_edits_the_proposed_side_in_the_editor(
    make_app: AppFactory, sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = install_editor(tmp_path, monkeypatch, EDITOR_SCRIPT)
    original = worktree_bytes(sample_repo, REPORT)
    assert original is not None
    edited = original.replace(b'title="Stock report"', b'title="Inventory"')
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        assert seen.read_text(encoding="utf-8") == ".py"  # the temp file keeps the suffix
        assert worktree_bytes(sample_repo, REPORT) == edited
        assert repo_state(sample_repo).index == before.index
        assert 'title="Inventory"' in hunk_texts(app)
        assert "Stock report" not in "".join(
            ln.raw for h in app.pane.hunks for ln in h.lines if ln.kind == "+"
        )
        assert message(app).startswith(f"edited the proposed side of the hunk in {REPORT}")
        # The edit is a decision like any other: y stages the edited text ...
        await press(pilot, "y")
        assert index_bytes(sample_repo, REPORT) == edited
        # ... and undoing both brings back the agent's text, byte for byte.
        await press(pilot, "u", "u")
        assert repo_state(sample_repo) == before


async def test_e_without_an_editor_says_so(make_app: AppFactory, sample_repo: Path) -> None:
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        assert app.status.is_error and "$EDITOR" in message(app)
        assert repo_state(sample_repo) == before


async def test_e_with_no_change_writes_nothing(
    make_app: AppFactory, sample_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_editor(tmp_path, monkeypatch, "import sys\n")
    before = repo_state(sample_repo)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        assert message(app) == "hunk unchanged"
        assert repo_state(sample_repo) == before
        assert not app.check_action("undo", ())


async def test_capital_m_shows_the_review_figures_from_the_journal(make_app: AppFactory) -> None:
    from app.tui.metrics_view import MetricsScreen

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "s", "y", "n")
        await press(pilot, "M")
        assert isinstance(app.screen, MetricsScreen)
        columns = dict(app.screen.columns)
        assert (columns["this session"].accepted, columns["this session"].rejected) == (1, 1)
        assert columns["this session"].accept_rate == 0.5
        await press(pilot, "escape")
        assert not isinstance(app.screen, MetricsScreen)


# -- every key above has a test -------------------------------------------------------------------

KEY_TESTS = {
    "y": "test_y_stages_exactly_one_of_two_hunks",
    "n": "test_n_reverts_exactly_one_hunk_in_the_working_tree",
    "space": "test_space_marks_a_line_and_y_stages_only_that_line",
    "j": "test_j_and_k_move_between_hunks",
    "k": "test_j_and_k_move_between_hunks",
    "right_square_bracket": "test_brackets_switch_files",
    "left_square_bracket": "test_brackets_switch_files",
    "a": "test_a_accepts_the_rest_of_the_file",
    "d": "test_d_rejects_the_rest_of_the_file",
    "s": "test_s_splits_a_hunk_without_writing",
    "e": "test_e_edits_the_proposed_side_in_the_editor",
    "u": "test_u_undoes_byte_for_byte",
    "U": "test_capital_u_redoes",
    "v": "test_v_toggles_side_by_side",
    "enter": "test_enter_expands_and_folds_unchanged_lines",
    "down": "test_up_and_down_move_the_cursor_one_row",
    "up": "test_up_and_down_move_the_cursor_one_row",
    "pagedown": "test_pagedown_and_pageup_move_by_a_screen",
    "pageup": "test_pagedown_and_pageup_move_by_a_screen",
    "home": "test_home_and_end_go_to_the_files_first_and_last_hunk",
    "end": "test_home_and_end_go_to_the_files_first_and_last_hunk",
    "R": "test_capital_r_reloads_after_an_external_change",
    "question_mark": "test_question_mark_opens_help_listing_every_binding",
    "M": "test_capital_m_shows_the_review_figures_from_the_journal",
    "q": "test_q_shows_the_summary_and_enter_exits_with_it",
    "b": "test_b_hides_and_shows_the_file_list_and_the_diff_takes_the_room",
    "left_curly_bracket": "test_braces_resize_the_file_list_within_limits",
    "right_curly_bracket": "test_braces_resize_the_file_list_within_limits",
    "left": "test_a_change_past_the_right_edge_is_marked_and_right_reaches_it",
    "right": "test_a_change_past_the_right_edge_is_marked_and_right_reaches_it",
    "slash": "test_slash_searches_from_the_cursor_across_files_and_dot_comma_repeat",
    "full_stop": "test_slash_searches_from_the_cursor_across_files_and_dot_comma_repeat",
    "comma": "test_slash_searches_from_the_cursor_across_files_and_dot_comma_repeat",
    "g": "test_g_and_capital_g_go_to_the_first_and_last_hunk_of_the_review",
    "G": "test_g_and_capital_g_go_to_the_first_and_last_hunk_of_the_review",
    "f": "test_f_filters_the_file_list_as_you_type",
    "z": "test_z_wraps_long_lines_so_the_change_shows_without_scrolling",
    "B": "test_B_in_the_review_brings_back_a_deleted_file_through_the_same_rule",
}


def test_every_binding_has_a_key_test() -> None:
    assert set(KEY_TESTS) == {b.key for b in BINDINGS}
    assert {b.key for b in CURSOR_BINDINGS} <= set(KEY_TESTS)
    # Names, not the functions: importing tests from the other module would
    # make pytest collect them twice.
    import test_journal_restore
    import test_tui_finding
    import test_tui_review
    import test_tui_room

    for name in KEY_TESTS.values():
        modules = (test_tui_review, test_tui_room, test_tui_finding, test_journal_restore)
        found = [getattr(m, name, None) for m in modules]
        assert callable(globals().get(name) or next(filter(None, found), None)), name
