"""Bring back what a journaled rejection took away from a file on disk.

The one place the rule lives: ``tether journal restore`` and the review's
restore key both call ``restore``. A rejection on the worktree side (a hunk
taken out of a file, or a new file deleted) keeps the file's text before it
in the blob store; restoring writes that text back, but only while the file
still holds exactly what the rejection left (or, with ``to``, only to a file
that does not exist yet): someone's later work is never overwritten.

The restore is journaled first, as an ``edit`` decision naming the entry it
restored (``restore``), then written atomically, so it can be undone like
any decision, and a failed write is aborted as for every other step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.atomic import atomic_write, read_bytes_in_root
from app.core.blobs import BlobStore, sha_of
from app.core.errors import StaleFileError, TetherError
from app.core.journal import Entry, Journal, Op
from app.core.lock import RepoLock
from app.core.model import Side
from app.core.names import quote_name
from app.core.paths import resolve_in_root


class RestoreError(TetherError):
    """A journal entry that cannot be restored (and nothing was written)."""

    title = "Cannot restore"


@dataclass(frozen=True, slots=True)
class Restored:
    """What a restore wrote (or, dry run, would write)."""

    entry: Entry  # the decision whose "before" came back
    path: str  # where it went
    size: int
    written: Entry | None  # the restore's own journal entry (None: dry run, or already there)
    already: bool = False  # the file already held that content: nothing to do


def why_not(entry: Entry, blobs: BlobStore) -> str | None:
    """Why ``entry`` has nothing to restore, or None if it has (the listing's mark)."""
    if entry.op is not Op.REJECT:
        return f"it is {'an' if str(entry.op)[0] in 'aeiou' else 'a'} {entry.op}, not a rejection"
    if entry.side is not Side.WORKTREE:
        return f"the rejection took nothing from a file on disk (it was on the {entry.side} side)"
    if entry.before is None or entry.before == entry.after:
        return "the rejection took no content away"
    if not blobs.has(entry.before):
        return "its content was never copied into Tether's state (a secret, or a pruned blob)"
    return None


def restorable(entry: Entry, blobs: BlobStore) -> bool:
    return why_not(entry, blobs) is None


def restore(
    root: Path,
    journal: Journal,
    blobs: BlobStore,
    lock: RepoLock,
    seq: int,
    *,
    to: str | None = None,
    dry_run: bool = False,
    seat: str = "",
) -> Restored:
    """Write back the text decision ``seq`` took away, to its file or ``to``
    (a path relative to ``root``). ``RestoreError`` (or ``UnsafePathError``
    for a path outside the root) and nothing written when it cannot be."""
    entry = journal.entry(seq)
    if entry is None:
        raise RestoreError(
            f"no journal entry #{seq} (see `tether journal`)", path=str(journal.path)
        )
    problem = why_not(entry, blobs)
    if problem is not None:
        raise RestoreError(f"entry #{seq} has nothing to restore: {problem}")
    assert entry.before is not None
    dest = entry.path if to is None else to
    resolve_in_root(root, dest)  # outside the root, into .git: refused before anything else
    data = blobs.get(entry.before)
    with lock.hold(f"restore #{seq}"):
        current = read_bytes_in_root(root, dest)
        now = None if current is None else sha_of(current)
        if now == entry.before:
            return Restored(entry, dest, len(data), None, already=True)
        # What the file may hold for the restore to go ahead: what the
        # rejection left, or, for another path, nothing at all.
        left = entry.after if to is None else None
        if now != left:
            held = "does not exist" if current is None else "has changed since"
            wanted = "exist" if to is not None else "hold what the rejection left"
            if to is not None and current is not None:
                raise RestoreError(
                    f"{quote_name(dest)} exists; --to writes only a new file (nothing written)",
                    path=dest,
                )
            raise RestoreError(
                f"the file {held} (it must {wanted} to restore #{seq}); nothing written",
                path=dest,
            )
        if dry_run:
            return Restored(entry, dest, len(data), None)
        step = journal.append(
            Entry(
                Op.EDIT,
                entry.source,
                path=dest,
                side=Side.WORKTREE,
                hunk="",
                hunk_id="",
                before=None if current is None else blobs.put(current),
                after=entry.before,
                seat=seat or entry.seat,
                extra={"restore": seq},
            )
        )
        try:
            atomic_write(root, dest, data, expected=current)
        except BaseException as exc:
            journal.append(
                Entry(
                    Op.ABORT,
                    entry.source,
                    path=dest,
                    target=step.seq,
                    aborted="decision",
                    seat=step.seat,
                )
            )
            if isinstance(exc, StaleFileError):
                raise RestoreError(f"{exc.message}; nothing written", path=dest) from None
            raise
    return Restored(entry, dest, len(data), step)


def newest_restorable(root: Path, journal: Journal, blobs: BlobStore, source: str) -> Entry | None:
    """The newest rejection of ``source`` whose content can come back now: its
    file still holds what the rejection left (the review's restore key)."""
    for entry in reversed(journal.entries()):
        if entry.source != source or not restorable(entry, blobs):
            continue
        try:
            current = read_bytes_in_root(root, entry.path)
        except TetherError:
            continue
        if (None if current is None else sha_of(current)) == entry.after:
            return entry
    return None
