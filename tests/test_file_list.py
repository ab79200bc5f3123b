"""The file list: one row per file, drawn line by line, however many files."""

from __future__ import annotations

from pathlib import Path

from conftest import AppFactory
from rich.cells import cell_len
from textual.app import App, ComposeResult

from widgets.file_list import FileEntry, FileList, label_of


def entry(i: int, pending: int | None = 1, status: str = "modified") -> FileEntry:
    return FileEntry(f"src/pkg{i // 100:03d}/module_{i:05d}.py", status, 0, 0, pending)


class ListApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield FileList(id="files")

    def on_file_list_selected(self, message: FileList.Selected) -> None:
        self.selected.append(message.index)


def test_label_shows_mark_name_and_progress() -> None:
    assert str(label_of(FileEntry("a.py", "added", 1, 1, 2))) == f"A {'a.py':<25}  2/4"
    assert str(label_of(FileEntry("a.py", "modified", 0, 0, None))).endswith("…")
    assert str(label_of(FileEntry("a.py", "deleted", 1, 0, 0))).endswith("✓")
    assert str(label_of(FileEntry("b.bin", "modified", 0, 0, None, note="binary"))).endswith("—")
    long = "very/deep/folder/structure/with/a/long/file_name.py"
    assert str(label_of(FileEntry(long, "modified", 0, 0, 1))).startswith("M …")
    assert "file_name.py" in str(label_of(FileEntry(long, "modified", 0, 0, 1)))


def test_the_progress_is_never_cut_and_wide_names_fit() -> None:
    """A count wider than its column takes cells from the name, not digits
    from itself; double-width characters are measured in cells."""
    many = label_of(FileEntry("src/some/long/path/file.py", "modified", 10, 2, 100))
    assert str(many).endswith(" 12/112") and cell_len(str(many)) == 32
    wide = label_of(FileEntry("日本語のパス/短い名前のファイル名です.py", "added", 0, 0, 3))
    assert str(wide).endswith("  0/3") and cell_len(str(wide)) == 32
    assert "…" in str(wide) and str(wide).rstrip().endswith("0/3")


async def test_ten_thousand_files_draw_only_the_rows_on_screen() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 20)) as pilot:
        files = app.query_one(FileList)
        files.set_entries([entry(i) for i in range(10_000)])
        await pilot.pause()
        assert files.entry_count == 10_000 and files.highlighted == 0
        assert files.virtual_size.height == 10_000
        drawn: list[int] = []
        real = files.render_line
        files.render_line = lambda y: (drawn.append(y), real(y))[1]  # type: ignore[method-assign]
        files.update_entry(5, entry(5, pending=0))
        await pilot.pause()
        assert drawn == [5], "an update redraws its own row only"
        assert str(files.label_at(5)).endswith("✓")


async def test_the_highlight_scrolls_into_view_and_survives_appends() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 20)) as pilot:
        files = app.query_one(FileList)
        files.set_entries([entry(i) for i in range(500)])
        files.highlighted = 400
        await pilot.pause()
        height = files.scrollable_content_region.height
        assert files.scroll_offset.y <= 400 < files.scroll_offset.y + height
        assert "module_00400" in app.export_screenshot()
        files.add_entries([entry(i) for i in range(500, 600)])
        await pilot.pause()
        assert files.entry_count == 600 and files.highlighted == 400
        files.highlighted = 10_000  # clamped to the last row
        assert files.highlighted == 599
        files.set_entries([])
        assert files.highlighted is None and files.entry_count == 0


async def test_clicking_a_row_posts_its_index() -> None:
    app = ListApp()
    async with app.run_test(size=(40, 20)) as pilot:
        files = app.query_one(FileList)
        files.set_entries([entry(i) for i in range(100)])
        files.highlighted = 50
        await pilot.pause()
        top = files.scroll_offset.y
        assert await pilot.click(FileList, offset=(3, 2))
        assert app.selected == [top + 2]
        assert files.highlighted == 50, "the app decides what a click shows"


async def test_clicking_a_file_in_the_review_shows_it(
    make_app: AppFactory, sample_repo: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        files = app.query_one(FileList)
        target = next(i for i in range(files.entry_count) if i != app.index)
        assert await pilot.click(FileList, offset=(4, target))
        await pilot.pause()
        assert app.index == target and files.highlighted == target
        assert app.pane.path == files.entry_at(target).path


async def test_moving_the_highlight_redraws_its_two_rows_only() -> None:
    # Measured in the checks benchmark: every file switch redrew the whole
    # list (the reactive's own repaint), about a third of a j/k key's CPU.
    app = ListApp()
    async with app.run_test(size=(40, 20)) as pilot:
        files = app.query_one(FileList)
        files.set_entries([entry(i) for i in range(30)])
        files.highlighted = 3
        await pilot.pause()
        drawn: list[int] = []
        real = files.render_line
        files.render_line = lambda y: (drawn.append(y), real(y))[1]  # type: ignore[method-assign]
        files.highlighted = 4
        await pilot.pause()
        assert sorted(set(drawn)) == [3, 4]
