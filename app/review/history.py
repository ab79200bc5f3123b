"""A review's history: write-ahead steps, undo and redo, crash reconcile.

A step journals first and writes second, under the repository lock, so a
crash between the two leaves an entry whose write is missing; the next
session that opens the same source takes it back (``reconcile``), and
because every step holds the lock, a step of another live process is never
mistaken for one that crashed.

Texts are kept in the blob store for undo and recovery, except a secret's
(a secret file's, by name or link, or a text holding a key): only its hash
goes to disk, its content stays in memory, so undo of such a step works
until Tether exits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app.core.backends import Backend, encode
from app.core.blobs import BlobStore, sha_of
from app.core.errors import ReadOnlyError, StaleFileError, UndoError
from app.core.journal import DECISIONS, Entry, Journal, Op
from app.core.lock import RepoLock
from app.core.model import FileReview, Side
from app.core.secrets import secret_file, secret_text
from app.review.seats import default_seat

SECRET_HUNK = "<secret file: content not journaled>"


@dataclass(frozen=True, slots=True)
class Step:
    """What one journaled step changed on one side of one file."""

    entry: Entry
    side: Side
    text: str | None


@dataclass
class History:
    """The journal, blob store and lock of one review source."""

    backend: Backend
    journal: Journal
    blobs: BlobStore
    lock: RepoLock
    source: str
    read_only: bool = False
    # Who makes this review's entries when a command names no seat (the
    # owning process's seat: config ``seat`` where a command sets it, else
    # the OS user).
    seat: str = field(default_factory=default_seat)
    _secrets: dict[str, bytes] = field(default_factory=dict)
    _scanned: dict[str, bool] = field(default_factory=dict)

    # -- keeping texts ---------------------------------------------------------

    def is_secret(
        self, paths: tuple[str | None, ...], texts: tuple[str | bytes | None, ...] = ()
    ) -> bool:
        """Whether a step on these names (a file's path, and its old path if
        it was renamed) with these texts touches a secret: by name, link or
        content (``app.core.secrets``)."""
        root = self.backend.root
        if any(p is not None and secret_file(root, p) for p in paths):
            return True
        return any(self._holds_secret(t) for t in texts)

    def _holds_secret(self, text: str | bytes | None) -> bool:
        # Keyed by the text's hash: a decision's "before" is the last one's
        # "after", so each decision scans one new text, not two.
        data = encode(text)
        if data is None:
            return False
        sha = sha_of(data)
        found = self._scanned.get(sha)
        if found is None:
            shown = text if isinstance(text, str) else data.decode("utf-8", "replace")
            found = self._scanned[sha] = bool(secret_text(shown))
            if len(self._scanned) > 4096:
                self._scanned.clear()
        return found

    def keep(self, text: str | bytes | None, secret: bool) -> str | None:
        """Store a text for undo and recovery; only its hash when secret."""
        data = encode(text)
        if data is None:
            return None
        if secret:
            sha = sha_of(data)
            self._secrets[sha] = data  # memory only: undo works until Tether exits
            return sha
        return self.blobs.put(data)

    def keep_ahead(self, paths: tuple[str | None, ...], texts: tuple[str | None, ...]) -> None:
        """Store a proposal's texts before it is decided, so the decision's own
        ``keep`` finds them stored (an agent waits on that decision's answer).
        Under ``keep``'s rule: nothing of a secret reaches the state folder."""
        if self.is_secret(paths, texts):
            return
        for text in texts:
            try:
                self.keep(text, False)
            except OSError:
                return  # the decision stores it, and says what failed

    def bytes_of(self, sha: str | None, path: str) -> bytes | None:
        if sha is None:
            return None
        if sha in self._secrets:
            return self._secrets[sha]
        if not self.blobs.has(sha):
            raise UndoError(
                "a secret's content is never copied into Tether's state, so this undo "
                "ended with the session that made it",
                path=path,
            )
        return self.blobs.get(sha)

    def text_of(self, sha: str | None, path: str) -> str | None:
        data = self.bytes_of(sha, path)
        return None if data is None else data.decode("utf-8")

    # -- steps -------------------------------------------------------------------

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        if self.read_only:
            raise ReadOnlyError(
                "this review is read-only (a listing or a watching seat); nothing was written"
            )
        with self.lock.hold(what):
            yield

    def record(
        self,
        op: Op,
        fr: FileReview,
        side: Side,
        before: str | bytes | None,
        after: str | bytes | None,
        hunk: str,
        ids: list[str],
        extra: dict[str, Any] | None = None,
    ) -> Entry:
        """Journal a decision, then write it; a failed write is aborted."""
        seat, extra = self._seat(extra)
        with self.step(f"{op} {fr.path}"):
            secret = self.is_secret((fr.path, fr.old_path), (before, after, hunk))
            entry = self.journal.append(
                Entry(
                    op,
                    self.source,
                    path=fr.path,
                    side=side,
                    hunk=SECRET_HUNK if secret else hunk,
                    hunk_id=",".join(ids),
                    before=self.keep(before, secret),
                    after=self.keep(after, secret),
                    seat=seat,
                    extra=extra,
                )
            )
            try:
                _write(self.backend, side, fr, before, after)
            except BaseException:
                self._abort(entry, "decision")
                raise
        return entry

    def record_stale(self, fr: FileReview, hunk_id: str, hunk: str, before: str | None) -> None:
        """Keep a hunk that no longer matches its file (recoverable, not a decision)."""
        with self.step(f"stale {fr.path}"):
            secret = self.is_secret((fr.path, fr.old_path), (before, hunk))
            self.journal.append(
                Entry(
                    Op.STALE,
                    self.source,
                    path=fr.path,
                    hunk=SECRET_HUNK if secret else hunk,
                    hunk_id=hunk_id,
                    before=self.keep(before, secret),
                    seat=self.seat,
                )
            )

    def record_comment(
        self, path: str, hunk_id: str, text: str, *, line: str = "", seat: str = ""
    ) -> Entry:
        """Journal a seat's comment on a hunk (redacted like any free text)."""
        with self.step(f"comment {path}"):
            extra: dict[str, Any] = {"text": text}
            if line:
                extra["line"] = line
            return self.journal.append(
                Entry(
                    Op.COMMENT,
                    self.source,
                    path=path,
                    hunk_id=hunk_id,
                    seat=seat or self.seat,
                    extra=extra,
                )
            )

    def _seat(self, extra: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
        """The seat a command named (in its extra), else this review's; and
        the rest of the extra."""
        rest = dict(extra or {})
        return str(rest.pop("seat", "") or self.seat), rest

    def _abort(self, entry: Entry, aborted: str) -> None:
        # An undo or redo is taken back by naming the decision it moved.
        target = entry.target if aborted in ("undo", "redo") else entry.seq
        self.journal.append(
            Entry(
                Op.ABORT,
                self.source,
                path=entry.path,
                target=target,
                aborted=aborted,
                seat=entry.seat,
            )
        )

    # -- undo / redo ---------------------------------------------------------------

    def can_undo(self) -> bool:
        return self.journal.next_undo(self.source) is not None

    def can_redo(self) -> bool:
        return self.journal.next_redo(self.source) is not None

    def swing(
        self, op: Op, find: Callable[[str], FileReview], extra: dict[str, Any] | None = None
    ) -> tuple[Entry, Entry, FileReview, str | bytes | None]:
        """Undo (or redo) the newest decision (or undone one): returns the step's
        entry, the decision it moved, the file and the text now on that side.
        ``extra`` goes into the step's entry (why: a write set's rollback;
        ``seat``: who asked)."""
        seat, extra = self._seat(extra)
        with self.step(f"{op}"):
            entry = (
                self.journal.next_undo(self.source)
                if op is Op.UNDO
                else self.journal.next_redo(self.source)
            )
            if entry is None:
                raise UndoError(f"nothing to {op}")
            frm, to = (entry.after, entry.before) if op is Op.UNDO else (entry.before, entry.after)
            fr = find(entry.path)
            assert entry.side is not None
            side = entry.side
            current = self.backend.read(side, fr)
            if (None if current is None else sha_of(current)) != frm:
                raise UndoError(
                    f"cannot {op} decision #{entry.seq}: the file changed since (nothing was written)",
                    path=entry.path,
                )
            # A whole-file change (a binary file, a link) is moved as bytes.
            target: str | bytes | None
            current_text: str | bytes | None
            if fr.whole is not None:
                target, current_text = self.bytes_of(to, entry.path), current
            else:
                target = self.text_of(to, entry.path)
                current_text = None if current is None else current.decode("utf-8")
            # Write-ahead, as for decisions: a failed or interrupted write is aborted.
            step = self.journal.append(
                Entry(
                    op,
                    self.source,
                    path=entry.path,
                    side=side,
                    target=entry.seq,
                    seat=seat,
                    extra=extra,
                )
            )
            try:
                _write(self.backend, side, fr, current_text, target)
            except StaleFileError as exc:
                self._abort(step, str(op))
                raise UndoError(str(exc), path=entry.path) from None
            except BaseException:
                self._abort(step, str(op))
                raise
        return step, entry, fr, target

    # -- after a crash -------------------------------------------------------------

    def reconcile(self, find: Callable[[str], FileReview]) -> None:
        """If the source's last step names a write that is not on disk, take it
        back. Under the lock: a live process's step is never in between."""
        if self.read_only or self.backend.accepted_side in (Side.MEMORY, Side.HELD):
            return
        with self.step("reconcile after a crash"):
            last = self.journal.last_step(self.source)
            if last is None or last.op is Op.ABORT or last.side in (None, Side.MEMORY, Side.HELD):
                return
            if last.op in (Op.UNDO, Op.REDO):
                assert last.target is not None
                target = self.journal.entry(last.target)
                if target is None:
                    return
                wanted, instead = (
                    (target.before, target.after)
                    if last.op is Op.UNDO
                    else (target.after, target.before)
                )
            else:
                wanted, instead = last.after, last.before
            assert last.side is not None
            data = self.backend.read(last.side, find(last.path))
            now = None if data is None else sha_of(data)
            if now != wanted and now == instead:
                self._abort(last, str(last.op) if last.op in (Op.UNDO, Op.REDO) else "decision")

    def original_text(self, path: str, current: str | None) -> str | None:
        """The accepted text of ``path`` before this source's first accept, but
        only if the file still holds exactly what this review last wrote;
        otherwise someone else changed it and the patch must apply as is."""
        accepted = self.backend.accepted_side
        steps = self.journal.steps_for(self.source, path)
        aborted = {e.target for e in steps if e.op is Op.ABORT and e.aborted == "decision"}
        writes = [e for e in steps if e.side is accepted and e.seq not in aborted]
        if not writes:
            return None
        last = writes[-1]
        state = last.after
        if last.op in (Op.UNDO, Op.REDO):
            target = self.journal.entry(last.target) if last.target is not None else None
            state = (target.before if last.op is Op.UNDO else target.after) if target else None
        now = None if current is None else sha_of(current.encode("utf-8"))
        if state != now:
            return None
        first = next((e for e in writes if e.op in DECISIONS), None)
        if first is None or first.before is None:
            return ""
        if first.before in self._secrets:
            return self._secrets[first.before].decode("utf-8")
        if not self.blobs.has(first.before):
            return None  # a secret's text, from an earlier session: not kept
        return self.blobs.get(first.before).decode("utf-8")

    def maybe_compact(self) -> None:
        """Compact a long journal (at open): the cost of a key press must not
        grow with the journal's age. Undo stacks are kept (see journal.py)."""
        if not self.read_only and self.journal.needs_compaction():
            with self.step("compact the journal"):
                self.journal.compact()

    def memory_rejections(self) -> list[Entry]:
        """Undoable rejections of a patch's hunks (they live only in memory)."""
        done, _ = self.journal.undo_stack(self.source)
        return [e for e in done if e.side is Side.MEMORY and e.after is not None]


def _write(
    backend: Backend,
    side: Side,
    fr: FileReview,
    before: str | bytes | None,
    after: str | bytes | None,
) -> None:
    """A text decision's write; a whole-file change carries its own states
    (``FileReview.whole``), which its backend writes, so none are passed."""
    if fr.whole is not None:
        backend.write(side, fr, None, None)
        return
    assert not isinstance(before, bytes) and not isinstance(after, bytes)
    backend.write(side, fr, before, after)
