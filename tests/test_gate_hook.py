"""``tether gate`` as each agent runs it: a real process, the documented hook
JSON on stdin, its stdout JSON and exit code, against a review endpoint on
the repository's real Unix socket (issue 12).

The endpoint's host here is a scripted reviewer (it decides the hunks in
order, with the review's own hunk ids and transform) — the wire, the socket's
security, the time limit and the fallbacks are what these tests prove. Each
runs both ways a call can go: handed over whole to a review that runs hook
calls (every real review: the hook's fast path, ``app.gate.hook_client``),
and run in the hook process against a host that only takes proposals.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_gate_answers import (
    BASE,
    EDIT,
    NO,
    SPAN,
    YES,
    by_order,
    claude,
    codex,
    gemini,
    make_gate_repo,
)

from app.core.locations import state_dir_for
from app.gate.answers import Verdict
from app.gate.calls import Origin, ProposedFile
from app.gate.endpoint import GateServer, socket_path
from app.gate.verdicts import Decision, verdict_of

TETHER = str(Path(sys.executable).with_name("tether"))


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = make_gate_repo(tmp_path)
    return root


@pytest.fixture(params=["handed-over", "in-the-hook"])
def handed_over(request: pytest.FixtureRequest) -> bool:
    """Whether the host runs whole hook calls (it names its ``root``)."""
    return bool(request.param == "handed-over")


class Reviewer:
    """A host that decides each proposal's hunks in the order given."""

    def __init__(self, *decisions: Decision, before_verdict: Callable[[], None] | None = None):
        self.decide = by_order(*decisions)
        self.before_verdict = before_verdict
        self.seen: list[tuple[Origin, list[ProposedFile]]] = []
        self.root: Path | None = None  # set: hook calls are handed over whole

    def __call__(
        self,
        origin: Origin,
        files: list[ProposedFile],
        deadline: float | None,
        say: Callable[[dict[str, Any]], None],
        alive: Callable[[], bool],
    ) -> Verdict:
        self.seen.append((origin, files))
        say({"type": "queued", "hunks": len(files)})
        verdict = verdict_of(files, self.decide)
        if self.before_verdict is not None:
            self.before_verdict()
        return verdict


