"""Gemini CLI hears why hunks were rejected: its BeforeTool answer rewrites
the edit to the accepted hunks (it cannot carry words for the model), and
``tether gate`` on AfterTool appends those words to the tool's result,
once. Real hook processes, a real running review (issue 12)."""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_gate_answers import BASE, EDITED_SPAN, PLANTED, SPAN, gemini, make_gate_repo
from test_gate_hook import TETHER
from test_gate_host import Arrivals, finish, start_gate

from app.core.locations import state_dir_for
from app.gate.after_notes import FOLDER
from app.gate.endpoint import GateServer
from app.gate.host import GateHost, open_gate
from app.review.commands import Decide

PATH = "src/app.py"


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    return make_gate_repo(tmp_path)


@pytest.fixture
def host(repo: Path) -> Iterator[GateHost]:
    gate_host = open_gate(repo)
    with GateServer(state_dir_for(repo), gate_host):
        yield gate_host
    gate_host.close()
    gate_host.service.close()


def after_tool(repo: Path, tool_input: dict[str, object]) -> tuple[str, int]:
    payload = {
        **gemini(repo, "replace", tool_input),
        "hook_event_name": "AfterTool",
        "tool_response": {"llmContent": "Successfully modified file", "returnDisplay": ""},
    }
    run = subprocess.run(
        [TETHER, "gate"], input=json.dumps(payload), capture_output=True, text=True, cwd=repo
    )
    return run.stdout, run.returncode


def test_a_partial_accept_tells_gemini_why_after_the_tool_ran(repo: Path, host: GateHost) -> None:
    tool_input = {
        "file_path": str(repo / PATH),
        "old_string": SPAN,
        "new_string": EDITED_SPAN,
        "expected_replacements": 1,
    }
    arrivals = Arrivals(host)
    proc = start_gate(gemini(repo, "replace", tool_input))
    arrivals.wait()
    first, second = host.service.all_hunks(PATH)
    host.service.execute(Decide("accept", PATH, (first,)))
    reason = f"keep line 20, and never {PLANTED}"
    host.service.execute(Decide("reject", PATH, (second,), reason=reason))
    before = finish(proc)
    assert before["decision"] == "allow" and "tool_input" in before["hookSpecificOutput"]
    assert "additionalContext" not in before["hookSpecificOutput"]  # BeforeTool cannot say it
    # The words wait in the state folder, owner-only, the secret masked.
    (kept,) = (state_dir_for(repo) / FOLDER).iterdir()
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert PLANTED not in kept.read_text() and "keep line 20" in kept.read_text()
    # Gemini's tool runs with the rewritten input; then AfterTool.
    (repo / PATH).write_text(BASE.replace("line 5\n", "line five\n"))
    out, code = after_tool(repo, before["hookSpecificOutput"]["tool_input"])
    assert code == 0
    context = json.loads(out)["hookSpecificOutput"]
    assert context["hookEventName"] == "AfterTool"
    assert "keep line 20" in context["additionalContext"] and second in context["additionalContext"]
    assert PLANTED not in context["additionalContext"]
    # Once: the next AfterTool on the file has nothing to add.
    assert after_tool(repo, tool_input) == ("", 0)


def test_after_tool_with_nothing_kept_has_no_opinion(repo: Path) -> None:
    assert after_tool(repo, {"file_path": str(repo / PATH)}) == ("", 0)
    assert after_tool(repo, {"file_path": "/etc/passwd"}) == ("", 0)
