"""The loop app's teaching parts through Pilot: coaching hints shown and
dismissed, and the plan file edited in $EDITOR between steps (E)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from conftest import make_proposal_service
from test_loop_tui import (
    REPORT,
    SIZE,
    STOCK,
    answered,
    demo,
    later_turns,
    prompt,
)
from textual.widgets import Static
from tui_helpers import press

from app.core.autonomy import Level
from app.loop.controller import PLAN_FILE
from app.providers.replay import ReplayProvider
from app.review.service import ReviewService
from app.tui.loop_app import LoopApp


@pytest.fixture
def session(loop_repo: Path, tmp_path: Path) -> ReviewService:
    return make_proposal_service(loop_repo, tmp_path / "state")


def teach_app(session: ReviewService, provider: ReplayProvider, start: str) -> LoopApp:
    return LoopApp(
        session, provider=provider, provider_label="replay", start_file=start, coach=True
    )


def hint(app: LoopApp) -> str:
    panel = app.query_one("#coach", Static)
    return str(panel.content) if panel.display else ""


async def test_coaching_hints_are_measured_shown_and_dismissed(
    session: ReviewService, loop_repo: Path
) -> None:
    spy = demo()
    app = teach_app(session, spy, STOCK)
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, "fix it")
        await answered(pilot, app, spy, 2)  # the demo's first answer, and its one retry
        assert hint(app).startswith("coach: vague: name what should change")
        assert "the prompt names none of the repository's" in hint(app)
        assert app.check_action("dismiss_hint", ()) is True
        await press(pilot, "x")
        assert hint(app) == "" and app.coach is not None and "vague" in app.coach.dismissed
        for _ in range(3):  # rejections without a reason, one after another
            await press(pilot, "n")
        assert hint(app).startswith("coach: ")
        assert app.coach.current is not None
        assert app.coach.current.rule in ("reasons", "rate")


async def test_the_leash_hint_names_the_size_and_the_leash(session: ReviewService) -> None:
    spy = later_turns(3)
    app = teach_app(session, spy, REPORT)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "minus", "minus")
        await prompt(pilot, "align the report columns")
        await answered(pilot, app, spy, 1)
        size = app.loop.proposal_size()
        assert hint(app) == (
            f"coach: this is {size} lines; the leash is 5: split it (p) "
            f"({size} changed lines > leash 5) · x dismisses"
        )


async def test_the_plan_file_is_edited_in_the_editor_between_steps(
    session: ReviewService, loop_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script = 'sed -i "s/- \\[ \\] Align the total line the same way./- [ ] Bold the total./" "$1"'
    monkeypatch.setenv("EDITOR", f"sh -c {shlex.quote(script)} editor")
    spy = later_turns(3)
    app = teach_app(session, spy, REPORT)
    async with app.run_test(size=SIZE) as pilot:
        assert app.check_action("edit_plan", ()) is False  # no plan yet
        await press(pilot, "minus", "minus")
        await prompt(pilot, "align the report columns")
        await answered(pilot, app, spy, 1)
        await pilot.press("p")
        await answered(pilot, app, spy, 2)
        assert (loop_repo / PLAN_FILE).is_file()
        await press(pilot, "E")
        assert app.status.message.startswith("plan read back: 3 steps, 0 done")
        assert app.plan[-1] == "Bold the total."
        assert "- [ ] Bold the total." in (loop_repo / PLAN_FILE).read_text()
        context = str(app.query_one("#context-text", Static).content)
        assert "- [ ] Bold the total." in context
        await pilot.press("g")
        await answered(pilot, app, spy, 3)
        assert "3. Bold the total." in spy.requests[-1].user_prompt
        assert app.loop.level is Level.LINE


async def test_an_unfinished_plan_is_offered_on_start_and_g_resumes_it(
    session: ReviewService, loop_repo: Path
) -> None:
    (loop_repo / ".tether").mkdir()
    (loop_repo / PLAN_FILE).write_text(
        "# Plan: align the report\n\n- [x] Compute the width of the longest item name.\n"
        "- [ ] Align each item line to that width.\n"
    )
    spy = later_turns(6)  # the demo's answer to step 2
    app = teach_app(session, spy, REPORT)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.status.message == (
            "an unfinished plan in .tether/plan.md: 1 of 2 steps done; "
            "g carries out step 2, E edits the plan"
        )
        context = str(app.query_one("#context-text", Static).content)
        assert context.startswith("Unfinished plan (g carries out the next step, E edits it)")
        assert app.check_action("next_step", ()) is True
        await pilot.press("g")
        await answered(pilot, app, spy, 1)
        assert spy.requests[0].user_prompt.startswith(
            "Carry out step 2 of the plan only: Align each item line to that width."
        )


async def test_the_leash_hint_goes_when_the_proposal_is_no_longer_held(
    session: ReviewService,
) -> None:
    spy = later_turns(3)
    app = teach_app(session, spy, REPORT)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "minus", "minus")
        await prompt(pilot, "align the report columns")
        await answered(pilot, app, spy, 1)
        assert hint(app).startswith("coach: this is")
        await pilot.press("p")
        await answered(pilot, app, spy, 2)
        assert hint(app) == ""  # set aside: nothing is held any more
        assert app.coach is not None and app.coach.dismissed == set()
        assert app.coach._decisions == []  # setting the proposal aside is no review
