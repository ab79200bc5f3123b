"""The review service as every front end drives it: commands by hunk id,
events, the writer thread, read-only listings, two processes, counts.

Each bug the redesign fixed has a test here that fails on the code before it
(named after the bug in its docstring).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from conftest import REPORT, STOCK, index_bytes

from app.core.errors import HunkGoneError, ReadOnlyError, StaleFileError
from app.core.journal import Op
from app.review.commands import Decide, Split, Undo
from app.review.events import (
    CommandFailed,
    DecisionMade,
    HistoryChanged,
    HunksChanged,
    ReviewEvent,
)
from app.review.service import ReviewService
from app.review.sources import open_proposals, open_review, open_source

GIT_ID = ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


def service_for(repo: Path, **options: bool) -> ReviewService:
    return open_review(open_source(None, repo), **options)


def record(service: ReviewService) -> list[ReviewEvent]:
    events: list[ReviewEvent] = []
    service.subscribe(events.append)
    return events


def test_a_command_names_the_hunk_it_was_made_for(tmp_path: Path, isolated_home: Path) -> None:
    """Bug: decisions named hunks by position across an asynchronous gap, so a
    file event that re-diffed the file meanwhile got another change staged.
    Here a writer adds a change above the hunk between the key press (the
    command) and the write: exactly the hunk that was shown is staged."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    base = [f"line {i}\n" for i in range(60)]
    (repo / "a.txt").write_text("".join(base))
    subprocess.run(["git", *GIT_ID, "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", *GIT_ID, "commit", "-qm", "base"], cwd=repo, check=True)
    edited = list(base)
    edited[40] = "LINE FORTY\n"
    (repo / "a.txt").write_text("".join(edited))
    service = service_for(repo)
    (shown,) = service.view("a.txt").hunks
    command = Decide("accept", "a.txt", (shown.id,))  # the key press
    # The writer lands: a change at line 5, so index 0 is now another hunk.
    edited[5] = "line five, the writer's\n"
    (repo / "a.txt").write_text("".join(edited))
    service.disk_changed({"a.txt"})
    hunks = service.view("a.txt").hunks
    assert len(hunks) == 2 and hunks[0].id != shown.id and hunks[1].id == shown.id
    service.execute(command)
    staged = (index_bytes(repo, "a.txt") or b"").decode()
    assert "LINE FORTY\n" in staged and "the writer's" not in staged
    assert [h.id for h in service.view("a.txt").hunks] == [hunks[0].id]


def test_a_hunk_that_is_gone_is_refused_and_nothing_written(sample_repo: Path) -> None:
    service = service_for(sample_repo)
    hunk = service.view(REPORT).hunks[0]
    service.execute(Decide("accept", REPORT, (hunk.id,)))
    before = index_bytes(sample_repo, REPORT)
    with pytest.raises(HunkGoneError, match="no longer pending"):
        service.execute(Decide("accept", REPORT, (hunk.id,)))
    with pytest.raises(HunkGoneError):
        service.check(Decide("reject", REPORT, ("0123456789",)))
    assert index_bytes(sample_repo, REPORT) == before


def test_line_ids_pick_lines_and_a_wrong_one_is_refused(sample_repo: Path) -> None:
    service = service_for(sample_repo)
    hunk = service.view(REPORT).hunks[0]
    first_change = hunk.change_indices()[0]
    with pytest.raises(HunkGoneError, match="no changed line 99"):
        service.execute(Decide("accept", REPORT, (hunk.id,), (f"{hunk.id}.99",)))
    with pytest.raises(HunkGoneError, match="names hunk"):
        service.execute(Decide("accept", REPORT, (hunk.id,), ("feedfacecafe.0",)))
    outcome = service.execute(Decide("accept", REPORT, (hunk.id,), (hunk.line_id(first_change),)))
    assert outcome.lines == 1


