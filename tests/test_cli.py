"""The headless CLI: `tether apply` and `tether review --list`, as scripts use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
BASE = "".join(f"line {i}\n" for i in range(30))
CHANGED = BASE.replace("line 2\n", "line two\n").replace("line 25\n", "line 25\nextra\n")


def tether(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(cwd.parent / "state"),
        XDG_CONFIG_HOME=str(cwd.parent / "cfg"),
    )
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    (root / "f.txt").write_text(BASE)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-qm", "base"], cwd=root, check=True)
    return root


@pytest.fixture
def patch_file(repo: Path, tmp_path: Path) -> Path:
    (repo / "f.txt").write_text(CHANGED)
    diff = subprocess.run(
        ["git", "diff"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    (repo / "f.txt").write_text(BASE)
    path = tmp_path / "change.patch"
    path.write_text(diff)
    return path


def test_list_json_then_apply_one_hunk_by_id(repo: Path, patch_file: Path) -> None:
    listed = tether(repo, "review", str(patch_file), "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    hunks = data["files"][0]["hunks"]
    assert len(hunks) == 2
    second = hunks[1]["id"]
    applied = tether(repo, "apply", str(patch_file), "--hunks", second, "--json")
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["files"] == [{"path": "f.txt", "hunks": [second]}]
    assert (repo / "f.txt").read_text() == BASE.replace("line 25\n", "line 25\nextra\n")


def test_check_writes_nothing_and_all_applies_everything(repo: Path, patch_file: Path) -> None:
    checked = tether(repo, "apply", str(patch_file), "--check")
    assert checked.returncode == 0 and "would apply 2 hunk(s)" in checked.stdout
    assert (repo / "f.txt").read_text() == BASE
    done = tether(repo, "apply", str(patch_file), "--all")
    assert done.returncode == 0
    assert (repo / "f.txt").read_text() == CHANGED


def test_patch_on_stdin(repo: Path, patch_file: Path) -> None:
    done = tether(repo, "apply", "-", stdin=patch_file.read_bytes())
    assert done.returncode == 0, done.stderr
    assert (repo / "f.txt").read_text() == CHANGED


def test_revision_range_applies_onto_the_worktree(repo: Path) -> None:
    (repo / "f.txt").write_text(CHANGED)
    subprocess.run([*GIT, "commit", "-qam", "change"], cwd=repo, check=True)
    subprocess.run([*GIT, "checkout", "-q", "HEAD~1", "--", "f.txt"], cwd=repo, check=True)
    done = tether(repo, "apply", "HEAD~1..HEAD")
    assert done.returncode == 0, done.stderr
    assert (repo / "f.txt").read_text() == CHANGED


def test_unknown_hunk_id_fails_and_writes_nothing(repo: Path, patch_file: Path) -> None:
    result = tether(repo, "apply", str(patch_file), "--hunks", "deadbeef00")
    assert result.returncode == 1
    assert "unknown hunk id(s): deadbeef00" in result.stderr
    assert (repo / "f.txt").read_text() == BASE


BAD_PATCHES = {
    "malformed-lengths": (
        "--- a/f.txt\n+++ b/f.txt\n@@ -1,3 +1,3 @@\n line 0\n-line 1\n+line one\n",
        "Malformed patch",
    ),
    "context-mismatch": (
        "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +1,2 @@\n not here\n-line 1\n+line one\n",
        "f.txt",
    ),
    "dotdot": (
        "--- a/../outside.txt\n+++ b/../outside.txt\n@@ -0,0 +1 @@\n+x\n",
        "outside.txt",
    ),
    "git-hooks": (
        "diff --git a/.git/hooks/pre-commit b/.git/hooks/pre-commit\nnew file mode 100755\n"
        "--- /dev/null\n+++ b/.git/hooks/pre-commit\n@@ -0,0 +1 @@\n+rm -rf /\n",
        ".git",
    ),
    "absolute": (
        "--- /dev/null\n+++ /tmp/tether-abs-target\n@@ -0,0 +1 @@\n+x\n",
        "tether-abs-target",
    ),
    "missing-file": (
        "--- a/nope.txt\n+++ b/nope.txt\n@@ -1 +1 @@\n-a\n+b\n",
        "nope.txt",
    ),
    "not-a-diff": ("hello, this is not a patch\n", "no file changes"),
}


@pytest.mark.parametrize("name", sorted(BAD_PATCHES))
def test_bad_patches_fail_clearly_and_write_nothing(repo: Path, tmp_path: Path, name: str) -> None:
    text, expected = BAD_PATCHES[name]
    patch = tmp_path / f"{name}.patch"
    patch.write_text(text)
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    result = tether(repo, "apply", str(patch))
    assert result.returncode == 1, result.stdout
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before
    assert not (tmp_path / "outside.txt").exists()
    assert not Path("/tmp/tether-abs-target").exists()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()


def test_binary_and_non_utf8_files_are_one_whole_hunk(repo: Path) -> None:
    (repo / "blob.bin").write_bytes(b"\x00\x01\x02")
    (repo / "latin1.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    listed = tether(repo, "review", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {
        f["path"]: [h["header"] for h in f["hunks"]] for f in json.loads(listed.stdout)["files"]
    }
    assert rows["blob.bin"] == ["new binary file, 3 B"]
    assert rows["latin1.txt"] == ["new binary file, 5 B"]  # not UTF-8: bytes, decided whole


def test_outside_a_repository_without_a_patch_says_so(tmp_path: Path) -> None:
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    result = tether(lonely, "review", "--list")
    assert result.returncode == 1
    assert "not inside a git repository" in result.stderr


def test_unknown_source_is_named(repo: Path) -> None:
    result = tether(repo, "review", "no-such-thing", "--list")
    assert result.returncode == 1
    assert "'no-such-thing'" in result.stderr


def test_diff_ruN_creations_and_deletions_apply(tmp_path: Path) -> None:
    """`diff -ruN` dates a created or deleted file at the epoch; apply creates
    and deletes those files rather than patching empty ones."""
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "gone.txt").write_text("bye\n")
    (new / "born.txt").write_text("hello\n")
    (old / "kept.txt").write_text("one\n")
    (new / "kept.txt").write_text("two\n")
    diff = subprocess.run(
        ["diff", "-ruN", "old", "new"], cwd=tmp_path, capture_output=True, text=True
    ).stdout
    assert "1970-01-01" in diff
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    for path in old.iterdir():
        (repo / path.name).write_text(path.read_text())
    (tmp_path / "d.patch").write_text(diff)
    result = tether(repo, "apply", str(tmp_path / "d.patch"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in repo.iterdir() if p.name != ".git") == ["born.txt", "kept.txt"]
    assert (repo / "born.txt").read_text() == "hello\n"
