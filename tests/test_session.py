"""The review session against real git: stage, revert, undo, redo, restart."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.core.errors import StaleFileError, UndoError
from app.core.sources import open_session, open_source
from app.core.transform import select_all

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


def session_for(repo: Path):  # type: ignore[no-untyped-def]
    return open_session(open_source(None, repo))


def test_accept_stages_exactly_one_hunk(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("a.txt"))
    assert fr.patch is not None and len(fr.patch.hunks) == 2
    worktree_before = (repo / "a.txt").read_bytes()
    session.accept(fr, {0: frozenset(fr.patch.hunks[0].change_indices())})
    staged = index_text(repo, "a.txt")
    assert "LINE THREE\n" in staged and "added\n" not in staged
    assert (repo / "a.txt").read_bytes() == worktree_before
    assert len(fr.patch.hunks) == 1


def test_reject_reverts_exactly_one_hunk_in_the_worktree(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("a.txt"))
    index_before = index_text(repo, "a.txt")
    session.reject(fr, {1: frozenset(fr.patch.hunks[1].change_indices())})  # type: ignore[union-attr]
    text = (repo / "a.txt").read_text()
    assert "added\n" not in text and "LINE THREE\n" in text
    assert index_text(repo, "a.txt") == index_before


def test_single_line_accept_and_crlf_bytes(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("crlf.txt"))
    hunk = fr.patch.hunks[0]  # type: ignore[union-attr]
    plus = next(i for i, ln in enumerate(hunk.lines) if ln.kind == "+")
    session.accept(fr, {0: frozenset({plus})})
    # Only the added line: the old "two" stays as context, "TWO" is added after it.
    blob = subprocess.run(
        ["git", "show", ":crlf.txt"], cwd=repo, capture_output=True, check=True
    ).stdout
    assert blob == b"one\r\ntwo\r\nTWO\r\nthree\r\n"
    assert (repo / "crlf.txt").read_bytes() == b"one\r\nTWO\r\nthree\r\n"


def test_undo_and_redo_are_byte_exact_and_survive_a_restart(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("a.txt"))
    original_index = index_text(repo, "a.txt")
    original_tree = (repo / "a.txt").read_bytes()
    session.accept(fr, {0: frozenset(fr.patch.hunks[0].change_indices())})  # type: ignore[union-attr]
    session.reject(fr, {0: frozenset(fr.patch.hunks[0].change_indices())})  # type: ignore[union-attr]
    after_index, after_tree = index_text(repo, "a.txt"), (repo / "a.txt").read_bytes()

    restarted = session_for(repo)  # a new process would see only the journal
    restarted.undo()  # the reject
    assert (repo / "a.txt").read_bytes() == original_tree
    restarted.undo()  # the accept
    assert index_text(repo, "a.txt") == original_index
    with pytest.raises(UndoError, match="nothing to undo"):
        restarted.undo()
    restarted.redo()
    restarted.redo()
    assert index_text(repo, "a.txt") == after_index
    assert (repo / "a.txt").read_bytes() == after_tree


def test_rejecting_a_new_file_deletes_it_and_undo_restores_it(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("new.txt"))
    session.reject(fr, select_all(fr.patch.hunks))  # type: ignore[union-attr]
    assert not (repo / "new.txt").exists()
    session.undo()
    assert (repo / "new.txt").read_text() == "fresh\n"


def test_accepting_a_deletion_removes_it_from_the_index(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("gone.txt"))
    session.accept(fr, select_all(fr.patch.hunks))  # type: ignore[union-attr]
    assert "gone.txt" not in git(repo, "ls-files")
    session.undo()
    assert "gone.txt" in git(repo, "ls-files")


def test_accept_keeps_the_executable_mode(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("run.sh"))
    session.accept(fr, select_all(fr.patch.hunks))  # type: ignore[union-attr]
    assert git(repo, "ls-files", "-s", "run.sh").startswith("100755")
    assert (repo / "run.sh").stat().st_mode & 0o111


def test_a_file_changed_on_disk_is_never_overwritten(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("a.txt"))
    (repo / "a.txt").write_text("someone else's work\n")
    with pytest.raises(StaleFileError):
        session.reject(fr, {0: frozenset(fr.patch.hunks[0].change_indices())})  # type: ignore[union-attr]
    assert (repo / "a.txt").read_text() == "someone else's work\n"


def test_staged_elsewhere_is_detected(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("a.txt"))
    git(repo, "add", "a.txt")
    with pytest.raises(StaleFileError):
        session.accept(fr, {0: frozenset(fr.patch.hunks[0].change_indices())})  # type: ignore[union-attr]


def test_undo_refuses_when_the_file_changed_since(repo: Path) -> None:
    session = session_for(repo)
    fr = session.ensure_loaded(session.file("a.txt"))
    session.reject(fr, {0: frozenset(fr.patch.hunks[0].change_indices())})  # type: ignore[union-attr]
    (repo / "a.txt").write_text("edited after the reject\n")
    with pytest.raises(UndoError, match="changed since"):
        session.undo()
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

    session = open_session(open_source(str(patch_file), repo))
    fr = session.ensure_loaded(session.file("a.txt"))
    assert fr.patch is not None and len(fr.patch.hunks) == 2
    session.reject(fr, {0: frozenset(fr.patch.hunks[0].change_indices())})
    assert (repo / "a.txt").read_text() == base  # reject writes nothing
    session.accept(fr, select_all(fr.patch.hunks))
    assert (repo / "a.txt").read_text() == base.replace("line 30\n", "line 30\nadded\n")

    again = open_session(open_source(str(patch_file), repo))
    fr2 = again.ensure_loaded(again.file("a.txt"))
    # The rejected hunk stays rejected, the accepted one is on disk: nothing pending.
    assert fr2.patch is not None and fr2.patch.hunks == []