def test_events_follow_a_decision_and_its_undo(sample_repo: Path) -> None:
    service = service_for(sample_repo)
    events = record(service)
    hunk = service.view(REPORT).hunks[0]
    outcome = service.execute(Decide("accept", REPORT, (hunk.id,)))
    assert [type(e) for e in events] == [HunksChanged, DecisionMade, HistoryChanged]
    assert events[1] == DecisionMade(outcome, seat=service.seat)  # the review's own seat
    assert events[2] == HistoryChanged(can_undo=True, can_redo=False)
    events.clear()
    service.execute(Undo())
    assert [type(e) for e in events] == [HunksChanged, DecisionMade, HistoryChanged]
    assert events[2] == HistoryChanged(can_undo=False, can_redo=True)
    assert hunk.id in {h.id for h in service.view(REPORT).hunks}


def test_submit_shows_the_decision_at_once_and_writes_it_in_order(sample_repo: Path) -> None:
    service = service_for(sample_repo)
    service.execute(Split(STOCK, service.view(STOCK).hunks[0].id))
    events = record(service)
    first, second = service.view(STOCK).hunks[:2]
    # Deferred: the writer waits for release(), so the decision is shown and
    # not yet written. (A writer held inside its write instead holds the
    # review's lock, and under load it took it before the checks below ran.)
    service.submit(Decide("accept", STOCK, (first.id,)), defer=True)
    assert [h.id for h in service.view(STOCK).hunks][0] == second.id  # hidden already
    assert events[-1] == HunksChanged(STOCK, service.file(STOCK).revision, "deciding")
    assert not any(isinstance(e, DecisionMade) for e in events)  # not written yet
    with pytest.raises(HunkGoneError, match="being decided"):
        service.submit(Decide("reject", STOCK, (first.id,)), defer=True)
    service.submit(Decide("accept", STOCK, (second.id,)), defer=True)
    service.submit(Undo(), defer=True)  # queued after both: takes back the second
    service.release()
    assert service.flush(30)
    made = [e.outcome for e in events if isinstance(e, DecisionMade)]
    assert [o.op for o in made] == ["accept", "accept", "undo"]
    assert {h.id for h in service.view(STOCK).hunks} >= {second.id}
    assert first.id not in {h.id for h in service.view(STOCK).hunks}
    service.close()


def test_a_failed_write_puts_the_hunks_back(sample_repo: Path) -> None:
    service = service_for(sample_repo)
    events = record(service)
    hunk = service.view(STOCK).hunks[0]
    subprocess.run(["git", "add", STOCK], cwd=sample_repo, check=True)  # staged elsewhere
    service.submit(Decide("accept", STOCK, (hunk.id,)))
    assert service.flush(30)
    failed = [e for e in events if isinstance(e, CommandFailed)]
    assert len(failed) == 1 and isinstance(failed[0].error, StaleFileError)
    assert events[-1] == HunksChanged(STOCK, service.file(STOCK).revision, "restored")
    assert hunk.id in {h.id for h in service.view(STOCK).hunks}
    service.close()


def test_split_by_id(sample_repo: Path) -> None:
    service = service_for(sample_repo)
    hunk = service.view(REPORT).hunks[0]
    outcome = service.execute(Split(REPORT, hunk.id))
    assert outcome.lines == len(service.view(REPORT).hunks) > 1


def test_a_listing_never_writes(sample_repo: Path) -> None:
    service = service_for(sample_repo, read_only=True)
    hunk = service.view(REPORT).hunks[0]
    with pytest.raises(ReadOnlyError):
        service.execute(Decide("accept", REPORT, (hunk.id,)))
    assert not (sample_repo / ".git" / "tether" / "journal.jsonl").exists()


# A second process that journals a decision and then stops before its write,
# holding the repository lock, until told to go on (stdin).
LIVE_STEP = textwrap.dedent(
    """
    import sys
    from app.core import backends
    from app.review.commands import Decide
    from app.review.sources import open_review, open_source
    from pathlib import Path

    repo = Path(sys.argv[1])
    service = open_review(open_source(None, repo))
    real = backends.WorktreeBackend._write_index

    def paused(self, fr, before, after):
        print("journaled", flush=True)
        sys.stdin.readline()
        real(self, fr, before, after)

    backends.WorktreeBackend._write_index = paused
    hunk = service.view(sys.argv[2]).hunks[0]
    service.execute(Decide("accept", sys.argv[2], (hunk.id,)))
    print("written", flush=True)
    """
)


