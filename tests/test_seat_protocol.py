"""The seat protocol on the endpoint: other seats subscribe to the review one
process owns, see its hunks and decisions live, and decide by hunk id; the
owner's ReviewService is the only writer, and its refusals are the rules
(first decision wins, naming who; a seat undoes only its own; a read-only
seat only watches and comments). Real sockets, a real gate hook process,
a real headless ``tether serve`` (issues 12 and 15)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import seat_helpers
from seat_helpers import PATH, Seat, propose_edit, start_edit
from test_gate_hook import TETHER, decision
from test_gate_host import finish

from app.core.journal import Journal, Op
from app.core.locations import state_dir_for
from app.gate.calls import ProposedFile
from app.gate.endpoint import GateServer, socket_path
from app.gate.host import GateHost, open_gate
from app.gate.seat_link import seat_request
from app.review.commands import Decide

repo, host = seat_helpers.repo, seat_helpers.host  # fixtures


def test_two_seats_see_each_other_and_the_first_decision_wins(repo: Path, host: GateHost) -> None:
    state = state_dir_for(repo)
    proc = propose_edit(repo, host)
    alice, bob = Seat(state, "alice"), Seat(state, "bob")
    try:
        assert alice.state["owner"] == "owner"
        first, second = alice.hunks(PATH)
        # Alice accepts the first hunk: Bob hears it, with her name, at once.
        done = alice.link.request(
            {"type": "decide", "op": "accept", "path": PATH, "hunks": [first]}
        )
        assert done["type"] == "done"
        heard = bob.wait_for(lambda m: m["type"] == "decided", "alice's decision")
        assert heard["seat"] == "alice" and heard["outcome"]["hunk_ids"] == [first]
        bob.wait_for(lambda m: m["type"] == "file" and len(m["file"]["hunks"]) == 1, "the hunk go")
        # Bob's key on the same hunk does nothing but say who decided it.
        late = bob.link.request({"type": "decide", "op": "reject", "path": PATH, "hunks": [first]})
        assert late["type"] == "refused" and "alice accepted it" in late["message"]
        # Nor can he take back her decision.
        undo = bob.link.request({"type": "undo"})
        assert undo["type"] == "refused" and "alice's" in undo["message"]
        # Presence: where Bob is looking, Alice is told.
        bob.link.send({"type": "look", "path": PATH, "hunk": second})
        alice.wait_for(
            lambda m: (
                m["type"] == "presence"
                and {"seat": "bob", "path": PATH, "hunk": second} in m["presence"]
            ),
            "bob's presence",
        )
        # Bob rejects the second with a reason: the agent is answered.
        bob.link.request(
            {"type": "decide", "op": "reject", "path": PATH, "hunks": [second], "reason": "no"}
        )
        out = finish(proc)
        assert decision(out) == "allow" and "no" in out["hookSpecificOutput"]["additionalContext"]
    finally:
        alice.close()
        bob.close()
    seats = {
        e.seat for e in Journal(state / "journal.jsonl").entries() if e.op in (Op.ACCEPT, Op.REJECT)
    }
    assert seats == {"alice", "bob"}


def test_a_read_only_seat_watches_and_comments_but_does_not_decide(
    repo: Path, host: GateHost
) -> None:
    state = state_dir_for(repo)
    proc = propose_edit(repo, host)
    eve, alice = Seat(state, "eve", read_only=True), Seat(state, "alice")
    try:
        first, _second = eve.hunks(PATH)
        refused = eve.link.request(
            {"type": "decide", "op": "accept", "path": PATH, "hunks": [first]}
        )
        assert refused["type"] == "refused" and "read-only seat" in refused["message"]
        assert len(host.service.view(PATH).hunks) == 2  # nothing decided
        said = eve.link.request(
            {
                "type": "comment",
                "path": PATH,
                "hunk": first,
                "text": "line 5 is parsed by the report",
            }
        )
        assert said["type"] == "done"
        heard = alice.wait_for(lambda m: m["type"] == "comment", "eve's comment")
        assert heard["comment"] == {
            "path": PATH,
            "hunk": first,
            "seat": "eve",
            "text": "line 5 is parsed by the report",
            "line": "",
        }
    finally:
        eve.close()
        alice.close()
        proc.kill()
        proc.wait()
    (entry,) = [e for e in Journal(state / "journal.jsonl").entries() if e.op is Op.COMMENT]
    assert entry.seat == "eve" and entry.extra["text"] == "line 5 is parsed by the report"


def test_a_seat_must_name_itself_and_a_review_without_seats_says_so(
    repo: Path, host: GateHost
) -> None:
    answer = seat_request(state_dir_for(repo), {"type": "undo"})
    assert answer["type"] == "error" and "must name its seat" in answer["message"]


def test_a_review_that_serves_no_seats_says_so(repo: Path) -> None:
    gate_host = open_gate(repo)
    try:
        with GateServer(state_dir_for(repo), gate_host):
            answer = seat_request(state_dir_for(repo), {"type": "subscribe", "seat": "bob"})
    finally:
        gate_host.close()
        gate_host.service.close()
    assert answer == {
        "type": "error",
        "message": "this Tether does not serve its review to other seats",
    }


def test_headless_serve_owns_the_review_the_hook_and_seats_use(repo: Path) -> None:
    """#12's tests "against a real running Tether review (headless)": the hook
    and two seats, all separate processes or connections, one review."""
    state = state_dir_for(repo)
    serve = subprocess.Popen(
        [TETHER, "serve", "--headless"], cwd=repo, stderr=subprocess.PIPE, text=True
    )
    try:
        assert serve.stderr is not None
        ready = serve.stderr.readline()  # it says where it listens once it does
        assert "serving the agents' review" in ready and str(socket_path(state)) in ready
        watcher = Seat(state, "alice")
        proc = start_edit(repo)
        watcher.wait_for(lambda m: m["type"] in ("file", "files") and watcher.hunks(PATH), "hunks")
        first, second = watcher.hunks(PATH)
        for seat, op, hunk in (("alice", "accept", first), ("bob", "reject", second)):
            answer = seat_request(
                state,
                {
                    "type": "decide",
                    "seat": seat,
                    "op": op,
                    "path": PATH,
                    "hunks": [hunk],
                    "reason": "keep line 20" if op == "reject" else "",
                },
            )
            assert answer["type"] == "done", answer
        out = finish(proc)
        specific = out["hookSpecificOutput"]
        assert decision(out) == "allow" and "keep line 20" in specific["additionalContext"]
        watcher.close()
        listed = subprocess.run(
            [TETHER, "journal", "--json"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout
        seats = {json.loads(line).get("seat") for line in listed.splitlines()}
        assert {"alice", "bob"} <= seats
    finally:
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
    assert not socket_path(state).exists()  # removed on the way out


def test_journal_entries_carry_the_seat_and_old_journals_still_read(
    repo: Path, tmp_path: Path
) -> None:
    state = state_dir_for(repo)
    state.mkdir(parents=True, exist_ok=True)
    # A line as journals held it before seats: no "seat" field.
    old = {
        "seq": 1,
        "ts": "2026-01-01T00:00:00.000+00:00",
        "op": "comment",
        "source": "s",
        "path": PATH,
        "hunk_id": "abc",
        "text": "before seats",
    }
    (state / "journal.jsonl").write_text(json.dumps(old) + "\n")
    journal = Journal(state / "journal.jsonl")
    assert journal.entries()[0].seat == "" and journal.entries()[0].extra["text"] == "before seats"
    gate_host = open_gate(repo)
    try:
        gate_host.service.seat = "carol"
        gate_host.backend.arrive(ProposedFile(PATH, (repo / PATH).read_text(), "changed\n"), "t")
        gate_host.service.propose(PATH, "changed\n")
        (hunk,) = gate_host.service.all_hunks(PATH)
        gate_host.service.execute(Decide("reject", PATH, (hunk,)))
    finally:
        gate_host.close()
        gate_host.service.close()
    shown = subprocess.run(
        [TETHER, "journal"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert shown[-1].endswith("by carol") and "reject" in shown[-1]


def test_a_repositorys_config_may_not_name_your_seat(repo: Path) -> None:
    from app.core.config import load_config

    (repo / ".tether.toml").write_text('seat = "mallory"\n')
    config = load_config(repo)
    assert config.seat == "" and any("may not name your seat" in n for n in config.notes)


def test_a_seats_comment_goes_to_the_agent_with_the_reject_reason(
    repo: Path, host: GateHost
) -> None:
    state = state_dir_for(repo)
    proc = propose_edit(repo, host)
    eve = Seat(state, "eve", read_only=True)
    try:
        first, second = eve.hunks(PATH)
        eve.link.request(
            {"type": "comment", "path": PATH, "hunk": second, "text": "the report parses line 20"}
        )
    finally:
        eve.close()
    host.service.execute(Decide("accept", PATH, (first,)))
    host.service.execute(Decide("reject", PATH, (second,), reason="keep it"))
    context = finish(proc)["hookSpecificOutput"]["additionalContext"]
    assert "keep it; eve: the report parses line 20" in context


def test_the_hook_does_not_import_the_review_to_speak_the_seat_protocol() -> None:
    """``tether gate`` runs once per agent edit: its start-up is every call's
    floor, so the endpoint it imports must not pull in the review service
    (the seat side is imported only by the owner)."""
    code = (
        "import sys, app.gate.hook_command; "
        "print(sorted(m for m in sys.modules if m.startswith(('app.review', 'app.gate.seat'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_review_with_one_seat_journals_the_os_user(sample_repo: Path) -> None:
    import getpass

    from conftest import REPORT

    from app.review.sources import open_review, open_source

    service = open_review(open_source(None, sample_repo))
    try:
        hunk = service.view(REPORT).hunks[0]
        service.execute(Decide("accept", REPORT, (hunk.id,)))
    finally:
        service.close()
    (entry,) = [e for e in service.journal.entries() if e.op is Op.ACCEPT]
    assert entry.seat == getpass.getuser()


def test_headless_serve_refuses_a_second_owner_and_browser_flags(
    repo: Path, host: GateHost
) -> None:
    second = subprocess.run(
        [TETHER, "serve", "--headless"], cwd=repo, capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 1
    assert "another Tether is already listening" in second.stderr
    assert "one review per repository" in second.stderr
    flags = subprocess.run(
        [TETHER, "serve", "--headless", "--host", "0.0.0.0"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert flags.returncode == 1 and "--host: for the browser seat, not --headless" in flags.stderr
    assert socket_path(state_dir_for(repo)).is_socket()  # the first owner still serves
