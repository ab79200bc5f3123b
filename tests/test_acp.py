"""``tether agent`` without a UI: a real ACP agent (tests/acp_fixture_agent.py,
the SDK's agent side over stdio) driven by AgentRunner, its edits decided
per hunk in the review, checked against the file on disk and the journal."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.acp.events import AcpEvent, AgentExited, AgentText, TurnEnded
from app.acp.review import AcpReview
from app.acp.runner import AgentRunner
from app.core.autonomy import Level
from app.core.errors import TetherError
from app.core.journal import Journal, Op
from app.core.locations import state_dir_for
from app.gate.calls import GateRefusal
from app.review.commands import Decide

FIXTURE = str(Path(__file__).with_name("acp_fixture_agent.py"))
AGENT = [sys.executable, FIXTURE]
WAIT = 60.0  # generous: a busy shared machine; every wait ends on a condition

APP = "".join(
    ["# app\n", "TOP = 1\n"]
    + [f"line_{i} = {i}\n" for i in range(20)]
    + ["BOTTOM = 2\n", "# end\n"]
)
LIB = "".join(
    ["def first():\n", "    return 1\n"]
    + [f"# filler {i}\n" for i in range(20)]
    + ["def last():\n", "    return 99\n"]
)
SECRET = "OPENAI_API_KEY=sk-proj-" + "Q7x" * 16 + "\n"


def make_acp_repo(tmp_path: Path) -> Path:
    """A committed git repository with ``app.py``, ``lib.py`` and a ``.env``."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "app.py").write_text(APP)
    (root / "lib.py").write_text(LIB)
    (root / ".env").write_text(SECRET)
    return root


