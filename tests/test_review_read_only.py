"""`tether review --read-only` (the app a read-only browser seat runs): it
shows the review, and every key that would write is refused by the review
itself (the one read-only rule, in History.step), with nothing written and
nothing journaled."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPORT, repo_state, wait_until
from tui_helpers import SIZE, message, press, settle

from app.cli import build_parser
from app.core.journal import Journal
from app.review.sources import open_review, open_source


def test_the_flag_parses() -> None:
    assert build_parser().parse_args(["review", "--read-only"]).read_only
    assert not build_parser().parse_args(["review"]).read_only


@pytest.mark.parametrize("key", ["y", "n", "a", "d"])
async def test_a_deciding_key_is_refused(sample_repo: Path, key: str) -> None:
    from app.tui.review_app import ReviewApp

    before = repo_state(sample_repo)
    source = open_source(None, sample_repo)
    app = ReviewApp(open_review(source, read_only=True), label=source.label, theme="dark")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, key)
        await wait_until(pilot, lambda: "read-only" in message(app), "the refusal")
        assert "nothing was written" in message(app)
        # The hunk is back where it was, still pending.
        await wait_until(pilot, lambda: len(app.pane.hunks) == 1, "the hunk back in the pane")
        assert app.pane.path == REPORT
        assert not app.check_action("undo", ())
    assert repo_state(sample_repo) == before
    journal = sample_repo / ".git" / "tether" / "journal.jsonl"
    assert not journal.exists() or not list(Journal(journal).entries())
