"""The diff model: files, hunks and lines, with stable content-based ids.

A line's ``raw`` text keeps its terminator exactly (``\\n``, ``\\r\\n`` or
none, for "no newline at end of file"), so rendering a parsed diff and
applying it are byte-exact.

Ids are derived from content, not position, so a decision made on a hunk
still names the same hunk after the file is re-diffed: a hunk's id hashes its
path and its removed and added lines, plus how many identical hunks came
before it in the same file (identical hunks are rare but real).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from app.core.text import strip_eol

if TYPE_CHECKING:
    from app.core.binpatch import BinaryPatch
    from app.core.textdiff import Block
    from app.core.wholefile import WholeChange

CONTEXT = " "
REMOVED = "-"
ADDED = "+"


class Side(StrEnum):
    """Where one of a review's two states lives (see the brief's core model)."""

    INDEX = "index"  # the git index
    BASELINE = "baseline"  # Tether's snapshot outside git (watch mode)
    WORKTREE = "worktree"  # the files on disk
    MEMORY = "memory"  # a proposal or a patch, held in memory
    HELD = "held"  # accepted, held for an agent's own tool to write (the gate)


class FileStatus(StrEnum):
    MODIFIED = "modified"
    ADDED = "added"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"


@dataclass(slots=True)
class DiffLine:
    """One line of a hunk: ``kind`` is ``" "``, ``"-"`` or ``"+"``."""

    kind: str
    raw: str
    old_no: int | None = None
    new_no: int | None = None

    @property
    def text(self) -> str:
        """The content without its line terminator."""
        return strip_eol(self.raw)

    @property
    def no_newline(self) -> bool:
        return not self.raw.endswith("\n")

    @property
    def is_change(self) -> bool:
        return self.kind != CONTEXT


@dataclass(slots=True)
class Hunk:
    """A run of lines; starts are 1-based as in a ``@@`` header."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[DiffLine]
    section: str = ""
    id: str = ""
    # The hash of the path and changed lines the id is made from, and the path
    # it was made for (kept, so re-numbering a file's hunks hashes none again).
    fingerprint: str = ""
    fingerprint_of: str = ""
    # A change of the whole file, not of lines (a rename, a mode, a binary
    # file, a symlink): what its header row says; it has no lines.
    whole: str = ""

    @property
    def added(self) -> int:
        return sum(1 for line in self.lines if line.kind == ADDED)

    @property
    def removed(self) -> int:
        return sum(1 for line in self.lines if line.kind == REMOVED)

    def change_indices(self) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line.kind != CONTEXT]

    def line_id(self, index: int) -> str:
        """A stable id for the change line at ``index`` of this hunk."""
        nth = sum(1 for line in self.lines[:index] if line.kind != CONTEXT)
        return f"{self.id}.{nth}"

    def header(self) -> str:
        if self.whole:
            return self.whole
        return (
            f"@@ -{_range(self.old_start, self.old_len)} +{_range(self.new_start, self.new_len)} @@"
            + (f" {self.section}" if self.section else "")
        )

    def recount(self) -> None:
        """Recompute lengths and line numbers from the lines (starts kept)."""
        self.old_len = sum(1 for line in self.lines if line.kind != ADDED)
        self.new_len = sum(1 for line in self.lines if line.kind != REMOVED)
        old_no = self.old_start if self.old_len else self.old_start + 1
        new_no = self.new_start if self.new_len else self.new_start + 1
        for line in self.lines:
            line.old_no = old_no if line.kind != ADDED else None
            line.new_no = new_no if line.kind != REMOVED else None
            if line.kind != ADDED:
                old_no += 1
            if line.kind != REMOVED:
                new_no += 1


def _range(start: int, length: int) -> str:
    return str(start) if length == 1 else f"{start},{length}"


@dataclass(slots=True)
class FilePatch:
    """The changes to one file. ``old_path`` is None for an added file and
    ``new_path`` None for a deleted one; both are repository-relative."""

    old_path: str | None
    new_path: str | None
    hunks: list[Hunk] = field(default_factory=list)
    status: FileStatus = FileStatus.MODIFIED
    old_mode: str | None = None
    new_mode: str | None = None
    binary: bool = False
    similarity: int | None = None
    # Why the file is listed but not diffed (binary, not UTF-8, too large).
    note: str = ""
    # How a traditional diff's header reads, not what it changes (so equality
    # and a git-style rendering ignore them): its one hunk from nothing
    # (``@@ -0,0``, no /dev/null) creates the file if absent, as in git (SVN's
    # "(revision 0)", dated headers); and the two names it may mean, git's
    # choice first (see app/core/patchnames.py).
    may_create: bool = field(default=False, compare=False)
    names: tuple[str, ...] = field(default=(), compare=False)
    # The blob ids of git's "index a..b" line, and a "GIT binary patch".
    index: tuple[str, str] | None = field(default=None, compare=False)
    binary_patch: BinaryPatch | None = field(default=None, compare=False)

    @property
    def path(self) -> str:
        """The path a user knows the file by: the new one, or the old if deleted."""
        path = self.new_path if self.new_path is not None else self.old_path
        assert path is not None
        return path

    @property
    def added(self) -> int:
        return sum(h.added for h in self.hunks)

    @property
    def removed(self) -> int:
        return sum(h.removed for h in self.hunks)

    @property
    def mode_changed(self) -> bool:
        return (
            self.old_mode is not None
            and self.new_mode is not None
            and self.old_mode != self.new_mode
        )

    def assign_ids(self) -> None:
        assign_hunk_ids(self.path, self.hunks)

    def hunk_by_id(self, hunk_id: str) -> Hunk | None:
        for hunk in self.hunks:
            if hunk.id == hunk_id:
                return hunk
        return None


