"""No silence: a key whose action does not apply says why instead of doing
nothing (the footer hides such keys; a key pressed from memory answers)."""

from __future__ import annotations

from pathlib import Path

from conftest import NEW_TEST, AppFactory
from test_loop_tui import demo, guard, loop_app, session  # noqa: F401 (fixtures)
from tui_helpers import SIZE, message, press, settle

from app.review.service import ReviewService
from app.tui.review_app import BINDINGS
from app.tui.why import REASONS, why_not


def test_every_action_that_can_be_unavailable_has_a_reason() -> None:
    from app.tui.loop_app import LOOP_BINDINGS

    names = {b.action.partition("(")[0] for b in [*BINDINGS, *LOOP_BINDINGS]}
    may_be_off = {
        "accept", "reject", "toggle_line", "split", "edit", "accept_file", "reject_file",
        "undo", "redo", "next_file", "prev_file", "plan", "next_step", "widen",
        "reject_reason", "select_lines", "next_hunk", "prev_hunk", "toggle_view",
    }  # fmt: skip
    assert may_be_off <= names and may_be_off <= set(REASONS)
    assert why_not("level(-1)") == "level does not apply here"


async def test_redo_and_undo_with_nothing_to_do_say_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "U")
        assert message(app) == REASONS["redo"]
        await press(pilot, "u")
        assert message(app) == REASONS["undo"]


async def test_p_and_g_say_why_when_nothing_is_held_and_no_plan_exists(
    session: ReviewService,  # noqa: F811
) -> None:
    """Bug: p and g did nothing, silently, when nothing was held or no plan existed."""
    app = loop_app(session, demo())
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await press(pilot, "p")
        assert message(app) == REASONS["plan"]
        await press(pilot, "g")
        assert message(app) == REASONS["next_step"]
        await press(pilot, "y")  # the code view: no hunk on show
        assert message(app) == REASONS["accept"]


async def test_rejecting_a_new_file_says_it_was_deleted_and_how_it_comes_back(
    make_app: AppFactory, sample_repo: Path
) -> None:
    """Bug: n on a new untracked file deleted it without a word about how to
    get it back."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = (sample_repo / NEW_TEST).read_bytes()
        app.show_file([fr.path for fr in app.service.files].index(NEW_TEST))
        await press(pilot, "d")  # reject the rest of the file: all of it
        assert not (sample_repo / NEW_TEST).exists()
        assert message(app).startswith(f"deleted {NEW_TEST}, a new file (#")
        assert "u brings it back" in message(app)
        await press(pilot, "u")
        assert (sample_repo / NEW_TEST).read_bytes() == before
