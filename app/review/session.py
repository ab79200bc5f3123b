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
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from app.core import backends
from app.core.backends import Backend, encode, git_blob_sha
from app.core.blobs import BlobStore
from app.core.errors import (
    ApplyError,
    GitError,
    HunkGoneError,
    LeashError,
    StaleFileError,
    TetherError,
    UndoError,
)
from app.core.gitrepo import attributes_file
from app.core.journal import Journal, Op
from app.core.lock import RepoLock, repo_lock
from app.core.model import FileReview, FileStatus, Hunk, Side
from app.core.paths import scratch_name
from app.core.preflight import Target
from app.core.text import join_lines, split_lines
from app.core.textdiff import block_fingerprint, diff_texts
from app.core.transform import (
    apply_selection,
    filter_file_patch,
    reanchor_hunks,
    remaining_hunks,
    revert_selection,
)
from app.core.unified import render_patch
from app.review.history import History
from app.review.wholefiles import whole_patch, whole_targets

# Hunk id -> the ordinals of its chosen changed lines (None or empty: all of them).
Picks = Mapping[str, Collection[int] | None]
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


def line_ordinals(hunk: Hunk, indices: Collection[int]) -> frozenset[int]:
    """Indices into ``hunk.lines`` as ordinals among its changed lines."""
    changes = hunk.change_indices()
    return frozenset(changes.index(i) for i in indices if i in changes)


def parse_line_id(line_id: str) -> tuple[str, int]:
    """``"<hunk id>.<n>"`` -> (hunk id, n); ApplyError if it is not one."""
    hunk_id, _, nth = line_id.rpartition(".")
    if not hunk_id or not nth.isdigit():
        raise ApplyError(f"not a line id: {line_id!r} (expected <hunk id>.<n>)")
    return hunk_id, int(nth)


def _refuse_whole(fr: FileReview, what: str) -> None:
    if fr.whole is not None:
        raise ApplyError(
            f"a change of the whole file ({fr.whole.what}) cannot be {what}", path=fr.path
        )


