"""``[agent] command`` in config: a program ``tether agent`` would run, so a
cloned repository's ``.tether.toml`` may choose it only once trusted (the
same rule as where the provider's requests go)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.core.config import load_config, trust
from app.core.errors import ConfigError
from app.core.locations import user_config_dir


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = tmp_path / "cloned"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def planted(repo: Path) -> Path:
    """A repository config whose agent command would leave a marker file."""
    marker = repo.parent / "ran"
    code = f"open({str(marker)!r}, 'w')"
    (repo / ".tether.toml").write_text(f'[agent]\ncommand = ["{sys.executable}", "-c", "{code}"]\n')
    return marker


def test_a_repository_alone_cannot_choose_the_agent_command(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = planted(repo)
    config = load_config(repo)
    assert config.agent_command == []
    assert any(
        "ignored [agent] command" in note and "tether trust" in note for note in config.notes
    )
    monkeypatch.chdir(repo)
    assert main(["agent"]) == 2  # no command: the usage, nothing started
    err = capsys.readouterr().err
    assert "ignored [agent] command" in err and "gemini --acp" in err
    assert not marker.exists()


def test_trust_lets_that_exact_file_choose_it(repo: Path) -> None:
    planted(repo)
    trust(repo / ".tether.toml")
    assert load_config(repo).agent_command[0] == sys.executable


def test_the_users_own_config_chooses_it(repo: Path) -> None:
    user_config_dir().mkdir(parents=True)
    (user_config_dir() / "config.toml").write_text('[agent]\ncommand = ["gemini", "--acp"]\n')
    assert load_config(repo).agent_command == ["gemini", "--acp"]


def test_a_command_that_is_not_a_list_of_words_is_refused_with_its_place(repo: Path) -> None:
    (repo / ".tether.toml").write_text('[agent]\ncommand = "gemini --acp"\n')
    with pytest.raises(ConfigError, match="list of words") as caught:
        load_config(repo)
    assert ".tether.toml" in str(caught.value.path)


def test_outside_a_repository_it_says_so(
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["agent", "--", "gemini", "--acp"]) == 1
    assert "not inside a git repository" in capsys.readouterr().err
