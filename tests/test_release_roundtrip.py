"""A real release diff, applied whole: `git diff --binary -M` from the
click 8.1.7 sdist to the 8.1.8 one (a rename, LICENSE.rst → LICENSE.txt;
binary files; 105 files in all) given to `tether apply --all` on a checkout
of 8.1.7 must reproduce 8.1.8 byte for byte, modes included, and
`--check` must say so first. The sdists come from PyPI during `make test`
setup (`python -m tests.history`); this test never reaches the network and
skips, saying so, when they are not cached."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from app.cli import main
from tests.history import CACHE_DIR, RELEASE_PAIRS, Entry, missing_pairs, read_release, tarball

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


def _commit(repo: Path, files: dict[str, Entry], message: str) -> None:
    subprocess.run(["git", "rm", "-rqf", "--ignore-unmatch", "."], cwd=repo, check=True)
    for rel, entry in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(entry.data)
        path.chmod(0o755 if entry.mode == "100755" else 0o644)
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", message], cwd=repo, check=True)


def _tree(repo: Path) -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = Path(dirpath) / name
            mode = "100755" if os.lstat(path).st_mode & stat.S_IXUSR else "100644"
            out[path.relative_to(repo).as_posix()] = Entry(path.read_bytes(), mode)
    return out


@pytest.mark.parametrize(("package", "old", "new"), RELEASE_PAIRS)
def test_a_release_diff_reproduces_the_new_release(
    package: str,
    old: str,
    new: str,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if missing_pairs():
        pytest.skip(
            f"{package} {old}/{new} sdists are not in {CACHE_DIR}; "
            "run `python -m tests.history` (or `make test`) to download them"
        )
    before = read_release(tarball(old, package=package))
    after = read_release(tarball(new, package=package))
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    _commit(repo, before, old)
    _commit(repo, after, new)
    patch = subprocess.run(
        ["git", "diff", "--binary", "-M", "HEAD~1", "HEAD"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    (tmp_path / "release.patch").write_bytes(patch)
    # What makes this release pair the case: whole-file changes git writes.
    assert b"\nrename from " in patch and b"\nGIT binary patch\n" in patch
    subprocess.run([*GIT, "checkout", "-q", "HEAD~1"], cwd=repo, check=True)
    assert _tree(repo) == before

    monkeypatch.chdir(repo)
    assert main(["apply", "--check", str(tmp_path / "release.patch")]) == 0
    assert _tree(repo) == before
    assert main(["apply", "--all", str(tmp_path / "release.patch")]) == 0, capsys.readouterr().err
    assert _tree(repo) == after


@pytest.mark.parametrize(("package", "old", "new"), RELEASE_PAIRS)
def test_a_release_in_the_working_tree_is_staged_and_reverted_hunk_by_hunk(
    package: str, old: str, new: str, tmp_path: Path, isolated_home: Path
) -> None:
    """`tether review` of a working tree holding the new release over the
    old one's index: accepting every hunk (renames and binary files one
    each) stages exactly the new release's tree; rejecting every hunk puts
    the old release back on disk."""
    from app.review.commands import Decide
    from app.review.sources import open_review, open_source

    if missing_pairs():
        pytest.skip(f"{package} {old}/{new} sdists are not in {CACHE_DIR}; run `make test`")
    before = read_release(tarball(old, package=package))
    after = read_release(tarball(new, package=package))
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    _commit(repo, after, new)
    wanted = subprocess.run(["git", "write-tree"], cwd=repo, capture_output=True, check=True).stdout
    _commit(repo, before, old)
    for op in ("accept", "reject"):
        _write(repo, before, after)
        service = open_review(open_source(None, repo))
        kinds = {str(fr.status) for fr in service.files}
        assert "renamed" in kinds, kinds
        for fr in service.files:
            # One key per hunk, the first pending one each time (a file's
            # identical hunks are numbered in order, so their ids move up).
            while hunks := service.view(fr.path).hunks:
                service.execute(Decide(op, fr.path, (hunks[0].id,)))  # type: ignore[arg-type]
        if op == "accept":
            tree = subprocess.run(["git", "write-tree"], cwd=repo, capture_output=True, check=True)
            assert tree.stdout == wanted
            subprocess.run(["git", "reset", "-q"], cwd=repo, check=True)
        else:
            assert {k: v for k, v in _tree(repo).items()} == before


def _write(repo: Path, before: dict[str, Entry], after: dict[str, Entry]) -> None:
    """The new release on disk over the old one's index."""
    for rel in before.keys() - after.keys():
        (repo / rel).unlink(missing_ok=True)
    for rel, entry in after.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(entry.data)
        path.chmod(0o755 if entry.mode == "100755" else 0o644)
