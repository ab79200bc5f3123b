"""The loop's rules without a UI: LoopController driven as the loop app drives
it (ask, make_plan, next_step, reject_with_reason), the replay provider as
the model, the review service underneath. Each waits for the generation
thread to end (an event), never for time."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPORT, STOCK, decide_all, make_proposal_service

from app.core.autonomy import Level
from app.core.errors import LeashError
from app.loop.controller import LoopController, View
from app.loop.events import EditRefused, HunksArrived, PlanReady, PlanText
from app.providers.base import Finished, TextDelta
from app.providers.replay import Recording, ReplayProvider, Turn
from app.review.events import ReviewEvent
from app.review.service import ReviewService


def block(path: str, old: str, new: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE\n\n"


def turn(text: str, prompt: str = "") -> Turn:
    return Turn(
        prompt=prompt,
        parse="search_replace",
        events=[(0.0, TextDelta(text)), (0.0, Finished("end_turn"))],
    )


COUNT_OLD = "    def count(self, name):\n        return self.items[name]\n"
COUNT_NEW = "    def count(self, name):\n        return self.items.get(name, 0)\n"
TITLE_OLD = '    lines.append("Stock report")\n'
TITLE_NEW = '    lines.append("Stock report (all items)")\n'
WIDE = "".join(f"    # note {i}\n" for i in range(8))


@pytest.fixture
def service(loop_repo: Path, tmp_path: Path) -> ReviewService:
    return make_proposal_service(loop_repo, tmp_path / "state")


def controller(service: ReviewService, turns: list[Turn], level: int) -> LoopController:
    provider = ReplayProvider(Recording(turns=turns), speed=0.0)
    return LoopController(service, provider, label="replay", level=level)


def run(loop: LoopController, start: bool) -> None:
    assert start, "the controller refused to start"
    assert loop.wait(60), "the generation never ended"


def heard(loop: LoopController) -> list[ReviewEvent]:
    events: list[ReviewEvent] = []
    loop.subscribe(events.append)
    return events


def test_a_plan_over_two_files_lets_its_steps_change_both(service: ReviewService) -> None:
    held = turn(block(STOCK, COUNT_OLD, COUNT_NEW + WIDE) + block(REPORT, TITLE_OLD, TITLE_NEW))
    plan = turn("1. Make count safe.\n2. Retitle the report.\n", prompt="Do not edit yet")
    step = turn(block(REPORT, TITLE_OLD, TITLE_NEW), prompt="Carry out step")
    loop = controller(service, [held, plan, step], level=int(Level.FILE))
    events = heard(loop)
    loop.set_level(int(Level.LINE))  # leash 5
    run(loop, loop.ask("tidy up", View(path=STOCK, cursor_line=14)))
    assert loop.held and {fr.path for fr in service.files if fr.pending} == {STOCK, REPORT}
    run(loop, loop.make_plan())
    assert service.pending == 0  # the held proposal is set aside, journaled
    (ready,) = [e for e in events if isinstance(e, PlanReady)]
    assert ready.plan.steps == ["Make count safe.", "Retitle the report."]
    assert ready.plan.scope.paths == {STOCK, REPORT}
    run(loop, loop.next_step())
    fr = service.file(REPORT)
    (hunk,) = fr.hunks
    assert loop.policy.blocked(fr, hunk) is None  # the plan's second file may change
    assert loop.level is Level.LINE and loop.limit == 5
    assert loop.sent.startswith("level 1 (line): ")
    assert "context sent at level 4 (repo)" in loop.sent


def test_failed_edits_go_back_once_not_in_a_loop(service: ReviewService) -> None:
    wrong = turn(block(STOCK, "    def nothing_like_this(self):\n", COUNT_NEW))
    retry_wrong = turn(
        block(STOCK, "    def still_nothing(self):\n", COUNT_NEW), prompt="Some of your edits"
    )
    loop = controller(service, [wrong, retry_wrong], level=int(Level.FILE))
    events = heard(loop)
    run(loop, loop.ask("make count safe", View(path=STOCK)))
    refused = [e for e in events if isinstance(e, EditRefused)]
    assert len(refused) == 2  # the first reply's error, then the retry's: no third request
    assert loop.generation is not None and loop.generation.is_retry
    assert loop.generation.retry() is None
    assert len(loop.provider._played) == 2  # type: ignore[attr-defined]


def test_a_plan_request_ignores_edits(service: ReviewService) -> None:
    held = turn(block(STOCK, COUNT_OLD, COUNT_NEW + WIDE))
    plan_with_edit = turn("1. one\n2. two\n" + block(REPORT, TITLE_OLD, TITLE_NEW), prompt="Do not")
    loop = controller(service, [held, plan_with_edit], level=int(Level.LINE))
    events = heard(loop)
    run(loop, loop.ask("tidy", View(path=STOCK, cursor_line=14)))
    arrived = len([e for e in events if isinstance(e, HunksArrived)])
    run(loop, loop.make_plan())
    assert len([e for e in events if isinstance(e, HunksArrived)]) == arrived
    assert service.pending == 0 and REPORT not in {fr.path for fr in service.files if fr.pending}


def test_the_slider_at_zero_sends_nothing(service: ReviewService) -> None:
    loop = controller(service, [turn(block(STOCK, COUNT_OLD, COUNT_NEW))], level=0)
    assert not loop.ask("anything", View(path=STOCK))
    assert loop.provider._played == set()  # type: ignore[attr-defined]


def test_a_hunk_out_of_scope_is_refused_until_widened(service: ReviewService) -> None:
    reply = turn(block(STOCK, COUNT_OLD, COUNT_NEW) + block(REPORT, TITLE_OLD, TITLE_NEW))
    loop = controller(service, [reply], level=int(Level.FILE))
    run(loop, loop.ask("both", View(path=STOCK)))
    report = service.file(REPORT)
    with pytest.raises(LeashError, match="out of leash"):
        decide_all(service, "accept", report)
    (hunk,) = report.hunks
    assert loop.policy.widen(report, hunk)
    decide_all(service, "accept", report)
    assert service.file(REPORT).pending == 0


def test_a_long_plan_is_shown_as_it_streams_at_linear_cost(service: ReviewService) -> None:
    """4 MB of plan in 100-byte deltas: shown while it streams, but the text
    handed to the UI in all grows geometrically (each time ⅛ longer), so the
    showing costs a small multiple of the plan, not one copy per delta
    (which was 40,000 copies averaging 2 MB)."""
    held = turn(block(STOCK, COUNT_OLD, COUNT_NEW + WIDE))
    pieces = [f"{i + 1:05d}. step " + "x" * 87 + "\n" for i in range(40_000)]
    assert {len(p) for p in pieces} == {100}
    long_plan = Turn(
        prompt="Do not",
        parse="search_replace",
        events=[*((0.0, TextDelta(p)) for p in pieces), (0.0, Finished("end_turn"))],
    )
    loop = controller(service, [held, long_plan], level=int(Level.LINE))
    run(loop, loop.ask("tidy", View(path=STOCK, cursor_line=14)))
    events = heard(loop)
    run(loop, loop.make_plan())
    shown = [e.text for e in events if isinstance(e, PlanText)]
    whole = "".join(pieces)
    assert shown and all(whole.startswith(text) for text in shown)
    assert sum(len(text) for text in shown) <= 10 * len(whole)
    (ready,) = [e for e in events if isinstance(e, PlanReady)]
    assert ready.plan.text == whole and len(ready.plan.steps) == 40_000
