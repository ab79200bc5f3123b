"""The gate's host: an agent's proposal joins a real review (a ReviewService
over a GateBackend), the human decides its hunks by id, and the running
``tether gate`` process answers the agent with exactly those decisions; the
agent's own tool then writes exactly the accepted hunks (issue 12).
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_gate_answers import BASE, EDIT, claude, codex, make_gate_repo
from test_gate_hook import TETHER, decision

from app.core.journal import Op
from app.core.locations import state_dir_for
from app.core.model import Side
from app.gate.endpoint import GateServer
from app.gate.host import GateHost, open_gate
from app.review.commands import Decide, Undo
from app.review.events import ReviewEvent

REASON = "keep line 20: the report parses it"


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = make_gate_repo(tmp_path)
    return root


@pytest.fixture
def host(repo: Path) -> Iterator[GateHost]:
    gate_host = open_gate(repo)
    with GateServer(state_dir_for(repo), gate_host):
        yield gate_host
    gate_host.close()
    gate_host.service.close()


class Arrivals:
    """Waits (on the review's events) for a file with pending hunks."""

    def __init__(self, host: GateHost) -> None:
        self.host = host
        self.ready = threading.Event()
        host.service.subscribe(self._event)

    def _event(self, _event: ReviewEvent) -> None:
        if self.host.service.pending:
            self.ready.set()

    def wait(self) -> None:
        assert self.ready.wait(60), "no proposal arrived in the review"
        self.ready.clear()


def start_gate(payload: dict[str, Any]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [TETHER, "gate"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=payload["cwd"],
    )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(payload))
    proc.stdin.close()
    return proc


def finish(proc: subprocess.Popen[str]) -> Any:
    assert proc.stdout is not None
    out = proc.stdout.read()
    assert proc.wait(timeout=60) == 0
    return json.loads(out)


def test_some_hunks_accepted_in_the_review_are_all_the_agent_writes(
    repo: Path, host: GateHost
) -> None:
    arrivals = Arrivals(host)
    payload = claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")})
    proc = start_gate(payload)
    arrivals.wait()
    service = host.service
    fr = service.load(service.file("src/app.py"))
    assert fr.origin == "Claude Code Edit toolu_01ABC" and len(fr.patch.hunks) == 2  # type: ignore[union-attr]
    first, second = (h.id for h in fr.patch.hunks)  # type: ignore[union-attr]
    # The human rejects the first, changes their mind (undo) and accepts it,
    # then rejects the second with a reason: the last decision answers at once.
    service.execute(Decide("reject", "src/app.py", (first,), reason="first thought"))
    service.execute(Undo())
    service.execute(Decide("accept", "src/app.py", (first,)))
    service.execute(Decide("reject", "src/app.py", (second,), reason=REASON))
    out = finish(proc)
    specific = out["hookSpecificOutput"]
    assert decision(out) == "allow" and REASON in specific["additionalContext"]
    assert "first thought" not in specific["additionalContext"]
    assert (repo / "src/app.py").read_text() == BASE  # Tether wrote nothing itself
    # Claude Code's Edit with the updated input:
    tool_input = specific["updatedInput"]
    (repo / "src/app.py").write_text(
        BASE.replace(tool_input["old_string"], tool_input["new_string"])
    )
    assert (repo / "src/app.py").read_text() == BASE.replace("line 5\n", "line five\n")
    # The journal keeps each decision with where the proposal came from.
    decided = [e for e in service.journal.entries() if e.op in (Op.ACCEPT, Op.REJECT)]
    assert {e.extra.get("origin") for e in decided} == {"Claude Code Edit toolu_01ABC"}
    assert {e.side for e in decided if e.op is Op.ACCEPT} == {Side.HELD}


def test_all_rejected_and_all_accepted(repo: Path, host: GateHost) -> None:
    arrivals = Arrivals(host)
    service = host.service
    patch = (
        "*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+gamma\n*** End Patch\n"
    )
    proc = start_gate(codex(repo, patch))
    arrivals.wait()
    service.execute(Decide("reject", "notes.txt", service.all_hunks("notes.txt"), reason="no"))
    out = finish(proc)
    assert decision(out) == "deny" and "no" in out["hookSpecificOutput"]["permissionDecisionReason"]
    # The same file again, accepted this time: Codex gets allow with its input.
    proc = start_gate(codex(repo, patch))
    arrivals.wait()
    service.execute(Decide("accept", "notes.txt", service.all_hunks("notes.txt")))
    out = finish(proc)
    assert decision(out) == "allow" and out["hookSpecificOutput"]["updatedInput"] == {
        "command": patch
    }


def test_an_agent_that_gives_up_withdraws_its_hunks(repo: Path, host: GateHost) -> None:
    arrivals = Arrivals(host)
    payload = claude(repo, "Write", {"file_path": str(repo / "notes.txt"), "content": "x\n"})
    proc = start_gate(payload)
    arrivals.wait()
    proc.kill()  # the agent's hook was cancelled
    proc.wait(timeout=60)
    withdrawn = threading.Event()
    host.service.subscribe(lambda _e: withdrawn.set() if host.service.pending == 0 else None)
    if host.service.pending:
        assert withdrawn.wait(60)
    rejected = [e for e in host.service.journal.entries() if e.op is Op.REJECT]
    assert rejected and "withdrawn" in str(rejected[-1].extra.get("reason"))
    assert (repo / "notes.txt").read_text() == "alpha\nbeta\n"


def test_an_agent_gone_before_it_hears_queued_withdraws_its_hunks(repo: Path) -> None:
    # Seen on a busy machine: the hook was killed right after its proposal
    # joined the review; telling it "queued" raised BrokenPipeError before the
    # wait began, and its hunks stayed pending with nothing journaled.
    from app.gate.calls import Origin, ProposedFile

    gate_host = open_gate(repo)

    def gone(_event: dict[str, Any]) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(OSError):
        gate_host(
            Origin("claude", "s", "t", "Write"),
            [ProposedFile("notes.txt", "alpha\nbeta\n", "x\n")],
            None,
            gone,
            lambda: True,
        )
    assert gate_host.service.pending == 0
    rejected = [e for e in gate_host.service.journal.entries() if e.op is Op.REJECT]
    assert rejected and "withdrawn" in str(rejected[-1].extra.get("reason"))
    gate_host.close()
    gate_host.service.close()