class ReviewSession:
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

    # -- files -------------------------------------------------------------------

    def file(self, path: str) -> FileReview:
        for fr in self.files:
            if fr.path == path:
                return fr
        raise KeyError(path)

    def ensure_loaded(self, fr: FileReview) -> FileReview:
        """Read and diff ``fr`` if it is not yet. A file that cannot be read
        now (git failed, the disk said no) is listed with why; R retries."""
        with self._load_lock:
            if not fr.loaded:
                try:
                    self.backend.load(fr)
                except (GitError, OSError) as exc:
                    reason = (
                        exc.message if isinstance(exc, GitError) else (exc.strerror or str(exc))
                    )
                    fr.accepted = fr.proposed = None
                    fr.note = f"could not be read: {reason}; R tries again"
                self._rediff(fr)
                fr.loaded = True
        return fr

    def loaded(self, path: str) -> FileReview:
        """The file of ``path``, diffed; HunkGoneError if it is not in the review."""
        try:
            return self.ensure_loaded(self.file(path))
        except KeyError:
            raise HunkGoneError("this file is not part of the review", path=path) from None

    def is_large(self, fr: FileReview) -> bool:
        """Whether the file is too big to diff ahead of time: it is listed,
        and diffed when it is opened (``ensure_loaded``)."""
        if fr.loaded or self.backend.proposed_side is not Side.WORKTREE:
            return False
        try:
            return (Path(self.backend.root) / fr.path).stat().st_size > backends.LARGE_FILE
        except OSError:
            return False

    def _rediff(self, fr: FileReview) -> None:
        fr.revision += 1
        if fr.note:
            fr.patch = None
            return
        if fr.whole is not None:
            fr.patch = whole_patch(fr)
            return
        fr.patch, fr.blocks = diff_texts(
            fr.accepted,
            fr.proposed,
            fr.path,
            old_path=fr.old_path,
            context=self.context,
            split=self.split,
        )

    @property
    def pending(self) -> int:
        return sum(fr.pending for fr in self.files)

    @property
    def decided(self) -> int:
        return sum(fr.accepted_count + fr.rejected_count for fr in self.files)

    def _reconcile_file(self, path: str) -> FileReview:
        try:
            return self.file(path)
        except KeyError:
            return self.backend.file_for(path) or FileReview(path, FileStatus.MODIFIED)

    # -- what a command names ------------------------------------------------------

    def selection(self, fr: FileReview, picks: Picks) -> dict[int, frozenset[int]]:
        """Hunk ids (and line ordinals) -> the transform's selection by index.

        A hunk id that is not pending now, or a line ordinal the hunk does not
        have, is refused: the command was made for a state that is gone.
        """
        if not picks:
            if fr.empty_file_change:
                return {}  # the whole file: there is no hunk to name
            raise ApplyError("nothing selected", path=fr.path)
        hunks = fr.hunks
        index = {h.id: i for i, h in enumerate(hunks)}
        out: dict[int, frozenset[int]] = {}
        for hunk_id, ordinals in picks.items():
            position = index.get(hunk_id)
            if position is None:
                raise HunkGoneError(
                    f"hunk {hunk_id} is no longer pending (decided, or the file changed "
                    "since it was shown); nothing was written",
                    path=fr.path,
                )
            changes = hunks[position].change_indices()
            if not ordinals:
                out[position] = frozenset(changes)
                continue
            bad = [n for n in ordinals if not 0 <= n < len(changes)]
            if bad:
                raise HunkGoneError(
                    f"hunk {hunk_id} has no changed line {bad[0]} (it has {len(changes)})",
                    path=fr.path,
                )
            out[position] = frozenset(changes[n] for n in ordinals)
        return out

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
        _refuse_whole(fr, "edited in an editor; y or n decides it")
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

    # -- proposals, splitting, reloading -------------------------------------------

    def propose(self, path: str, proposed: str | None) -> FileReview:
        """Set the proposed text of ``path`` (an LLM edit arrived) and re-diff."""
        store = self.backend.proposals
        if store is None:
            raise ApplyError("this review does not take proposals", path=path)
        store.set_proposal(path, proposed)
        try:
            fr = self.file(path)
        except KeyError:
            fr = FileReview(path, FileStatus.MODIFIED)
            self.files.append(fr)
        with self._load_lock:
            fr.loaded = False
            fr.note = ""
            fr.stale = ""
        return self.ensure_loaded(fr)

    def proposed_text(self, path: str) -> str | None:
        """What an edit to ``path`` applies to: its proposal, else the disk."""
        try:
            fr = self.ensure_loaded(self.file(path))
        except KeyError:
            store = self.backend.proposals
            return store.current_text(path) if store is not None else None
        if fr.note:
            raise TetherError(fr.note, path=path)
        return fr.proposed

    def split_hunk(self, path: str, hunk_id: str) -> int:
        """Show each change of a hunk as its own hunk; how many it became (1:
        it has a single change, nothing happened)."""
        fr = self.loaded(path)
        (position,) = self.selection(fr, {hunk_id: None})
        _refuse_whole(fr, "split; y or n decides it")
        if not fr.blocks and fr.hunks:
            self._rediff(fr)  # blocks are dropped when hunks were shifted in place
            position = next(i for i, h in enumerate(fr.hunks) if h.id == hunk_id)
        hunk = fr.hunks[position]
        old = split_lines(fr.accepted or "")
        new = split_lines(fr.proposed or "")
        start, end = hunk.old_start - (1 if hunk.old_len else 0), hunk.old_start + hunk.old_len
        inside = [
            b for b in fr.blocks if start <= b.old_start <= end and b.old_start + b.old_count <= end
        ]
        if len(inside) < 2:
            return 1
        self.split.update(block_fingerprint(fr.path, old, new, b) for b in inside)
        fr.was_split = True
        self._rediff(fr)
        return len(inside)

    def reload(self, fr: FileReview) -> None:
        """Read the file again (after a StaleFileError, or on request).

        A proposal held in memory is re-anchored on what is on disk now, not
        thrown away: hunks that still match exactly once move, the others are
        recorded in the journal and dropped.
        """
        if self.backend.proposed_side is Side.MEMORY and fr.loaded and fr.pending:
            self.reanchor(fr, force=True)
            return
        with self._load_lock:
            fr.loaded = False
            fr.note = ""
            fr.stale = ""
            fr.accepted = fr.proposed = None
        self.ensure_loaded(fr)

    def list_changes(self) -> list[FileReview] | None:
        """The files that differ now, when the disk is the proposed side (else
        None). Only reads, so a watcher thread may call it and hand the result
        to ``disk_changed``: in a big repository listing is the slow part."""
        if self.backend.proposed_side is Side.MEMORY:
            return None
        return self.backend.files()

    def needs_listing(self, paths: set[str]) -> bool:
        """Whether a batch of changed ``paths`` can change which files differ
        or their status (a new file, a deleted one, a folder, the index), so
        the listing — git over every file of the repository — must be asked;
        an edit of files already in the review needs only those files."""
        if self.backend.proposed_side is Side.MEMORY:
            return False
        known = {fr.path for fr in self.files}
        root = Path(self.backend.root)
        for path in paths:
            if path == ".git/index" or path not in known or attributes_file(path):
                return True
            try:
                if not (root / path).is_file():
                    return True
            except OSError:
                return True
        return False

    def disk_changed(self, paths: set[str], listing: list[FileReview] | None = None) -> set[str]:
        """Bring the review up to date with files changed on disk (watch mode,
        or anyone editing files while proposals are pending). ``listing`` is a
        ``list_changes()`` made after the changes, if the caller has one.
        Returns the paths whose hunks changed: a file that holds what the
        review already has (Tether's own write, say) is not among them."""
        touched: set[str] = set()
        index_changed = ".git/index" in paths
        paths = paths - {".git/index"}
        if self.backend.proposed_side is not Side.MEMORY:
            # The disk is the proposed side: re-read what changed, list what is new.
            listed = {fr.path: fr for fr in self.files}
            for fresh in listing if listing is not None else self.backend.files():
                known = listed.get(fresh.path)
                if known is None:
                    if scratch_name(fresh.path.rsplit("/", 1)[-1]):
                        continue  # an editor's backup mid-save: its removal is never seen
                    self.files.append(fresh)
                    touched.add(fresh.path)
                elif known.status != fresh.status:
                    known.status = fresh.status
                    touched.add(fresh.path)
            folders = tuple(p.rstrip("/") + "/" for p in paths)
            staged = self._index_changed() if index_changed else set()
            # New attributes can change how git cleans any file (eol, filters).
            every = any(attributes_file(p) for p in paths)
            for fr in self.files:
                # A folder moved in wholesale reports only the folder.
                changed = (
                    every or fr.path in paths or fr.path.startswith(folders) or fr.path in staged
                )
                if changed and self._loaded_now(fr) and self._reload_if_changed(fr):
                    touched.add(fr.path)
            return touched
        for path in paths:
            try:
                fr = self.file(path)
            except KeyError:
                continue
            if not self._loaded_now(fr) or self._holds_accepted(fr):
                continue
            if fr.pending:
                self.reanchor(fr)
            else:
                self.reload(fr)
            touched.add(path)
        return touched

    def _reload_if_changed(self, fr: FileReview) -> bool:
        before = (fr.accepted, fr.proposed, fr.note, fr.status)
        self.reload(fr)
        return (fr.accepted, fr.proposed, fr.note, fr.status) != before

    def _holds_accepted(self, fr: FileReview) -> bool:
        """Whether the accepted side on disk is what the review holds (so the
        event was Tether's own write, or a write of the same bytes)."""
        try:
            data = self.backend.read(self.backend.accepted_side, fr)
        except (TetherError, OSError):
            return False
        return data == encode(fr.accepted)

    def _loaded_now(self, fr: FileReview) -> bool:
        """Whether ``fr`` is loaded, waiting for a load in progress (the
        background diff) to finish: that load may have read the file before
        the change this asks about, so it must be reloaded too."""
        with self._load_lock:
            return fr.loaded

    def _index_changed(self) -> set[str]:
        """Loaded files whose index entry no longer holds the accepted text
        (staged elsewhere): one git call, and Tether's own accepts drop out."""
        index = self.backend.index
        loaded = [fr for fr in self.files if fr.loaded and not fr.note]
        if index is None or not loaded:
            return set()
        shas = index.accepted_shas([fr.path for fr in loaded])
        out = set()
        for fr in loaded:
            data = encode(fr.accepted)
            expected = None if data is None else git_blob_sha(data)
            if shas.get(fr.path) != expected:
                out.add(fr.path)
        return out

    def reanchor(self, fr: FileReview, *, force: bool = False) -> int:
        """Move pending in-memory hunks onto the file's current content.

        Each hunk's old side (context and removed lines) must match the new
        content in exactly one place. Without ``force``, one that does not
        marks the file stale and nothing moves; with ``force`` the others move
        and it is recorded in the journal and dropped. Returns hunks moved.
        """
        raw = self.backend.read(self.backend.accepted_side, fr)
        new_text = None if raw is None else raw.decode("utf-8", "surrogateescape")
        if new_text == fr.accepted or fr.patch is None:
            fr.stale = ""
            return 0
        out, lost = reanchor_hunks(split_lines(new_text or ""), fr.patch.hunks)
        moved = len(fr.patch.hunks) - len(lost)
        if lost and not force:
            fr.stale = (
                f"changed on disk after these hunks were shown; {len(lost)} of {len(fr.patch.hunks)} "
                "no longer match it exactly once. R re-anchors the others, n rejects"
            )
            fr.revision += 1
            return 0
        before = fr.proposed
        new_proposed = join_lines(out) if (new_text is not None or out) else None
        for hunk in lost:
            self.history.record_stale(fr, hunk.id, _hunk_text(hunk), before)
        self.backend.write(self.backend.proposed_side, fr, before, new_proposed)
        fr.accepted, fr.proposed, fr.stale = new_text, new_proposed, ""
        self._rediff(fr)
        return moved

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


def _hunk_text(hunk: Hunk) -> str:
    return hunk.header() + "\n" + "".join(ln.kind + ln.raw for ln in hunk.lines)


def _absent_if_empty(text: str, other: str | None) -> str | None:
    # Accepting a whole deletion (or rejecting a whole new file) removes the file.
    return None if text == "" and other is None else text
