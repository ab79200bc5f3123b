"""A review session: decisions on hunks and lines, journaled and undoable.

Accepting moves the accepted state toward the proposed one; rejecting moves
the proposed state back. Both are pure transforms of the current diff
(``app.core.transform``) followed by one checked write on one side. Each
decision is journaled with the before/after content (kept in the blob store),
so undo and redo survive a restart and rejected work stays restorable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.core import backends
from app.core.backends import FileReview, Side, encode, git_blob_sha
from app.core.blobs import BlobStore, sha_of
from app.core.errors import ApplyError, LeashError, StaleFileError, UndoError
from app.core.journal import Journal
from app.core.model import FileStatus, Hunk
from app.core.paths import is_secret_file
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


class Backend(Protocol):
    accepted_side: Side
    proposed_side: Side
    kind: str
    root: Path

    def files(self) -> list[FileReview]: ...
    def load(self, fr: FileReview) -> None: ...
    def read(self, side: Side, fr: FileReview) -> bytes | None: ...
    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None: ...
    def file_for(self, path: str) -> FileReview | None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision did, for the status line and the summary."""

    op: str
    path: str
    lines: int
    seq: int


class ReviewSession:
    def __init__(
        self,
        backend: Backend,
        *,
        journal: Journal,
        blobs: BlobStore,
        source: str,
        context: int = 3,
    ) -> None:
        self.backend = backend
        self._load_lock = threading.RLock()
        self._secrets: dict[str, bytes] = {}
        self.journal = journal
        self.blobs = blobs
        self.source = source
        self.context = context
        if hasattr(backend, "original"):
            backend.original = self._original_text
        self.files: list[FileReview] = backend.files()
        self.split: set[str] = set()
        self._reconcile()
        # Says why a hunk may not be accepted (out of scope, over the leash).
        self.guard: Callable[[FileReview, Hunk], str | None] | None = None
        self._replay_memory_decisions()

    # -- loading -----------------------------------------------------------

    def file(self, path: str) -> FileReview:
        for fr in self.files:
            if fr.path == path:
                return fr
        raise KeyError(path)

    def ensure_loaded(self, fr: FileReview) -> FileReview:
        # The UI's background worker diffs files ahead; the lock keeps it and
        # the UI thread from loading the same file twice.
        with self._load_lock:
            if not fr.loaded:
                self.backend.load(fr)
                self._rediff(fr)
                fr.loaded = True
        return fr

    def is_large(self, fr: FileReview) -> bool:
        """Whether the file is too big to diff ahead of time: it is listed,
        and diffed when it is opened (``ensure_loaded``)."""
        root = getattr(self.backend, "root", None)
        if fr.loaded or root is None or self.backend.proposed_side is not Side.WORKTREE:
            return False
        try:
            return (Path(root) / fr.path).stat().st_size > backends.LARGE_FILE
        except OSError:
            return False

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

    def disk_changed(self, paths: set[str], listing: list[FileReview] | None = None) -> set[str]:
        """Bring the review up to date with files changed on disk (watch mode,
        or anyone editing files while proposals are pending). ``listing`` is a
        ``list_changes()`` made after the changes, if the caller has one.
        Returns the paths whose hunks may have changed."""
        touched: set[str] = set()
        index_changed = ".git/index" in paths
        paths = paths - {".git/index"}
        if self.backend.proposed_side is not Side.MEMORY:
            # The disk is the proposed side: re-read what changed, list what is new.
            listed = {fr.path: fr for fr in self.files}
            for fresh in listing if listing is not None else self.backend.files():
                known = listed.get(fresh.path)
                if known is None:
                    self.files.append(fresh)
                    touched.add(fresh.path)
                elif known.status != fresh.status:
                    known.status = fresh.status
                    touched.add(fresh.path)
            folders = tuple(p.rstrip("/") + "/" for p in paths)
            staged = self._index_changed() if index_changed else set()
            for fr in self.files:
                # A folder moved in wholesale reports only the folder.
                changed = fr.path in paths or fr.path.startswith(folders) or fr.path in staged
                if changed and self._loaded_now(fr):
                    self.reload(fr)
                    touched.add(fr.path)
            return touched
        for path in paths:
            try:
                fr = self.file(path)
            except KeyError:
                continue
            if not self._loaded_now(fr):
                continue
            if fr.pending:
                self.reanchor(fr)
            else:
                self.reload(fr)
            touched.add(path)
        return touched

    def _loaded_now(self, fr: FileReview) -> bool:
        """Whether ``fr`` is loaded, waiting for a load in progress (the
        background diff) to finish: that load may have read the file before
        the change this asks about, so it must be reloaded too."""
        with self._load_lock:
            return fr.loaded

    def _index_changed(self) -> set[str]:
        """Loaded files whose index entry no longer holds the accepted text
        (staged elsewhere): one git call, and Tether's own accepts drop out."""
        entries = getattr(self.backend, "repo", None)
        loaded = [fr for fr in self.files if fr.loaded and not fr.note]
        if entries is None or not loaded:
            return set()
        index = entries.index_entries([fr.path for fr in loaded])
        out = set()
        for fr in loaded:
            entry = index.get(fr.path)
            data = encode(fr.accepted)
            expected = None if data is None else git_blob_sha(data)
            if (entry.sha if entry else None) != expected:
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
            return 0
        before = fr.proposed
        new_proposed = join_lines(out) if (new_text is not None or out) else None
        for hunk in lost:
            self.journal.append(
                {
                    "op": "stale",
                    "source": self.source,
                    "path": fr.path,
                    "hunk_id": hunk.id,
                    "hunk": _hunk_text(hunk),
                    "before": self._keep(before),
                }
            )
        self.backend.write(self.backend.proposed_side, fr, before, new_proposed)
        fr.accepted, fr.proposed, fr.stale = new_text, new_proposed, ""
        self._rediff(fr)
        return moved

    def _rediff(self, fr: FileReview) -> None:
        if fr.note:
            fr.patch = None
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

    # -- decisions ---------------------------------------------------------

    def accept(self, fr: FileReview, selection: dict[int, frozenset[int]]) -> Outcome:
        return self._decide("accept", fr, selection)

    def reject(self, fr: FileReview, selection: dict[int, frozenset[int]]) -> Outcome:
        return self._decide("reject", fr, selection)

    def _decide(self, op: str, fr: FileReview, selection: dict[int, frozenset[int]]) -> Outcome:
        self.ensure_loaded(fr)
        if fr.patch is None or not any(selection.values()):
            raise ApplyError("nothing selected", path=fr.path)
        hunks = fr.patch.hunks
        if op == "accept" and fr.stale:
            raise StaleFileError(fr.stale, path=fr.path)
        if op == "accept" and self.guard is not None:
            for index in sorted(selection):
                reason = self.guard(fr, hunks[index]) if selection[index] else None
                if reason:
                    raise LeashError(reason, path=fr.path)
        if op == "accept":
            side, before = self.backend.accepted_side, fr.accepted
            lines = apply_selection(split_lines(before or ""), hunks, selection, path=fr.path)
            after = _absent_if_empty(join_lines(lines), fr.proposed)
        else:
            side, before = self.backend.proposed_side, fr.proposed
            lines = revert_selection(split_lines(before or ""), hunks, selection, path=fr.path)
            after = _absent_if_empty(join_lines(lines), fr.accepted)
        accepted_lines = len(split_lines(fr.accepted or ""))
        text = render_patch(filter_file_patch(fr.patch, selection, line_count=accepted_lines))
        ids = [hunks[i].id for i in sorted(selection) if selection[i]]
        # Split hunks share trimmed context; those files get a full re-diff.
        shortcut = after is not None and not fr.was_split
        remaining = remaining_hunks(op, hunks, selection) if shortcut else None
        seq = self._write_and_journal(op, fr, side, before, after, text, ids, remaining=remaining)
        count = sum(len(v) for v in selection.values())
        if op == "accept":
            fr.accepted_count += sum(1 for v in selection.values() if v)
        else:
            fr.rejected_count += sum(1 for v in selection.values() if v)
        return Outcome(op, fr.path, count, seq)

    def edit_proposed(self, fr: FileReview, hunk: Hunk, new_region: str) -> Outcome:
        """Replace the proposed side of ``hunk`` with text the user edited."""
        self.ensure_loaded(fr)
        lines = split_lines(fr.proposed or "")
        start = hunk.new_start - 1 if hunk.new_len else hunk.new_start
        region = split_lines(new_region)
        after = join_lines(lines[:start] + region + lines[start + hunk.new_len :])
        seq = self._write_and_journal(
            "edit", fr, self.backend.proposed_side, fr.proposed, after, new_region, [hunk.id]
        )
        return Outcome("edit", fr.path, len(region), seq)

    def _write_and_journal(
        self,
        op: str,
        fr: FileReview,
        side: Side,
        before: str | None,
        after: str | None,
        hunk_text: str,
        ids: list[str],
        *,
        remaining: list[Hunk] | None = None,
    ) -> int:
        before_sha = self._keep(before, fr.path)
        after_sha = self._keep(after, fr.path)
        # Write-ahead: the journal first, so a crash after the write cannot
        # lose the decision; a write that fails (or never happens) is aborted.
        entry = self.journal.append(
            {
                "op": op,
                "source": self.source,
                "path": fr.path,
                "side": str(side),
                "hunk_id": ",".join(ids),
                "hunk": "<secret file: content not journaled>"
                if is_secret_file(self.backend.root, fr.path)
                else hunk_text,
                "before": before_sha,
                "after": after_sha,
            }
        )
        try:
            self.backend.write(side, fr, before, after)
        except BaseException:
            self._abort(entry, "decision")
            raise
        self._set_side(fr, side, after)
        if remaining is not None and fr.patch is not None:
            # Whole hunks were decided: the others are unchanged, only shifted
            # (hunks never share context), so the re-diff can be skipped.
            fr.patch.hunks = remaining
            fr.patch.assign_ids()
            fr.blocks = []
        else:
            self._rediff(fr)
        return int(entry["seq"])

    def _abort(self, entry: dict, aborted: str) -> None:
        # An undo or redo is taken back by naming the decision it moved.
        target = entry["target"] if aborted in ("undo", "redo") else entry["seq"]
        self.journal.append(
            {
                "op": "abort",
                "source": self.source,
                "path": entry["path"],
                "target": target,
                "aborted": aborted,
            }
        )

    def _keep(self, text: str | None, path: str | None = None) -> str | None:
        """Store a text for undo and recovery; only its hash for secret files
        (their content is never copied into Tether's state)."""
        data = encode(text)
        if data is None:
            return None
        if path is not None and is_secret_file(self.backend.root, path):
            sha = sha_of(data)
            self._secrets[sha] = data  # memory only: undo works until Tether exits
            return sha
        return self.blobs.put(data)

    def _blob(self, sha: str, path: str) -> bytes:
        if sha in self._secrets:
            return self._secrets[sha]
        if not self.blobs.has(sha) and is_secret_file(self.backend.root, path):
            raise UndoError(
                "secret files are never copied into Tether's state, so this undo ended with the session",
                path=path,
            )
        return self.blobs.get(sha)

    def _set_side(self, fr: FileReview, side: Side, text: str | None) -> None:
        if side is self.backend.accepted_side:
            fr.accepted = text
        else:
            fr.proposed = text

    # -- undo / redo -------------------------------------------------------

    def can_undo(self) -> bool:
        return bool(self.journal.undo_stack(self.source)[0])

    def can_redo(self) -> bool:
        return bool(self.journal.undo_stack(self.source)[1])

    def undo(self) -> Outcome:
        done, _ = self.journal.undo_stack(self.source)
        if not done:
            raise UndoError("nothing to undo")
        return self._swing("undo", done[-1], frm="after", to="before")

    def redo(self) -> Outcome:
        _, undone = self.journal.undo_stack(self.source)
        if not undone:
            raise UndoError("nothing to redo")
        return self._swing("redo", undone[-1], frm="before", to="after")

    def _swing(self, op: str, entry: dict, *, frm: str, to: str) -> Outcome:
        path = str(entry["path"])
        try:
            fr = self.ensure_loaded(self.file(path))
        except KeyError:
            # Decisions can leave a file with no differences, so it is not
            # listed any more; undo brings it back into the review.
            added = self.backend.file_for(path)
            if added is None:
                raise UndoError(f"{path} is no longer part of this review") from None
            self.files.append(added)
            fr = self.ensure_loaded(added)
        side = Side(entry["side"])
        current = self.backend.read(side, fr)
        expected = entry[frm]
        if (None if current is None else sha_of(current)) != expected:
            raise UndoError(
                f"cannot {op} decision #{entry['seq']}: the file changed since (nothing was written)",
                path=path,
            )
        target_sha = entry[to]
        target = None if target_sha is None else self._blob(str(target_sha), path).decode("utf-8")
        current_text = None if current is None else current.decode("utf-8")
        # Write-ahead, as for decisions: a failed or interrupted write is aborted.
        appended = self.journal.append(
            {
                "op": op,
                "source": self.source,
                "path": path,
                "side": str(side),
                "target": entry["seq"],
            }
        )
        try:
            self.backend.write(side, fr, current_text, target)
        except StaleFileError as exc:
            self._abort(appended, op)
            raise UndoError(str(exc), path=path) from None
        except BaseException:
            self._abort(appended, op)
            raise
        self._set_side(fr, side, target)
        if entry["op"] == "accept":
            fr.accepted_count += -1 if op == "undo" else 1
        elif entry["op"] == "reject":
            fr.rejected_count += -1 if op == "undo" else 1
        self._rediff(fr)
        return Outcome(op, path, 0, int(appended["seq"]))

    def _reconcile(self) -> None:
        """After a crash: if the journal's last step for this source names a
        write that is not on disk, take it back (the journal is written first)."""
        if self.backend.proposed_side is Side.MEMORY and self.backend.accepted_side is Side.MEMORY:
            return
        steps = [
            e
            for e in self.journal.entries()
            if e.get("source") == self.source and e.get("op") != "stale"
        ]
        if not steps or steps[-1]["op"] == "abort":
            return
        last = steps[-1]
        side = Side(last["side"])
        if side is Side.MEMORY:
            return
        if last["op"] in ("undo", "redo"):
            target = next((e for e in steps if e.get("seq") == last.get("target")), None)
            if target is None:
                return
            wanted, instead = (
                (target["before"], target["after"])
                if last["op"] == "undo"
                else (target["after"], target["before"])
            )
        else:
            wanted, instead = last["after"], last["before"]
        path = str(last["path"])
        try:
            fr = self.file(path)
        except KeyError:
            fr = self.backend.file_for(path) or FileReview(path, FileStatus.MODIFIED)
        data = self.backend.read(side, fr)
        now = None if data is None else sha_of(data)
        if now != wanted and now == instead:
            self._abort(last, last["op"] if last["op"] in ("undo", "redo") else "decision")

    def _original_text(self, path: str, current: str | None) -> str | None:
        """The accepted text of ``path`` before this source's first accept, but
        only if the file still holds exactly what this review last wrote;
        otherwise someone else changed it and the patch must apply as is."""
        entries = [e for e in self.journal.entries() if e.get("source") == self.source]
        aborted = {
            e.get("target")
            for e in entries
            if e.get("op") == "abort" and e.get("aborted") == "decision"
        }
        writes = [
            e
            for e in entries
            if e.get("path") == path
            and e.get("side") == str(self.backend.accepted_side)
            and e["seq"] not in aborted
        ]
        if not writes:
            return None
        last = writes[-1]
        state = last.get("after")
        if last["op"] in ("undo", "redo"):
            target = next((e for e in writes if e.get("seq") == last.get("target")), None)
            state = (
                (target["before"] if last["op"] == "undo" else target["after"]) if target else None
            )
        now = None if current is None else sha_of(current.encode("utf-8"))
        if state != now:
            return None
        sha = writes[0].get("before")
        return "" if sha is None else self.blobs.get(str(sha)).decode("utf-8")

    def _replay_memory_decisions(self) -> None:
        # Rejections of a patch's hunks live only in memory; replaying them
        # makes decisions survive a restart when the same patch is reopened.
        if self.backend.proposed_side is not Side.MEMORY:
            return
        done, _ = self.journal.undo_stack(self.source)
        for entry in done:
            if entry.get("side") != str(Side.MEMORY) or entry.get("after") is None:
                continue
            try:
                fr = self.ensure_loaded(self.file(str(entry["path"])))
            except KeyError:
                continue
            data = encode(fr.proposed)
            if (
                data is not None
                and sha_of(data) == entry["before"]
                and self.blobs.has(str(entry["after"]))
            ):
                fr.proposed = self.blobs.get(str(entry["after"])).decode("utf-8")
                fr.rejected_count += 1
                self._rediff(fr)

    # -- splitting -----------------------------------------------------------

    def propose(self, path: str, proposed: str | None) -> FileReview:
        """Set the proposed text of ``path`` (an LLM edit arrived) and re-diff."""
        proposals = getattr(self.backend, "proposals", None)
        if proposals is None:
            raise ApplyError("this review does not take proposals", path=path)
        proposals[path] = proposed
        try:
            fr = self.file(path)
        except KeyError:
            fr = FileReview(path, FileStatus.MODIFIED)
            self.files.append(fr)
        with self._load_lock:
            fr.loaded = False
            fr.note = ""
        return self.ensure_loaded(fr)

    def split_hunk(self, fr: FileReview, hunk_index: int) -> bool:
        """Show each change of a hunk as its own hunk; False if it has only one."""
        assert fr.patch is not None
        if not fr.blocks and fr.patch.hunks:
            self._rediff(fr)  # blocks are dropped when hunks were shifted in place
        hunk = fr.patch.hunks[hunk_index]
        old = split_lines(fr.accepted or "")
        new = split_lines(fr.proposed or "")
        start, end = hunk.old_start - (1 if hunk.old_len else 0), hunk.old_start + hunk.old_len
        inside = [
            b for b in fr.blocks if start <= b.old_start <= end and b.old_start + b.old_count <= end
        ]
        if len(inside) < 2:
            return False
        self.split.update(block_fingerprint(fr.path, old, new, b) for b in inside)
        fr.was_split = True
        self._rediff(fr)
        return True

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
