"""The few git plumbing commands Tether needs, with errors that say what failed.

The index is written through git itself (``hash-object`` + ``update-index``),
which takes git's lock file and renames it into place; the working tree is
never written by git, only by ``app.core.atomic``.

The user's ``core.autocrlf`` is git's, not overridden: what differs, and how a
file is cleaned and smudged (``app.core.gitfilters``), is what ``git diff``
and ``git add -p`` would say.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import GitError

_BASE = ("git", "-c", "core.quotepath=false", "-c", "color.ui=false")


@dataclass(frozen=True, slots=True)
class IndexEntry:
    mode: str
    sha: str


@dataclass(frozen=True, slots=True)
class Change:
    """A path that differs between the index and the working tree."""

    path: str
    status: str  # "M", "A" (untracked), "D", "T" (type change), "R" (renamed)
    old_path: str | None = None  # a rename's old name


def run_git(
    root: Path,
    *args: str,
    input: bytes | None = None,
    check: bool = True,
    env: Mapping[str, str] | None = None,
) -> bytes:
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0", LC_ALL="C", **(env or {}))
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


def inside_git_dir(start: Path) -> bool:
    """Whether ``start`` is in a repository's git dir (``.git`` or below)."""
    out = run_git(start, "rev-parse", "--is-inside-git-dir", check=False)
    return out.strip() == b"true"


def under_folder(path: str, folder: str) -> bool:
    """Whether repository-relative ``path`` is inside ``folder`` ("" is the
    whole repository): the one rule of what ``tether watch FOLDER`` reviews."""
    return not folder or path.startswith(folder + "/")


def attributes_file(path: str) -> bool:
    """Whether ``path`` is a ``.gitattributes`` (it can change how git cleans
    every file below its folder)."""
    return path == ".gitattributes" or path.endswith("/.gitattributes")


