"""What the review looks like: SVG snapshots of the sample review (pytest-textual-snapshot).

Update after an intended visual change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at the SVGs before committing them. The sample
repository lives in a temporary directory, but the screen shows only
repo-relative paths and no clock, so the pictures do not depend on where or
when the tests run (``test_screen_shows_no_temporary_path`` checks the first).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from conftest import AppFactory
from textual.pilot import Pilot

from app.core.theme_names import THEME_NAMES

SIZE = (120, 40)

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[object]], Awaitable[None]]


def after(*keys: str) -> RunBefore:
    """Wait for the background diffing of every file, then press ``keys``."""

    async def run_before(pilot: Pilot[object]) -> None:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

    return run_before


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_unified_view(snap_compare: SnapCompare, make_app: AppFactory, theme: str) -> None:
    assert snap_compare(make_app(theme=theme), terminal_size=SIZE, run_before=after())


@pytest.mark.parametrize("theme", THEME_NAMES)
def test_side_by_side_view(snap_compare: SnapCompare, make_app: AppFactory, theme: str) -> None:
    # stock.py split into its changes: several hunks, word highlights, fillers.
    app = make_app(theme=theme)
    assert snap_compare(app, terminal_size=SIZE, run_before=after("right_square_bracket", "s", "v"))


def test_help_screen(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=after("question_mark"))


def test_summary_screen(snap_compare: SnapCompare, make_app: AppFactory) -> None:
    # One accepted (report.py), one rejected (stock.py), one pending (test_stock.py).
    app = make_app()
    assert snap_compare(app, terminal_size=SIZE, run_before=after("y", "n", "q"))


async def test_screen_shows_no_temporary_path(
    make_app: AppFactory, sample_repo: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await after("y", "q")(pilot)
        svg = app.export_screenshot()
    assert "inventory/report.py" in svg
    for varying in (str(tmp_path), tmp_path.name, str(sample_repo.parent)):
        assert varying not in svg


@pytest.mark.parametrize("theme", ["dark", "light"])
async def test_empty_rows_below_the_diff_have_the_theme_background(
    make_app: AppFactory, theme: str
) -> None:
    app = make_app(theme=theme)
    async with app.run_test(size=SIZE) as pilot:
        await after()(pilot)
        pane = app.pane
        assert len(pane.rows) < pane.size.height  # report.py leaves empty rows
        strip = pane.render_line(pane.size.height - 1)
        expected = app.current_theme.background
        colours = {
            seg.style.bgcolor.name if seg.style and seg.style.bgcolor else None for seg in strip
        }
        assert colours == {expected}


async def test_footer_shows_help_and_quit_at_120_columns(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await after()(pilot)
        svg = app.export_screenshot()
    assert "Help" in svg and "Quit" in svg