def wait_for(condition: Callable[[], object], what: str, timeout: float = WAIT) -> None:
    """Poll until ``condition()`` holds; fail (never hang) after ``timeout``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


class Session:
    """A running fixture agent, its review and everything it said."""

    def __init__(self, root: Path, level: int = int(Level.REPO), focus: str | None = None) -> None:
        self.review = AcpReview(root, level=level, focus=focus)
        self.runner = AgentRunner(self.review, AGENT)
        self.events: list[AcpEvent] = []
        self._lock = threading.Lock()
        self.runner.subscribe(self._heard)
        self.runner.start()
        assert self.runner.wait_ready(WAIT), "the agent did not start"

    def _heard(self, event: AcpEvent) -> None:
        with self._lock:
            self.events.append(event)

    @property
    def said(self) -> str:
        with self._lock:
            return "".join(e.text for e in self.events if isinstance(e, AgentText))

    def turns(self) -> int:
        with self._lock:
            return sum(isinstance(e, TurnEnded) for e in self.events)

    def send(self, text: str) -> None:
        assert self.runner.prompt(text) == ""

    def hunks(self, path: str) -> tuple[str, ...]:
        service = self.review.service
        wait_for(
            lambda: any(f.path == path for f in service.files) and service.all_hunks(path),
            f"the hunks of {path}",
        )
        return service.all_hunks(path)

    def decide(self, op: str, path: str, hunk: str, reason: str = "") -> None:
        self.review.service.execute(Decide(op, path, (hunk,), reason=reason))  # type: ignore[arg-type]


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    return make_acp_repo(tmp_path)


@pytest.fixture
def session(repo: Path) -> Iterator[Session]:
    one = Session(repo)
    yield one
    one.runner.close()


def journal(root: Path) -> list:
    return Journal(state_dir_for(root) / "journal.jsonl").entries()


def test_some_hunks_accepted_others_rejected_with_reasons_the_agent_receives(
    session: Session, repo: Path
) -> None:
    session.send("please edit")
    top, bottom = session.hunks("app.py")  # fs/write_text_file: two hunks
    session.decide("accept", "app.py", top)
    session.decide("reject", "app.py", bottom, "keep BOTTOM as it is")
    first, last = session.hunks("lib.py")  # the permission's diff: two hunks
    session.decide("accept", "lib.py", first)
    session.decide("reject", "lib.py", last, "99 is right")
    wait_for(lambda: session.turns() == 1, "the end of the turn")

    # The write: only the accepted hunk reached the disk; the agent heard why not the rest.
    app = (repo / "app.py").read_text()
    assert "TOP = 'changed by the agent'" in app and "BOTTOM = 2" in app
    assert "write app.py: error: Only part of this write was written" in session.said
    assert "keep BOTTOM as it is" in session.said
    # The permission: rejected once (no partial accept in ACP v1); Tether wrote
    # the accepted hunk itself, so the agent did not write lib.py.
    assert "permission lib.py: reject" in session.said
    lib = (repo / "lib.py").read_text()
    assert "def first_renamed():" in lib and "return 99" in lib
    # Outside the root: refused, nothing created.
    assert "write outside: error:" in session.said and "outside the repository" in session.said
    assert not (repo.parent / "outside.txt").exists()

    # The next prompt carries the permission's decisions.
    session.send("thanks")
    wait_for(lambda: session.turns() == 2, "the echo turn")
    echoed = session.said.split("received:", 1)[1]
    assert "reject once" in echoed and "99 is right" in echoed
    assert "written by Tether itself to lib.py" in echoed and echoed.rstrip().endswith("thanks")

    # The journal: every decision (with its reason) and every write Tether made.
    entries = journal(repo)
    decisions = [
        (e.op, e.path, e.extra.get("reason", "")) for e in entries if e.source.startswith("acp:")
    ]
    assert (Op.REJECT, "app.py", "keep BOTTOM as it is") in decisions
    assert (Op.REJECT, "lib.py", "99 is right") in decisions
    assert sum(op is Op.ACCEPT for op, _, _ in decisions) == 2
    writes = [e for e in entries if e.source.startswith("acp-write:")]
    assert sorted(e.path for e in writes) == ["app.py", "lib.py"]
    assert all(e.op is Op.ACCEPT and e.extra["written_by"] == "tether agent" for e in writes)
    assert any("fixture-agent" in str(e.extra.get("origin")) for e in writes)


def test_all_accepted_writes_everything_and_allows_once(session: Session, repo: Path) -> None:
    session.send("edit")
    for hunk in session.hunks("app.py"):
        session.decide("accept", "app.py", hunk)
    for hunk in session.hunks("lib.py"):
        session.decide("accept", "lib.py", hunk)
    wait_for(lambda: session.turns() == 1, "the end of the turn")
    assert "write app.py: ok" in session.said
    # allow once, never "always" (offered, but not chosen automatically)
    assert "permission lib.py: allow\n" in session.said
    assert (repo / "app.py").read_text().count("changed by the agent") == 2
    lib = (repo / "lib.py").read_text()
    assert "first_renamed" in lib and "return 100" in lib  # the agent's own write
    assert not session.review.has_feedback  # nothing to tell it


def test_slider_at_zero_the_agent_reads_but_changes_nothing(repo: Path) -> None:
    one = Session(repo, level=int(Level.OFF))
    try:
        one.send("edit")
        wait_for(lambda: one.turns() == 1, "the end of the turn")
    finally:
        one.runner.close()
    assert "read app.py: 24 lines" in one.said
    assert "write app.py: error: Tether's autonomy slider is at 0" in one.said
    assert "permission lib.py: reject" in one.said
    assert (repo / "app.py").read_text() == APP and (repo / "lib.py").read_text() == LIB
    assert not one.review.service.pending
    assert not [e for e in journal(repo) if e.op in (Op.ACCEPT, Op.REJECT)]


def test_below_level_four_only_the_focus_file_may_be_accepted(repo: Path) -> None:
    one = Session(repo, level=int(Level.FILE), focus="app.py")
    try:
        one.send("edit")
        for hunk in one.hunks("app.py"):
            one.decide("accept", "app.py", hunk)  # in scope
        first, _ = one.hunks("lib.py")
        with pytest.raises(TetherError, match="out of leash"):
            one.decide("accept", "lib.py", first)
        for hunk in one.hunks("lib.py"):
            one.decide("reject", "lib.py", hunk, "not this file")
        wait_for(lambda: one.turns() == 1, "the end of the turn")
    finally:
        one.runner.close()
    assert "write app.py: ok" in one.said and "permission lib.py: reject" in one.said
    assert (repo / "lib.py").read_text() == LIB


def test_reads_follow_the_loops_rules(repo: Path, isolated_home: Path) -> None:
    review = AcpReview(repo)
    assert review.read(str(repo / "app.py"), line=2, limit=1) == "TOP = 1\n"
    for path, why in [
        (repo / ".env", "secret"),
        (repo / ".git" / "config", ".git"),
        (repo.parent / "elsewhere.txt", "outside the repository"),
    ]:
        with pytest.raises(GateRefusal, match=why):
            review.read(str(path))
    review.close()


def test_cancel_sends_session_cancel(session: Session) -> None:
    session.send("wait for me")
    wait_for(lambda: "waiting for session/cancel" in session.said, "the agent to wait")
    assert session.runner.cancel()
    wait_for(lambda: session.turns() == 1, "the cancelled turn")
    ended = [e for e in session.events if isinstance(e, TurnEnded)]
    assert ended[-1].stop_reason == "cancelled"


def test_cancel_answers_a_waiting_permission_cancelled_and_its_hunks_stay(
    session: Session, repo: Path
) -> None:
    session.send("ask about lib.py")
    first, last = session.hunks("lib.py")
    assert session.runner.cancel()
    wait_for(lambda: session.turns() == 1, "the cancelled turn")
    assert "permission lib.py: cancelled" in session.said  # ACP: must answer cancelled
    assert (repo / "lib.py").read_text() == LIB
    session.decide("accept", "lib.py", first)  # still in review: Tether writes it
    session.decide("reject", "lib.py", last, "not now")
    wait_for(lambda: "first_renamed" in (repo / "lib.py").read_text(), "Tether's write")
    assert "return 99" in (repo / "lib.py").read_text()
    wait_for(lambda: session.review.has_feedback, "the feedback")
    words = session.review.take_feedback()
    assert "'cancelled' (the turn was cancelled)" in words and "not now" in words


def test_a_crash_is_reported_with_the_stderr_tail(session: Session) -> None:
    session.send("crash now")
    wait_for(lambda: session.runner.exited, "the agent to exit")
    exits = [e for e in session.events if isinstance(e, AgentExited)]
    assert exits[-1].returncode == 3 and not exits[-1].expected
    assert "crashing on purpose" in exits[-1].stderr
    assert session.runner.prompt("again") == "the agent is not running"


def test_an_agent_that_dies_mid_review_leaves_its_hunks_and_the_write_still_happens(
    session: Session, repo: Path
) -> None:
    session.send("die")
    wait_for(lambda: session.runner.exited, "the agent to exit")
    exits = [e for e in session.events if isinstance(e, AgentExited)]
    assert exits[-1].returncode == 4 and "died mid-write" in exits[-1].stderr
    top, bottom = session.hunks("app.py")  # the complete hunks stay for review
    session.decide("accept", "app.py", top)
    session.decide("reject", "app.py", bottom, "no")
    wait_for(lambda: "TOP = 'changed" in (repo / "app.py").read_text(), "Tether's write")
    assert "BOTTOM = 2" in (repo / "app.py").read_text()
    assert [e.path for e in journal(repo) if e.source.startswith("acp-write:")] == ["app.py"]


def test_a_command_that_does_not_exist_is_reported(repo: Path) -> None:
    review = AcpReview(repo)
    runner = AgentRunner(review, ["/nonexistent/agent-binary"])
    heard: list[AcpEvent] = []
    runner.subscribe(heard.append)
    runner.start()
    wait_for(lambda: runner.exited, "the failed start")
    runner.close()
    (exit_event,) = [e for e in heard if isinstance(e, AgentExited)]
    assert "cannot start /nonexistent/agent-binary" in exit_event.stderr
