"""Seat roles (issue 15): a *driver* seat prompts and does not decide, a
*verifier* decides, *both* (the default) may. The owner enforces the role it
was told at subscribe time, so a seat that skips its own check is still
refused; real sockets, a real gate hook process, the attach app in Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
import seat_helpers
from conftest import wait_until
from seat_helpers import PATH, Seat, decisions, propose_edit

from app.core.locations import state_dir_for
from app.gate.endpoint import GateProtocolError
from app.gate.host import GateHost
from app.gate.remote import RemoteService
from app.gate.seat_link import SeatLink
from app.tui.attach_app import AttachApp

repo, host = seat_helpers.repo, seat_helpers.host  # fixtures


def test_the_owner_refuses_a_driver_seats_decision_and_lets_a_verifier_decide(
    repo: Path, host: GateHost
) -> None:
    state = state_dir_for(repo)
    proc = propose_edit(repo, host)
    # The raw link sends straight to the owner: no seat-side check in between.
    dan, vera = Seat(state, "dan", role="driver"), Seat(state, "vera", role="verifier")
    try:
        assert dan.state["role"] == "driver" and vera.state["role"] == "verifier"
        first, second = dan.hunks(PATH)
        refused = dan.link.request(
            {"type": "decide", "op": "accept", "path": PATH, "hunks": [first]}
        )
        assert refused["type"] == "refused" and refused["title"] == "Seat role"
        assert "dan is the driver seat" in refused["message"]
        assert dan.link.request({"type": "undo"})["type"] == "refused"
        assert decisions(host) == []
        # A driver still comments; a verifier decides.
        said = dan.link.request({"type": "comment", "path": PATH, "hunk": first, "text": "why?"})
        assert said["type"] == "done"
        done = vera.link.request(
            {"type": "decide", "op": "reject", "path": PATH, "hunks": [second]}
        )
        assert done["type"] == "done"
        assert decisions(host) == [("reject", "vera")]
    finally:
        dan.close()
        vera.close()
        proc.kill()
        proc.wait()


def test_an_unknown_role_is_refused_at_subscribe(repo: Path, host: GateHost) -> None:
    link = SeatLink(state_dir_for(repo), "zed", role="boss", on_message=lambda _m: None)
    with pytest.raises(GateProtocolError, match="unknown seat role 'boss'"):
        link.open()


async def test_a_driver_seats_key_says_why_and_decides_nothing(repo: Path, host: GateHost) -> None:
    proc = propose_edit(repo, host)
    remote = RemoteService(state_dir_for(repo), "dan", role="driver").open()
    app = AttachApp(remote)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: len(app.pane.hunks) == 2, "the proposal's hunks")
            assert "seat dan (driver)" in app.status.source
            await pilot.press("y")
            await wait_until(pilot, lambda: "driver seat" in app.status.message, "the refusal")
            assert len(app.pane.hunks) == 2 and decisions(host) == []
    finally:
        remote.close()
        proc.kill()
        proc.wait()


def test_a_repositorys_config_may_not_choose_your_role(repo: Path) -> None:
    from app.core.config import load_config

    (repo / ".tether.toml").write_text('role = "driver"\n')
    config = load_config(repo)
    assert config.role == "" and any("may not choose your seat's role" in n for n in config.notes)
