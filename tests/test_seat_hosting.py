"""``tether watch`` (and the loop) serve their review on the endpoint while
they run, so ``tether attach`` reaches whichever Tether owns the repository;
a second Tether defers (its review runs unshared, and says so)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import REPORT, wait_until
from seat_helpers import Seat

from app.core.journal import Op
from app.core.locations import state_dir_for
from app.gate.endpoint import GateServer
from app.gate.hosting import hosting
from app.gate.seat_link import seat_request
from app.review.sources import open_watch
from app.tui.watch_app import WatchApp


def staged(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "diff", "--cached", "--name-only"], cwd=repo, capture_output=True, text=True
    )
    return out.stdout.split()


async def test_a_seat_decides_in_the_watch_review_and_the_watch_shows_it(
    sample_repo: Path,
) -> None:
    service, git = open_watch(sample_repo)
    service.seat = "alice"
    app = WatchApp(service, root=sample_repo, git=git)
    with hosting(sample_repo, service, label=app.label) as unshared:
        assert unshared == ""
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: bool(app.pane.hunks), "the watch review's hunks")
            bob = Seat(state_dir_for(sample_repo), "bob")
            try:
                listed = {f["path"] for f in bob.state["files"]}
                assert REPORT in listed and bob.state["owner"] == "alice"
                answer = bob.link.request({"type": "view", "path": REPORT})
                hunk = answer["file"]["hunks"][0]["id"]
                done = bob.link.request(
                    {"type": "decide", "op": "accept", "path": REPORT, "hunks": [hunk]}
                )
                assert done["type"] == "done"
                await wait_until(
                    pilot, lambda: "1 decided" in app.status.progress, "bob's accept on screen"
                )
            finally:
                bob.close()
        assert staged(sample_repo) == [REPORT]  # the owner wrote it: the index has it
    (entry,) = [e for e in service.journal.entries() if e.op is Op.ACCEPT]
    assert entry.seat == "bob" and entry.path == REPORT


def test_a_second_tether_defers_and_says_why(sample_repo: Path) -> None:
    first, _ = open_watch(sample_repo)
    second, _ = open_watch(sample_repo)
    try:
        with hosting(sample_repo, first, label="first"):
            with hosting(sample_repo, second, label="second") as unshared:
                assert (
                    "not shared" in unshared and "another Tether is already listening" in unshared
                )
            # The first still serves.
            answer = seat_request(state_dir_for(sample_repo), {"type": "undo", "seat": "bob"})
            assert answer["type"] == "refused" and "nothing to undo" in answer["message"]
    finally:
        first.close()
        second.close()


def test_an_agents_proposal_to_a_review_that_takes_none_is_refused_at_once(
    sample_repo: Path,
) -> None:
    from app.gate.calls import Origin, ProposedFile
    from app.gate.endpoint import GateProtocolError, propose

    service, _ = open_watch(sample_repo)
    try:
        with GateServer(state_dir_for(sample_repo), None):
            try:
                propose(
                    state_dir_for(sample_repo),
                    Origin("claude", "s", "t", "Edit"),
                    [ProposedFile(REPORT, "a\n", "b\n")],
                    deadline=None,
                )
            except GateProtocolError as exc:
                assert "does not take agents' proposals" in str(exc)
            else:
                raise AssertionError("the proposal was not refused")
    finally:
        service.close()
