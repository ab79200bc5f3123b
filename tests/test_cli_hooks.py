"""``tether hooks install|uninstall`` as a user runs it: a real process in a
real git repository, an isolated ``$HOME``, the settings file on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TETHER = str(Path(sys.executable).with_name("tether"))

OTHER = """{
  "model": "opus",
  "hooks": {
    "PreToolUse": [
      {"matcher": "Bash", "hooks": [{"type": "command", "command": "check.sh"}]}
    ]
  }
}
"""


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def tether(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TETHER, "hooks", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_install_shows_the_diff_writes_the_file_and_is_idempotent(repo: Path) -> None:
    run = tether(repo, "install", "claude")
    assert run.returncode == 0, run.stderr
    settings = repo / ".claude/settings.json"
    assert f"+++ {settings}" in run.stdout and "--- /dev/null" in run.stdout
    assert '+            "command": "tether gate --agent claude --timeout 3600",' in run.stdout
    assert f"added the Tether gate for Claude Code in {settings}" in run.stdout
    data = json.loads(settings.read_text())
    assert data["hooks"]["PreToolUse"][0]["matcher"] == "Edit|Write|MultiEdit"
    written = settings.read_bytes()
    again = tether(repo, "install", "claude")
    assert again.returncode == 0 and "already set up" in again.stdout
    assert settings.read_bytes() == written


def test_uninstall_restores_the_file_byte_for_byte(repo: Path) -> None:
    settings = repo / ".codex/hooks.json"
    settings.parent.mkdir()
    settings.write_text(OTHER)
    run = tether(repo, "install", "codex")
    assert run.returncode == 0, run.stderr
    assert "trust" in run.stdout  # Codex runs a project's hooks only once trusted
    assert settings.read_text() != OTHER
    gone = tether(repo, "uninstall", "codex")
    assert gone.returncode == 0, gone.stderr
    assert "removed the Tether gate for Codex" in gone.stdout
    assert settings.read_text() == OTHER


def test_uninstall_of_a_fresh_install_leaves_no_file_behind(repo: Path) -> None:
    assert tether(repo, "install", "gemini").returncode == 0
    assert (repo / ".gemini/settings.json").is_file()
    assert tether(repo, "uninstall", "gemini").returncode == 0
    assert not (repo / ".gemini").exists()


def test_dry_run_shows_the_change_and_writes_nothing(repo: Path) -> None:
    run = tether(repo, "install", "claude", "--dry-run")
    assert run.returncode == 0 and "+++ " in run.stdout and "nothing was written" in run.stdout
    assert not (repo / ".claude").exists()
    settings = repo / ".claude/settings.json"
    settings.parent.mkdir()
    settings.write_text(OTHER)
    assert tether(repo, "install", "claude").returncode == 0
    installed = settings.read_bytes()
    run = tether(repo, "uninstall", "claude", "--dry-run")
    assert run.returncode == 0 and '-            "command": "tether gate' in run.stdout
    assert settings.read_bytes() == installed


def test_invalid_json_is_refused_naming_file_and_line(repo: Path) -> None:
    settings = repo / ".claude/settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  "model": "opus",\n}\n')
    before = settings.stat()
    for action in ("install", "uninstall"):
        run = tether(repo, action, "claude")
        assert run.returncode == 1
        assert f"{settings}:3: not valid JSON" in run.stderr and "nothing was written" in run.stderr
        assert "Traceback" not in run.stderr
    assert settings.read_text() == '{\n  "model": "opus",\n}\n'
    assert settings.stat().st_mtime_ns == before.st_mtime_ns


def test_uninstall_with_nothing_installed_says_so_and_touches_nothing(repo: Path) -> None:
    run = tether(repo, "uninstall", "claude")
    assert run.returncode == 0 and "nothing changed" in run.stdout
    assert not (repo / ".claude").exists()
    settings = repo / ".claude/settings.json"
    settings.parent.mkdir()
    settings.write_text(OTHER)
    before = settings.stat()
    run = tether(repo, "uninstall", "claude")
    assert run.returncode == 0 and "nothing changed" in run.stdout
    assert settings.read_text() == OTHER and settings.stat().st_mtime_ns == before.st_mtime_ns


def test_another_hook_on_the_edit_tools_is_warned_about(repo: Path) -> None:
    settings = repo / ".claude/settings.json"
    settings.parent.mkdir()
    settings.write_text(OTHER.replace('"Bash"', '"Edit|Write"'))
    run = tether(repo, "install", "claude")
    assert run.returncode == 0
    assert "tether: warning:" in run.stderr and "check.sh" in run.stderr
    assert "claude-code#16117" in run.stderr
    assert "warning" not in tether(repo, "uninstall", "claude").stderr


def test_user_scope_writes_under_home(repo: Path, isolated_home: Path, tmp_path: Path) -> None:
    run = tether(repo, "install", "claude", "--user")
    assert run.returncode == 0, run.stderr
    assert (isolated_home / ".claude/settings.json").is_file()
    assert not (repo / ".claude").exists()
    codex_home = tmp_path / "codex-home"
    run = tether(repo, "install", "codex", "--user", env={"CODEX_HOME": str(codex_home)})
    assert run.returncode == 0, run.stderr
    assert (codex_home / "hooks.json").is_file() and not (isolated_home / ".codex").exists()


def test_timeout_goes_to_the_entry_in_the_agents_unit_and_to_the_command(repo: Path) -> None:
    assert tether(repo, "install", "gemini", "--timeout", "120").returncode == 0
    (group,) = json.loads((repo / ".gemini/settings.json").read_text())["hooks"]["BeforeTool"]
    assert group["hooks"][0]["timeout"] == 120_000
    assert group["hooks"][0]["command"] == "tether gate --agent gemini --timeout 120"
    run = tether(repo, "install", "claude", "--timeout", "5")
    assert run.returncode == 1 and "--timeout must be more than 5" in run.stderr
    assert not (repo / ".claude").exists()


def test_a_settings_file_that_is_a_symlink_is_not_written_through(
    repo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "dotfiles-settings.json"
    target.write_text(OTHER)
    (repo / ".claude").mkdir()
    (repo / ".claude/settings.json").symlink_to(target)
    run = tether(repo, "install", "claude")
    assert run.returncode == 1 and "settings.json" in run.stderr
    assert "Traceback" not in run.stderr
    assert target.read_text() == OTHER
