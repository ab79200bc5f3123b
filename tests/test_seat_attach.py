"""``tether attach``: the review app as a second seat on a review another
process owns, through the real socket. Its keys decide in the owner's
review (attributed), other seats' decisions show up in it, the first
decision wins, and a read-only seat cannot decide (issue 15)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import seat_helpers
from conftest import wait_until
from seat_helpers import PATH, Seat, decisions, propose_edit, start_edit
from test_gate_hook import TETHER, decision
from test_gate_host import finish
from test_tui_pty import STARTUP_TIMEOUT, tether_in_pty

from app.core.locations import state_dir_for
from app.gate.endpoint import GateServer
from app.gate.host import GateHost, open_gate
from app.gate.remote import RemoteService
from app.gate.seat_hub import SeatHub
from app.tui.attach_app import AttachApp

repo, host = seat_helpers.repo, seat_helpers.host  # fixtures


async def test_an_attached_seat_decides_and_sees_the_others(repo: Path, host: GateHost) -> None:
    proc = propose_edit(repo, host)
    remote = RemoteService(state_dir_for(repo), "bob").open()
    alice = Seat(state_dir_for(repo), "alice")
    app = AttachApp(remote)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: len(app.pane.hunks) == 2, "the proposal's hunks")
            assert "seat bob" in app.status.source
            _first, second = (h.id for h in app.pane.hunks)
            await pilot.press("y")  # bob accepts the first hunk, in the owner's review
            await wait_until(pilot, lambda: decisions(host) == [("accept", "bob")], "bob's accept")
            # Alice's decision in the owner's review shows up on bob's screen.
            answer = alice.link.request(
                {"type": "decide", "op": "reject", "path": PATH, "hunks": [second], "reason": "no"}
            )
            assert answer["type"] == "done"
            await wait_until(pilot, lambda: remote.pending == 0, "alice's reject on bob's screen")
            await wait_until(pilot, lambda: "alice rejected" in app.status.message, "who decided")
            # Bob's undo would take back alice's decision: refused, said on his screen.
            await pilot.press("u")
            await wait_until(pilot, lambda: "alice's" in app.status.message, "the refusal")
            assert decisions(host) == [("accept", "bob"), ("reject", "alice")]
    finally:
        alice.close()
    out = finish(proc)
    assert decision(out) == "allow" and "no" in out["hookSpecificOutput"]["additionalContext"]


async def test_the_first_decision_wins_and_the_second_seat_is_told(
    repo: Path, host: GateHost
) -> None:
    proc = propose_edit(repo, host)
    remote = RemoteService(state_dir_for(repo), "bob").open()
    app = AttachApp(remote)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.pane.hunks) == 2, "the proposal's hunks")
        first = app.pane.hunks[0].id
        # The owner's seat decides the hunk while bob's key is on its way:
        # bob's command reaches the owner second and is refused, naming who.
        host.service.execute(
            __import__("app.review.commands", fromlist=["Decide"]).Decide("accept", PATH, (first,))
        )
        remote._deciding.clear()
        from app.review.commands import Decide

        app._submit(Decide("reject", PATH, (first,)))
        await wait_until(
            pilot, lambda: "owner accepted it" in app.status.message, "the first decision's owner"
        )
        assert decisions(host) == [("accept", "owner")]
    proc.kill()
    proc.wait()


async def test_a_read_only_seat_cannot_decide(repo: Path, host: GateHost) -> None:
    proc = propose_edit(repo, host)
    remote = RemoteService(state_dir_for(repo), "eve", read_only=True).open()
    app = AttachApp(remote)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: len(app.pane.hunks) == 2, "the proposal's hunks")
        await pilot.press("y")
        await wait_until(pilot, lambda: "read-only seat" in app.status.message, "the refusal")
        assert len(app.pane.hunks) == 2 and decisions(host) == []
    proc.kill()
    proc.wait()


def test_attach_in_a_real_terminal_on_a_headless_review(repo: Path) -> None:
    """Three processes, as people run them: ``tether serve --headless`` owns
    the review, an agent's hook waits in it, ``tether attach`` decides."""
    serve = subprocess.Popen(
        [TETHER, "serve", "--headless"], cwd=repo, stderr=subprocess.PIPE, text=True
    )
    proc = None
    try:
        assert serve.stderr is not None and "serving" in serve.stderr.readline()
        proc = start_edit(repo)
        with tether_in_pty(repo, "attach", "--seat", "bob") as term:
            term.wait_for("seat bob", STARTUP_TIMEOUT)
            term.wait_for("0 decided · 2 pending", STARTUP_TIMEOUT)
            term.send(b"y")
            term.wait_for("1 decided")
            term.send(b"n")
            term.wait_for("2 decided")
            term.send(b"q")
            term.wait_for("enter/q quit")
            term.send(b"\r")
            assert term.wait_exit() == 0
        out = finish(proc)
        assert decision(out) == "allow"  # one hunk of two: the accepted one
        listed = subprocess.run(
            [TETHER, "journal"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        assert listed.count("by bob") == 2
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0


def test_attach_with_no_tether_running_says_what_to_start(repo: Path) -> None:
    run = subprocess.run([TETHER, "attach"], cwd=repo, capture_output=True, text=True)
    assert run.returncode == 1 and run.stdout == ""
    assert "no Tether is listening" in run.stderr and "tether serve --headless" in run.stderr


async def test_the_owners_screen_marks_the_other_seat_and_shows_its_comment(
    repo: Path, host: GateHost
) -> None:
    from app.tui.gate_app import GateApp

    proc = propose_edit(repo, host)
    app = GateApp(host)
    bob = Seat(state_dir_for(repo), "bob")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: len(app.pane.hunks) == 2, "the proposal's hunks")
            first = app.pane.hunks[0].id
            bob.link.send({"type": "look", "path": PATH, "hunk": first})
            await wait_until(pilot, lambda: "◆ bob is on this hunk" in app.status.message, "◆")
            bob.link.request({"type": "comment", "path": PATH, "hunk": first, "text": "why?"})
            await wait_until(pilot, lambda: "bob on src/app.py: why?" in app.status.message, "it")
            # The owner's comment (m) reaches bob.
            await pilot.press("m")
            await pilot.press(*"because", "enter")
            heard = bob.wait_for(
                lambda m: m["type"] == "comment" and m["comment"]["seat"] == "owner", "m"
            )
            assert heard["comment"]["text"] == "because"
    finally:
        bob.close()
        proc.kill()
        proc.wait()


async def test_the_owner_going_away_is_said_and_keys_send_nothing(repo: Path) -> None:
    gate_host = open_gate(repo)
    server = GateServer(state_dir_for(repo), gate_host, seats=SeatHub(gate_host.service))
    server.start()
    proc = propose_edit(repo, gate_host)
    remote = RemoteService(state_dir_for(repo), "bob").open()
    app = AttachApp(remote)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: len(app.pane.hunks) == 2, "the proposal's hunks")
            # The owner quits as run_owning does: the endpoint closes (seats
            # dropped), then the host answers its waiting call. (Withdrawing
            # first raced the seat's "owner gone" under load: y then found no
            # hunk to send rather than the owner gone.)
            server.close()
            await wait_until(pilot, lambda: "owner is gone" in app.status.message, "said")
            await pilot.press("y")
            await wait_until(pilot, lambda: "nothing was sent" in app.status.message, "refused")
            gate_host.close()
    finally:
        gate_host.close()
        gate_host.service.close()
    assert decision(finish(proc)) == "deny"  # the agent was answered, not left waiting
