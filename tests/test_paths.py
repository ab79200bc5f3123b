"""Path safety (resolve_in_root, is_secret_path) and state locations."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from app.core.errors import UnsafePathError
from app.core.locations import state_dir_for, user_config_dir
from app.core.paths import resolve_in_root
from app.core.secrets import is_secret_path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.py").write_text("x = 1\n")
    (repo / ".git" / "hooks").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("s\n")
    return repo


@pytest.mark.parametrize(
    ("rel", "why"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (".", "root"),
        ("./", "root"),
        ("/etc/passwd", "absolute"),
        ("\\etc\\passwd", "absolute"),
        ("..", ".."),
        ("../outside/secret.txt", ".."),
        ("src/../../outside/secret.txt", ".."),
        ("src/..", ".."),
        ("src/a\0.py", "NUL"),
        (".git", ".git"),
        (".git/hooks/pre-commit", ".git"),
        (".GIT/config", ".git"),
        (".Git/HEAD", ".git"),
        ("sub/.git/config", ".git"),
        (".git./config", ".git"),
    ],
)
def test_hostile_paths_are_refused(root: Path, rel: str, why: str) -> None:
    with pytest.raises(UnsafePathError) as info:
        resolve_in_root(root, rel)
    assert why in str(info.value)


def test_message_names_the_path(root: Path) -> None:
    with pytest.raises(UnsafePathError, match=r"^\.\./x: "):
        resolve_in_root(root, "../x")


@pytest.mark.parametrize(
    ("rel", "expected"),
    [
        ("src/a.py", "src/a.py"),
        ("./src//a.py", "src/a.py"),
        ("new/dir/file.txt", "new/dir/file.txt"),
        (".gitignore", ".gitignore"),
        (".github/workflows/ci.yml", ".github/workflows/ci.yml"),
        ("src/git/x", "src/git/x"),
        ("..foo", "..foo"),
        ("a..b/c", "a..b/c"),
    ],
)
def test_ordinary_paths_resolve(root: Path, rel: str, expected: str) -> None:
    assert resolve_in_root(root, rel) == root.resolve() / expected


def test_symlinked_file_out_is_refused(root: Path) -> None:
    (root / "link.txt").symlink_to(root.parent / "outside" / "secret.txt")
    with pytest.raises(UnsafePathError, match="symlink.*outside"):
        resolve_in_root(root, "link.txt")


def test_dangling_symlink_out_is_refused(root: Path) -> None:
    (root / "link.txt").symlink_to(root.parent / "outside" / "nope.txt")
    with pytest.raises(UnsafePathError, match="outside"):
        resolve_in_root(root, "link.txt")


def test_symlinked_parent_dir_out_is_refused(root: Path) -> None:
    (root / "out").symlink_to(root.parent / "outside", target_is_directory=True)
    with pytest.raises(UnsafePathError, match="parent directory 'out'"):
        resolve_in_root(root, "out/secret.txt")
    with pytest.raises(UnsafePathError, match="parent directory 'out'"):
        resolve_in_root(root, "out/new/file.txt")


def test_symlink_into_git_dir_is_refused(root: Path) -> None:
    (root / "hooks").symlink_to(root / ".git" / "hooks", target_is_directory=True)
    with pytest.raises(UnsafePathError, match="git"):
        resolve_in_root(root, "hooks/pre-commit")


def test_symlink_loop_is_refused(root: Path) -> None:
    (root / "loop").symlink_to(root / "loop")
    with pytest.raises(UnsafePathError):
        resolve_in_root(root, "loop/x")


def test_symlink_inside_root_is_followed_for_parents(root: Path) -> None:
    (root / "alias").symlink_to(root / "src", target_is_directory=True)
    assert resolve_in_root(root, "alias/a.py") == root.resolve() / "alias" / "a.py"
    (root / "src" / "b.py").symlink_to(root / "src" / "a.py")
    assert resolve_in_root(root, "src/b.py") == root.resolve() / "src" / "b.py"


def test_root_given_through_symlink(tmp_path: Path, root: Path) -> None:
    alias = tmp_path / "alias-root"
    alias.symlink_to(root, target_is_directory=True)
    assert resolve_in_root(alias, "src/a.py") == root.resolve() / "src" / "a.py"


@pytest.mark.parametrize(
    ("rel", "secret"),
    [
        (".env", True),
        ("app/.env", True),
        (".env.production", True),
        (".ENV", True),
        ("certs/server.pem", True),
        ("tls/private.key", True),
        (".ssh/id_rsa", True),
        (".ssh/id_rsa.pub", True),
        ("id_ed25519", True),
        ("id_ecdsa_sk", True),
        ("store.p12", True),
        ("store.PFX", True),
        (".netrc", True),
        (".npmrc", True),
        (".pypirc", True),
        ("gcp/credentials.json", True),
        ("config/secrets.yaml", True),
        ("secrets.toml", True),
        ("environment.py", False),
        ("src/.envrc", True),  # direnv runs it, and it holds exports
        ("keyboard.py", False),
        ("monkey.py", False),
        ("docs/secrets-management.md", False),
        ("credentials.py", False),
        ("README.md", False),
    ],
)
def test_is_secret_path(rel: str, secret: bool) -> None:
    assert is_secret_path(rel) is secret


# -- locations ---------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(cwd),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def no_git(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(*args: object, **kwargs: object) -> None:
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "run", missing)


def test_state_dir_in_git_repo(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "sub").mkdir(parents=True)
    _git(repo, "init", "-q")
    assert state_dir_for(repo) == (repo / ".git").resolve() / "tether"
    assert state_dir_for(repo / "sub") == (repo / ".git").resolve() / "tether"
    assert not (repo / ".git" / "tether").exists()  # nothing created


def test_state_dir_in_git_worktree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "init")
    _git(repo, "worktree", "add", "-q", str(tmp_path / "wt"))
    expected = (repo / ".git" / "worktrees" / "wt").resolve() / "tether"
    assert state_dir_for(tmp_path / "wt") == expected


def test_state_dir_walks_up_without_git(tmp_path: Path, no_git: None) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "a" / "b").mkdir(parents=True)
    assert state_dir_for(repo / "a" / "b") == repo.resolve() / ".git" / "tether"


def test_state_dir_reads_gitfile_without_git(tmp_path: Path, no_git: None) -> None:
    real = tmp_path / "main" / ".git" / "worktrees" / "wt"
    real.mkdir(parents=True)
    wt = tmp_path / "wt"
    wt.mkdir()
    (wt / ".git").write_text("gitdir: ../main/.git/worktrees/wt\n")
    assert state_dir_for(wt) == real.resolve() / "tether"


def test_state_dir_outside_git_uses_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    key = hashlib.sha1(str(plain.resolve()).encode()).hexdigest()[:16]
    assert state_dir_for(plain) == tmp_path / "state" / "tether" / key
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir_for(plain) == tmp_path / "home" / ".local" / "state" / "tether" / key
    assert not (tmp_path / "state").exists()


def test_user_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert user_config_dir() == tmp_path / "cfg" / "tether"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_config_dir() == tmp_path / "home" / ".config" / "tether"
