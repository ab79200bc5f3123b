"""The few git plumbing commands Tether needs, with errors that say what failed.

The index is written through git itself (``hash-object`` + ``update-index``),
which takes git's lock file and renames it into place; the working tree is
never written by git, only by ``app.core.atomic``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import GitError

_BASE = ("git", "-c", "core.quotepath=false", "-c", "color.ui=false", "-c", "core.autocrlf=false")


@dataclass(frozen=True, slots=True)
class IndexEntry:
    mode: str
    sha: str


@dataclass(frozen=True, slots=True)
class Change:
    """A path that differs between the index and the working tree."""

    path: str
    status: str  # "M", "A" (untracked), "D", "T" (type change)


def run_git(root: Path, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    try:
        proc = subprocess.run(
            [*_BASE, *args], cwd=root, input=input, capture_output=True, env=env, check=False
        )
    except FileNotFoundError:
        raise GitError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
        raise GitError(f"git {' '.join(args[:3])}: {msg}")
    return proc.stdout


def run_git_together(root: Path, *commands: tuple[str, ...]) -> list[bytes]:
    """Run several git commands at once; their outputs, in order (GitError
    naming the first that failed)."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C")
    procs = []
    try:
        for args in commands:
            procs.append(
                (
                    args,
                    subprocess.Popen(
                        [*_BASE, *args],
                        cwd=root,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        env=env,
                    ),
                )
            )
    except FileNotFoundError:
        for _args, proc in procs:
            proc.kill()
            proc.wait()
        raise GitError("git is not installed or not on PATH") from None
    outputs = []
    failed: GitError | None = None
    for args, proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0 and failed is None:
            msg = err.decode("utf-8", "replace").strip() or f"exit {proc.returncode}"
            failed = GitError(f"git {' '.join(args[:3])}: {msg}")
        outputs.append(out)
    if failed is not None:
        raise failed
    return outputs


def find_root(start: Path) -> Path | None:
    """The top of the git working tree containing ``start``, or None."""
    try:
        out = run_git(start, "rev-parse", "--show-toplevel", check=True)
    except GitError:
        return None
    return Path(out.decode().strip())


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def worktree_changes(self) -> list[Change]:
        """Tracked changes against the index, then untracked files. The two git
        commands run at once: in a big repository each walks every file."""
        diff_args = ("diff", "--name-status", "--no-renames", "-z")
        other_args = ("ls-files", "--others", "--exclude-standard", "-z")
        out, untracked = run_git_together(self.root, diff_args, other_args)
        parts = out.decode("utf-8", "surrogateescape").split("\0")
        changes: list[Change] = []
        for i in range(0, len(parts) - 1, 2):
            status, path = parts[i], parts[i + 1]
            if status in ("U",):
                continue  # unmerged paths belong to the merge tool
            changes.append(Change(path, status[:1]))
        for path in untracked.decode("utf-8", "surrogateescape").split("\0"):
            if path:
                changes.append(Change(path, "A"))
        return changes

    def index_entries(self, paths: list[str] | None = None) -> dict[str, IndexEntry]:
        args = ["ls-files", "--stage", "-z"]
        if paths is not None:
            if not paths:
                return {}
            args += ["--", *paths]
        out = run_git(self.root, *args)
        entries: dict[str, IndexEntry] = {}
        for record in out.decode("utf-8", "surrogateescape").split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, sha, stage = meta.split()
            if stage == "0":
                entries[path] = IndexEntry(mode, sha)
        return entries

    def read_blob(self, sha: str) -> bytes:
        return run_git(self.root, "cat-file", "blob", sha)

    def write_blob(self, data: bytes) -> str:
        return run_git(self.root, "hash-object", "-w", "--stdin", input=data).decode().strip()

    def set_index(self, path: str, mode: str, sha: str) -> None:
        run_git(self.root, "update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}")

    def remove_from_index(self, path: str) -> None:
        run_git(self.root, "update-index", "--force-remove", "--", path)

    def patch_for(self, spec: str) -> bytes:
        """The diff named by a revision (its own changes) or a range ``A..B``."""
        common = ("--no-color", "--no-ext-diff", "-M", "--full-index")
        if ".." in spec:
            left, _, right = spec.partition("...") if "..." in spec else spec.partition("..")
            if "..." in spec:
                return run_git(self.root, "diff", *common, spec)
            return run_git(self.root, "diff", *common, left or "HEAD", right or "HEAD")
        return run_git(self.root, "show", "--format=", *common, spec)

    def is_revision(self, spec: str) -> bool:
        try:
            run_git(self.root, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
        except GitError:
            return False
        return True
