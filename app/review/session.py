"""A review session: the files of one source, their hunks, and decisions on them.

Accepting moves the accepted state toward the proposed one; rejecting moves
the proposed state back. Both are pure transforms of the current diff
(``app.core.transform``) followed by one journaled, checked write on one side
(``history.History``). Hunks are named by their content-based ids, and the
lines within a hunk by their ordinal among its changed lines (a line id is
``<hunk id>.<n>``), so a command means the same change however the file was
re-diffed meanwhile; a hunk that is no longer pending is refused, never
guessed at.

Whether a hunk may be accepted now is decided here once (``refusal``): the
file may be stale, and a ``guard`` (the loop's leash and scope) may hold it.

Its parts: the files, their loading and what an id names (``session_files``);
proposals and changes on disk (``session_changes``); decisions and undo here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from app.core.backends import Backend, encode
from app.core.blobs import BlobStore
from app.core.errors import LeashError, StaleFileError, TetherError, UndoError
from app.core.journal import Journal, Op
from app.core.lock import RepoLock, repo_lock
from app.core.model import FileReview, FileStatus, Hunk, Side
from app.core.preflight import Target
from app.core.text import join_lines, split_lines
from app.core.transform import apply_selection, filter_file_patch, remaining_hunks, revert_selection
from app.core.unified import render_patch
from app.review.history import History
from app.review.session_changes import SessionChanges
from app.review.session_files import Picks, line_ordinals, parse_line_id, refuse_whole
from app.review.wholefiles import whole_targets

__all__ = ["Guard", "Outcome", "Picks", "ReviewSession", "line_ordinals", "parse_line_id"]

# Says why a hunk may not be accepted now (out of scope, over the leash), or None.
Guard = Callable[[FileReview, Hunk], str | None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command did, for the status line and the summary."""

    op: str
    path: str
    lines: int
    seq: int
    hunk_ids: tuple[str, ...] = ()


