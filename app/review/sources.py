"""Turning what the user typed into a review: ``REV``, ``A..B``, a patch file,
``-``, the working tree (``tether review``, ``tether watch``), a folder outside
git (a baseline snapshot), or a model's proposals (the loop).

Every session is made here, with its journal, blob store and lock in the
repository's state dir.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.backends import Backend, ProposalBackend, WorktreeBackend
from app.core.baseline import BaselineBackend
from app.core.blobs import BlobStore
from app.core.errors import GitError, PatchParseError, TetherError
from app.core.gitrepo import GitRepo, find_root, inside_git_dir
from app.core.journal import Journal
from app.core.locations import state_dir_for
from app.core.patch_backend import PatchBackend
from app.core.unified import parse_patch
from app.review.replies import detect, reply_patch
from app.review.service import ReviewService
from app.review.session import ReviewSession


@dataclass(frozen=True, slots=True)
class Source:
    backend: Backend
    key: str
    label: str


def open_source(
    spec: str | None, cwd: Path, *, stdin: bytes | None = None, fmt: str = "auto"
) -> Source:
    """Resolve a review source; bare ``None`` means working tree against the index.
    A file or stdin may hold a unified diff, a V4A patch or SEARCH/REPLACE
    blocks (``fmt``: told from the text by default, see ``replies.py``)."""
    root = find_root(cwd)
    if spec is None:
        if root is None:
            raise GitError(
                f"{cwd} is not inside a git repository; give a patch file or run `git init`"
            )
        return Source(WorktreeBackend(root, renames=True), "worktree", "working tree vs index")
    if spec == "-":
        data = stdin if stdin is not None else sys.stdin.buffer.read()
        return _patch_source(data, "<stdin>", root or cwd, fmt)
    path = Path(spec)
    candidate = path if path.is_absolute() else cwd / path
    if candidate.is_file():
        return _patch_source(candidate.read_bytes(), spec, root or cwd, fmt)
    if candidate.is_dir():
        raise TetherError(f"{spec!r} is a folder, not a patch file")
    if root is None:
        raise TetherError(
            f"no such file: {spec!r} (and {cwd} is not in a git repository, so not a revision)"
        )
    repo = GitRepo(root)
    if ".." in spec or repo.is_revision(spec):
        try:
            data = repo.patch_for(spec)
        except GitError as exc:
            raise TetherError(f"{spec!r} is not a valid revision or range: {exc.message}") from None
        if not data.strip():
            raise TetherError(f"{spec!r} has no changes to review")
        return _patch_source(data, spec, root)
    if _looks_like_path(spec):
        raise TetherError(f"no such file: {spec!r} (and not a revision either)")
    raise TetherError(f"unknown revision: {spec!r} (and no such file in {cwd})")


def _looks_like_path(spec: str) -> bool:
    """Whether the user most likely meant a file: a folder in it or a patch's suffix."""
    return "/" in spec or spec.endswith((".patch", ".diff"))


def _patch_source(data: bytes, label: str, root: Path, fmt: str = "unified") -> Source:
    if fmt != "unified":
        text = _reply_text(data, label)
        fmt = detect(text) if fmt == "auto" else fmt
    if fmt == "unified":
        patch = parse_patch(data, source=label)
    else:
        patch = reply_patch(text, fmt, root, label)
    if not patch.files:
        raise PatchParseError("no file changes found", path=label)
    key = "patch:" + hashlib.sha1(data).hexdigest()[:16]
    return Source(PatchBackend(root, patch), key, label)


def _reply_text(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return ""  # not text: parse_patch says where (a unified diff's rules)


def open_session(source: Source, *, context: int = 3, read_only: bool = False) -> ReviewSession:
    """The session of ``source``; ``read_only`` (a listing) never writes, not
    even the crash reconcile, so it cannot disturb another process's step."""
    return _session(source.backend, source.key, context=context, read_only=read_only)


def open_review(source: Source, *, context: int = 3, read_only: bool = False) -> ReviewService:
    return ReviewService(open_session(source, context=context, read_only=read_only))


def open_watch(target: Path) -> tuple[ReviewService, bool]:
    """``tether watch``: the working tree against the index in a git
    repository (True), limited to ``target`` when it is a folder of it, else
    against a baseline snapshot of ``target``. The source stays "worktree"
    either way: it is one index, so ``tether review`` can undo what a watch
    of a folder decided (and a folder's watch refuses to undo elsewhere)."""
    if inside_git_dir(target):
        # Outside git's work tree but in its own files: no review writes there.
        raise TetherError(f"{target} is inside a .git folder; give a folder of the working tree")
    root = find_root(target)
    if root is not None:
        worktree = WorktreeBackend(root, _folder_of(root, target))
        return ReviewService(_session(worktree, "worktree")), True
    backend = BaselineBackend(target, state_dir_for(target))
    return ReviewService(_session(backend, "baseline")), False


def _folder_of(root: Path, target: Path) -> str:
    """``target`` as a folder of the repository at ``root`` ("" for the root)."""
    try:
        rel = target.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise TetherError(f"{target} is not inside the repository at {root}") from None
    folder = "" if rel == "." else rel
    if folder == ".git" or folder.startswith(".git/"):
        raise TetherError(f"{target} is inside .git; give a folder of the working tree")
    return folder


def open_proposals(root: Path) -> ReviewService:
    """The loop's review: a model's proposals in memory on top of the working tree.
    Each loop is its own source (time and pid), so two never share an undo stack."""
    key = f"proposal:{time.strftime('%Y%m%dT%H%M%S')}:{os.getpid()}"
    return ReviewService(_session(ProposalBackend(root), key))


def _session(
    backend: Backend, key: str, *, context: int = 3, read_only: bool = False
) -> ReviewSession:
    state = state_dir_for(backend.root)
    return ReviewSession(
        backend,
        journal=Journal(state / "journal.jsonl"),
        blobs=BlobStore(state / "blobs"),
        source=key,
        context=context,
        read_only=read_only,
    )
