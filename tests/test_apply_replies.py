"""`tether apply FILE|-` and `tether review FILE|-` read a model's reply as
well as a unified diff: a V4A patch (OpenAI's apply_patch, as its guide
writes it) or aider's SEARCH/REPLACE blocks (as aider's docs write them),
told from the text or forced with --format. Real tether processes on real
git repositories: the files written, --check, --list --json's shape, and
refusals that name the block and write nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
GREET = "def greet(name):\n    return 'hi ' + name\n\n\ndef main():\n    print(greet('you'))\n"

V4A = """*** Begin Patch
*** Update File: greet.py
@@ def greet(name):
-    return 'hi ' + name
+    return 'hello ' + name
*** Add File: notes/todo.md
+# todo
+- ship it
*** End Patch
"""
V4A_MOVE = """*** Begin Patch
*** Update File: greet.py
*** Move to: src/greet.py
*** End Patch
"""
SEARCH_REPLACE = """Here is the change:

greet.py
```python
<<<<<<< SEARCH
    return 'hi ' + name
=======
    return 'hello ' + name
>>>>>>> REPLACE
```

notes/todo.md
```
<<<<<<< SEARCH
=======
# todo
- ship it
>>>>>>> REPLACE
```
"""
WANT = {"greet.py": GREET.replace("'hi '", "'hello '"), "notes/todo.md": "# todo\n- ship it\n"}


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    (root / "greet.py").write_text(GREET)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-q", "-m", "base"], cwd=root, check=True)
    return root


def tether(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def _tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


@pytest.mark.parametrize(
    ("reply", "how"),
    ids=[
        "v4a-file",
        "v4a-stdin",
        "v4a-padded-markers",
        "search-replace-file",
        "search-replace-stdin",
    ],
    argvalues=[
        (V4A, "file"),
        (V4A, "stdin"),
        (
            V4A.replace("*** Begin Patch", "  *** Begin Patch ").replace("*** End", " *** End"),
            "file",
        ),
        (SEARCH_REPLACE, "file"),
        (SEARCH_REPLACE, "stdin"),
    ],
)
def test_a_reply_is_applied_as_its_format_says(
    repo: Path, tmp_path: Path, reply: str, how: str
) -> None:
    if how == "file":
        (tmp_path / "reply.txt").write_text(reply)
        checked = tether(repo, "apply", "--check", str(tmp_path / "reply.txt"))
        done = tether(repo, "apply", "--all", str(tmp_path / "reply.txt"))
    else:
        checked = tether(repo, "apply", "--check", "-", stdin=reply)
        done = tether(repo, "apply", "--all", "-", stdin=reply)
    assert checked.returncode == 0, checked.stderr
    assert done.returncode == 0, done.stderr
    assert _tree(repo) == WANT


def test_a_v4a_move_is_a_rename(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "move.txt").write_text(V4A_MOVE)
    listed = tether(repo, "review", "--list", "--json", str(tmp_path / "move.txt"))
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)["files"]
    assert (entry["path"], entry["old_path"], entry["status"]) == (
        "src/greet.py",
        "greet.py",
        "renamed",
    )
    assert [h["header"] for h in entry["hunks"]] == ["rename greet.py → src/greet.py"]
    done = tether(repo, "apply", "--all", str(tmp_path / "move.txt"))
    assert done.returncode == 0, done.stderr
    assert _tree(repo) == {"src/greet.py": GREET}


def test_review_list_json_keeps_its_shape_for_a_reply(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "reply.md").write_text(SEARCH_REPLACE)
    listed = tether(repo, "review", "--list", "--json", str(tmp_path / "reply.md"))
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert set(data) == {"source", "files"}
    assert {f["path"] for f in data["files"]} == set(WANT)
    for f in data["files"]:
        assert set(f) == {"path", "old_path", "status", "note", "flag", "hunks"}
        for h in f["hunks"]:
            assert set(h) == {"id", "header", "added", "removed", "risks"}
    # The ids a listing gives are the ones apply takes.
    ids = ",".join(h["id"] for f in data["files"] if f["path"] == "greet.py" for h in f["hunks"])
    done = tether(repo, "apply", "--hunks", ids, str(tmp_path / "reply.md"))
    assert done.returncode == 0, done.stderr
    assert _tree(repo) == {"greet.py": WANT["greet.py"]}


REFUSED = {
    # SEARCH text not in the file: named, nothing written
    "search-does-not-match": (
        SEARCH_REPLACE.replace("    return 'hi ' + name\n=", "    return 'bye'\n="),
        "auto",
        "greet.py",
    ),
    # a near-miss marker is an error naming the line, never silence
    "near-miss-marker": (
        "greet.py\n<<< SEARCH\n    return 'hi ' + name\n=======\n    x\n>>>>>>> REPLACE\n",
        "auto",
        "SEARCH/REPLACE block",
    ),
    "v4a-context-not-found": (
        V4A.replace("@@ def greet(name):", "@@ def nowhere():"),
        "auto",
        "greet.py",
    ),
    "v4a-cut-off": (V4A.replace("*** End Patch\n", ""), "auto", "V4A patch"),
    # forcing a format the text is not in
    "forced-v4a-on-a-diff": (
        "--- a/greet.py\n+++ b/greet.py\n@@ -1 +1 @@\n-x\n+y\n",
        "v4a",
        "V4A patch",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_reply_that_does_not_apply_is_refused_naming_it(
    repo: Path, tmp_path: Path, name: str
) -> None:
    reply, fmt, needle = REFUSED[name]
    (tmp_path / "reply.txt").write_text(reply)
    before = _tree(repo)
    for args in (["--check"], ["--all"]):
        done = tether(repo, "apply", *args, "--format", fmt, str(tmp_path / "reply.txt"))
        assert done.returncode == 1, done.stdout
        assert needle in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    assert _tree(repo) == before


def test_a_unified_diff_that_quotes_a_marker_is_still_a_diff(repo: Path, tmp_path: Path) -> None:
    diff = (
        "--- a/greet.py\n+++ b/greet.py\n@@ -1,2 +1,3 @@\n def greet(name):\n"
        "+    # *** Begin Patch\n     return 'hi ' + name\n"
    )
    (tmp_path / "d.patch").write_text(diff)
    done = tether(repo, "apply", "--all", str(tmp_path / "d.patch"))
    assert done.returncode == 0, done.stderr
    assert "# *** Begin Patch" in (repo / "greet.py").read_text()