class ReviewSession(SessionChanges):
    def __init__(
        self,
        backend: Backend,
        *,
        journal: Journal,
        blobs: BlobStore,
        source: str,
        context: int = 3,
        read_only: bool = False,
        lock: RepoLock | None = None,
    ) -> None:
        self.backend = backend
        self.journal = journal
        self.blobs = blobs
        self.source = source
        self.context = context
        self.read_only = read_only
        self.history = History(
            backend,
            journal,
            blobs,
            lock or repo_lock(journal.path.parent),
            source,
            read_only=read_only,
        )
        # The background diff and the thread that decides must not load one
        # file twice at once.
        self._load_lock = threading.RLock()
        backend.set_original(self.history.original_text)
        self.files: list[FileReview] = backend.files()
        self.split: set[str] = set()
        self._split: dict[str, list[tuple[str | None, list[str]]]] = {}
        # Decisions made by this session (seq -> path, op, hunks): the counts shown
        # are of these, so undoing yesterday's decision never counts below 0.
        self._mine: dict[int, tuple[str, Op, int]] = {}
        self.history.reconcile(self._reconcile_file)
        self.history.maybe_compact()
        self.guard: Guard | None = None
        # Extra journal fields for a decision on a file (the loop: what asked for its hunks).
        self.tags: Callable[[FileReview], Mapping[str, object]] | None = None
        self._replay_memory_decisions()

    # -- what may be decided now ----------------------------------------------------

    def refusal(self, op: str, fr: FileReview, hunks: Collection[Hunk]) -> TetherError | None:
        """Why this decision would be refused now, or None: the one rule every
        front end asks before it shows a decision and the session applies."""
        if op != "accept":
            return None
        if fr.stale:
            return StaleFileError(fr.stale, path=fr.path)
        if self.guard is not None:
            for hunk in hunks:
                reason = self.guard(fr, hunk)
                if reason:
                    return LeashError(reason, path=fr.path)
        return None

    def blocked(self, fr: FileReview) -> dict[str, str]:
        """Hunk id -> why it may not be accepted now (what the pane marks)."""
        if fr.stale:
            return {h.id: f"stale: {fr.stale}" for h in fr.hunks}
        if self.guard is None:
            return {}
        return {h.id: reason for h in fr.hunks if (reason := self.guard(fr, h))}

    # -- decisions ---------------------------------------------------------------

    def accept(self, path: str, picks: Picks, *, extra: dict[str, object] | None = None) -> Outcome:
        return self._decide(Op.ACCEPT, self.loaded(path), picks, extra)

    def reject(self, path: str, picks: Picks, *, extra: dict[str, object] | None = None) -> Outcome:
        return self._decide(Op.REJECT, self.loaded(path), picks, extra)

    def all_hunks(self, path: str) -> dict[str, None]:
        """Picks naming every pending hunk of ``path`` (``a`` and ``d``)."""
        return dict.fromkeys(h.id for h in self.loaded(path).hunks)

    def _decide(
        self, op: Op, fr: FileReview, picks: Picks, extra: dict[str, object] | None
    ) -> Outcome:
        selection = self.selection(fr, picks)
        hunks = fr.hunks
        refused = self.refusal(str(op), fr, [hunks[i] for i in selection])
        if refused is not None:
            raise refused
        if fr.whole is not None:
            return self._decide_whole(op, fr, extra)
        side, before, after = self._texts(op, fr, selection)
        if self.tags is not None:
            extra = {**self.tags(fr), **(extra or {})}
        if fr.origin:
            extra = {**(extra or {}), "origin": fr.origin}
        assert fr.patch is not None
        accepted_lines = len(self._lines(fr, fr.accepted))
        text = render_patch(filter_file_patch(fr.patch, selection, line_count=accepted_lines))
        ids = [hunks[i].id for i in sorted(selection)]
        # Split hunks share trimmed context; those files get a full re-diff.
        shortcut = after is not None and not fr.was_split
        remaining = remaining_hunks(str(op), hunks, selection) if shortcut else None
        entry = self.history.record(op, fr, side, before, after, text, ids, extra)
        self._set_side(fr, side, after)
        if remaining is not None and fr.patch is not None:
            # Whole hunks were decided: the others are unchanged, only shifted
            # (hunks never share context), so the re-diff can be skipped, and
            # their ids stand (they hash the changed lines, not the position).
            fr.patch.hunks = remaining
            fr.patch.assign_ids()
            fr.blocks = []
            fr.revision += 1
        else:
            self._rediff(fr)
        self._count(fr, op, len(selection))
        self._mine[entry.seq] = (fr.path, op, len(selection))
        count = sum(len(v) for v in selection.values())
        return Outcome(str(op), fr.path, count, entry.seq, tuple(ids))

    def _decide_whole(self, op: Op, fr: FileReview, extra: dict[str, object] | None) -> Outcome:
        """A whole-file change (a rename, a mode, a link, a binary file): one
        hunk, one journaled write of its new state (accept) or none (reject:
        the proposal goes, nothing on disk changes)."""
        change = fr.whole
        assert change is not None
        (hunk,) = fr.hunks
        accept = op is Op.ACCEPT
        side = self.backend.accepted_side if accept else self.backend.proposed_side
        before, after = (change.old.data, change.new.data)
        if not accept:
            before, after = after, before
        extra = {**(extra or {}), "whole": change.what}
        if fr.origin:
            extra["origin"] = fr.origin
        entry = self.history.record(op, fr, side, before, after, change.what, [hunk.id], extra)
        change.state = "accepted" if accept else "rejected"
        self._rediff(fr)
        self._count(fr, op, 1)
        self._mine[entry.seq] = (fr.path, op, 1)
        return Outcome(str(op), fr.path, 1, entry.seq, (hunk.id,))

    def _texts(
        self, op: Op, fr: FileReview, selection: dict[int, frozenset[int]]
    ) -> tuple[Side, str | None, str | None]:
        """The side a decision writes, its text now and after (None: absent)."""
        hunks = fr.hunks
        if op is Op.ACCEPT:
            side, before = self.backend.accepted_side, fr.accepted
            lines = apply_selection(self._lines(fr, before), hunks, selection, path=fr.path)
            return side, before, _absent_if_empty(join_lines(lines), fr.proposed)
        side, before = self.backend.proposed_side, fr.proposed
        lines = revert_selection(self._lines(fr, before), hunks, selection, path=fr.path)
        return side, before, _absent_if_empty(join_lines(lines), fr.accepted)

    def write_targets(self, op: str, path: str, picks: Picks) -> list[Target]:
        """The files on disk a decision would write, for the preflight of a
        write set (``ReviewService.execute_all``): none when its side is the
        index or memory. Refuses what the decision itself would refuse."""
        fr = self.loaded(path)
        selection = self.selection(fr, picks)
        refused = self.refusal(op, fr, [fr.hunks[i] for i in selection])
        if refused is not None:
            raise refused
        if fr.whole is not None:
            return whole_targets(fr, op, self.backend.accepted_side is Side.WORKTREE)
        side, _before, after = self._texts(Op(op), fr, selection)
        if side is not Side.WORKTREE:
            return []
        fp = fr.source_patch
        link = "120000" in (fr.mode, fp.new_mode if fp is not None else None)
        size = None if after is None else len(after.encode("utf-8"))
        targets = [Target(fr.path, size, link=link)]
        moved = fr.status is FileStatus.RENAMED and fr.old_path not in (None, fr.path)
        if moved and side is self.backend.accepted_side and fr.old_path is not None:
            targets.append(Target(fr.old_path, None))  # the first accept deletes the old name
        return targets

    def edit(self, path: str, hunk_id: str, new_region: str) -> Outcome:
        """Replace the proposed side of a hunk with text the user edited."""
        fr = self.loaded(path)
        (position,) = self.selection(fr, {hunk_id: None})
        hunk = fr.hunks[position]
        refuse_whole(fr, "edited in an editor; y or n decides it")
        lines = split_lines(fr.proposed or "")
        start = hunk.new_start - 1 if hunk.new_len else hunk.new_start
        region = split_lines(new_region)
        after = join_lines(lines[:start] + region + lines[start + hunk.new_len :])
        side = self.backend.proposed_side
        entry = self.history.record(Op.EDIT, fr, side, fr.proposed, after, new_region, [hunk.id])
        self._set_side(fr, side, after)
        self._rediff(fr)
        return Outcome("edit", fr.path, len(region), entry.seq, (hunk.id,))

    def _lines(self, fr: FileReview, text: str | None) -> list[str]:
        """``split_lines(text)``, remembered for the file's two current texts:
        a decision splits a 20,000-line file at most once per new text."""
        cached = self._split.get(fr.path, ())
        for known, lines in cached:
            if known is text:
                return lines
        lines = split_lines(text or "")
        self._split[fr.path] = [(text, lines), *cached][:2]
        return lines

    def _set_side(self, fr: FileReview, side: Side, text: str | None) -> None:
        if side is self.backend.accepted_side:
            fr.accepted = text
        else:
            fr.proposed = text

    def _count(self, fr: FileReview, op: Op, delta: int) -> None:
        if op is Op.ACCEPT:
            fr.accepted_count += delta
        elif op is Op.REJECT:
            fr.rejected_count += delta

    # -- undo / redo -------------------------------------------------------------

    def can_undo(self) -> bool:
        return self.history.can_undo()

    def can_redo(self) -> bool:
        return self.history.can_redo()

    def undo(self, *, extra: dict[str, object] | None = None) -> Outcome:
        return self._swing(Op.UNDO, extra)

    def redo(self, *, extra: dict[str, object] | None = None) -> Outcome:
        return self._swing(Op.REDO, extra)

    def _swing(self, op: Op, extra: dict[str, object] | None = None) -> Outcome:
        step, entry, fr, text = self.history.swing(op, self._file_for_undo, extra)
        assert entry.side is not None
        before = {h.id for h in fr.patch.hunks} if fr.patch is not None else set()
        if fr.whole is not None:
            fr.whole.state = (
                "pending"
                if op is Op.UNDO
                else ("accepted" if entry.op is Op.ACCEPT else "rejected")
            )
        else:
            assert not isinstance(text, bytes)
            self._set_side(fr, entry.side, text)
        mine = self._mine.get(entry.seq)
        if mine is not None:
            _path, decided, hunks = mine
            self._count(fr, decided, -hunks if op is Op.UNDO else hunks)
        self._rediff(fr)
        # The hunks the swing brought back, so a front end can show them.
        back = tuple(h.id for h in fr.patch.hunks if h.id not in before) if fr.patch else ()
        return Outcome(str(op), fr.path, 0, step.seq, back)

    def _file_for_undo(self, path: str) -> FileReview:
        try:
            return self.ensure_loaded(self.file(path))
        except KeyError:
            # Decisions can leave a file with no differences, so it is not
            # listed any more; undo brings it back into the review.
            added = self.backend.file_for(path)
            if added is None:
                raise UndoError(f"{path} is no longer part of this review") from None
            self.files.append(added)
            return self.ensure_loaded(added)

    def _replay_memory_decisions(self) -> None:
        # Rejections of a patch's hunks live only in memory; replaying them
        # makes decisions survive a restart when the same patch is reopened.
        if self.backend.proposed_side is not Side.MEMORY:
            return
        for entry in self.history.memory_rejections():
            try:
                fr = self.ensure_loaded(self.file(entry.path))
            except KeyError:
                continue
            data = encode(fr.proposed)
            matches = data is not None and self.blobs.sha_of(data) == entry.before
            if matches and entry.after and self.blobs.has(entry.after):
                fr.proposed = self.blobs.get(entry.after).decode("utf-8")
                fr.rejected_count += 1
                self._rediff(fr)

    # -- the summary -------------------------------------------------------------

    def summary(self) -> dict[str, object]:
        files = []
        for fr in self.files:
            files.append(
                {
                    "path": fr.path,
                    "accepted": fr.accepted_count,
                    "rejected": fr.rejected_count,
                    "pending": fr.pending if fr.loaded else None,
                    "note": fr.note,
                }
            )
        return {
            "source": self.source,
            "accepted": sum(f.accepted_count for f in self.files),
            "rejected": sum(f.rejected_count for f in self.files),
            "files": files,
        }


def _absent_if_empty(text: str, other: str | None) -> str | None:
    # Accepting a whole deletion (or rejecting a whole new file) removes the file.
    return None if text == "" and other is None else text
