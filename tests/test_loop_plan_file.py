"""The plan as a file, driven through LoopController: written when the model
answers, each step's prompt, hunks and decisions recorded, ticked when done;
found again after a restart; a plan written by hand or edited between steps
works the same way. Each waits for the generation thread (an event)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPORT, STOCK, decide_all, make_proposal_service
from test_loop_controller import COUNT_NEW, COUNT_OLD, TITLE_NEW, TITLE_OLD, WIDE, block, turn

from app.core.autonomy import Level
from app.core.config import load_config
from app.core.errors import ConfigError
from app.core.journal import Journal, Op
from app.loop.controller import PLAN_FILE, LoopController, View
from app.loop.events import Said
from app.providers.replay import Recording, ReplayProvider, Turn
from app.review.events import ReviewEvent
from app.review.service import ReviewService

PLAN = "1. Make count safe.\n2. Retitle the report.\n"


def controller(service: ReviewService, turns: list[Turn], **options: object) -> LoopController:
    provider = ReplayProvider(Recording(turns=turns), speed=0.0)
    return LoopController(service, provider, label="replay", **options)  # type: ignore[arg-type]


def run(loop: LoopController, start: bool) -> None:
    assert start, "the controller refused to start"
    assert loop.wait(60), "the generation never ended"


def said(events: list[ReviewEvent]) -> list[str]:
    return [e.message for e in events if isinstance(e, Said)]


def held_then_plan(service: ReviewService) -> LoopController:
    """A proposal held over a 5-line leash, set aside for a two-step plan."""
    held = turn(block(STOCK, COUNT_OLD, COUNT_NEW + WIDE) + block(REPORT, TITLE_OLD, TITLE_NEW))
    steps = [
        turn(PLAN, prompt="Do not edit yet"),
        turn(block(STOCK, COUNT_OLD, COUNT_NEW), prompt="Carry out step 1"),
        turn(block(REPORT, TITLE_OLD, TITLE_NEW), prompt="Carry out step 2"),
    ]
    loop = controller(service, [held, *steps], level=int(Level.LINE))
    run(loop, loop.ask("tidy up", View(path=STOCK, cursor_line=14)))
    run(loop, loop.make_plan())
    return loop


@pytest.fixture
def service(loop_repo: Path, tmp_path: Path) -> ReviewService:
    return make_proposal_service(loop_repo, tmp_path / "state")


def test_the_plan_is_written_recorded_step_by_step_and_ticked(
    service: ReviewService, loop_repo: Path, tmp_path: Path
) -> None:
    loop = held_then_plan(service)
    events: list[ReviewEvent] = []
    loop.subscribe(events.append)
    plan_file = loop_repo / PLAN_FILE
    text = plan_file.read_text(encoding="utf-8")
    assert text.startswith("# Plan: tidy up\n")
    assert '"level": 1, "limit": 5' in text
    assert "- [ ] Make count safe.\n- [ ] Retitle the report.\n" in text

    run(loop, loop.next_step())
    text = plan_file.read_text(encoding="utf-8")
    assert "- [ ] Make count safe.\n  - prompt:\n        Carry out step 1 of the plan only" in text
    (hunk,) = service.file(STOCK).hunks
    assert f"  - hunks: {STOCK}#{hunk.id}\n" in text

    decide_all(service, "accept", STOCK)
    text = plan_file.read_text(encoding="utf-8")
    assert "- [x] Make count safe." in text
    assert f"  - decided: accept {STOCK}#{hunk.id}\n" in text
    assert any(
        "step 1 done, ticked off in .tether/plan.md; g carries out step 2" in m
        for m in said(events)
    )

    # The journal keeps what asked for the hunk (a compatible extra field).
    entry = [
        e for e in Journal(tmp_path / "state" / "journal.jsonl").entries() if e.op is Op.ACCEPT
    ][-1]
    assert str(entry.extra["prompt"]).startswith(
        "Carry out step 1 of the plan only: Make count safe."
    )
    assert entry.extra["plan_step"] == 1
    assert str(entry.extra["context"]).startswith("level 1 (line)")

    run(loop, loop.next_step())
    decide_all(service, "reject", REPORT)  # a rejection decides the step too
    assert "- [x] Retitle the report." in plan_file.read_text(encoding="utf-8")
    assert not loop.next_step()
    assert said(events)[-1] == "every step of the plan is done"


def test_g_waits_while_the_steps_hunks_are_pending(service: ReviewService) -> None:
    loop = held_then_plan(service)
    run(loop, loop.next_step())
    events: list[ReviewEvent] = []
    loop.subscribe(events.append)
    assert not loop.next_step()
    assert said(events) == ["step 1's hunks are still pending: decide them first (y/n)"]


def test_an_unfinished_plan_survives_a_restart(
    service: ReviewService, loop_repo: Path, tmp_path: Path
) -> None:
    loop = held_then_plan(service)
    run(loop, loop.next_step())
    decide_all(service, "accept", STOCK)
    loop.close()

    fresh = make_proposal_service(loop_repo, tmp_path / "state2")
    step2 = turn(block(REPORT, TITLE_OLD, TITLE_NEW), prompt="Carry out step 2")
    again = controller(fresh, [step2], level=int(Level.FILE))
    assert again.plan is not None and again.plan.steps == [
        "Make count safe.",
        "Retitle the report.",
    ]
    assert again.plan_note == (
        "an unfinished plan in .tether/plan.md: 1 of 2 steps done; "
        "g carries out step 2, E edits the plan"
    )
    run(again, again.next_step())
    assert again.level is Level.LINE  # the plan's level, from the file
    assert "\nCarry out step 2 of the plan only: Retitle the report.\n" in again.sent
    assert fresh.file(REPORT).pending == 1


def test_a_plan_written_by_hand_and_edited_between_steps(
    service: ReviewService, loop_repo: Path
) -> None:
    (loop_repo / ".tether").mkdir()
    plan_file = loop_repo / PLAN_FILE
    plan_file.write_text("# Safer stock\n\n- [ ] Make count safe.\n- [ ] Retitle.\n")
    turns = [
        turn(block(STOCK, COUNT_OLD, COUNT_NEW), prompt="Carry out step 1"),
        turn(block(REPORT, TITLE_OLD, TITLE_NEW), prompt="Carry out step 2"),
    ]
    loop = controller(service, turns, level=int(Level.FILE))
    assert loop.plan is not None and not loop.plan.fixed
    run(loop, loop.next_step(STOCK))  # no scope in the file: the file on show, the slider's level
    assert loop.scope.path == STOCK and loop.scope.level is Level.FILE
    decide_all(service, "accept", STOCK)
    # The teacher rewords step 2 in $EDITOR (here: by hand) before g.
    edited = plan_file.read_text().replace(
        "- [ ] Retitle.", "- [ ] Retitle the report (all items)."
    )
    plan_file.write_text(edited)
    run(loop, loop.next_step(REPORT))
    sent = loop.sent
    assert "\nCarry out step 2 of the plan only: Retitle the report (all items).\n" in sent
    assert "1. Make count safe.\n2. Retitle the report (all items)." in sent
    assert "- [x] Make count safe." in plan_file.read_text()


def test_a_plan_path_outside_the_repository_is_refused(
    service: ReviewService, loop_repo: Path, tmp_path: Path
) -> None:
    events: list[ReviewEvent] = []
    held = turn(block(STOCK, COUNT_OLD, COUNT_NEW + WIDE))
    loop = controller(
        service, [held, turn(PLAN, prompt="Do not")], level=int(Level.LINE), plan_file="../out.md"
    )
    loop.subscribe(events.append)
    run(loop, loop.ask("tidy up", View(path=STOCK, cursor_line=14)))
    run(loop, loop.make_plan())
    assert not (tmp_path / "out.md").exists()
    assert any(m.startswith("could not save the plan to ../out.md") for m in said(events))
    assert loop.plan is not None and loop.plan.steps  # the plan goes on in memory


def test_the_loop_table_of_the_config(loop_repo: Path, isolated_home: Path) -> None:
    (loop_repo / ".tether.toml").write_text('[loop]\nplan = "docs/plan.md"\ncoach = true\n')
    config = load_config(loop_repo)
    assert (config.plan, config.coach) == ("docs/plan.md", True)
    (loop_repo / ".tether.toml").write_text('[loop]\ncoach = "yes"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(loop_repo)
    assert caught.value.line == 2 and "coach = true/false" in str(caught.value)


def test_g_right_after_y_waits_for_the_decision_in_flight(service: ReviewService) -> None:
    """Bug (found by the teaching demo's pty test): y hands the decision to the
    writer thread; a g pressed before it ran saw nothing pending, the step not
    yet ticked, and sent step 1 again. g now waits for decisions in flight."""
    from app.review.commands import Decide

    loop = held_then_plan(service)
    run(loop, loop.next_step())
    ids = tuple(service.all_hunks(STOCK))
    service.submit(Decide("accept", STOCK, ids), defer=True)  # as a key press does
    run(loop, loop.next_step())
    assert "\nCarry out step 2 of the plan only: Retitle the report.\n" in loop.sent
    assert loop.plan is not None and loop.plan.items[0].done


def test_a_key_typed_into_the_task_never_reaches_the_plan_file(
    service: ReviewService, loop_repo: Path
) -> None:
    """The plan file sits in the working tree (and may be committed): a
    credential in the prompt is masked there, as the journal masks it."""
    key = "sk-ant-api03-AbCdEf0123456789AbCdEf0123456789"
    held = turn(block(STOCK, COUNT_OLD, COUNT_NEW + WIDE))
    loop = controller(service, [held, turn(PLAN, prompt="Do not")], level=int(Level.LINE))
    run(loop, loop.ask(f"tidy up, my key is {key}", View(path=STOCK, cursor_line=14)))
    run(loop, loop.make_plan())
    text = (loop_repo / PLAN_FILE).read_text(encoding="utf-8")
    assert key not in text and "# Plan: tidy up, my key is [redacted]" in text
