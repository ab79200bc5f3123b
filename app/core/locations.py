"""Where Tether keeps its state and configuration. Nothing here creates directories."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _xdg(variable: str, default: str) -> Path:
    value = os.environ.get(variable, "")
    # The XDG spec says relative values are invalid and must be ignored.
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def _git_dir_from_git(root: Path) -> Path | None:
    import subprocess  # here: the hook's start-up (state_dir_near) never runs git

    try:
        result = subprocess.run(
            ["git", "rev-parse", "--absolute-git-dir"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = result.stdout.strip()
    return Path(out) if result.returncode == 0 and out else None


def _read_gitfile(gitfile: Path) -> Path | None:
    """The git dir a worktree's or submodule's ``.git`` file points to."""
    try:
        text = gitfile.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None
    first = text.splitlines()[0] if text else ""
    if not first.startswith("gitdir:"):
        return None
    target = Path(first[len("gitdir:") :].strip())
    return (gitfile.parent / target).resolve()


def _git_dir_by_walking(root: Path) -> Path | None:
    """Find ``.git`` from ``root`` upwards, honouring GIT_CEILING_DIRECTORIES."""
    start = root.resolve()
    ceilings = {
        Path(p).resolve()
        for p in os.environ.get("GIT_CEILING_DIRECTORIES", "").split(os.pathsep)
        if p and os.path.isabs(p)
    }
    for directory in (start, *start.parents):
        if directory != start and directory in ceilings:
            return None
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            return _read_gitfile(dot_git)
    return None


def git_dir_for(root: Path) -> Path | None:
    """The git directory of the repository containing ``root``, or None."""
    return _git_dir_from_git(root) or _git_dir_by_walking(root)


# Git's environment can put the repository anywhere; walking up cannot know.
_GIT_PLACES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


def state_dir_near(start: Path) -> Path | None:
    """``state_dir_for`` the repository holding ``start``, found without running
    git: by walking up to its ``.git`` (a worktree's ``.git`` file followed).
    None when git's environment may place the repository elsewhere or no
    ``.git`` is found; ask ``state_dir_for`` then. For the hook's start-up,
    which every agent edit pays."""
    if any(os.environ.get(name) for name in _GIT_PLACES):
        return None
    git_dir = _git_dir_by_walking(start)
    return git_dir / "tether" if git_dir is not None else None


def state_dir_for(root: Path) -> Path:
    """Tether's state directory for ``root`` (journal, blobs); not created here.

    In a git repository it is ``<git-dir>/tether`` (per worktree, since each
    worktree has its own git dir); elsewhere
    ``$XDG_STATE_HOME/tether/<first 16 hex of sha1(resolved root)>``.
    """
    git_dir = git_dir_for(root)
    if git_dir is not None:
        return git_dir / "tether"
    key = hashlib.sha1(os.fsencode(str(root.resolve()))).hexdigest()[:16]
    return _xdg("XDG_STATE_HOME", ".local/state") / "tether" / key


def user_state_dir() -> Path:
    """``$XDG_STATE_HOME/tether`` (default ``~/.local/state/tether``); not created here."""
    return _xdg("XDG_STATE_HOME", ".local/state") / "tether"


def user_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/tether`` (default ``~/.config/tether``); not created here."""
    return _xdg("XDG_CONFIG_HOME", ".config") / "tether"