def folder_pathspec(folder: str) -> tuple[str, ...]:
    """The pathspec of everything under ``folder`` (repository-relative; "" is
    the whole repository), its name taken literally, not as a glob."""
    return ("--", f":(literal){folder}") if folder else ()


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root

    def worktree_changes(self, folder: str = "", *, renames: bool = False) -> list[Change]:
        """Tracked changes against the index, then untracked files, under
        ``folder`` (all of them by default). The two git commands run at once:
        in a big repository each walks every file."""
        spec = folder_pathspec(folder)
        diff_args = ("diff", "--name-status", "--no-renames", "-z", *spec)
        other_args = ("ls-files", "--others", "--exclude-standard", "-z", *spec)
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
        return self._find_renames(changes) if renames else changes

    def _find_renames(self, changes: list[Change]) -> list[Change]:
        """Deleted files that reappear, untracked, under another name, paired
        as ``git diff -M`` pairs them. git sees untracked files only once they
        are in the index, so they are added with intent-to-add (``git add
        -N``) to a copy of the index: the real one is never touched."""
        deleted = {c.path for c in changes if c.status == "D"}
        added = [c.path for c in changes if c.status == "A"]
        if not deleted or not added:
            return changes
        git_dir, _objects = self.git_dirs()
        with tempfile.TemporaryDirectory(prefix="tether-index-") as scratch:
            index = Path(scratch) / "index"
            if (git_dir / "index").is_file():
                shutil.copyfile(git_dir / "index", index)
            env = {"GIT_INDEX_FILE": str(index)}
            names = "\0".join(added).encode("utf-8", "surrogateescape")
            run_git(
                self.root,
                "add",
                "-N",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
                input=names,
                env=env,
            )
            paths = sorted(deleted) + added
            out = run_git(
                self.root,
                "diff",
                "-M",
                "--name-status",
                "-z",
                "--diff-filter=R",
                "--",
                *(f":(literal){p}" for p in paths),
                env=env,
            )
        parts = out.decode("utf-8", "surrogateescape").split("\0")
        renames: dict[str, str] = {}  # new -> old
        for i in range(0, len(parts) - 2, 3):
            if parts[i].startswith("R") and parts[i + 1] in deleted:
                renames[parts[i + 2]] = parts[i + 1]
        if not renames:
            return changes
        gone = set(renames.values())
        out_changes: list[Change] = []
        for change in changes:
            if change.status == "D" and change.path in gone:
                continue
            if change.status == "A" and change.path in renames:
                change = Change(change.path, "R", renames[change.path])
            out_changes.append(change)
        return out_changes

    def index_entries(self, paths: list[str] | None = None) -> dict[str, IndexEntry]:
        args = ["ls-files", "--stage", "-z"]
        if paths is not None:
            if not paths:
                return {}
            args += ["--", *paths]
        return _parse_entries(run_git(self.root, *args))

    def entry_and_attributes(self, path: str) -> tuple[IndexEntry | None, dict[str, str]]:
        """The index entry of ``path`` and its conversion attributes (what
        ``git check-attr`` says, unspecified ones left out), asked at once."""
        listing, attrs = run_git_together(
            self.root,
            ("ls-files", "--stage", "-z", "--", path),
            ("check-attr", "-z", *CONVERSION_ATTRIBUTES, "--", path),
        )
        return _parse_entries(listing).get(path), _parse_attributes(attrs).get(path, {})

    def read_blob(self, sha: str) -> bytes:
        return run_git(self.root, "cat-file", "blob", sha)

    def write_blob(self, data: bytes) -> str:
        """Store ``data`` as a blob exactly as given (no filters: it is in index form)."""
        return run_git(self.root, "hash-object", "-w", "--stdin", input=data).decode().strip()

    def set_index(self, path: str, mode: str, sha: str) -> None:
        run_git(self.root, "update-index", "--add", "--cacheinfo", f"{mode},{sha},{path}")

    def remove_from_index(self, path: str) -> None:
        run_git(self.root, "update-index", "--force-remove", "--", path)

    def config(self, key: str) -> str | None:
        """A config value as git reads it (repository, global, system), or None."""
        out = run_git(self.root, "config", "--get", key, check=False)
        return out.decode("utf-8", "replace").strip() or None

    def git_dirs(self) -> tuple[Path, Path]:
        """The repository's git dir and its object directory, absolute."""
        out = run_git(self.root, "rev-parse", "--absolute-git-dir", "--git-path", "objects")
        git_dir, objects = out.decode("utf-8", "surrogateescape").splitlines()[:2]
        return Path(git_dir), (self.root / objects).resolve()

    def patch_for(self, spec: str) -> bytes:
        """The diff named by a revision (its own changes) or a range ``A..B``."""
        common = ("--no-color", "--no-ext-diff", "-M", "--full-index", "--binary")
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


# The attributes that make git convert a file between the index and the
# working tree (gitattributes(5), "Effects").
CONVERSION_ATTRIBUTES = ("filter", "text", "eol", "crlf", "ident", "working-tree-encoding")


def _parse_entries(out: bytes) -> dict[str, IndexEntry]:
    entries: dict[str, IndexEntry] = {}
    for record in out.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, path = record.split("\t", 1)
        mode, sha, stage = meta.split()
        if stage == "0":
            entries[path] = IndexEntry(mode, sha)
    return entries


def _parse_attributes(out: bytes) -> dict[str, dict[str, str]]:
    """``check-attr -z`` output (path, attribute, value triples) -> path ->
    attribute -> value ("set", "unset" or the value), unspecified ones left out."""
    parts = out.decode("utf-8", "surrogateescape").split("\0")
    found: dict[str, dict[str, str]] = {}
    for i in range(0, len(parts) - 2, 3):
        path, name, value = parts[i : i + 3]
        attrs = found.setdefault(path, {})
        if value != "unspecified":
            attrs[name] = value
    return found
