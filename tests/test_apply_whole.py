"""Whole-file changes in `tether apply` beside real `git apply`: renames and
copies, mode changes, symlinks, binary files (``GIT binary patch`` literal
and delta). Each case is two trees; real git makes the patch between them
(``git diff --binary -M -C -C``), then git and Tether apply it to two copies
of the first, which must end the same: every file's bytes, its executable
bit, and each symlink's target. ``--check`` must say what the apply does.
Then the refusals (a binary change without its data, a submodule, a link
out of the repository) and a review's accept, undo and redo of each kind.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from app.cli import main
from app.review.commands import Decide, Redo, Undo
from app.review.sources import open_review, open_source

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]

# A tree: path -> bytes (a file), ("x", bytes) (an executable), ("l", target) (a link).
Tree = dict[str, object]
NUL = b"\0binary\xff\xfe" + bytes(range(256)) * 8
LICENSE = b"".join(b"line %d of the licence\n" % i for i in range(40))

CASES: dict[str, tuple[Tree, Tree]] = {
    "pure-rename": ({"LICENSE.rst": LICENSE}, {"LICENSE.txt": LICENSE}),
    "rename-into-folder": ({"a.py": LICENSE}, {"src/pkg/a.py": LICENSE}),
    "rename-with-changes": (
        {"a.txt": LICENSE},
        {"b.txt": LICENSE.replace(b"line 3 ", b"line three ")},
    ),
    "pure-copy": ({"a.txt": LICENSE}, {"a.txt": LICENSE, "b.txt": LICENSE}),
    "copy-with-changes": (
        {"a.txt": LICENSE},
        {"a.txt": LICENSE, "b.txt": LICENSE.replace(b"line 9 ", b"line nine ")},
    ),
    "chmod-plus-x": ({"run.sh": b"echo hi\n"}, {"run.sh": ("x", b"echo hi\n")}),
    "chmod-minus-x": ({"run.sh": ("x", b"echo hi\n")}, {"run.sh": b"echo hi\n"}),
    "chmod-and-change": ({"run.sh": b"echo hi\n"}, {"run.sh": ("x", b"echo bye\n")}),
    "new-executable": ({}, {"run.sh": ("x", b"echo hi\n")}),
    "new-symlink": ({"t": b"x\n"}, {"t": b"x\n", "link": ("l", "t")}),
    "new-symlink-into-folder": (
        {"d/t": b"x\n"},
        {"d/t": b"x\n", "up/link": ("l", "../d/t")},
    ),
    "symlink-retarget": (
        {"a": b"a\n", "b": b"b\n", "link": ("l", "a")},
        {"a": b"a\n", "b": b"b\n", "link": ("l", "b")},
    ),
    "symlink-delete": ({"t": b"x\n", "link": ("l", "t")}, {"t": b"x\n"}),
    "symlink-rename": ({"t": b"x\n", "l1": ("l", "t")}, {"t": b"x\n", "l2": ("l", "t")}),
    "binary-modify-delta": (
        {"img.jpg": NUL * 4},
        {"img.jpg": NUL * 2 + b"changed in the middle" + NUL * 2},
    ),
    "binary-new-literal": ({}, {"img.png": NUL}),
    "binary-delete": ({"img.png": NUL, "keep": b"k\n"}, {"keep": b"k\n"}),
    "binary-pure-rename": ({"a.bin": NUL}, {"b.bin": NUL}),
    "binary-rename-with-change": ({"a.bin": NUL * 4}, {"b.bin": NUL * 4 + b"more"}),
    "binary-from-empty": ({"e.bin": b""}, {"e.bin": NUL}),
    "binary-to-text": ({"f": NUL}, {"f": b"now text\n"}),
    "text-to-binary": ({"f": b"was text\n"}, {"f": NUL}),
    "binary-executable": ({"tool": NUL}, {"tool": ("x", NUL + b"v2")}),
    "empty-create": ({}, {"e": b""}),
    "empty-create-executable": ({}, {"e": ("x", b"")}),
    "empty-delete": ({"e": b"", "keep": b"k\n"}, {"keep": b"k\n"}),
    "everything-at-once": (
        {"LICENSE.rst": LICENSE, "img.jpg": NUL * 3, "run.sh": b"echo\n", "old.txt": b"o\n"},
        {
            "LICENSE.txt": LICENSE,
            "img.jpg": NUL * 3 + b"!",
            "run.sh": ("x", b"echo\n"),
            "old.txt": b"o\nmore\n",
            "link": ("l", "old.txt"),
        },
    ),
}


def _write_tree(root: Path, tree: Tree) -> None:
    for name in list(os.listdir(root)):
        if name != ".git":
            path = root / name
            shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
    for name, spec in tree.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, tuple) and spec[0] == "l":
            os.symlink(spec[1], path)
        elif isinstance(spec, tuple):
            path.write_bytes(spec[1])
            path.chmod(0o755)
        else:
            assert isinstance(spec, bytes)
            path.write_bytes(spec)
            path.chmod(0o644)


def _commit(root: Path, tree: Tree, message: str) -> None:
    _write_tree(root, tree)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-q", "--allow-empty", "-m", message], cwd=root, check=True)


def _snapshot(root: Path) -> dict[str, tuple[str, bool, bytes]]:
    out: dict[str, tuple[str, bool, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames + [d for d in dirnames if os.path.islink(Path(dirpath) / d)]:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", False, os.readlink(path).encode())
            else:
                out[rel] = ("file", bool(st.st_mode & stat.S_IXUSR), path.read_bytes())
    return out


def _make(tmp_path: Path, old: Tree, new: Tree, *, diff: tuple[str, ...] = ()) -> Path:
    """A repository at ``old`` and the patch git writes from ``old`` to ``new``."""
    repo = tmp_path / "git"
    repo.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    _commit(repo, old, "old")
    _commit(repo, new, "new")
    args = diff or ("--binary", "-M", "-C", "-C")
    patch = subprocess.run(
        ["git", "diff", *args, "HEAD~1", "HEAD"], cwd=repo, capture_output=True, check=True
    ).stdout
    (tmp_path / "change.patch").write_bytes(patch)
    subprocess.run([*GIT, "checkout", "-q", "HEAD~1"], cwd=repo, check=True)
    return repo


def _tether(root: Path, *args: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(root)
    return main(["apply", *args])


@pytest.mark.parametrize("name", sorted(CASES))
def test_whole_file_changes_match_git_apply(
    name: str,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, new = CASES[name]
    repo = _make(tmp_path, old, new)
    patch = tmp_path / "change.patch"
    ours = tmp_path / "tether"
    shutil.copytree(repo, ours, symlinks=True)
    before = _snapshot(ours)
    subprocess.run(["git", "apply", str(patch)], cwd=repo, check=True)
    assert _tether(ours, "--check", str(patch), monkeypatch=monkeypatch) == 0
    assert _snapshot(ours) == before, "--check wrote something"
    rc = _tether(ours, "--all", str(patch), monkeypatch=monkeypatch)
    assert rc == 0, capsys.readouterr().err
    assert _snapshot(ours) == _snapshot(repo)
    assert _snapshot(ours) != before


REFUSED: dict[str, tuple[Tree, Tree, tuple[str, ...], str]] = {
    # git refuses these too ("cannot apply binary patch ... without full index line").
    "binary-without-data": ({"a.bin": NUL}, {"a.bin": NUL + b"x"}, ("-M",), "git diff --binary"),
    # git makes such a link; Tether never writes through one, so makes none.
    "symlink-absolute": ({}, {"l": ("l", "/etc/passwd")}, (), "absolute path"),
    "symlink-out-of-root": ({}, {"d/l": ("l", "../../x")}, (), "outside the repository"),
    "symlink-into-git": ({}, {"l": ("l", ".git/config")}, (), "into .git"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_whole_file_refusals_name_the_file_and_write_nothing(
    name: str,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old, new, diff, why = REFUSED[name]
    repo = _make(tmp_path, {"keep": b"k\n", **old}, {"keep": b"k\n", **new}, diff=diff)
    before = _snapshot(repo)
    patch = str(tmp_path / "change.patch")
    assert _tether(repo, "--check", patch, monkeypatch=monkeypatch) == 1
    assert _tether(repo, "--all", patch, monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert why in err and (next(iter(new)) in err), err
    assert "Traceback" not in err
    assert _snapshot(repo) == before


def test_a_submodule_pointer_is_refused_clearly(
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "r").mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=tmp_path / "r", check=True)
    (tmp_path / "r" / "keep").write_text("k\n")
    patch = tmp_path / "sub.patch"
    patch.write_text(
        "diff --git a/vendor/lib b/vendor/lib\nnew file mode 160000\n"
        "index 0000000..5b1c2a4b1d6f1d3c0c5b7f8e9a0b1c2d3e4f5a6b\n"
        "--- /dev/null\n+++ b/vendor/lib\n@@ -0,0 +1 @@\n"
        "+Subproject commit 5b1c2a4b1d6f1d3c0c5b7f8e9a0b1c2d3e4f5a6b\n"
    )
    assert _tether(tmp_path / "r", "--all", str(patch), monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "vendor/lib" in err and "submodule" in err, err
    assert not (tmp_path / "r" / "vendor").exists()


def test_a_binary_patch_for_other_bytes_is_refused(
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = _make(tmp_path, {"a.bin": NUL * 4}, {"a.bin": NUL * 4 + b"x"})
    (repo / "a.bin").write_bytes(NUL * 5)  # not what the patch was made from
    assert _tether(repo, "--all", str(tmp_path / "change.patch"), monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "a.bin" in err and "index line" in err, err
    assert (repo / "a.bin").read_bytes() == NUL * 5


@pytest.mark.parametrize(
    "name",
    [
        "pure-rename",
        "chmod-plus-x",
        "new-symlink",
        "symlink-retarget",
        "binary-modify-delta",
        "pure-copy",
        "binary-delete",
        "empty-create",
        "empty-delete",
    ],
)
def test_a_review_accepts_undoes_and_redoes_each_whole_change(
    name: str, tmp_path: Path, isolated_home: Path
) -> None:
    old, new = CASES[name]
    repo = _make(tmp_path, old, new)
    before = _snapshot(repo)
    service = open_review(open_source(str(tmp_path / "change.patch"), repo))
    decided = []
    for fr in service.files:
        view = service.view(fr.path)
        assert len(view.hunks) == 1 and view.hunks[0].whole, view
        assert view.hunks[0].header() == view.hunks[0].whole
        service.execute(Decide("accept", fr.path, (view.hunks[0].id,)))
        decided.append(fr.path)
        assert service.view(fr.path).hunks == ()
    after = _snapshot(repo)
    assert after != before
    for _ in decided:
        service.execute(Undo())
    assert _snapshot(repo) == before
    for _ in decided:
        service.execute(Redo())
    assert _snapshot(repo) == after


def test_rejecting_a_whole_change_writes_nothing_and_drops_it(
    tmp_path: Path, isolated_home: Path
) -> None:
    repo = _make(tmp_path, {"a.bin": NUL}, {"b.bin": NUL + b"x"})
    before = _snapshot(repo)
    service = open_review(open_source(str(tmp_path / "change.patch"), repo))
    (fr,) = service.files
    (hunk,) = service.view(fr.path).hunks
    assert hunk.whole.startswith("rename a.bin → b.bin")
    assert "binary, 2.0 KB → 2.0 KB" in hunk.whole
    service.execute(Decide("reject", fr.path, (hunk.id,)))
    assert service.view(fr.path).hunks == ()
    assert _snapshot(repo) == before
    service.execute(Undo())
    assert [h.id for h in service.view(fr.path).hunks] == [hunk.id]


def test_a_whole_change_cannot_be_split_or_edited(tmp_path: Path, isolated_home: Path) -> None:
    from app.core.errors import ApplyError
    from app.review.commands import Edit, Split

    repo = _make(tmp_path, {"a": LICENSE}, {"b": LICENSE})
    service = open_review(open_source(str(tmp_path / "change.patch"), repo))
    (fr,) = service.files
    (hunk,) = service.view(fr.path).hunks
    for command in (Split(fr.path, hunk.id), Edit(fr.path, hunk.id, "x\n")):
        with pytest.raises(ApplyError, match="change of the whole file"):
            service.execute(command)
    assert service.session.journal.next_undo(service.session.source) is None  # nothing journaled
    assert [h.id for h in service.view(fr.path).hunks] == [hunk.id]
