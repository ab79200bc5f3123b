"""The session report attributes decisions per seat from a real two-seat
session's journal (issue 15): a review owned by one process, two seats
attached over the real endpoint each deciding one hunk; then
``tether report --json`` (a real process) reads the journal it left."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from seat_helpers import Seat
from test_gate_answers import EDIT, claude, make_gate_repo
from test_gate_host import Arrivals, start_gate

from app.core.locations import state_dir_for
from app.gate.endpoint import GateServer
from app.gate.host import open_gate
from app.gate.seat_hub import SeatHub

PATH = "src/app.py"


def report_json(repo: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())"]
        + ["report", "--json"],
        cwd=repo,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out)


def test_the_report_counts_each_attached_seats_decisions(
    tmp_path: Path, isolated_home: Path
) -> None:
    repo = make_gate_repo(tmp_path)
    host = open_gate(repo)
    host.service.seat = "owner"
    state = state_dir_for(repo)
    procs = []
    try:
        with GateServer(state, host, seats=SeatHub(host.service)):
            arrivals = Arrivals(host)
            procs.append(start_gate(claude(repo, "Edit", {**EDIT, "file_path": str(repo / PATH)})))
            arrivals.wait()
            alice, bob = Seat(state, "alice"), Seat(state, "bob")
            try:
                first, second = alice.hunks(PATH)
                for seat, op, hunk in ((alice, "accept", first), (bob, "reject", second)):
                    answer = seat.link.request(
                        {"type": "decide", "op": op, "path": PATH, "hunks": [hunk], "reason": "no"}
                    )
                    assert answer["type"] == "done", answer
            finally:
                alice.close()
                bob.close()
    finally:
        host.close()
        host.service.close()
        for proc in procs:
            proc.kill()
            proc.wait()
    by_seat = report_json(repo)["by_seat"]
    assert {seat: (m["accepted"], m["rejected"]) for seat, m in by_seat.items()} == {
        "alice": (1, 0),
        "bob": (0, 1),
    }
