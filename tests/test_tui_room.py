"""Room for the diff: panels that hide, resize and give way; long lines that
say where they are cut; the header that names the file in full.

A change far along a long line (the requests HISTORY.md case: backticks added
at column 255) must be visible or marked at 80 and 160 columns, in both
views; Pilot tests on a real git repository.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import build_app, commit_all
from tui_helpers import message, press, settle

from app.tui.room import FILES_WIDTH, panel_width
from widgets.file_header import FileHeader, FileTitle, fit_middle, title_text
from widgets.file_list import FileList

LONG_PATH = "docs/deep/nested/folder/with/many/parts/and/a/long/file/name/HISTORY.md"
PREFIX = "When proxies are defined with " + "x" * 220 + " "
TAIL = " and more" * 12
OLD = PREFIX + "a scheme, they are used." + TAIL + "\n"
NEW = PREFIX + "a `scheme`, they are used." + TAIL + "\n"


@pytest.fixture
def long_repo(tmp_path: Path, isolated_home: Path) -> Path:
    repo = tmp_path / "proj"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    target = repo / LONG_PATH
    target.parent.mkdir(parents=True)
    target.write_text("# History\n\n" + OLD + "\nend\n", encoding="utf-8")
    commit_all(repo, "history")
    target.write_text("# History\n\n" + NEW + "\nend\n", encoding="utf-8")
    return repo


def _row_text(app: object, y: int) -> str:
    pane = app.pane  # type: ignore[attr-defined]
    return pane.render_line(y).text


def _rows(app: object) -> list[str]:
    pane = app.pane  # type: ignore[attr-defined]
    return [_row_text(app, y) for y in range(pane.scrollable_content_region.height)]


def _changed_rows(app: object) -> list[str]:
    pane = app.pane  # type: ignore[attr-defined]
    top = int(pane.scroll_y)
    out = []
    for y in range(pane.scrollable_content_region.height):
        index = top + y
        row = pane.rows[index] if index < len(pane.rows) else None
        if row is not None and (
            "-" in (row.kind, row.left_kind) or "+" in (row.kind, row.right_kind)
        ):
            out.append(_row_text(app, y))
    return out


# -- the header --------------------------------------------------------------------


def test_fit_middle_keeps_both_ends() -> None:
    assert fit_middle("abc", 5) == "abc"
    cut = fit_middle("src/very/long/path/to/module.py", 15)
    assert len(cut) == 15 and cut.startswith("src/va"[:6][:5]) and cut.endswith("module.py"[-7:])
    assert "…" in cut


def test_title_names_renames_modes_and_progress() -> None:
    title = FileTitle("new/name.py", "renamed", "old/name.py", "100644", "100755", 1, 3, 2)
    text = title_text(title, 200)
    assert text == "R old/name.py → new/name.py · mode 100644 → 100755 · hunk 2/3 · 2 decided"
    # Too narrow: the name loses its middle, the progress stays whole.
    short = title_text(title, 40)
    assert short.endswith("· hunk 2/3 · 2 decided") and "…" in short


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_header_shows_the_full_path_or_its_two_ends(
    long_repo: Path, size: tuple[int, int]
) -> None:
    app = build_app(long_repo)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        header = app.query_one(FileHeader).text
        assert header.startswith("M docs/")
        assert header.endswith("HISTORY.md · hunk 1/1")
        if size[0] >= 160:
            assert LONG_PATH in header
        # The list cuts from the left with a mark; the header never does.
        assert app.query_one(FileList).label_at(0).plain.split()[1].startswith("…")


# -- the panels ----------------------------------------------------------------------


def test_panel_width_gives_way_on_a_narrow_terminal() -> None:
    assert panel_width(FILES_WIDTH, 160) == FILES_WIDTH
    assert panel_width(FILES_WIDTH, 80) == 20
    assert panel_width(FILES_WIDTH, 30) == 12


async def test_b_hides_and_shows_the_file_list_and_the_diff_takes_the_room(
    long_repo: Path,
) -> None:
    app = build_app(long_repo)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        files = app.query_one(FileList)
        before = app.pane.size.width
        await press(pilot, "b")
        assert not files.display
        assert app.pane.size.width > before
        assert "file list hidden" in message(app)
        await press(pilot, "right_curly_bracket")
        assert "hidden: b shows it" in message(app)
        await press(pilot, "b")
        assert files.display and app.pane.size.width == before


async def test_braces_resize_the_file_list_within_limits(long_repo: Path) -> None:
    app = build_app(long_repo)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        files = app.query_one(FileList)
        assert files.outer_size.width == FILES_WIDTH
        await press(pilot, "left_curly_bracket")
        assert files.outer_size.width == FILES_WIDTH - 4
        assert message(app) == f"file list {FILES_WIDTH - 4} columns wide"
        for _ in range(10):
            await press(pilot, "right_curly_bracket")
        assert files.outer_size.width == 40  # a quarter of 160: the diff keeps the rest
        assert "widest" in message(app)
        for _ in range(12):
            await press(pilot, "left_curly_bracket")
        assert files.outer_size.width == 12 and "narrowest" in message(app)


async def test_the_file_list_shrinks_first_at_80_columns(long_repo: Path) -> None:
    app = build_app(long_repo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.query_one(FileList).outer_size.width == 20
        assert app.pane.outer_size.width == 60


# -- long lines: cut marks and scrolling to the change -----------------------------


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
@pytest.mark.parametrize("split", [False, True])
async def test_a_change_past_the_right_edge_is_marked_and_right_reaches_it(
    long_repo: Path, size: tuple[int, int], split: bool
) -> None:
    app = build_app(long_repo)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        if split:
            await press(pilot, "v")
        changed = _changed_rows(app)
        assert changed, _rows(app)
        # The change (the backticks) is off screen: every changed row ends in
        # the cut mark, and no row shows the backtick.
        assert all(text.rstrip().endswith("»") for text in changed), changed
        assert not any("`" in text for text in changed)
        await press(pilot, "right")
        changed = _changed_rows(app)
        assert any("`scheme`" in text for text in changed), changed
        assert any("scheme," in text for text in changed)
        assert all("«" in text for text in changed)
        assert message(app).startswith("columns ")
        for _ in range(60):  # half the code's width per press
            await press(pilot, "left")
            if message(app) == "at the start of the lines":
                break
        assert int(app.pane.scroll_x) == 0
        assert message(app) == "at the start of the lines"


async def test_right_without_a_cut_change_scrolls_by_half_the_code(long_repo: Path) -> None:
    app = build_app(long_repo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "right")  # to the change
        at_change = int(app.pane.scroll_x)
        await press(pilot, "right")  # no change further right: half the code on
        assert int(app.pane.scroll_x) > at_change
        for _ in range(20):
            await press(pilot, "right")
        assert message(app) == "at the end of the longest line"


async def test_another_file_starts_at_column_one(long_repo: Path) -> None:
    (long_repo / "short.txt").write_text("one " * 80 + "\n", encoding="utf-8")
    new = (long_repo / LONG_PATH).read_text(encoding="utf-8")
    (long_repo / LONG_PATH).write_text(new.replace("`", ""), encoding="utf-8")
    commit_all(long_repo, "short")  # both files as at the start, then changed
    (long_repo / LONG_PATH).write_text(new, encoding="utf-8")
    (long_repo / "short.txt").write_text("two " * 80 + "\n", encoding="utf-8")
    app = build_app(long_repo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        paths = [fr.path for fr in app.service.files]
        app.show_file(paths.index(LONG_PATH))
        await press(pilot, "right")
        assert int(app.pane.scroll_x) > 0
        await press(pilot, "right_square_bracket")  # two files: ] wraps to the other
        assert app.pane.path == "short.txt" and int(app.pane.scroll_x) == 0


async def test_a_too_small_terminal_says_so_and_keys_wait(long_repo: Path) -> None:
    """Bug: at 30×8 the diff pane was simply gone, with no message."""
    from textual.widgets import Static

    from app.tui.room import TooSmallScreen

    app = build_app(long_repo)
    async with app.run_test(size=(30, 8)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TooSmallScreen)
        text = str(app.screen.query_one(Static).render())
        assert "30×8" in text and "40×10" in text
        await press(pilot, "y")
        assert app.service.decided == 0  # nothing on show, nothing decided
        await pilot.resize_terminal(100, 30)
        await settle(pilot)
        assert not isinstance(app.screen, TooSmallScreen)
        assert app.pane.hunks and app.pane.size.width > 0


@pytest.mark.parametrize("split", [False, True])
async def test_z_wraps_long_lines_so_the_change_shows_without_scrolling(
    long_repo: Path, split: bool
) -> None:
    app = build_app(long_repo)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        if split:
            await press(pilot, "v")
        rows_before = len(app.pane.rows)
        await press(pilot, "z")
        assert app.pane.wrap and "wrap" in message(app)
        assert len(app.pane.rows) > rows_before
        parts = [r for r in app.pane.rows if r.part]
        assert parts and all(r.hunk for r in parts)
        screen = _rows(app)
        # Every changed character is on screen: the backticks show, no cut mark.
        assert any("`scheme`" in text for text in screen), screen
        assert not any("»" in text for text in screen)
        assert any("↪" in text for text in screen)
        await press(pilot, "right")
        assert "nothing to scroll" in message(app) and int(app.pane.scroll_x) == 0
        # The hunk keys still act on the hunk: y on a continuation row.
        while app.pane.current_row() is not None and not app.pane.current_row().part:  # type: ignore[union-attr]
            await press(pilot, "down")
        assert app.pane.current_hunk_id() is not None
        await press(pilot, "z")
        assert not app.pane.wrap and len(app.pane.rows) == rows_before