def test_another_process_mid_step_is_never_taken_for_a_crash(sample_repo: Path) -> None:
    """Bug: while one process had journaled a write and not yet made it, a second
    `tether review --list` ran the crash reconcile, took the live write for a
    crash and appended an abort; the write then landed and undo took back an
    older decision."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    child = subprocess.Popen(
        [sys.executable, "-c", LIVE_STEP, str(sample_repo), REPORT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "journaled"
        # A listing (read-only) opens at once and touches nothing.
        listing = subprocess.run(
            [sys.executable, "-m", "app.cli", "review", "--list", "--json"],
            cwd=sample_repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listing.returncode == 0, listing.stderr
        journal = sample_repo / ".git" / "tether" / "journal.jsonl"
        assert '"abort"' not in journal.read_text()
        # A writer waits for the step to finish, then finds it complete.
        opened: list[ReviewService] = []
        waiter = threading.Thread(target=lambda: opened.append(service_for(sample_repo)))
        waiter.start()
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "written"
        waiter.join(60)
        assert opened, "the second process never opened"
        entries = opened[0].session.journal.entries()
        assert [e.op for e in entries] == [Op.ACCEPT]
        undone = opened[0].execute(Undo())
        assert undone.path == REPORT
    finally:
        child.kill()
        child.wait()


def test_undo_after_a_restart_never_counts_below_zero(sample_repo: Path) -> None:
    """Bug: undo after a restart showed "-1 decided" and a file row "-1/0"."""
    first = service_for(sample_repo)
    hunk = first.view(REPORT).hunks[0]
    first.execute(Decide("accept", REPORT, (hunk.id,)))
    assert first.decided == 1
    restarted = service_for(sample_repo)
    assert restarted.decided == 0
    restarted.execute(Undo())
    fr = restarted.file(REPORT)
    assert (fr.accepted_count, fr.rejected_count, restarted.decided) == (0, 0, 0)
    assert restarted.summary()["accepted"] == 0


def test_tethers_own_write_is_not_a_change_on_disk(loop_repo: Path) -> None:
    """Bug: after y in the loop the status said the file "changed on disk"
    (the event of Tether's own write)."""
    service = open_proposals(loop_repo)
    text = (loop_repo / STOCK).read_text()
    service.propose(STOCK, text.replace("def ", "def  ", 1))
    hunk = service.view(STOCK).hunks[0]
    service.execute(Decide("accept", STOCK, (hunk.id,)))
    assert service.disk_changed({STOCK}) == set()
    (loop_repo / STOCK).write_text("# someone else\n" + (loop_repo / STOCK).read_text())
    assert service.disk_changed({STOCK}) == {STOCK}


def test_a_watch_revert_of_tethers_own_is_not_reported(sample_repo: Path) -> None:
    service = service_for(sample_repo)
    hunk = service.view(REPORT).hunks[0]
    assert service.view(STOCK).hunks
    service.execute(Decide("reject", REPORT, (hunk.id,)))
    assert service.disk_changed({REPORT, ".git/index"}) == set()
    subprocess.run(["git", *GIT_ID, "add", STOCK], cwd=sample_repo, check=True)
    assert STOCK in service.disk_changed({".git/index"})


def test_an_edit_of_a_listed_file_needs_no_listing(sample_repo: Path) -> None:
    """A batch that only edits files already in the review is brought in
    without git listing every file of the repository (in a 10,000-file
    repository that was most of a write's way to the screen)."""
    service = service_for(sample_repo)
    backend = service.session.backend
    listed: list[int] = []
    real = backend.files
    backend.files = lambda: (listed.append(1), real())[1]  # type: ignore[method-assign]
    assert service.view(STOCK).hunks
    (sample_repo / STOCK).write_text("# edited again\n" + (sample_repo / STOCK).read_text())
    listing = service.list_changes({STOCK})
    assert listing == [] and listed == []
    assert service.disk_changed({STOCK}, listing) == {STOCK}
    assert "# edited again" in "".join(ln.raw for h in service.view(STOCK).hunks for ln in h.lines)
    # A new file, a deleted one, the index: the listing is needed.
    (sample_repo / "new.txt").write_text("new\n")
    assert service.list_changes({"new.txt"}) is not None and listed == [1]
    (sample_repo / STOCK).unlink()
    service.list_changes({STOCK})
    service.list_changes({".git/index"})
    assert listed == [1, 1, 1]
