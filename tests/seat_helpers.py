"""What the seat tests share: a gate repository whose review one process
owns and serves to seats on the real endpoint, an agent's edit proposed to it
through a real ``tether gate`` process, and a seat that records every message
it hears and waits (on those messages, never on time) for the one a test
expects.

A test module takes the fixtures by assignment, ``repo, host =
seat_helpers.repo, seat_helpers.host``: imported, each would read to ruff as
an unused import that every test's parameter redefines."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_gate_answers import EDIT, claude, make_gate_repo
from test_gate_host import Arrivals, start_gate

from app.core.journal import Op
from app.core.locations import state_dir_for
from app.gate.endpoint import GateServer
from app.gate.host import GateHost, open_gate
from app.gate.seat_hub import SeatHub
from app.gate.seat_link import SeatLink

Message = dict[str, Any]
PATH = "src/app.py"  # the file of make_gate_repo's that the proposed edit changes


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    return make_gate_repo(tmp_path)


@contextmanager
def owner_review(repo: Path) -> Iterator[GateHost]:
    """The gate review of ``repo``, its seat named "owner", serving seats on
    the endpoint while the block runs; closed after."""
    gate_host = open_gate(repo)
    gate_host.service.seat = "owner"
    try:
        with GateServer(state_dir_for(repo), gate_host, seats=SeatHub(gate_host.service)):
            yield gate_host
    finally:
        gate_host.close()
        gate_host.service.close()


@pytest.fixture
def host(repo: Path) -> Iterator[GateHost]:
    with owner_review(repo) as gate_host:
        yield gate_host


def start_edit(repo: Path) -> subprocess.Popen[str]:
    """An agent's Edit of PATH (two hunks), its ``tether gate`` hook started."""
    return start_gate(claude(repo, "Edit", {**EDIT, "file_path": str(repo / PATH)}))


def propose_edit(repo: Path, host: GateHost) -> subprocess.Popen[str]:
    """``start_edit``, returned once ``host``'s review holds its hunks (killed
    if they never come: a failed test leaves no hook behind)."""
    arrivals = Arrivals(host)
    proc = start_edit(repo)
    try:
        arrivals.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


def decisions(host: GateHost) -> list[tuple[str, str]]:
    """The accepts and rejects in ``host``'s journal, as (op, seat)."""
    return [
        (str(e.op), e.seat)
        for e in host.service.journal.entries()
        if e.op in (Op.ACCEPT, Op.REJECT)
    ]


class Seat:
    """A subscribed seat; ``wait_for(pred)`` returns the first message heard
    (from the subscription's start) that ``pred`` accepts."""

    def __init__(
        self, state_dir: Path, name: str, *, read_only: bool = False, role: str = "both"
    ) -> None:
        self.heard: list[Message] = []
        self._changed = threading.Condition()
        self.link = SeatLink(state_dir, name, read_only=read_only, role=role, on_message=self._hear)
        self.state = self.link.open()

    def _hear(self, message: Message) -> None:
        with self._changed:
            self.heard.append(message)
            self._changed.notify_all()

    def wait_for(self, pred: Callable[[Message], bool], what: str, timeout: float = 60) -> Message:
        with self._changed:
            found: list[Message] = []

            def seen() -> bool:
                found[:] = [m for m in self.heard if pred(m)]
                return bool(found)

            assert self._changed.wait_for(seen, timeout), f"{self.link.seat} never heard {what}"
            return found[0]

    def hunks(self, path: str) -> list[str]:
        """The pending hunk ids of ``path`` as the latest message says."""
        latest: list[str] | None = None
        for message in [self.state, *self.heard]:
            files = message.get("files") or ([message["file"]] if "file" in message else [])
            for f in files:
                if f["path"] == path and f.get("loaded"):
                    latest = [h["id"] for h in f["hunks"]]
        return latest or []

    def close(self) -> None:
        self.link.close()
