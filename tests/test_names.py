"""Safe names: a file name a terminal would obey (ESC, BEL, NUL, newlines)
is shown escaped, as git quotes it, by every CLI command and in the TUI's
file list; NUL and overlong paths are refused with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from app.core.names import quote_name
from widgets.file_list import FileEntry, FileList, label_of
from widgets.status_line import StatusLine

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
# Sets the terminal title, then a name: what a hostile patch would print.
TITLE = "\x1b]0;pwned\x07x.txt"
RAW = ("\x1b", "\x07", "\x00")


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


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    (root / "f.txt").write_text("base\n")
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-qm", "base"], cwd=root, check=True)
    return root


def adding(quoted: str) -> str:
    """A patch adding one file, its name as git writes it (quoted)."""
    a, b = (
        f'"{side}/{quoted[1:]}' if quoted.startswith('"') else f"{side}/{quoted}" for side in "ab"
    )
    return f"diff --git {a} {b}\nnew file mode 100644\n--- /dev/null\n+++ {b}\n@@ -0,0 +1 @@\n+hi\n"


def test_names_are_quoted_as_git_quotes_them(repo: Path) -> None:
    names = ["a\x1bb", "bell\x07", "tab\there", "new\nline", 'quo"te', "back\\slash", "del\x7f"]
    for name in names:
        (repo / name).write_text("x\n")
    subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
    listed = subprocess.run(
        ["git", "-c", "core.quotePath=false", "ls-files"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    by_git = {n for n in listed if n != "f.txt"}
    assert {quote_name(n) for n in names} == by_git
    assert quote_name("plain/ünïcode.py") == "plain/ünïcode.py"
    assert quote_name("a\x1bb") == '"a\\033b"'


def test_review_list_escapes_names(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "e.patch").write_text(adding('"\\033]0;pwned\\007x.txt"'))
    listed = tether(repo, "review", str(tmp_path / "e.patch"), "--list")
    assert listed.returncode == 0, listed.stderr
    assert not any(c in listed.stdout for c in RAW)
    assert '"\\033]0;pwned\\ax.txt"' in listed.stdout
    as_json = tether(repo, "review", str(tmp_path / "e.patch"), "--list", "--json")
    assert not any(c in as_json.stdout for c in RAW)  # JSON's own escapes
    assert json.loads(as_json.stdout)["files"][0]["path"] == TITLE


def test_journal_escapes_names(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "e.patch").write_text(adding('"\\033]0;pwned\\007x.txt"'))
    assert tether(repo, "apply", str(tmp_path / "e.patch"), "--all").returncode == 0
    journal = tether(repo, "journal")
    assert journal.returncode == 0, journal.stderr
    assert not any(c in journal.stdout for c in RAW)
    assert '"\\033]0;pwned\\ax.txt"' in journal.stdout


def test_a_nul_in_a_name_is_shown_escaped_and_refused(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "nul.patch").write_text(adding('"a\\000b.txt"'))
    listed = tether(repo, "review", str(tmp_path / "nul.patch"), "--list")
    assert not any(c in listed.stdout + listed.stderr for c in RAW)
    applied = tether(repo, "apply", str(tmp_path / "nul.patch"), "--all")
    assert applied.returncode != 0
    assert applied.stderr.count("\n") == 1, applied.stderr
    assert '"a\\000b.txt"' in applied.stderr and "NUL" in applied.stderr
    assert "\x00" not in applied.stderr
    assert sorted(p.name for p in repo.iterdir()) == [".git", "f.txt"]


@pytest.mark.parametrize("length", [300, 4000])
def test_an_overlong_path_is_refused_in_one_line(repo: Path, length: int) -> None:
    for command in ("review", "apply"):
        done = tether(repo, command, "p" * length, "--list" if command == "review" else "--all")
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert done.stderr.count("\n") == 1, done.stderr
        assert "too long" in done.stderr.lower() or "not" in done.stderr


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FileList(id="files")


async def test_the_file_list_draws_escapes_never_sends_them() -> None:
    names = [TITLE, "a\x00b", "clear\x1b[2J", "bell\x07.py"]
    entries = [FileEntry(name, "added", 0, 0, 1) for name in names]
    for entry in entries:
        assert not any(c in str(label_of(entry)) for c in RAW)
    app = ListApp()
    async with app.run_test() as pilot:
        files = app.query_one(FileList)
        files.set_entries(entries)
        await pilot.pause()
        drawn = "".join(
            segment.text for y in range(len(entries)) for segment in files.render_line(y)
        )
    assert not any(c in drawn for c in RAW)
    assert "\\033]0;pwned" in drawn


class StatusApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")


async def test_the_status_line_draws_a_name_as_plain_escaped_text() -> None:
    app = StatusApp()
    async with app.run_test() as pilot:
        status = app.query_one(StatusLine)
        status.say(f"accepted 1 line of {quote_name('[/]odd' + TITLE)}")
        await pilot.pause()
        drawn = "".join(segment.text for segment in status.render_line(0))
    assert not any(c in drawn for c in RAW)
    assert "[/]odd" in drawn and "\\033]0;pwned" in drawn


# -- a file's *content* never reaches the terminal as escape sequences -------------------------

HOSTILE = "b \x1b]52;c;cHduZWQ=\x07 \x1b]0;TITLE\x07 \x1b[2J \x9b31m \x7f c\n"


def _controls(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) == "Cc"]


async def test_file_content_is_drawn_with_controls_made_visible(
    tmp_path: Path, isolated_home: Path
) -> None:
    # Found by hand: a changed line holding OSC 0 set the terminal's title
    # from the diff pane (OSC 52 would have written the clipboard).
    from conftest import build_app

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "f.txt").write_text("a\n")
    subprocess.run(["git", "add", "f.txt"], cwd=repo, check=True)
    (repo / "f.txt").write_text("a\n" + HOSTILE)
    app = build_app(repo)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        for view in ("unified", "split"):
            drawn = "".join(
                seg.text for y in range(app.pane.size.height) for seg in app.pane.render_line(y)
            )
            assert "TITLE" in drawn and _controls(drawn) == [], (view, _controls(drawn))
            await pilot.press("v")
            await pilot.pause()
