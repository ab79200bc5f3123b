"""The session report attributes decisions per seat from a real two-seat
session's journal (issue 15): a review owned by one process, two seats
attached over the real endpoint each deciding one hunk; then
``tether report --json`` (a real process) reads the journal it left."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import seat_helpers
from seat_helpers import PATH, Seat, owner_review, propose_edit

from app.core.locations import state_dir_for

repo = seat_helpers.repo  # a fixture


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


def test_the_report_counts_each_attached_seats_decisions(repo: Path) -> None:
    state = state_dir_for(repo)
    procs = []
    try:
        with owner_review(repo) as host:
            procs.append(propose_edit(repo, host))
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
        for proc in procs:
            proc.kill()
            proc.wait()
    by_seat = report_json(repo)["by_seat"]
    assert {seat: (m["accepted"], m["rejected"]) for seat, m in by_seat.items()} == {
        "alice": (1, 0),
        "bob": (0, 1),
    }
