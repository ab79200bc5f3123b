"""Where a review's two states live, per source (see BRIEF's core model).

- ``WorktreeBackend``: accepted = the git index, proposed = the working tree
  as git cleans it (its index form). Accept stages; reject reverts the
  working tree. It may be limited to one folder (``tether watch FOLDER``).
- ``PatchBackend`` (``patch_backend.py``): accepted = the working tree, proposed = memory (a patch
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

from app.core import wholefile, worktree_whole
from app.core.atomic import atomic_delete, atomic_write, read_bytes_in_root
from app.core.errors import (
    ApplyError,
    BinaryFileError,
    StaleFileError,
    UnsafePathError,
)
from app.core.gitfilters import NONE, Conversion, GitFilters
from app.core.gitrepo import GitRepo, IndexEntry, under_folder
from app.core.model import FileReview, FileStatus, Side
from app.core.text import decode_text
from app.core.wholefile import WholeChange

# Files larger than this are listed and diffed only when opened.
LARGE_FILE = 8 * 1024 * 1024
# Working-tree texts a git review keeps per converted file, to write back exactly.
REPLACED_KEPT = 64


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


def encode(text: str | bytes | None) -> bytes | None:
    """A side's content as bytes (whole-file changes carry bytes already)."""
    if text is None or isinstance(text, bytes):
        return text
    return text.encode("utf-8")


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
    """The working tree against the index, compared as ``git add -p`` does.

    Both sides are in index (clean) form: the index blob, and the working
    tree's bytes cleaned by git for their path (``gitfilters``). So with
    ``eol=crlf`` a one-line edit is one changed line, and a secret a clean
    filter strips is never shown, nor staged. Accepting stores the new text
    as is: it is already what ``git apply --cached`` (which ``git add -p``
    runs) would store; cleaning it again could re-run a filter that is not
    idempotent. Rejecting writes the new text smudged, as ``git checkout -p``
    does, unless the file's filter driver would not give back what is on
    disk (a filter that strips something, with no smudge to restore it):
    writing it would also lose what the filter stripped from lines no hunk
    named, so that is refused. The conversion a file is written with is the
    one it was diffed with (its attributes are read when it is first loaded
    after a listing: a .gitattributes edit always brings one).

    With ``folder`` only files under it are listed, diffed and written.
    """

    accepted_side = Side.INDEX
    proposed_side = Side.WORKTREE
    kind = "worktree"
    proposals: ProposalStore | None = None

    def __init__(self, root: Path, folder: str = "", *, renames: bool = False) -> None:
        self.root = root
        self.folder = folder.strip("/")
        # Pair deleted and untracked files as git -M does (tether review);
        # a watch lists files one batch at a time, so it keeps them apart.
        self.renames = renames
        self.repo = GitRepo(root)
        self.filters = GitFilters(self.repo)
        self._conversions: dict[str, Conversion] = {}
        # Path -> sha1 of a clean text -> the bytes it was on disk before
        # this review wrote over them (see _raw_for).
        self._replaced: dict[str, dict[bytes, bytes]] = {}
        # Path -> a whole change's two states as git stages them (index, disk).
        self._whole_blobs: dict[str, tuple[bytes | None, bytes | None]] = {}
        self.index: IndexView | None = self

    def set_original(self, lookup: OriginalLookup) -> None:
        pass  # the index is the accepted side: nothing to reopen

    def covers(self, path: str) -> bool:
        """Whether ``path`` is under the folder this review is limited to."""
        return under_folder(path, self.folder)

    def _check_covered(self, path: str) -> None:
        if not self.covers(path):
            raise UnsafePathError(
                f"outside {self.folder}/, the folder this review is limited to; nothing was written",
                path=path,
            )

    def accepted_shas(self, paths: list[str]) -> dict[str, str | None]:
        entries = self.repo.index_entries(paths)
        return {path: (entries[path].sha if path in entries else None) for path in paths}

    def files(self) -> list[FileReview]:
        # A listing is what follows a .gitattributes edit (a batch naming one
        # always lists): the files loaded after it ask git for their rules again.
        self._conversions.clear()
        out: list[FileReview] = []
        for change in self.repo.worktree_changes(self.folder, renames=self.renames):
            if not self.covers(change.path):
                continue  # git's pathspec already limits it; a name never escapes
            status = {
                "A": FileStatus.ADDED,
                "D": FileStatus.DELETED,
                "R": FileStatus.RENAMED,
            }.get(change.status, FileStatus.MODIFIED)
            out.append(FileReview(change.path, status, old_path=change.old_path))
        return out

    def file_for(self, path: str) -> FileReview | None:
        return FileReview(path, FileStatus.MODIFIED) if self.covers(path) else None

    def load(self, fr: FileReview) -> None:
        self._check_covered(fr.path)
        fr.whole = None  # a reload decides again what kind of change it is
        conversion = self._conversions.get(fr.path)
        if conversion is None:
            entry, attributes = self.repo.entry_and_attributes(fr.path)
            conversion = self._conversions[fr.path] = self.filters.conversion(attributes)
        else:
            # Its rules are known: one git command, as when nothing converts.
            entry = self.repo.index_entries([fr.path]).get(fr.path)
        if fr.status is FileStatus.RENAMED and fr.old_path:
            moved_from = self.repo.index_entries([fr.old_path]).get(fr.old_path)
            if moved_from is None:  # the rename was staged: what is left is an edit
                fr.status, fr.old_path = FileStatus.MODIFIED, None
            else:
                entry = moved_from
        fr.mode = entry.mode if entry else _worktree_mode(self.root, fr.path)
        if entry and entry.mode == wholefile.GITLINK:
            fr.note = "a submodule; listed, not reviewed (git add it to stage its commit)"
            return
        if self._load_whole(fr, entry, conversion):
            return
        disk_mode = wholefile.mode_of(self.root, fr.path)
        if entry and disk_mode and disk_mode != entry.mode:
            fr.mode = disk_mode  # a chmod that comes with changed lines is staged with them
        try:
            fr.accepted = _decode(self.repo.read_blob(entry.sha) if entry else None, fr.path)
            raw = read_bytes_in_root(self.root, fr.path)
            clean = None if raw is None else self.filters.clean(fr.path, raw, conversion)
            fr.proposed = _decode(clean, fr.path)
        except BinaryFileError as exc:
            fr.note = exc.message

    def _load_whole(self, fr: FileReview, entry: IndexEntry | None, conversion: Conversion) -> bool:
        """A rename, a chmod alone, a link or a binary file: one whole hunk."""
        raw = wholefile.read_state_bytes(self.root, fr.path)
        is_link = os.path.islink(self.root / fr.path)
        clean = raw if raw is None or is_link else self.filters.clean(fr.path, raw, conversion)
        old_path = fr.old_path if fr.status is FileStatus.RENAMED else None
        change = worktree_whole.build(self.root, self.repo, fr.path, old_path, entry, clean)
        if change is None:
            return False
        fr.whole = change
        blob = self.repo.read_blob(entry.sha) if entry else None
        self._whole_blobs[fr.path] = (blob, clean)
        return True

    def _conversion(self, path: str) -> Conversion:
        found = self._conversions.get(path)
        if found is None:
            _entry, attributes = self.repo.entry_and_attributes(path)
            found = self._conversions[path] = self.filters.conversion(attributes)
        return found

    def read(self, side: Side, fr: FileReview) -> bytes | None:
        """A side's bytes in index form (what the review's texts are)."""
        if fr.whole is not None:
            change = fr.whole
            if side is Side.INDEX:
                state = change.new if change.state == "accepted" else change.old
                if state.path is None:
                    return None
                found = self.repo.index_entries([state.path]).get(state.path)
                return None if found is None else state.data
            state = change.old if change.state == "rejected" else change.new
            return wholefile.read_state_bytes(self.root, state.path) if state.path else None
        if side is Side.INDEX:
            entry = self.repo.index_entries([fr.path]).get(fr.path)
            return self.repo.read_blob(entry.sha) if entry else None
        raw = read_bytes_in_root(self.root, fr.path)
        return None if raw is None else self.filters.clean(fr.path, raw, self._conversion(fr.path))

    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None:
        self._check_covered(fr.path)
        if fr.whole is not None:
            self._write_whole(side, fr.whole, fr.path)
            return
        if side is Side.INDEX:
            self._write_index(fr, before, after)
        else:
            self._write_worktree(fr, before, after)

    def _write_whole(self, side: Side, change: WholeChange, path: str) -> None:
        """Stage a whole change (or take it back), or put the disk back to the
        index's state (or, undone, to what the disk held)."""
        old_blob, new_blob = self._whole_blobs.get(path, (change.old.data, change.new.data))
        if side is Side.INDEX:
            if change.state == "accepted":
                worktree_whole.write_index(self.repo, change.new, change.old, (new_blob, old_blob))
            else:
                worktree_whole.write_index(self.repo, change.old, change.new, (old_blob, new_blob))
            return
        back = change.state == "rejected"
        wholefile.write(
            self.root, *((change.old, change.new) if back else (change.new, change.old))
        )

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

    def _write_worktree(self, fr: FileReview, before: str | None, after: str | None) -> None:
        conversion = self._conversion(fr.path)
        if conversion is NONE or not conversion.converts:
            _write_worktree(self.root, fr.path, before, after)
            return
        raw = read_bytes_in_root(self.root, fr.path)
        now = None if raw is None else self.filters.clean(fr.path, raw, conversion)
        if now != encode(before):
            raise StaleFileError(
                "changed on disk since it was shown; nothing was written", path=fr.path
            )
        if after is None:
            atomic_delete(self.root, fr.path, expected=raw)
            return
        data = self._raw_for(fr.path, after.encode("utf-8"), conversion)
        if raw is not None and now is not None:
            self._check_round_trip(fr.path, raw, now, conversion)
            self._remember(fr.path, now, raw)
        atomic_write(self.root, fr.path, data, expected=raw)

    def _check_round_trip(
        self, path: str, raw: bytes, clean: bytes, conversion: Conversion
    ) -> None:
        """Refuse to rewrite a file whose filter driver does not give back what
        is on disk: the lines no hunk named would lose what the filter strips
        (a secret, a notebook's outputs). git's own eol and ident conversions
        only normalise, so they are left to git's rule."""
        if conversion.driver and self.filters.smudge(path, clean, conversion) != raw:
            raise ApplyError(
                f"not written: its filter ({conversion.driver}) does not give back what is on "
                "disk (clean, then smudge, changes it), so writing any hunk would also lose "
                "what the filter strips from the lines you keep (git checkout -p would). "
                "Edit the file yourself",
                path=path,
            )

    def _raw_for(self, path: str, clean: bytes, conversion: Conversion) -> bytes:
        """The bytes to put on disk for ``clean``: what this review found there
        for the same text, if it replaced such bytes (so undo gives back an
        expanded $Id$ or a line ending exactly), else git's smudge of it."""
        known = self._replaced.get(path, {}).get(hashlib.sha1(clean).digest())
        return known if known is not None else self.filters.smudge(path, clean, conversion)

    def _remember(self, path: str, clean: bytes, raw: bytes) -> None:
        # In memory only, as a secret file's undo texts are; a few per file.
        replaced = self._replaced.setdefault(path, {})
        replaced[hashlib.sha1(clean).digest()] = raw
        while len(replaced) > REPLACED_KEPT:
            del replaced[next(iter(replaced))]


def _write_worktree(
    root: Path, path: str, before: str | None, after: str | None, *, mode: int | None = None
) -> None:
    if after is None:
        atomic_delete(root, path, expected=encode(before))
    else:
        atomic_write(root, path, after.encode("utf-8"), mode=mode, expected=encode(before))


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
