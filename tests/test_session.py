"""The review service against real git: stage, revert, undo, redo, restart,
all by hunk id (and line id) as every front end drives it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.core.errors import StaleFileError, UndoError
from app.review.commands import Decide, Redo, Undo
from app.review.service import ReviewService
from app.review.sources import open_review, open_source

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def index_text(repo: Path, path: str) -> str:
    return git(repo, "show", f":{path}")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    base = "".join(f"line {i}\n" for i in range(40))
    (root / "a.txt").write_text(base)
    (root / "crlf.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    (root / "gone.txt").write_text("bye\n")
    (root / "run.sh").write_text("echo hi\n")
    (root / "run.sh").chmod(0o755)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    changed = base.replace("line 3\n", "LINE THREE\n").replace("line 30\n", "line 30\nadded\n")
    (root / "a.txt").write_text(changed)
    (root / "crlf.txt").write_bytes(b"one\r\nTWO\r\nthree\r\n")
    (root / "gone.txt").unlink()
    (root / "new.txt").write_text("fresh\n")
    (root / "run.sh").write_text("echo hello\n")
    return root


def session_for(repo: Path) -> ReviewService:
    return open_review(open_source(None, repo))


def accept(service: ReviewService, path: str, *hunks: str, lines: tuple[str, ...] = ()) -> None:
    service.execute(Decide("accept", path, hunks, lines))


def reject(service: ReviewService, path: str, *hunks: str, lines: tuple[str, ...] = ()) -> None:
    service.execute(Decide("reject", path, hunks, lines))


def test_accept_stages_exactly_one_hunk(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("a.txt"))
    assert fr.patch is not None and len(fr.patch.hunks) == 2
    worktree_before = (repo / "a.txt").read_bytes()
    accept(session, fr.path, fr.hunks[0].id)
    staged = index_text(repo, "a.txt")
    assert "LINE THREE\n" in staged and "added\n" not in staged
    assert (repo / "a.txt").read_bytes() == worktree_before
    assert len(fr.patch.hunks) == 1


def test_reject_reverts_exactly_one_hunk_in_the_worktree(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("a.txt"))
    index_before = index_text(repo, "a.txt")
    reject(session, fr.path, fr.hunks[1].id)
    text = (repo / "a.txt").read_text()
    assert "added\n" not in text and "LINE THREE\n" in text
    assert index_text(repo, "a.txt") == index_before


def test_single_line_accept_and_crlf_bytes(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("crlf.txt"))
    hunk = fr.patch.hunks[0]  # type: ignore[union-attr]
    plus = next(i for i, ln in enumerate(hunk.lines) if ln.kind == "+")
    accept(session, fr.path, hunk.id, lines=(hunk.line_id(plus),))
    # Only the added line: the old "two" stays as context, "TWO" is added after it.
    blob = subprocess.run(
        ["git", "show", ":crlf.txt"], cwd=repo, capture_output=True, check=True
    ).stdout
    assert blob == b"one\r\ntwo\r\nTWO\r\nthree\r\n"
    assert (repo / "crlf.txt").read_bytes() == b"one\r\nTWO\r\nthree\r\n"


def test_undo_and_redo_are_byte_exact_and_survive_a_restart(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("a.txt"))
    original_index = index_text(repo, "a.txt")
    original_tree = (repo / "a.txt").read_bytes()
    accept(session, fr.path, fr.hunks[0].id)
    reject(session, fr.path, fr.hunks[0].id)
    after_index, after_tree = index_text(repo, "a.txt"), (repo / "a.txt").read_bytes()

    restarted = session_for(repo)  # a new process would see only the journal
    restarted.execute(Undo())  # the reject
    assert (repo / "a.txt").read_bytes() == original_tree
    restarted.execute(Undo())  # the accept
    assert index_text(repo, "a.txt") == original_index
    with pytest.raises(UndoError, match="nothing to undo"):
        restarted.execute(Undo())
    restarted.execute(Redo())
    restarted.execute(Redo())
    assert index_text(repo, "a.txt") == after_index
    assert (repo / "a.txt").read_bytes() == after_tree


def test_rejecting_a_new_file_deletes_it_and_undo_restores_it(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("new.txt"))
    reject(session, fr.path, *session.all_hunks(fr.path))
    assert not (repo / "new.txt").exists()
    session.execute(Undo())
    assert (repo / "new.txt").read_text() == "fresh\n"


def test_accepting_a_deletion_removes_it_from_the_index(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("gone.txt"))
    accept(session, fr.path, *session.all_hunks(fr.path))
    assert "gone.txt" not in git(repo, "ls-files")
    session.execute(Undo())
    assert "gone.txt" in git(repo, "ls-files")


def test_accept_keeps_the_executable_mode(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("run.sh"))
    accept(session, fr.path, *session.all_hunks(fr.path))
    assert git(repo, "ls-files", "-s", "run.sh").startswith("100755")
    assert (repo / "run.sh").stat().st_mode & 0o111


def test_a_file_changed_on_disk_is_never_overwritten(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("a.txt"))
    (repo / "a.txt").write_text("someone else's work\n")
    with pytest.raises(StaleFileError):
        reject(session, fr.path, fr.hunks[0].id)
    assert (repo / "a.txt").read_text() == "someone else's work\n"


def test_staged_elsewhere_is_detected(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("a.txt"))
    git(repo, "add", "a.txt")
    with pytest.raises(StaleFileError):
        accept(session, fr.path, fr.hunks[0].id)


def test_undo_refuses_when_the_file_changed_since(repo: Path) -> None:
    session = session_for(repo)
    fr = session.load(session.file("a.txt"))
    reject(session, fr.path, fr.hunks[0].id)
    (repo / "a.txt").write_text("edited after the reject\n")
    with pytest.raises(UndoError, match="changed since"):
        session.execute(Undo())
    assert (repo / "a.txt").read_text() == "edited after the reject\n"


def test_patch_source_accept_writes_worktree_and_reject_survives_restart(
    repo: Path, tmp_path: Path
) -> None:
    git(repo, "stash", "-u", "-q")  # clean tree; the patch proposes the same changes
    base = (repo / "a.txt").read_text()
    changed = base.replace("line 3\n", "LINE THREE\n").replace("line 30\n", "line 30\nadded\n")
    (repo / "a.txt").write_text(changed)
    patch = git(repo, "diff")
    git(repo, "checkout", "--", "a.txt")
    patch_file = tmp_path / "change.patch"
    patch_file.write_text(patch)

    session = open_review(open_source(str(patch_file), repo))
    fr = session.load(session.file("a.txt"))
    assert fr.patch is not None and len(fr.patch.hunks) == 2
    reject(session, fr.path, fr.hunks[0].id)
    assert (repo / "a.txt").read_text() == base  # reject writes nothing
    accept(session, fr.path, *session.all_hunks(fr.path))
    assert (repo / "a.txt").read_text() == base.replace("line 30\n", "line 30\nadded\n")

    again = open_review(open_source(str(patch_file), repo))
    fr2 = again.load(again.file("a.txt"))
    # The rejected hunk stays rejected, the accepted one is on disk: nothing pending.
    assert fr2.patch is not None and fr2.patch.hunks == []
