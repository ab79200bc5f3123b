"""The presence mark on the hunk itself (issue 15): a hunk another seat is on
is marked in the diff pane's hunk header ("◆ bob"), on every seat's screen,
and the mark follows that seat as it moves. Two attach apps (Pilot) on one
review a real endpoint serves, with a real gate hook process waiting."""

from __future__ import annotations

from pathlib import Path

import seat_helpers
from conftest import wait_until
from seat_helpers import propose_edit

from app.core.locations import state_dir_for
from app.gate.host import GateHost
from app.gate.remote import RemoteService
from app.tui.attach_app import AttachApp
from widgets.diff_pane import DiffPane

repo, host = seat_helpers.repo, seat_helpers.host  # fixtures


def header_text(pane: DiffPane, index: int) -> str:
    """The drawn header row of hunk ``index`` (what the screen shows)."""
    hunk_id = pane.hunks[index].id
    row = pane._row_of_hunk[hunk_id]
    return "".join(seg.text for seg in pane.render_line(row - int(pane.scroll_y)))


async def test_the_hunk_another_seat_is_on_is_marked_in_its_header(
    repo: Path, host: GateHost
) -> None:
    proc = propose_edit(repo, host)
    bob_remote = RemoteService(state_dir_for(repo), "bob").open()
    alice_remote = RemoteService(state_dir_for(repo), "alice").open()
    bob, alice = AttachApp(bob_remote), AttachApp(alice_remote)
    try:
        async with bob.run_test(size=(120, 40)) as bp, alice.run_test(size=(120, 40)) as ap:
            for pilot, app in ((bp, bob), (ap, alice)):
                await wait_until(pilot, lambda a=app: len(a.pane.hunks) == 2, "the hunks")
            # Both start on the first hunk: each sees the other there.
            await wait_until(bp, lambda: bob.pane.hunk_presence == {0: "alice"}, "alice on 1")
            await wait_until(ap, lambda: alice.pane.hunk_presence == {0: "bob"}, "bob on 1")
            await bp.pause()
            assert "◆ alice" in header_text(bob.pane, 0)
            # Alice moves on: bob's mark moves with her, header and all.
            await ap.press("j")
            await wait_until(bp, lambda: bob.pane.hunk_presence == {1: "alice"}, "alice on 2")
            await bp.pause()
            assert "◆ alice" in header_text(bob.pane, 1)
            assert "◆" not in header_text(bob.pane, 0)
            # Her own screen marks only bob, never herself.
            assert alice.pane.hunk_presence == {0: "bob"}
    finally:
        proc.kill()
        proc.wait()
