"""Where a review's two states live, per source (see BRIEF's core model).

- ``WorktreeBackend``: accepted = the git index, proposed = the working tree.
  Accept stages; reject reverts the working tree.
- ``PatchBackend``: accepted = the working tree, proposed = memory (a patch
  file, stdin or a revision applied on top). Accept writes the working tree;
  reject only changes memory.
- ``ProposalBackend``: accepted = the working tree, proposed = memory (a
  model's edits, arriving while it writes).
- ``BaselineBackend`` (``baseline.py``): accepted = Tether's snapshot outside
  git, proposed = the working tree.

What a backend can do beyond the ``Backend`` protocol is explicit, not probed:
``proposals`` is the store a model's edits go to (or None), ``index`` the view
of an accepted side that others may stage into (or None), and
``set_original`` is how a patch review learns what a file held before it
first wrote it.

Every write checks that the target still holds what Tether last read, so a
change made by someone else is never overwritten (StaleFileError).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from app.core.atomic import atomic_delete, atomic_write, read_bytes_in_root
from app.core.errors import (
    ApplyError,
    BinaryFileError,
    PatchParseError,
    StaleFileError,
    UnsafePathError,
)
from app.core.gitrepo import GitRepo
from app.core.model import FilePatch, FileReview, FileStatus, Patch, Side
from app.core.patchapply import apply_sections
from app.core.patchnames import choose_name
from app.core.paths import resolve_in_root
from app.core.text import decode_text

# Files larger than this are listed and diffed only when opened.
LARGE_FILE = 8 * 1024 * 1024


# The text a file had before this review first wrote it, given what it holds now.
OriginalLookup = Callable[[str, str | None], str | None]


class ProposalStore(Protocol):
    """Where a model's proposed texts are kept (the loop's backend)."""

    def set_proposal(self, path: str, text: str | None) -> None: ...
    def current_text(self, path: str) -> str | None: ...


class IndexView(Protocol):
    """An accepted side that someone else may change (git's index): the
    blob sha it holds per path, to tell another stage from Tether's own."""

    def accepted_shas(self, paths: list[str]) -> dict[str, str | None]: ...


class Backend(Protocol):
    accepted_side: Side
    proposed_side: Side
    kind: str
    root: Path
    proposals: ProposalStore | None
    index: IndexView | None

    def files(self) -> list[FileReview]: ...
    def load(self, fr: FileReview) -> None: ...
    def read(self, side: Side, fr: FileReview) -> bytes | None: ...
    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None: ...
    def file_for(self, path: str) -> FileReview | None: ...
    def set_original(self, lookup: OriginalLookup) -> None: ...


def encode(text: str | None) -> bytes | None:
    return None if text is None else text.encode("utf-8")


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _decode(data: bytes | None, path: str) -> str | None:
    return None if data is None else decode_text(data, path)


def _worktree_mode(root: Path, path: str) -> str:
    try:
        st = os.lstat(root / path)
    except FileNotFoundError:
        return "100644"
    return "100755" if st.st_mode & stat.S_IXUSR else "100644"


class WorktreeBackend:
    accepted_side = Side.INDEX
    proposed_side = Side.WORKTREE
    kind = "worktree"
    proposals: ProposalStore | None = None

    def __init__(self, root: Path) -> None:
        self.root = root
        self.repo = GitRepo(root)
        self.index: IndexView | None = self

    def set_original(self, lookup: OriginalLookup) -> None:
        pass  # the index is the accepted side: nothing to reopen

    def accepted_shas(self, paths: list[str]) -> dict[str, str | None]:
        entries = self.repo.index_entries(paths)
        return {path: (entries[path].sha if path in entries else None) for path in paths}

    def files(self) -> list[FileReview]:
        out: list[FileReview] = []
        for change in self.repo.worktree_changes():
            status = {"A": FileStatus.ADDED, "D": FileStatus.DELETED}.get(
                change.status, FileStatus.MODIFIED
            )
            out.append(FileReview(change.path, status))
        return out

    def file_for(self, path: str) -> FileReview | None:
        return FileReview(path, FileStatus.MODIFIED)

    def load(self, fr: FileReview) -> None:
        entry = self.repo.index_entries([fr.path]).get(fr.path)
        fr.mode = entry.mode if entry else _worktree_mode(self.root, fr.path)
        if (entry and entry.mode in ("120000", "160000")) or os.path.islink(self.root / fr.path):
            fr.note = "symlink or submodule; listed, not reviewed"
            return
        try:
            fr.accepted = _decode(self.repo.read_blob(entry.sha) if entry else None, fr.path)
            fr.proposed = _decode(read_bytes_in_root(self.root, fr.path), fr.path)
        except BinaryFileError as exc:
            fr.note = exc.message

    def read(self, side: Side, fr: FileReview) -> bytes | None:
        if side is Side.INDEX:
            entry = self.repo.index_entries([fr.path]).get(fr.path)
            return self.repo.read_blob(entry.sha) if entry else None
        return read_bytes_in_root(self.root, fr.path)

    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None:
        if side is Side.INDEX:
            self._write_index(fr, before, after)
        else:
            _write_worktree(self.root, fr.path, before, after)

    def _write_index(self, fr: FileReview, before: str | None, after: str | None) -> None:
        entry = self.repo.index_entries([fr.path]).get(fr.path)
        expected = encode(before)
        current_sha = entry.sha if entry else None
        if current_sha != (git_blob_sha(expected) if expected is not None else None):
            raise StaleFileError(
                "the index entry changed since it was read (staged elsewhere?)", path=fr.path
            )
        if after is None:
            self.repo.remove_from_index(fr.path)
        else:
            sha = self.repo.write_blob(after.encode("utf-8"))
            self.repo.set_index(fr.path, fr.mode or "100644", sha)


def _write_worktree(root: Path, path: str, before: str | None, after: str | None) -> None:
    if after is None:
        atomic_delete(root, path, expected=encode(before))
    else:
        atomic_write(root, path, after.encode("utf-8"), expected=encode(before))


class PatchBackend:
    accepted_side = Side.WORKTREE
    proposed_side = Side.MEMORY
    kind = "patch"
    proposals: ProposalStore | None = None
    index: IndexView | None = None

    def __init__(self, root: Path, patch: Patch) -> None:
        self.root = root
        self.patch = patch
        # Set by the session: the text a file had before this review's first
        # write to it, so a partly accepted patch can be reopened.
        self.original: OriginalLookup = lambda _path, _now: None
        # Path -> the patch's sections for it, in order (files() fills it).
        self.sections: dict[str, list[FilePatch]] = {}

    def set_original(self, lookup: OriginalLookup) -> None:
        self.original = lookup

    def _exists(self, name: str) -> bool:
        try:
            return resolve_in_root(self.root, name).is_file()
        except (UnsafePathError, OSError):
            return False  # refused by load, which checks every path it is given

    def files(self) -> list[FileReview]:
        out = []
        self.sections = {}
        for fp in (choose_name(parsed, self._exists) for parsed in self.patch.files):
            # git applies a file's later sections to what the earlier left:
            # one file of the review, its sections applied in turn by load.
            if fp.path in self.sections:
                self.sections[fp.path].append(fp)
                continue
            self.sections[fp.path] = [fp]
            fr = FileReview(fp.path, fp.status, old_path=fp.old_path, source_patch=fp)
            if fp.binary:
                fr.note = fp.note or "binary change; listed, not applied"
            elif not fp.hunks and fp.status is FileStatus.RENAMED:
                fr.note = f"a rename from {fp.old_path} with no changes; Tether does not apply pure renames (use git mv)"
            elif not fp.hunks and fp.mode_changed:
                fr.note = (
                    f"a mode change only ({fp.old_mode} → {fp.new_mode}); not applied (use chmod)"
                )
            out.append(fr)
        return out

    def file_for(self, path: str) -> FileReview | None:
        return None  # every file of a patch is always listed

    def load(self, fr: FileReview) -> None:
        fp = fr.source_patch
        assert fp is not None
        if fr.note:
            return
        try:
            # Every path the patch names is checked before anything is read or written.
            sections = self.sections.get(fp.path, [fp])
            for named in {n for part in sections for n in (part.path, part.old_path)} - {None}:
                resolve_in_root(self.root, str(named))
            src = fp.path if fp.status is FileStatus.ADDED else (fp.old_path or fp.path)
            data = read_bytes_in_root(self.root, src)
            fr.accepted = None if data is None else decode_text(data, src)
            # A file this review already wrote (a patch reopened after some of it
            # was accepted) applies against the text it had before; anything
            # else must be exactly as the patch expects.
            original = self.original(fp.path, fr.accepted)
            try:
                fr.proposed = apply_sections(fr.accepted, sections, path=fp.path)
            except ApplyError:
                if original is None:
                    raise
                fr.proposed = apply_sections(original, sections, path=fp.path, existence=False)
            if fr.accepted is None and fp.may_create:
                fr.status = FileStatus.ADDED  # @@ -0,0 on a missing file creates it, as in git
            if fr.proposed is not None and "\0" in fr.proposed and "\0" not in (fr.accepted or ""):
                fr.proposed = None
                raise BinaryFileError(
                    "the patch would put a NUL byte (binary content) into this text file; refused",
                    path=fp.path,
                )
        except (ApplyError, BinaryFileError, PatchParseError, UnsafePathError) as exc:
            fr.note = str(exc)

    def read(self, side: Side, fr: FileReview) -> bytes | None:
        if side is Side.MEMORY:
            return encode(fr.proposed)
        return read_bytes_in_root(self.root, self._accepted_path(fr))

    def _accepted_path(self, fr: FileReview) -> str:
        # Until the first accept, a renamed file's accepted text is at its old path.
        renamed = fr.old_path and fr.old_path != fr.path and fr.status is FileStatus.RENAMED
        if renamed and read_bytes_in_root(self.root, fr.path) is None:
            return str(fr.old_path)
        return fr.path

    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None:
        if side is Side.MEMORY:
            return
        src = self._accepted_path(fr)
        if src != fr.path:
            # The first accept of a renamed file performs the rename.
            _write_worktree(self.root, fr.path, None, after)
            atomic_delete(self.root, src, expected=encode(before))
            return
        _write_worktree(self.root, fr.path, before, after)


class ProposalBackend:
    """An LLM proposal: accepted = the working tree, proposed = memory.

    Files join the review as the model's edits arrive (``propose``).
    """

    accepted_side = Side.WORKTREE
    proposed_side = Side.MEMORY
    kind = "proposal"
    index: IndexView | None = None

    def __init__(self, root: Path) -> None:
        self.root = root
        self.texts: dict[str, str | None] = {}
        self.proposals: ProposalStore | None = self

    def set_original(self, lookup: OriginalLookup) -> None:
        pass  # proposals live in memory for one session: nothing to reopen

    def set_proposal(self, path: str, text: str | None) -> None:
        self.texts[path] = text

    def files(self) -> list[FileReview]:
        return []

    def file_for(self, path: str) -> FileReview | None:
        if path not in self.texts:
            return None
        return FileReview(path, FileStatus.MODIFIED)

    def current_text(self, path: str) -> str | None:
        """The working tree's text of ``path`` (what an edit applies to first)."""
        return _decode(read_bytes_in_root(self.root, path), path)

    def load(self, fr: FileReview) -> None:
        try:
            fr.accepted = self.current_text(fr.path)
        except BinaryFileError as exc:
            fr.note = exc.message
            return
        fr.proposed = self.texts.get(fr.path, fr.accepted)
        if fr.accepted is None:
            fr.status = FileStatus.ADDED
        elif fr.proposed is None:
            fr.status = FileStatus.DELETED

    def read(self, side: Side, fr: FileReview) -> bytes | None:
        if side is Side.MEMORY:
            return encode(fr.proposed)
        return read_bytes_in_root(self.root, fr.path)

    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None:
        if side is Side.MEMORY:
            self.texts[fr.path] = after
            return
        _write_worktree(self.root, fr.path, before, after)
