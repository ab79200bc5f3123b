"""`tether apply` beside real `git apply`: the same patch on two copies of
the same tree must leave them byte for byte the same, and `--check` must
say what the apply then does.

Each case is a tree and a patch; git is the oracle. Where git refuses,
Tether must refuse too, with a message naming the file or the patch line,
a non-zero exit and nothing written. The cases come from git's
documentation of `git apply` and the diff formats (traditional names,
timestamps, `(revision 0)`, extended header lines) and from issue 11.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.cli import main

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]


@dataclass(frozen=True)
class Case:
    files: dict[str, str]
    patch: str
    # With git refusing: a text Tether's message must contain (the file or line).
    names: str = ""
    # Where Tether deliberately differs from git: the tree it writes instead
    # (the cases say why), and git's tree is then the one it started from.
    tether_writes: dict[str, str] | None = None


ONE = {"one": "a\n"}
TEN = {"ten": "".join(f"{i}\n" for i in range(1, 11))}
PLAIN = "--- a/one\n+++ b/one\n"

CASES: dict[str, Case] = {
    # -- the control: ordinary patches git and Tether agree on --
    "modify": Case(ONE, PLAIN + "@@ -1 +1 @@\n-a\n+b\n"),
    "offset": Case(TEN, "--- a/ten\n+++ b/ten\n@@ -7,3 +7,3 @@\n 2\n-3\n+three\n 4\n"),
    "create-dev-null": Case({}, "--- /dev/null\n+++ b/new\n@@ -0,0 +1 @@\n+x\n"),
    "context-mismatch": Case(ONE, PLAIN + "@@ -1 +1 @@\n-zzz\n+b\n", names="one"),
    # -- a stated line far outside the file (git's t4136 uses this number) --
    "huge-line-number": Case(
        ONE, PLAIN + "@@ -98765432109876543210 +98765432109876543210 @@\n-a\n+b\n"
    ),
    "hundred-million": Case(ONE, PLAIN + "@@ -100000000,1 +100000000,1 @@\n-a\n+b\n"),
    "huge-line-number-no-match": Case(
        ONE, PLAIN + "@@ -98765432109876543210 +98765432109876543210 @@\n-q\n+b\n", names="one"
    ),
    # -- empty files created and deleted: git's header with no hunk --
    "empty-create": Case({}, "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n"),
    "empty-create-no-index": Case({}, "diff --git a/d/e b/d/e\nnew file mode 100644\n"),
    "empty-create-exists": Case(
        {"e": ""}, "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n", names="e"
    ),
    "empty-delete": Case(
        {"e": "", "keep": "k\n"},
        "diff --git a/e b/e\ndeleted file mode 100644\nindex e69de29..0000000\n",
    ),
    "delete-without-hunk-leaves-content": Case(
        ONE,
        "diff --git a/one b/one\ndeleted file mode 100644\nindex e69de29..0000000\n",
        names="one",
    ),
    "empty-create-beside-a-change": Case(
        ONE,
        "diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n"
        "diff --git a/one b/one\n--- a/one\n+++ b/one\n@@ -1 +1 @@\n-a\n+b\n",
    ),
    # -- garbage: headers that change nothing --
    "garbage-git-header-alone": Case(
        ONE, "diff --git a/one b/one\n", names=":1: the header of one"
    ),
    "garbage-git-header-index": Case(
        ONE, "diff --git a/one b/one\nindex 123..456 100644\n", names=":1:"
    ),
    "garbage-plain-headers": Case(ONE, PLAIN, names=":2: the header of one"),
    "garbage-plain-headers-junk": Case(ONE, PLAIN + "garbage\n", names=":2: the header of one"),
    "garbage-same-mode": Case(
        ONE, "diff --git a/one b/one\nold mode 100644\nnew mode 100644\n", names=":1:"
    ),
    "garbage-entry-before-a-change": Case(
        TEN,
        "diff --git a/one b/one\nindex 123..456 100644\n"
        "diff --git a/ten b/ten\n--- a/ten\n+++ b/ten\n@@ -1 +1 @@\n-1\n+one\n",
        names=":1:",
    ),
    "only-garbage": Case(ONE, "hello\nworld\n", names=":1:"),
    # -- malformed mode lines --
    "old-mode-malformed": Case(
        ONE, "diff --git a/one b/one\nold mode 10x644\nnew mode 100755\n", names=":2:"
    ),
    "old-mode-malformed-with-hunk": Case(
        ONE,
        "diff --git a/one b/one\nold mode 10x644\nnew mode 100755\n"
        + PLAIN
        + "@@ -1 +1 @@\n-a\n+b\n",
        names=":2:",
    ),
    "new-file-mode-malformed": Case(
        {},
        "diff --git a/x b/x\nnew file mode 10x644\n--- /dev/null\n+++ b/x\n@@ -0,0 +1 @@\n+b\n",
        names=":2:",
    ),
    # -- one file in two sections of a patch: the second applies to the first's result --
    "two-sections-one-file": Case(
        ONE, PLAIN + "@@ -1 +1 @@\n-a\n+b\n" + PLAIN + "@@ -1 +1 @@\n-b\n+c\n"
    ),
    "two-sections-second-fails": Case(
        ONE, PLAIN + "@@ -1 +1 @@\n-a\n+b\n" + PLAIN + "@@ -1 +1 @@\n-a\n+c\n", names="one"
    ),
    "create-then-change": Case(
        {},
        "--- /dev/null\n+++ b/n\n@@ -0,0 +1 @@\n+x\n--- a/n\n+++ b/n\n@@ -1 +1 @@\n-x\n+y\n",
    ),
    # -- traditional diffs name one file with two lines: git takes the shorter
    # name when the other only adds to it, else the +++ name --
    "plain-orig-to-file": Case({"file": "x\n"}, "--- file.orig\n+++ file\n@@ -1 +1 @@\n-x\n+y\n"),
    "plain-file-to-new": Case(ONE, "--- one\n+++ one.new\n@@ -1 +1 @@\n-a\n+b\n"),
    "plain-file1-plus": Case(
        {"file1": "file1\n"}, "--- file1\n+++ file1+\n@@ -1 +1 @@\n-file1\n+y\n"
    ),
    "plain-tilde-backup": Case(ONE, "--- one~\n+++ one\n@@ -1 +1 @@\n-a\n+b\n"),
    # git refuses when its choice is missing; GNU patch, and Tether, patch the
    # name that exists (the brief's "whichever name exists").
    "plain-orig-only-exists": Case(
        {"file.orig": "x\n"},
        "--- file.orig\n+++ file\n@@ -1 +1 @@\n-x\n+y\n",
        tether_writes={"file.orig": "y\n"},
    ),
    "plain-unrelated-names": Case(
        {"one": "a\n", "bar": "a\n"}, "--- a/one\n+++ b/bar\n@@ -1 +1 @@\n-a\n+b\n"
    ),
    "plain-unrelated-names-only-old-exists": Case(
        ONE, "--- a/one\n+++ b/bar\n@@ -1 +1 @@\n-a\n+b\n", tether_writes={"one": "b\n"}
    ),
    "plain-unrelated-names-neither-exists": Case(
        {}, "--- a/one\n+++ b/bar\n@@ -1 +1 @@\n-a\n+b\n", names="bar"
    ),
    "remove-every-line-keeps-empty-file": Case(ONE, PLAIN + "@@ -1 +0,0 @@\n-a\n"),
    # -- @@ -0,0 on a missing file, no /dev/null: git creates it --
    "svn-revision-0-creates": Case(
        {},
        "Index: new.txt\n===================================================================\n"
        "--- new.txt\t(revision 0)\n+++ new.txt\t(working copy)\n@@ -0,0 +1,2 @@\n+a\n+b\n",
    ),
    "dated-header-creates": Case(
        {},
        "--- new.txt\t2024-01-01 10:00:00.000000000 -0800\n"
        "+++ new.txt\t2024-01-01 10:00:00.000000000 -0800\n@@ -0,0 +1 @@\n+a\n",
    ),
    "zero-hunk-into-empty-file": Case({"e": ""}, "--- a/e\n+++ b/e\n@@ -0,0 +1 @@\n+a\n"),
    "two-zero-hunks-missing-file": Case(
        {}, "--- a/nf\n+++ b/nf\n@@ -0,0 +1 @@\n+x\n@@ -0,0 +2 @@\n+y\n", names="nf"
    ),
    "git-header-zero-hunk-missing-file": Case(
        {}, "diff --git a/nf b/nf\n--- a/nf\n+++ b/nf\n@@ -0,0 +1 @@\n+x\n", names="nf"
    ),
    # -- timestamps: tab or spaces, zone +hhmm, +hh:mm or none --
    "timestamp-space-colon-zone": Case(
        ONE,
        "--- one 2024-01-01 10:00:00 -08:00\n+++ one 2024-01-01 10:00:00 -08:00\n"
        "@@ -1 +1 @@\n-a\n+b\n",
    ),
    "timestamp-tab-colon-zone": Case(
        ONE,
        "--- one\t2024-01-01 10:00:00 +05:30\n+++ one\t2024-01-01 10:00:00 +05:30\n"
        "@@ -1 +1 @@\n-a\n+b\n",
    ),
    "timestamp-space-no-zone": Case(
        ONE, "--- one 2024-01-01 10:00:00\n+++ one 2024-01-01 10:00:01\n@@ -1 +1 @@\n-a\n+b\n"
    ),
    "timestamp-space-fraction-zone": Case(
        ONE,
        "--- one  2024-01-01 10:00:00.123456789 +0100\n"
        "+++ one  2024-01-01 10:00:00.987654321 +0100\n@@ -1 +1 @@\n-a\n+b\n",
    ),
    "name-with-space-then-date": Case(
        {"my file": "a\n"},
        "--- my file 2024-01-01 10:00:00 -08:00\n+++ my file 2024-01-01 10:00:00 -08:00\n"
        "@@ -1 +1 @@\n-a\n+b\n",
    ),
}


def _tree(root: Path, files: dict[str, str]) -> None:
    root.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(text.encode())
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-q", "--allow-empty", "-m", "base"], cwd=root, check=True)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _git_apply(root: Path, patch: Path, *, check: bool) -> int:
    args = ["git", "apply", *(["--check"] if check else []), str(patch)]
    return subprocess.run(args, cwd=root, capture_output=True, check=False).returncode


def _tether_apply(root: Path, patch: Path, *, check: bool, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(root)
    return main(["apply", *(["--check"] if check else []), str(patch)])


@pytest.mark.parametrize("name", sorted(CASES))
def test_apply_matches_git_apply(
    name: str,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = CASES[name]
    patch = tmp_path / "change.patch"
    patch.write_bytes(case.patch.encode())
    _tree(tmp_path / "git", case.files)
    shutil.copytree(tmp_path / "git", tmp_path / "tether", symlinks=True)
    before = _snapshot(tmp_path / "git")

    git_check = _git_apply(tmp_path / "git", patch, check=True)
    tether_check = _tether_apply(tmp_path / "tether", patch, check=True, monkeypatch=monkeypatch)
    checked = capsys.readouterr()
    assert _snapshot(tmp_path / "tether") == before, "--check wrote something"
    git_rc = _git_apply(tmp_path / "git", patch, check=False)
    tether_rc = _tether_apply(tmp_path / "tether", patch, check=False, monkeypatch=monkeypatch)
    applied = capsys.readouterr()

    assert (git_check == 0) == (git_rc == 0)  # the oracle is consistent with itself
    if case.tether_writes is not None:
        assert git_rc != 0 and _snapshot(tmp_path / "git") == before
        assert tether_check == tether_rc == 0, applied.err
        want = {k: v.encode() for k, v in case.tether_writes.items()}
        assert _snapshot(tmp_path / "tether") == {**before, **want}
        return
    assert (tether_check == 0) == (git_check == 0), checked.err
    assert (tether_rc == 0) == (git_rc == 0), applied.err
    assert _snapshot(tmp_path / "tether") == _snapshot(tmp_path / "git")
    if git_rc != 0:
        assert tether_rc == 1
        assert _snapshot(tmp_path / "tether") == before
        assert case.names and case.names in applied.err, applied.err
        assert "Traceback" not in applied.err
