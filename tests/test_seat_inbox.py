"""Agents' proposals reach whichever Tether runs: ``tether watch`` (and the
loop) own the endpoint, and a gated proposal waits in their inbox (``I``),
decided there while the watch goes on; under the loop the slider's level
limits what a proposal may touch (``Scope``, the one scope rule)."""

from __future__ import annotations

from pathlib import Path

import pytest
import seat_helpers
from conftest import wait_until
from seat_helpers import PATH, propose_edit
from test_gate_answers import BASE
from test_gate_hook import decision
from test_gate_host import finish

from app.core.autonomy import DEFAULT_LEASH, Level
from app.core.errors import TetherError
from app.core.journal import Op
from app.gate.calls import ProposedFile
from app.gate.gate_scope import GateScope
from app.gate.host import open_gate
from app.gate.hosting import hosting
from app.review.commands import Decide, Widen
from app.review.sources import open_watch
from app.tui.inbox import InboxScreen, with_inbox
from app.tui.watch_app import WatchApp

repo = seat_helpers.repo  # a fixture


async def test_a_gated_proposal_waits_in_the_watchs_inbox(repo: Path) -> None:
    service, git = open_watch(repo)
    app = with_inbox(WatchApp)(service, root=repo, git=git)
    host = open_gate(repo)
    app.attach_inbox(host)
    try:
        with hosting(repo, service, label=app.label, handler=host) as unshared:
            assert unshared == ""
            async with app.run_test(size=(120, 40)) as pilot:
                proc = propose_edit(repo, host)
                await pilot.press("I")
                await wait_until(
                    pilot,
                    lambda: isinstance(app.screen, InboxScreen) and len(app.screen.pane.hunks) == 2,
                    "the proposal in the inbox",
                )
                await pilot.press("y")
                await wait_until(pilot, lambda: len(app.screen.pane.hunks) == 1, "the first go")
                await pilot.press("n")
                out = finish(proc)
                await pilot.press("escape")
                await wait_until(pilot, lambda: not isinstance(app.screen, InboxScreen), "back")
    finally:
        host.close()
        host.service.close()
    assert decision(out) == "allow"
    assert out["hookSpecificOutput"]["updatedInput"]["new_string"].startswith("line five\n")
    assert (repo / PATH).read_text() == BASE  # the agent's tool writes, not Tether
    # The watch's own review decided nothing: the inbox is its own review.
    assert not [
        e
        for e in service.journal.entries()
        if e.source == service.session.source and e.op in (Op.ACCEPT, Op.REJECT)
    ]


def test_the_sliders_level_limits_what_a_proposal_may_touch(repo: Path) -> None:
    host = open_gate(repo)
    at: list[tuple[Level, str | None]] = [(Level.OFF, "notes.txt")]
    host.service.set_policy(GateScope(lambda: (at[0][0], dict(DEFAULT_LEASH), at[0][1])))
    try:
        host.backend.arrive(ProposedFile(PATH, BASE, BASE.replace("line 5\n", "five\n")), "t")
        host.service.propose(PATH, BASE.replace("line 5\n", "five\n"))
        (hunk,) = host.service.all_hunks(PATH)
        assert "at level off" in (host.service.blocked(PATH, hunk) or "")  # leash 0: nothing
        at[0] = (Level.FILE, "notes.txt")  # the loop shows another file
        assert "allows changes to notes.txt" in (host.service.blocked(PATH, hunk) or "")
        with pytest.raises(TetherError, match="out of leash"):
            host.service.execute(Decide("accept", PATH, (hunk,)))
        at[0] = (Level.FILE, PATH)
        assert host.service.blocked(PATH, hunk) is None
        at[0] = (Level.OFF, None)
        host.service.execute(Widen(PATH, hunk))  # w: this one hunk, explicitly
        host.service.execute(Decide("accept", PATH, (hunk,)))
        assert host.backend.held[PATH] == BASE.replace("line 5\n", "five\n")
    finally:
        host.close()
        host.service.close()


def test_level_off_says_it_allows_nothing_not_the_file_on_screen() -> None:
    """Bug: at level 0 under a leash that lets the size through, the refusal
    said "level off allows changes to <the file on screen>"."""
    from app.core.autonomy import Scope
    from app.core.model import DiffLine, Hunk

    hunk = Hunk(1, 1, 1, 1, [DiffLine("-", "a\n", 1, None), DiffLine("+", "b\n", None, 1)])
    scope = Scope(level=Level.OFF, path="a.py", leash={Level.OFF: 100})
    assert "allows changes to nothing" in (scope.blocked("a.py", hunk, 2) or "")


def test_a_seats_comment_goes_to_the_model_with_the_next_request(
    loop_repo: Path, tmp_path: Path
) -> None:
    from conftest import STOCK, make_proposal_service
    from test_loop_controller import COUNT_NEW, COUNT_OLD, block, controller, run, turn

    from app.loop.controller import View

    service = make_proposal_service(loop_repo, tmp_path / "state")
    first = turn(block(STOCK, COUNT_OLD, COUNT_NEW))
    second = turn(block(STOCK, COUNT_OLD, COUNT_NEW))
    loop = controller(service, [first, second], level=int(Level.FILE))
    run(loop, loop.ask("make count safe", View(path=STOCK, cursor_line=14)))
    (hunk,) = service.all_hunks(STOCK)
    service.comment(STOCK, hunk, "use a default of 0, not None", seat="bob")
    service.execute(Decide("reject", STOCK, (hunk,)))
    run(loop, loop.ask("again", View(path=STOCK, cursor_line=14)))
    assert f"- bob on {STOCK} (hunk {hunk}): use a default of 0, not None" in loop.sent
    run(loop, loop.ask("once more", View(path=STOCK, cursor_line=14)))
    assert "use a default of 0" not in loop.sent  # each comment goes once
