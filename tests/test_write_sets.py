"""Nothing half-written: a write set the OS would refuse part of is refused
whole before its first byte (preflight), and one it refuses mid-way is taken
back (journaled). Each case runs ``tether apply`` as a real process, on real
files, and compares a snapshot of every file in the tree before and after.

Tests here run as root, which ignores permission bits, so "a folder that
cannot be written" is made real with the immutable attribute (``chattr +i``,
which binds root too) where the file system allows it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.review.commands import Decide
from app.review.sources import open_review, open_source

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
LONG = "n" * 250  # fits NAME_MAX (255), but not with ".<name>.tether-<hex>.tmp" around it


def tether(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(cwd.parent / "state"),
        XDG_CONFIG_HOME=str(cwd.parent / "cfg"),
    )
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def snapshot(root: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under ``root`` outside .git: its kind and bytes (a link's target)."""
    found: dict[str, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in dirnames + filenames:
            full = Path(dirpath, name)
            rel = str(full.relative_to(root))
            if full.is_symlink():
                found[rel] = ("link", os.fsencode(os.readlink(full)))
            elif full.is_dir():
                found[rel] = ("dir", b"")
            else:
                found[rel] = ("file", full.read_bytes())
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    (root / "f.txt").write_text("base\n")
    (root / "g.txt").write_text("g\n")
    (root / "x.txt").write_text("x\n")
    (root / "ro").mkdir()
    (root / "ro" / "k.txt").write_text("k\n")
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-qm", "base"], cwd=root, check=True)
    yield root
    # Immutable entries would stop tmp_path's clean-up.
    subprocess.run(["chattr", "-R", "-i", str(root)], capture_output=True, check=False)


def immutable(path: Path) -> None:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {done.stderr.strip()}")


FIRST = "diff --git a/f.txt b/f.txt\n--- a/f.txt\n+++ b/f.txt\n@@ -1 +1 @@\n-base\n+changed\n"


def new_file(path: str, text: str = "hi\n", mode: str = "100644") -> str:
    lines = text.splitlines(keepends=True)
    body = "".join("+" + line for line in lines)
    if not text.endswith("\n"):
        body += "\n\\ No newline at end of file\n"
    return (
        f"diff --git a/{path} b/{path}\nnew file mode {mode}\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def refused(repo: Path, tmp_path: Path, patch: str, *needles: str) -> str:
    """Apply ``patch``; assert it failed with one line naming ``needles``, wrote nothing."""
    before = snapshot(repo)
    (tmp_path / "p.patch").write_text(patch)
    done = tether(repo, "apply", str(tmp_path / "p.patch"), "--all")
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for needle in (*needles, "nothing was written"):
        assert needle in lines[0], lines[0]
    assert snapshot(repo) == before
    return lines[0]


def test_a_file_under_a_regular_file_is_refused_before_the_first_byte(
    repo: Path, tmp_path: Path
) -> None:
    refused(repo, tmp_path, FIRST + new_file("x.txt/new.py"), "x.txt/new.py", "x.txt is a file")


def test_a_file_under_a_link_the_same_patch_makes_is_refused(repo: Path, tmp_path: Path) -> None:
    # A link inside the repository (one out of it is refused by itself, docs/formats.md).
    patch = FIRST + new_file("esc", "f.txt", mode="120000") + new_file("esc/x")
    refused(repo, tmp_path, patch, "esc/x", "symlink")


def test_a_link_out_of_the_repository_is_refused(repo: Path, tmp_path: Path) -> None:
    patch = FIRST + new_file("esc", "/tmp", mode="120000") + new_file("esc/x")
    refused(repo, tmp_path, patch, "esc", "absolute path")


def test_a_name_longer_than_the_file_system_allows_is_refused(repo: Path, tmp_path: Path) -> None:
    refused(repo, tmp_path, FIRST + new_file("m" * 300), "300 bytes", "allows 255")


def test_a_second_file_in_a_folder_that_cannot_be_written_is_refused(
    repo: Path, tmp_path: Path
) -> None:
    immutable(repo / "ro")
    refused(repo, tmp_path, FIRST + new_file("ro/new.txt"), "ro/new.txt", "ro is not writable")


def test_a_refusal_mid_way_puts_the_earlier_files_back_and_journals_it(
    repo: Path, tmp_path: Path
) -> None:
    # An immutable file passes every check a folder can answer; the OS
    # refuses only the rename over it, after f.txt was written.
    immutable(repo / "g.txt")
    second = "diff --git a/g.txt b/g.txt\n--- a/g.txt\n+++ b/g.txt\n@@ -1 +1 @@\n-g\n+G\n"
    line = refused(repo, tmp_path, FIRST + second, "g.txt", "Operation not permitted")
    assert "f.txt, written before it, was put back" in line
    journal = tether(repo, "journal").stdout.splitlines()
    assert "rollback" in journal[-1] and "undo" in journal[-1] and "f.txt" in journal[-1]


def test_a_full_disk_mid_way_puts_the_earlier_files_back(repo: Path, tmp_path: Path) -> None:
    """A real full disk, without privileges: RLIMIT_FSIZE makes the kernel
    refuse (EFBIG) any write past 150 kB. The second file's journal record
    (it holds the new text) is the first write to pass it."""
    import resource
    import signal

    big = "".join(f"line {i:06d} of a big file\n" for i in range(8000))
    (tmp_path / "p.patch").write_text(FIRST + new_file("z/big.txt", big))
    before = snapshot(repo)

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG, not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))

    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path / "state"))
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "apply", str(tmp_path / "p.patch"), "--all"],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=small_disk,
        check=False,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "f.txt, written before it, was put back, so nothing was written" in done.stderr
    assert snapshot(repo) == before


def test_a_name_of_250_bytes_can_be_applied(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "p.patch").write_text(FIRST + new_file(LONG))
    done = tether(repo, "apply", str(tmp_path / "p.patch"), "--all")
    assert done.returncode == 0, done.stderr
    assert (repo / LONG).read_text() == "hi\n"
    assert sorted(p.name for p in repo.iterdir()) == sorted(
        [".git", "f.txt", "g.txt", "x.txt", "ro", LONG]
    )


def test_a_name_of_250_bytes_can_be_rejected_and_accepted(repo: Path, tmp_path: Path) -> None:
    (repo / LONG).write_text("one\n")
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "long"], cwd=repo, check=True)
    (repo / LONG).write_text("two\n")
    # n on the working tree writes the file back (through a temp file).
    service = open_review(open_source(None, repo))
    path = LONG
    service.execute(Decide("reject", path, service.all_hunks(path)))
    assert (repo / LONG).read_text() == "one\n"
    # y on a patch writes the working tree (through a temp file).
    patch = f"diff --git a/{LONG} b/{LONG}\n--- a/{LONG}\n+++ b/{LONG}\n@@ -1 +1 @@\n-one\n+three\n"
    (tmp_path / "p.patch").write_text(patch)
    service = open_review(open_source(str(tmp_path / "p.patch"), repo))
    service.execute(Decide("accept", path, service.all_hunks(path)))
    assert (repo / LONG).read_text() == "three\n"
    assert not [p for p in repo.iterdir() if ".tether-" in p.name]
