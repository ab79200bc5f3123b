"""Turning what the user typed (``REV``, ``A..B``, a patch file, ``-``) into a review."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from app.core.backends import PatchBackend, WorktreeBackend
from app.core.blobs import BlobStore
from app.core.errors import GitError, PatchParseError, TetherError
from app.core.gitrepo import GitRepo, find_root
from app.core.journal import Journal
from app.core.locations import state_dir_for
from app.core.session import Backend, ReviewSession
from app.core.unified import parse_patch


@dataclass(frozen=True, slots=True)
class Source:
    backend: Backend
    key: str
    label: str


def open_source(spec: str | None, cwd: Path, *, stdin: bytes | None = None) -> Source:
    """Resolve a review source; bare ``None`` means working tree against the index."""
    root = find_root(cwd)
    if spec is None:
        if root is None:
            raise GitError(
                f"{cwd} is not inside a git repository; give a patch file or run `git init`"
            )
        return Source(WorktreeBackend(root), "worktree", "working tree vs index")
    if spec == "-":
        data = stdin if stdin is not None else sys.stdin.buffer.read()
        return _patch_source(data, "<stdin>", root or cwd)
    path = Path(spec)
    candidate = path if path.is_absolute() else cwd / path
    if candidate.is_file():
        return _patch_source(candidate.read_bytes(), spec, root or cwd)
    if root is None:
        raise TetherError(f"{spec!r} is not a file, and {cwd} is not a git repository")
    repo = GitRepo(root)
    if ".." in spec or repo.is_revision(spec):
        try:
            data = repo.patch_for(spec)
        except GitError as exc:
            raise TetherError(f"{spec!r} is not a valid revision or range: {exc.message}") from None
        if not data.strip():
            raise TetherError(f"{spec!r} has no changes to review")
        return _patch_source(data, spec, root)
    raise TetherError(f"{spec!r} is neither a patch file, a revision nor a range A..B")


def _patch_source(data: bytes, label: str, root: Path) -> Source:
    patch = parse_patch(data, source=label)
    if not patch.files:
        raise PatchParseError("no file changes found", path=label)
    key = "patch:" + hashlib.sha1(data).hexdigest()[:16]
    return Source(PatchBackend(root, patch), key, label)


def open_session(source: Source, *, context: int = 3) -> ReviewSession:
    state = state_dir_for(source.backend.root)
    return ReviewSession(
        source.backend,
        journal=Journal(state / "journal.jsonl"),
        blobs=BlobStore(state / "blobs"),
        source=source.key,
        context=context,
    )
