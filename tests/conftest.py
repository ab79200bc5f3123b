"""Shared fixtures: an isolated home, the bundled sample repository, the TUI app."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.core.sources import open_session, open_source
from app.demo import make_sample_repo

if TYPE_CHECKING:  # Textual is imported only by the tests that build the app
    from app.tui.review_app import ReviewApp

# The three files the sample change touches (see app/samples/change.patch).
REPORT = "inventory/report.py"
STOCK = "inventory/stock.py"
NEW_TEST = "inventory/test_stock.py"

AppFactory = Callable[..., "ReviewApp"]


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and the XDG dirs inside ``tmp_path``; no user or system git config.

    Nothing a test does can read or write the real home (Tether's config and
    state, git's global config); editors come only from the test itself.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for variable in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "VISUAL", "EDITOR"):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture
def sample_repo(tmp_path: Path, isolated_home: Path) -> Path:
    """A git repo of the sample project with the sample change unstaged.

    Tether's journal and blobs go to ``<repo>/.git/tether`` (the default for
    a git repository), so they vanish with ``tmp_path``.
    """
    return make_sample_repo(tmp_path / "inventory")


def build_app(repo: Path, *, theme: str = "dark", context: int = 3) -> ReviewApp:
    """The app exactly as ``tether review`` builds it for the working tree."""
    from app.tui.review_app import ReviewApp

    source = open_source(None, repo)
    session = open_session(source, context=context)
    return ReviewApp(session, label=source.label, theme=theme)


@pytest.fixture
def make_app(sample_repo: Path) -> AppFactory:
    """``make_app(theme=..., context=..., repo=...)`` → a fresh ReviewApp (new session)."""

    def make(*, repo: Path | None = None, theme: str = "dark", context: int = 3) -> ReviewApp:
        return build_app(repo or sample_repo, theme=theme, context=context)

    return make


def git(repo: Path, *args: str) -> bytes:
    """Run git in ``repo`` and return its stdout (raises on failure)."""
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, timeout=30
    ).stdout


def index_bytes(repo: Path, path: str) -> bytes | None:
    """The staged content of ``path``, or None when it is not in the index."""
    proc = subprocess.run(
        ["git", "show", f":{path}"], cwd=repo, capture_output=True, timeout=30, check=False
    )
    return proc.stdout if proc.returncode == 0 else None


def head_bytes(repo: Path, path: str) -> bytes | None:
    """The committed content of ``path``, or None when HEAD does not have it."""
    proc = subprocess.run(
        ["git", "show", f"HEAD:{path}"], cwd=repo, capture_output=True, timeout=30, check=False
    )
    return proc.stdout if proc.returncode == 0 else None


def worktree_bytes(repo: Path, path: str) -> bytes | None:
    target = repo / path
    return target.read_bytes() if target.exists() else None


@dataclass(frozen=True)
class RepoState:
    """Everything a decision may change: the index (modes, blobs) and the files."""

    index: bytes
    files: dict[str, bytes | None]
    untracked: bytes


def repo_state(repo: Path) -> RepoState:
    return RepoState(
        index=git(repo, "ls-files", "--stage", "-z"),
        files={p: worktree_bytes(repo, p) for p in (REPORT, STOCK, NEW_TEST)},
        untracked=git(repo, "ls-files", "--others", "--exclude-standard", "-z"),
    )


def staged_names(repo: Path) -> list[str]:
    return git(repo, "diff", "--cached", "--name-only").decode().split()


def unstaged_names(repo: Path) -> list[str]:
    return git(repo, "diff", "--name-only").decode().split()