@dataclass(slots=True)
class Patch:
    files: list[FilePatch] = field(default_factory=list)

    def file(self, path: str) -> FilePatch | None:
        for fp in self.files:
            if fp.path == path or fp.old_path == path:
                return fp
        return None


def side_by_side(hunk: Hunk) -> Iterator[tuple[int, int]]:
    """The hunk's line indices paired as they sit side by side: ``(i, i)`` for
    a context line; within a run of changes the k-th removed line with the
    k-th added one, ``-1`` where one side has run out. Partial selections,
    the split view and word highlights all pair lines this way."""
    lines = hunk.lines
    i = 0
    while i < len(lines):
        if lines[i].kind == CONTEXT:
            yield i, i
            i += 1
            continue
        removed: list[int] = []
        added: list[int] = []
        while i < len(lines) and lines[i].kind != CONTEXT:
            (removed if lines[i].kind == REMOVED else added).append(i)
            i += 1
        for k in range(max(len(removed), len(added))):
            yield (removed[k] if k < len(removed) else -1, added[k] if k < len(added) else -1)


def hunk_fingerprint(path: str, lines: list[DiffLine]) -> str:
    digest = hashlib.sha1(path.encode("utf-8", "surrogateescape"))
    for line in lines:
        if line.kind != CONTEXT:
            digest.update(b"\0" + line.kind.encode() + line.raw.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def assign_hunk_ids(path: str, hunks: list[Hunk]) -> None:
    """Give each hunk a content-based id, unique within the file."""
    seen: dict[str, int] = {}
    for hunk in hunks:
        if hunk.fingerprint_of != path or not hunk.fingerprint:
            hunk.fingerprint, hunk.fingerprint_of = hunk_fingerprint(path, hunk.lines), path
        base = hunk.fingerprint
        nth = seen.get(base, 0)
        seen[base] = nth + 1
        hunk.id = base[:10] if nth == 0 else hashlib.sha1(f"{base}:{nth}".encode()).hexdigest()[:10]


@dataclass(eq=False)
class FileReview:
    """One file of a review: its accepted and proposed texts and their diff."""

    path: str
    status: FileStatus
    old_path: str | None = None
    accepted: str | None = None
    proposed: str | None = None
    patch: FilePatch | None = None
    blocks: list[Block] = field(default_factory=list)
    loaded: bool = False
    # Why the file is listed but cannot be reviewed as text.
    note: str = ""
    accepted_count: int = 0
    rejected_count: int = 0
    mode: str | None = None
    # The parsed patch this file's proposal comes from (patch sources).
    source_patch: FilePatch | None = None
    # Why the pending hunks cannot be accepted: the file changed on disk and
    # they no longer match it exactly once (R re-anchors, n rejects).
    stale: str = ""
    # A hunk of this file was split (its neighbours' context is trimmed).
    was_split: bool = False
    # Bumped whenever the hunks change; what a front end showed is named by it.
    revision: int = 0
    # Where the proposal came from (an agent's tool call, for the gate): the
    # journal keeps it with every decision on the file.
    origin: str = ""
    # A change of the whole file (app/core/wholefile.py), decided as one hunk.
    whole: WholeChange | None = None

    @property
    def pending(self) -> int:
        return len(self.patch.hunks) if self.patch else 0

    @property
    def reviewable(self) -> bool:
        return not self.note

    @property
    def hunks(self) -> list[Hunk]:
        return self.patch.hunks if self.patch else []

    @property
    def empty_file_change(self) -> bool:
        """An empty file created or deleted: a change with no hunk, decided
        for the whole file (a decision naming no hunks)."""
        return (
            not self.note and not self.hunks and (self.accepted is None) != (self.proposed is None)
        )

    def hunk(self, hunk_id: str) -> Hunk | None:
        return self.patch.hunk_by_id(hunk_id) if self.patch else None
