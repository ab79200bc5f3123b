"""The review service: one review that any front end drives by hunk id.

The Textual apps, the CLI and (later) agent hooks and a second seat are thin
clients: they read the state here, send commands (``app.review.commands``)
and subscribe to events (``app.review.events``). No rule lives in a client:
why a hunk may not be accepted, which hunks "the rest of the file" means,
whether a command is still valid, all come from here.

``execute`` runs a command and returns its outcome. ``submit`` is for key
presses: it checks the command at once (the same check ``execute`` makes),
takes the hunks off the view (``HunksChanged`` with ``why="deciding"``) and
runs the write on the service's writer thread, in order; the result arrives
as ``DecisionMade`` or ``CommandFailed`` (the hunks come back). Commands
name hunks by id, so a file event that re-diffs a file between the key press
and the write cannot make the write take another hunk.

Thread safety: commands and changes from outside (``disk_changed``,
``propose``, loading) run under one lock; events are delivered after it is
released, on the thread that made the change.

Its parts, each a base of the next: the lock and events (``service_events``),
what front ends read (``service_views``), commands run now
(``service_commands``), the writer thread (``service_writer``).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping

from app.core.errors import ApplyError, ReadOnlyError
from app.core.journal import Op
from app.core.model import FileReview
from app.review import seats
from app.review.checks import HunkCheck
from app.review.commands import Command, Decide
from app.review.events import CommentAdded, FilesChanged, FileStale, PresenceChanged, ReviewEvent
from app.review.restore import Restored
from app.review.risks import Risk
from app.review.service_events import Listener
from app.review.service_views import FileView, Policy
from app.review.service_writer import ServiceWriter
from app.review.session import ReviewSession

__all__ = ["FileView", "Listener", "Policy", "ReviewService"]


class ReviewService(ServiceWriter):
    def __init__(self, session: ReviewSession, *, policy: Policy | None = None) -> None:
        self.session = session
        self._lock = threading.RLock()
        self._depth = threading.local()
        self._outbox: list[ReviewEvent] = []
        self._risk_cache: dict[tuple[str, str], tuple[Risk, ...]] = {}
        self._listeners: list[Listener] = []
        self._deciding: dict[str, set[str]] = {}
        self._lines_cache: dict[str, tuple[str | None, list[str]]] = {}
        self._id_sets: dict[str, tuple[int, frozenset[str]]] = {}
        self._queue: queue.Queue[Command | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._busy = 0  # submitted, until their events are delivered (flush waits for 0)
        self._queued = 0  # submitted, until written or failed (what ``busy`` says)
        self._idle = threading.Condition()
        self._closed = False
        self._go = threading.Event()
        self._go.set()
        self.policy: Policy | None = None
        self.presence = seats.Presence()
        # Set by a CheckRunner: each hunk's check verdict, by path.
        self.check_results: Callable[[str], Mapping[str, HunkCheck]] | None = None
        if policy is not None:
            self.set_policy(policy)

    def set_policy(self, policy: Policy | None) -> None:
        self.policy = policy
        self.session.guard = policy.blocked if policy is not None else None
        # Optional: what the policy's owner journals with each decision (the loop's prompt).
        self.session.tags = getattr(policy, "journal_extra", None)

    # -- seats ---------------------------------------------------------------

    def comment(
        self, path: str, hunk_id: str, text: str, *, line: str = "", seat: str = ""
    ) -> None:
        """A seat's comment on a hunk: journaled, then every seat hears it."""
        if not text.strip():
            raise ApplyError("an empty comment was not kept", path=path)
        with self._locked():
            self.session.loaded(path)  # a file this review has
            entry = self.session.history.record_comment(path, hunk_id, text, line=line, seat=seat)
            self._emit(CommentAdded(path, hunk_id, entry.seat, str(entry.extra["text"]), line))

    def comments(self, path: str | None = None) -> list[CommentAdded]:
        """This review's comments (of ``path``), oldest first."""
        source = self.session.source
        return [
            CommentAdded(
                e.path,
                e.hunk_id,
                e.seat,
                str(e.extra.get("text", "")),
                str(e.extra.get("line", "")),
            )
            for e in self.journal.entries()
            if e.op is Op.COMMENT and e.source == source and (path is None or e.path == path)
        ]

    def look(self, seat: str, path: str, hunk_id: str) -> None:
        """Where ``seat`` is now (every seat marks the hunk another looks at)."""
        if self.presence.set(seat, path, hunk_id):
            self._emit_now(PresenceChanged(seat))

    def leave(self, seat: str) -> None:
        if self.presence.leave(seat):
            self._emit_now(PresenceChanged(seat))

    # -- restoring a rejection -------------------------------------------------

    def restore_rejected(self) -> Restored | None:
        """Bring back what this review's newest rejection took from a file that
        still holds what it left (``app.review.restore``, as `tether journal
        restore` does); None when there is none. Journaled: undo takes it back."""
        from app.review.restore import newest_restorable, restore

        session = self.session
        history = session.history
        if history.read_only:
            raise ReadOnlyError("this review is read-only; nothing was restored")
        self.flush(30)  # a rejection just submitted is written first, so it is the newest
        with self._locked():
            entry = newest_restorable(self.root, history.journal, history.blobs, history.source)
            if entry is None:
                return None
            known = len(session.files)
            done = restore(
                self.root,
                history.journal,
                history.blobs,
                history.lock,
                entry.seq,
                seat=self.seat,
            )
            session.disk_changed({done.path})
            if len(session.files) != known:
                self._emit(FilesChanged((done.path,)))
            self._changed(done.path, "restored")
            self._history()
            return done

    # -- changes from outside --------------------------------------------------

    def list_changes(self, paths: set[str] | None = None) -> list[FileReview] | None:
        """The files that differ now (None: the proposed side is memory). Given
        the batch's ``paths`` that cannot change the listing (edits of files
        already listed), an empty listing: nothing new, no git over the repo."""
        if paths is not None and not self.session.needs_listing(paths):
            return []
        return self.session.list_changes()

    def disk_changed(self, paths: set[str], listing: list[FileReview] | None = None) -> set[str]:
        """Files changed on disk (a watcher batch): the paths whose hunks changed."""
        with self._locked():
            known = {fr.path for fr in self.session.files}
            touched = self.session.disk_changed(paths, listing)
            added = tuple(fr.path for fr in self.session.files if fr.path not in known)
            if added or any(p in known for p in touched):
                self._emit(FilesChanged(added or tuple(sorted(touched))))
            new = set(added)
            for path in sorted(touched):
                try:
                    fr = self.session.file(path)
                except KeyError:
                    continue
                if fr.stale:
                    self._emit(FileStale(path, fr.stale))
                if path not in new or fr.loaded:  # a new, undiffed file: FilesChanged says it
                    self._changed(path, "disk")
            return touched

    def propose(self, path: str, text: str | None) -> FileReview:
        """A model's edit arrived: ``text`` is the new proposal for ``path``."""
        with self._locked():
            known = any(fr.path == path for fr in self.session.files)
            fr = self.session.propose(path, text)
            if not known:
                self._emit(FilesChanged((path,)))
            self._changed(path, "proposal")
            return fr

    def keep_ahead(self, paths: tuple[str | None, ...], texts: tuple[str | None, ...]) -> None:
        """Store a proposal's texts for its decision ahead of time
        (``History.keep_ahead``). No lock: blobs are content-addressed, and
        the review goes on meanwhile."""
        self.session.history.keep_ahead(paths, texts)

    def proposed_text(self, path: str) -> str | None:
        with self._locked():
            return self.session.proposed_text(path)

    def reject_all(self, reason: str = "") -> int:
        """Reject every pending hunk (a held proposal put aside; journaled, so
        it stays recoverable). Returns how many hunks."""
        count = 0
        with self._locked():
            for fr in list(self.session.files):
                ids = self.all_hunks(fr.path) if fr.loaded else ()
                if ids:
                    self._execute(Decide("reject", fr.path, ids, reason=reason))
                    count += len(ids)
        return count
