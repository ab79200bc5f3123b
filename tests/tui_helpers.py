"""What the review-app key tests share."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import REPORT, head_bytes, worktree_bytes
from textual.pilot import Pilot

from app.tui.review_app import ReviewApp

SIZE = (120, 40)


async def written(pilot: Pilot[object]) -> None:
    """Wait until every decision the keys submitted is written (the review's
    writer thread is idle) and the app has handled what that reported."""
    service = getattr(pilot.app, "service", None)
    if service is not None:
        assert await asyncio.to_thread(service.flush, 60), "the review's writer never finished"
    await pilot.pause()
    await pilot.pause()


async def settle(pilot: Pilot[object]) -> None:
    """Let the background prefetch finish and the screen catch up."""
    await pilot.app.workers.wait_for_complete()
    await written(pilot)


async def press(pilot: Pilot[object], *keys: str) -> None:
    await pilot.press(*keys)
    await written(pilot)


def lines_of(data: bytes | None) -> list[bytes]:
    assert data is not None
    return data.splitlines(keepends=True)


def old_new(repo: Path, path: str = REPORT) -> tuple[list[bytes], list[bytes]]:
    """HEAD's lines and the working tree's lines of ``path``."""
    return lines_of(head_bytes(repo, path)), lines_of(worktree_bytes(repo, path))


def hunk_texts(app: ReviewApp) -> str:
    return "".join(line.raw for hunk in app.pane.hunks for line in hunk.lines)


def message(app: ReviewApp) -> str:
    return app.status.message
