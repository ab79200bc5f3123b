"""Finding your way: / search across files (. and , repeat it), g/G, Home/End
on hunks, the file filter, Tab to the file list. Pilot tests on the sample
repository (report.py, stock.py, test_stock.py with the sample change)."""

from __future__ import annotations

from conftest import NEW_TEST, REPORT, STOCK, AppFactory
from tui_helpers import SIZE, message, press, settle

from app.tui.finding import matches
from app.tui.screens import AskLine
from widgets.diff_pane import DiffPane
from widgets.file_list import FileList


def _cursor_text(app: object) -> str:
    row = app.pane.current_row()  # type: ignore[attr-defined]
    assert row is not None
    return row.text + " " + row.right_text


def test_smartcase() -> None:
    assert matches("class OutOfStock", "outofstock") == 6
    assert matches("class OutOfStock", "OUTOFSTOCK") == -1
    assert matches("class OutOfStock", "OutOf") == 6


async def test_slash_searches_from_the_cursor_across_files_and_dot_comma_repeat(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        assert isinstance(app.screen, AskLine)
        await pilot.press(*"OutOfStock", "enter")
        await settle(pilot)
        assert app.pane.path == STOCK
        assert "class OutOfStock" in _cursor_text(app)
        assert "OutOfStock" in message(app) and STOCK in message(app)
        await press(pilot, "full_stop")
        assert "raise OutOfStock" in _cursor_text(app)
        await press(pilot, "comma")
        assert "class OutOfStock" in _cursor_text(app)
        # Backwards from the first match of the review: wraps to the last one.
        await press(pilot, "comma")
        assert "OutOfStock" in _cursor_text(app)
        assert app.pane.path in (STOCK, NEW_TEST)


async def test_a_search_that_finds_nothing_says_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "full_stop")
        assert message(app) == "no search yet: / starts one"
        await press(pilot, "slash")
        await pilot.press(*"no such text", "enter")
        await settle(pilot)
        assert message(app) == "'no such text' is not in any pending hunk"
        assert app.status.is_error and app.pane.path == REPORT


async def test_g_and_capital_g_go_to_the_first_and_last_hunk_of_the_review(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "G")
        assert app.pane.path == NEW_TEST
        assert app.pane.current_hunk() == len(app.pane.hunks) - 1
        assert message(app) == "last hunk of the review"
        await press(pilot, "g")
        assert app.pane.path == REPORT and app.pane.current_hunk() == 0


async def test_home_and_end_go_to_the_files_first_and_last_hunk(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "right_square_bracket", "s")  # stock.py in several hunks
        assert len(app.pane.hunks) > 2
        await press(pilot, "end")
        assert app.pane.current_hunk() == len(app.pane.hunks) - 1
        assert app.pane.current_row().kind in ("+", "-")  # type: ignore[union-attr]
        await press(pilot, "home")
        assert app.pane.current_hunk() == 0
        assert app.pane.current_row().kind in ("+", "-")  # type: ignore[union-attr]


async def test_f_filters_the_file_list_as_you_type(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        files = app.query_one(FileList)
        await press(pilot, "f")
        await pilot.press(*"test")
        await pilot.pause()
        assert files.shown_indices() == [2]  # live, while typing
        await pilot.press("enter")
        await settle(pilot)
        assert app.pane.path == NEW_TEST  # the file on show was filtered out
        assert message(app).startswith("1 files hold 'test'")
        assert files.has_focus
        await press(pilot, "f")
        await pilot.press("ctrl+u", "enter")  # empty: every file
        await settle(pilot)
        assert files.shown_indices() == [0, 1, 2] and message(app) == "every file listed"


async def test_tab_reaches_the_file_list_where_arrows_pick_a_file(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, DiffPane)
        await press(pilot, "tab")
        assert isinstance(app.focused, FileList)
        await press(pilot, "down")
        assert app.pane.path == STOCK
        await press(pilot, "end")
        assert app.pane.path == NEW_TEST
        await press(pilot, "enter")
        assert isinstance(app.focused, DiffPane)
        await press(pilot, "shift+tab")
        assert isinstance(app.focused, FileList)
