"""Many hunks cost linear work (issue 10): counted, never timed.

- git's histogram diff rescans the rest of the file per change (20,000
  one-line changes: 28 s), so a pair with very many changes is diffed by
  patience; the hunks are still all there, one per change;
- building the hunks pauses the cycle collector (it would walk every line
  made so far, again and again);
- lines numbered as they are built agree with ``Hunk.recount``;
- a 40,000-hunk patch is applied as 40,000 hunks by ``tether apply``.
"""

from __future__ import annotations

import copy
import gc
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import app.core.textdiff as textdiff
from app.cli import main as tether_main
from app.core.textdiff import diff_texts

HUNKS = 40_000


def _pair(hunks: int) -> tuple[str, str]:
    """One changed line in every eight: separate hunks at context 3."""
    old = "".join(f"line {i}\n" for i in range(hunks * 8))
    new = "".join((f"LINE {i}\n" if i % 8 == 4 else f"line {i}\n") for i in range(hunks * 8))
    return old, new


@pytest.fixture
def git_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    calls: list[list[str]] = []
    real = subprocess.run

    def spy(args: list[str], *rest: Any, **kwargs: Any) -> Any:
        calls.append(list(args))
        return real(args, *rest, **kwargs)

    monkeypatch.setattr(textdiff.subprocess, "run", spy)
    yield calls


def _algorithm(call: list[str]) -> str:
    named = [a for a in call if a.startswith("--diff-algorithm=") or a == "--histogram"]
    assert len(named) == 1, call
    return named[0].removeprefix("--diff-algorithm=").removeprefix("--")


def test_forty_thousand_changes_are_diffed_by_patience_one_hunk_each(
    git_calls: list[list[str]],
) -> None:
    old, new = _pair(HUNKS)
    fp, blocks = diff_texts(old, new, "f.txt")
    assert [_algorithm(c) for c in git_calls] == ["patience"]
    assert len(blocks) == len(fp.hunks) == HUNKS
    assert all(h.added == h.removed == 1 and len(h.lines) == 8 for h in fp.hunks)
    assert len({h.id for h in fp.hunks}) == HUNKS


def test_an_ordinary_edit_is_still_diffed_by_histogram(git_calls: list[list[str]]) -> None:
    old, new = _pair(500)
    fp, _ = diff_texts(old, new, "f.txt")
    assert [_algorithm(c) for c in git_calls] == ["histogram"]
    assert len(fp.hunks) == 500


def test_building_many_hunks_runs_no_full_collection() -> None:
    old, new = _pair(HUNKS)
    full: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.callbacks.append(count)
    try:
        fp, _ = diff_texts(old, new, "f.txt")
    finally:
        gc.callbacks.remove(count)
    assert len(fp.hunks) == HUNKS
    assert full == []
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\nb\nc\n", "a\nc\n"),
        ("a\nb\n", "a\nb\nc\n"),
        ("", "x\ny\n"),
        ("x\ny\n", ""),
        ("".join(f"{i}\n" for i in range(40)), "".join(f"{i}\n" for i in range(40) if i % 9)),
        ("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "0\n1\n2\n3\nX\n5\n6\n7\n8\n9\n10"),
    ],
)
def test_lines_numbered_while_built_agree_with_a_recount(old: str, new: str) -> None:
    fp, _ = diff_texts(old, new, "f.txt")
    for hunk in fp.hunks:
        again = copy.deepcopy(hunk)
        again.recount()
        assert (again.old_start, again.old_len, again.new_start, again.new_len) == (
            hunk.old_start,
            hunk.old_len,
            hunk.new_start,
            hunk.new_len,
        )
        assert [(ln.old_no, ln.new_no) for ln in again.lines] == [
            (ln.old_no, ln.new_no) for ln in hunk.lines
        ]


def test_a_forty_thousand_hunk_patch_applies_as_forty_thousand_hunks(
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    old, new = _pair(HUNKS)

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, check=True, text=True)
        return done.stdout

    git("init", "-q")
    (repo / "f.txt").write_text(old)
    git("add", "f.txt")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "old")
    (repo / "f.txt").write_text(new)
    patch = tmp_path / "many.patch"
    patch.write_text(git("diff", "--diff-algorithm=patience"))
    git("checkout", "-q", "f.txt")
    assert patch.read_text().count("\n@@ ") == HUNKS
    monkeypatch.chdir(repo)
    assert tether_main(["apply", str(patch)]) == 0
    out, _ = capsys.readouterr()
    assert out.strip() == f"applied {HUNKS} hunk(s) to 1 file(s)"
    assert (repo / "f.txt").read_text() == new
