"""What the command line says when something is wrong or empty: one line
naming what and where, a non-zero exit on failure, an empty result said on
stderr (exit 0), and a closed pipe ends quietly. Each runs the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from test_cli import BASE, CHANGED, GIT, tether


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run([*GIT, "init", "-q"], cwd=root, check=True)
    (root / "f.txt").write_text(BASE)
    subprocess.run([*GIT, "add", "-A"], cwd=root, check=True)
    subprocess.run([*GIT, "commit", "-qm", "base"], cwd=root, check=True)
    return root


def _one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_an_empty_range_is_said_once_without_a_doubled_prefix(tmp_path: Path) -> None:
    result = tether(_repo(tmp_path), "review", "HEAD~0..", "--list")
    assert result.returncode == 1
    assert _one_line(result.stderr) == "tether: 'HEAD~0..' has no changes to review"


def test_a_missing_patch_file_is_not_called_a_revision(tmp_path: Path) -> None:
    result = tether(_repo(tmp_path), "review", "missing.patch", "--list")
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line == "tether: no such file: 'missing.patch' (and not a revision either)"


def test_an_unknown_revision_is_called_one(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    result = tether(repo, "review", "no-such-branch", "--list")
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line == f"tether: unknown revision: 'no-such-branch' (and no such file in {repo})"


def test_a_wrong_setting_names_the_kind_the_file_and_the_line(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    config = tmp_path / "cfg" / "tether" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('theme = "dark"\n\n[review]\ncontext = "abc"\n')
    result = tether(repo, "review", "--list")
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert (
        line
        == f"tether: Configuration error: {config}:4: context must be a whole number (got 'abc')"
    )


def test_an_unknown_provider_names_the_config_file_that_chose_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    config = tmp_path / "cfg" / "tether" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[provider]\nmodel = "m"\nprovider = "nope"\n')
    result = tether(repo, "loop")
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line.startswith(
        f"tether: Configuration error: {config}:3: [provider] unknown provider 'nope'"
    )


def test_the_journal_outside_git_says_it_is_empty(tmp_path: Path) -> None:
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    result = tether(lonely, "journal")
    assert result.returncode == 0 and result.stdout == ""
    line = _one_line(result.stderr)
    assert line.startswith(f"tether: the journal is empty: {lonely} is not in a git repository")


def test_listing_a_clean_repository_says_there_is_nothing(tmp_path: Path) -> None:
    result = tether(_repo(tmp_path), "review", "--list")
    assert result.returncode == 0 and result.stdout == ""
    assert _one_line(result.stderr) == "tether: no changes to review (working tree vs index)"


def test_reapplying_an_applied_hunk_says_already_applied(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "f.txt").write_text(CHANGED)
    patch = tmp_path / "change.patch"
    patch.write_bytes(subprocess.run(["git", "diff"], cwd=repo, capture_output=True).stdout)
    (repo / "f.txt").write_text(BASE)
    first = tether(repo, "review", str(patch), "--list").stdout.split()
    hunk = first[first.index("@@") - 1]
    assert tether(repo, "apply", str(patch), "--hunks", hunk).returncode == 0
    again = tether(repo, "apply", str(patch), "--hunks", hunk)
    assert again.returncode == 1
    assert (
        _one_line(again.stderr) == f"tether: hunk(s) already applied: {hunk}; nothing was written"
    )


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    """`tether review … --list | head -1` through a real pipe: far more output
    than a pipe holds, so the write after head exits always fails."""
    repo = _repo(tmp_path)
    many = "".join(f"row {i}\n" for i in range(30000))
    (repo / "big.txt").write_text(many)
    subprocess.run([*GIT, "add", "big.txt"], cwd=repo, check=True)
    (repo / "big.txt").write_text(many.replace("0\n", "zero\n"))  # 3000 hunks
    env = dict(
        os.environ, XDG_STATE_HOME=str(tmp_path / "state"), XDG_CONFIG_HOME=str(tmp_path / "cfg")
    )
    with subprocess.Popen(
        [sys.executable, "-m", "app.cli", "review", "--list"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as writer:
        assert writer.stdout is not None and writer.stderr is not None
        head = subprocess.run(["head", "-1"], stdin=writer.stdout, capture_output=True, check=True)
        writer.stdout.close()  # head is the only reader; once it is gone, the pipe is closed
        stderr = writer.stderr.read().decode()
        code = writer.wait()
    assert head.stdout.decode().startswith("M big.txt")
    assert stderr == ""
    assert code == 141  # as a process ended by SIGPIPE (git's status there)