@pytest.fixture
def serve(repo: Path, handed_over: bool) -> Iterator[Callable[[Reviewer], GateServer]]:
    servers: list[GateServer] = []

    def start(reviewer: Reviewer) -> GateServer:
        if handed_over:
            reviewer.root = repo
        server = GateServer(state_dir_for(repo), reviewer).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def gate(
    payload: dict[str, Any], *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> tuple[Any, str, int]:
    """Run ``tether gate`` as the agent does; (stdout JSON or None, stderr, exit)."""
    proc = subprocess.run(
        [TETHER, "gate", *args],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=cwd or payload["cwd"],
        timeout=120,
        env=env,
    )
    return (json.loads(proc.stdout) if proc.stdout.strip() else None), proc.stderr, proc.returncode


def decision(out: Any) -> str:
    if "decision" in out:  # Gemini
        return str(out["decision"])
    return str(out["hookSpecificOutput"]["permissionDecision"])


@pytest.mark.parametrize(
    ("decisions", "expect", "line5", "line20"),
    [
        ((YES, YES), "allow", "line five", "line twenty"),
        ((NO, NO), "deny", "line 5", "line 20"),
        ((YES, NO), "allow", "line five", "line 20"),
    ],
)
def test_claude_edit_through_the_running_review(
    repo: Path,
    serve: Callable[[Reviewer], GateServer],
    decisions: tuple[Decision, ...],
    expect: str,
    line5: str,
    line20: str,
) -> None:
    reviewer = Reviewer(*decisions)
    serve(reviewer)
    payload = claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")})
    out, _err, code = gate(payload)
    assert code == 0 and decision(out) == expect
    ((origin, files),) = reviewer.seen
    assert (origin.agent, origin.session_id, origin.tool_call_id) == (
        "claude",
        "abc123",
        "toolu_01ABC",
    )
    assert files[0].path == "src/app.py" and files[0].before == BASE
    # What Claude Code then writes: its Edit with the (possibly updated) input.
    specific = out["hookSpecificOutput"]
    if expect != "deny":
        tool_input = specific.get("updatedInput", payload["tool_input"])
        text = (repo / "src/app.py").read_text()
        assert text.count(tool_input["old_string"]) == 1
        (repo / "src/app.py").write_text(
            text.replace(tool_input["old_string"], tool_input["new_string"])
        )
    text = (repo / "src/app.py").read_text()
    assert f"{line5}\n" in text and f"{line20}\n" in text
    if decisions == (YES, NO):
        assert "keep the number" in specific["additionalContext"]


def test_codex_and_gemini_get_their_own_formats(
    repo: Path, serve: Callable[[Reviewer], GateServer]
) -> None:
    serve(Reviewer(NO, NO))
    patch = (
        "*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+gamma\n*** End Patch\n"
    )
    out, _err, code = gate(codex(repo, patch))
    assert code == 0 and out["hookSpecificOutput"]["permissionDecision"] == "deny"
    replace = {
        "file_path": str(repo / "src/app.py"),
        "old_string": SPAN,
        "new_string": SPAN + "x\n",
    }
    out, _err, code = gate(gemini(repo, "replace", replace))
    assert code == 0 and out["decision"] == "deny" and "keep the number" in out["reason"]


def test_no_tether_running(repo: Path) -> None:
    payload = claude(repo, "Write", {"file_path": str(repo / "notes.txt"), "content": "x\n"})
    out, err, code = gate(payload)
    # The default: no opinion, so Claude Code asks its own prompt; say so.
    assert (out, code) == (None, 0) and "no Tether review is running" in err
    out, err, code = gate(payload, "--fallback", "deny")
    assert code == 0 and decision(out) == "deny"
    assert (repo / "notes.txt").read_text() == "alpha\nbeta\n"


def test_a_tool_that_is_not_an_edit_gets_no_opinion(repo: Path) -> None:
    out, err, code = gate(claude(repo, "Bash", {"command": "rm -rf /"}))
    assert (out, err, code) == (None, "", 0)


def test_a_refused_path_is_denied_without_asking_the_review(
    repo: Path, serve: Callable[[Reviewer], GateServer]
) -> None:
    reviewer = Reviewer()
    serve(reviewer)
    (repo / ".env").write_text("OPENAI_API_KEY=sk-test-planted-gate-0000111122223333\n")
    out, _err, code = gate(
        claude(repo, "Write", {"file_path": str(repo / ".env"), "content": "A=1\n"})
    )
    assert (
        code == 0
        and decision(out) == "deny"
        and "secret" in out["hookSpecificOutput"]["permissionDecisionReason"]
    )
    assert "sk-test-planted" not in json.dumps(out)
    assert reviewer.seen == []


def test_a_file_changed_while_the_human_decided_is_refused_as_stale(
    repo: Path, serve: Callable[[Reviewer], GateServer]
) -> None:
    def someone_edits() -> None:
        (repo / "src/app.py").write_text(BASE + "# the user's own edit\n")

    serve(Reviewer(YES, YES, before_verdict=someone_edits))
    out, _err, code = gate(claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")}))
    assert code == 0 and decision(out) == "deny"
    assert "changed on disk" in out["hookSpecificOutput"]["permissionDecisionReason"]


HOST = """
import sys, threading
from pathlib import Path
from app.gate.endpoint import GateServer
class Never:
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    def __call__(self, origin, files, deadline, say, alive):
        say({"type": "queued", "hunks": len(files)})
        print("proposal", flush=True)
        threading.Event().wait()
server = GateServer(Path(sys.argv[1]), Never()).start()
print("listening", flush=True)
threading.Event().wait()
"""


def never_host(repo: Path, handed_over: bool) -> subprocess.Popen[str]:
    """A review in its own process that never decides (to kill, or to outwait)."""
    args = [sys.executable, "-c", HOST, str(state_dir_for(repo))]
    return subprocess.Popen(
        [*args, str(repo)] if handed_over else args, stdout=subprocess.PIPE, text=True
    )


def test_tether_killed_mid_review_the_hook_still_answers(repo: Path, handed_over: bool) -> None:
    host = never_host(repo, handed_over)
    try:
        assert host.stdout is not None and host.stdout.readline() == "listening\n"
        payload = claude(repo, "Write", {"file_path": str(repo / "notes.txt"), "content": "x\n"})
        hook = subprocess.Popen(
            [TETHER, "gate"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=repo
        )
        assert hook.stdin is not None and hook.stdout is not None
        hook.stdin.write(json.dumps(payload))
        hook.stdin.close()
        assert host.stdout.readline() == "proposal\n"  # the review has it
        host.send_signal(signal.SIGKILL)
        host.wait(timeout=60)
        out = json.loads(hook.stdout.read())
        assert hook.wait(timeout=60) == 0
        assert decision(out) == "deny" and "ended without a decision" in json.dumps(out)
    finally:
        host.kill()
    assert (repo / "notes.txt").read_text() == "alpha\nbeta\n"


def test_the_hook_answers_before_its_time_limit(repo: Path, handed_over: bool) -> None:
    host = never_host(repo, handed_over)
    try:
        assert host.stdout is not None and host.stdout.readline() == "listening\n"
        payload = claude(repo, "Write", {"file_path": str(repo / "notes.txt"), "content": "x\n"})
        # A 6 s hook limit leaves the gate 1 s: the review never decides, the
        # gate denies (fail closed) rather than let the agent's timeout pass.
        out, _err, code = gate(payload, "--timeout", "6")
        assert code == 0 and decision(out) == "deny" and "did not decide in time" in json.dumps(out)
    finally:
        host.kill()
        host.wait(timeout=60)


def test_the_socket_is_the_owners_alone(
    repo: Path, serve: Callable[[Reviewer], GateServer]
) -> None:
    server = serve(Reviewer(YES))
    path = socket_path(state_dir_for(repo))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    if os.getuid() == 0:
        # Another user's process cannot even connect (run here as nobody).
        probe = (
            "import os, socket, sys; os.setgid(65534); os.setuid(65534)\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "try:\n    s.connect(sys.argv[1])\nexcept PermissionError:\n    print('refused')\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, timeout=60
        )
        assert proc.stdout.strip() == "refused", proc.stderr
    server.uid = os.getuid() + 1  # and a peer whose uid is not the owner's is turned away
    out, _err, code = gate(
        claude(repo, "Write", {"file_path": str(repo / "notes.txt"), "content": "x\n"})
    )
    assert code == 0 and decision(out) == "deny" and "not this review's user" in json.dumps(out)
    assert server.refused


def test_a_repository_deep_enough_to_overflow_a_socket_address(
    tmp_path: Path, isolated_home: Path
) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60) / "repo"
    deep.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=deep, check=True)
    (deep / "notes.txt").write_text("alpha\n")
    assert len(str(socket_path(state_dir_for(deep)))) > 108
    with GateServer(state_dir_for(deep), Reviewer(YES)):
        out, _err, code = gate(
            claude(deep, "Write", {"file_path": str(deep / "notes.txt"), "content": "beta\n"})
        )
    assert code == 0 and decision(out) == "allow"


# What the hook process must not import when the review runs the call: the
# call's reading, the answer's composition, the review, the UI.
HEAVY = ("app.gate.calls", "app.gate.answers", "app.core.unified", "app.edits", "app.review")


def _imported(stderr: str) -> set[str]:
    """Module names from ``-X importtime`` lines on stderr."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_a_review_that_runs_the_call_keeps_the_hook_process_light(repo: Path) -> None:
    reviewer = Reviewer(YES, NO)
    reviewer.root = repo
    with GateServer(state_dir_for(repo), reviewer):
        payload = claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")})
        out, err, code = gate(payload, env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert code == 0 and decision(out) == "allow"
    assert "keep the number" in out["hookSpecificOutput"]["additionalContext"]
    imported = _imported(err)
    assert "app.gate.hook_client" in imported
    assert not {m for m in imported if m.startswith(HEAVY)}, sorted(imported)
    assert len(reviewer.seen) == 1


def test_a_call_from_outside_the_reviews_repository_is_run_by_the_hook(
    repo: Path, tmp_path: Path
) -> None:
    """The review runs only calls from inside its own root; another folder's
    call (here: a review claiming a root it is not in) is the hook's to run,
    with the same answer as ever."""
    reviewer = Reviewer(YES, YES)
    reviewer.root = tmp_path / "elsewhere"
    reviewer.root.mkdir()
    with GateServer(state_dir_for(repo), reviewer):
        payload = claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")})
        out, err, code = gate(payload, env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert code == 0 and decision(out) == "allow"
    assert "app.gate.calls" in _imported(err)  # the hook read the call itself
    assert len(reviewer.seen) == 1
