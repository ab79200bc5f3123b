"""`tether review` of a working tree's whole-file changes, against real git:
renames git's -M finds (untracked files included, the index untouched
until a decision), a chmod alone, symlinks, binary files, untracked files.
Accepting every hunk must stage exactly what `git add -A` stages (same
entries: mode, blob, path); rejecting every hunk must put the disk back to
the index's tree; undo must take each decision back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app.review.commands import Decide, Undo
from app.review.service import ReviewService
from app.review.sources import open_review, open_source
from tests.test_apply_whole import LICENSE, NUL, Tree, _commit, _snapshot, _write_tree

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
MODULE = b"".join(b"def f%d():\n    return %d\n" % (i, i) for i in range(30))

# old tree (committed and staged), new tree (on disk), what each file's row says
CASES: dict[str, tuple[Tree, Tree, dict[str, str]]] = {
    "pure-rename": (
        {"LICENSE.rst": LICENSE},
        {"LICENSE.txt": LICENSE},
        {"LICENSE.txt": "rename LICENSE.rst → LICENSE.txt"},
    ),
    "package-moved-into-src": (
        {f"requests/m{i}.py": MODULE + b"#%d\n" % i for i in range(5)},
        {f"src/requests/m{i}.py": MODULE + b"#%d\n" % i for i in range(5)},
        {
            f"src/requests/m{i}.py": f"rename requests/m{i}.py → src/requests/m{i}.py"
            for i in range(5)
        },
    ),
    "rename-with-changes": (
        {"a.py": MODULE},
        {"b.py": MODULE + b"x = 1\n"},
        {"b.py": "rename a.py → b.py · content changed (+1 −0 lines)"},
    ),
    "chmod-alone": (
        {"run.sh": b"echo\n"},
        {"run.sh": ("x", b"echo\n")},
        {"run.sh": "mode 100644 → 100755"},
    ),
    "new-symlink": ({"t": b"x\n"}, {"t": b"x\n", "link": ("l", "t")}, {"link": "new symlink → t"}),
    "symlink-retarget": (
        {"a": b"a\n", "b": b"b\n", "l": ("l", "a")},
        {"a": b"a\n", "b": b"b\n", "l": ("l", "b")},
        {"l": "symlink a → b"},
    ),
    "binary-modified": (
        {"i.jpg": NUL},
        {"i.jpg": NUL + b"more"},
        {"i.jpg": "binary, 2.0 KB → 2.0 KB"},
    ),
    "empty-file-added": ({}, {"e.txt": b""}, {"e.txt": "new empty file"}),
    "empty-file-deleted": ({"e.txt": b""}, {}, {"e.txt": "delete empty file"}),
    "binary-untracked": ({}, {"i.png": NUL}, {"i.png": "new binary file, 2.0 KB"}),
}


def _repo(tmp_path: Path, old: Tree, new: Tree) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    _commit(repo, {"keep": b"k\n", **old}, "old")
    _write_tree(repo, {"keep": b"k\n", **new})
    return repo


def _stage(repo: Path) -> bytes:
    return subprocess.run(
        ["git", "ls-files", "-s"], cwd=repo, capture_output=True, check=True
    ).stdout


def _decide_all(service: ReviewService, op: str) -> int:
    count = 0
    for fr in service.files:
        for hunk in service.view(fr.path).hunks:
            service.execute(Decide(op, fr.path, (hunk.id,)))  # type: ignore[arg-type]
            count += 1
    return count


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_whole_change_is_one_row_staged_as_git_add_stages_it(
    name: str, tmp_path: Path, isolated_home: Path
) -> None:
    old, new, rows = CASES[name]
    repo = _repo(tmp_path, old, new)
    index_before = _stage(repo)
    service = open_review(open_source(None, repo))
    shown = {fr.path: [h.header() for h in service.view(fr.path).hunks] for fr in service.files}
    assert shown == {path: [row] for path, row in rows.items()}
    assert _stage(repo) == index_before, "listing touched the index"
    oracle = tmp_path / "oracle"
    shutil.copytree(repo, oracle, symlinks=True)
    subprocess.run(["git", "add", "-A"], cwd=oracle, check=True)

    decided = _decide_all(service, "accept")
    assert _stage(repo) == _stage(oracle)
    for _ in range(decided):
        service.execute(Undo())
    assert _stage(repo) == index_before


@pytest.mark.parametrize("name", sorted(CASES))
def test_rejecting_each_whole_change_puts_the_disk_back(
    name: str, tmp_path: Path, isolated_home: Path
) -> None:
    old, new, _rows = CASES[name]
    repo = _repo(tmp_path, old, new)
    changed = _snapshot(repo)
    service = open_review(open_source(None, repo))
    decided = _decide_all(service, "reject")
    after = {k: v for k, v in _snapshot(repo).items()}
    reference = tmp_path / "reference"
    reference.mkdir()
    _write_tree(reference, {"keep": b"k\n", **old})
    assert after == _snapshot(reference)
    for _ in range(decided):
        service.execute(Undo())
    assert _snapshot(repo) == changed


def test_a_chmod_that_comes_with_changed_lines_is_staged_with_them(
    tmp_path: Path, isolated_home: Path
) -> None:
    repo = _repo(tmp_path, {"run.sh": b"echo\n"}, {"run.sh": ("x", b"echo hi\n")})
    service = open_review(open_source(None, repo))
    _decide_all(service, "accept")
    entries = _stage(repo).decode()
    assert "100755" in next(line for line in entries.splitlines() if line.endswith("run.sh"))


def test_renames_are_found_without_touching_the_index(tmp_path: Path, isolated_home: Path) -> None:
    old, new, _rows = CASES["package-moved-into-src"]
    repo = _repo(tmp_path, old, new)
    before = _stage(repo)
    service = open_review(open_source(None, repo), read_only=True)
    assert sorted(str(fr.status) for fr in service.files) == ["renamed"] * 5
    # No entry added, not even an intent-to-add one (git's stat cache may refresh).
    assert _stage(repo) == before


async def test_the_review_app_stages_reverts_and_undoes_whole_changes_by_one_key(
    tmp_path: Path, isolated_home: Path
) -> None:
    """In the app: each whole change is one row whose header says what it
    is; y stages it, u takes it back, n reverts it on disk."""
    from conftest import build_app
    from tui_helpers import SIZE, press

    repo = _repo(
        tmp_path,
        {"LICENSE.rst": LICENSE, "run.sh": b"echo\n", "i.jpg": NUL},
        {"LICENSE.txt": LICENSE, "run.sh": ("x", b"echo\n"), "i.jpg": NUL + b"!"},
    )
    index_before = _stage(repo)
    app = build_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        headers = []
        for _ in app.service.files:
            (hunk,) = app.pane.hunks
            headers.append(hunk.header())
            await press(pilot, "y")
        assert sorted(headers) == [
            "binary, 2.0 KB → 2.0 KB",
            "mode 100644 → 100755",
            "rename LICENSE.rst → LICENSE.txt",
        ]
        oracle = tmp_path / "oracle"
        shutil.copytree(repo, oracle, symlinks=True)
        subprocess.run(["git", "add", "-A"], cwd=oracle, check=True)
        assert _stage(repo) == _stage(oracle)
        for _ in headers:
            await press(pilot, "u")
        assert _stage(repo) == index_before
        for _ in headers:
            await press(pilot, "n")
        assert (repo / "LICENSE.rst").read_bytes() == LICENSE and not (
            repo / "LICENSE.txt"
        ).exists()
        assert (repo / "i.jpg").read_bytes() == NUL
        assert not os.access(repo / "run.sh", os.X_OK)
