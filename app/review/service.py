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
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.core.autonomy import Scope
from app.core.controls import control_flag
from app.core.errors import (
    ApplyError,
    HunkGoneError,
    ReadOnlyError,
    TetherError,
    WriteError,
    write_failed,
)
from app.core.journal import Journal, Op
from app.core.model import FileReview, Hunk
from app.core.names import quote_name
from app.core.preflight import preflight
from app.core.text import split_lines
from app.review import seats
from app.review.checks import HunkCheck
from app.review.commands import Command, Decide, Edit, Redo, Reload, Split, Undo, Widen
from app.review.events import (
    CommandFailed,
    CommentAdded,
    DecisionMade,
    FilesChanged,
    FileStale,
    HistoryChanged,
    HunksChanged,
    PresenceChanged,
    ReviewEvent,
)
from app.review.restore import Restored
from app.review.risks import Risk, hunk_risks, scope_risk
from app.review.session import Outcome, Picks, ReviewSession, parse_line_id

Listener = Callable[[ReviewEvent], None]


class Policy(Protocol):
    """What may be accepted beyond the file being fresh (the loop's leash)."""

    def blocked(self, fr: FileReview, hunk: Hunk) -> str | None: ...
    def widen(self, fr: FileReview, hunk: Hunk) -> bool: ...


@dataclass(frozen=True, slots=True)
class FileView:
    """What a front end shows of one file: a snapshot, safe to keep."""

    path: str
    status: str
    revision: int
    hunks: tuple[Hunk, ...]
    old_lines: list[str]
    note: str = ""
    stale: str = ""
    blocked: Mapping[str, str] = field(default_factory=dict)
    # Set when the file controls a tool (git, CI, hooks, Tether's config).
    flag: str = ""
    # Where the proposal came from (an agent's tool call), when known.
    origin: str = ""
    # Each hunk's risk flags (``app.review.risks``), by hunk id; none: absent.
    risks: Mapping[str, tuple[Risk, ...]] = field(default_factory=dict)
    # What the checks say of each hunk (``app.review.check_runner``), by hunk id.
    checks: Mapping[str, HunkCheck] = field(default_factory=dict)

    @property
    def banner(self) -> str:
        """The line a front end shows above the file's hunks ("" for none)."""
        parts = [
            f"from {self.origin}" if self.origin else "",
            f"⚑ {self.flag}" if self.flag else "",
        ]
        return " · ".join(p for p in parts if p)

    def index_of(self, hunk_id: str) -> int:
        return next((i for i, h in enumerate(self.hunks) if h.id == hunk_id), -1)


class ReviewService:
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

    # -- events --------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event from now on; returns an unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            depth = getattr(self._depth, "n", 0)
            self._depth.n = depth + 1
            try:
                yield
            finally:
                self._depth.n = depth
                events = []
                if depth == 0:
                    events, self._outbox = self._outbox, []
        for event in events:
            for listener in list(self._listeners):
                listener(event)

    def _emit(self, event: ReviewEvent) -> None:
        self._outbox.append(event)

    def _changed(self, path: str, why: str) -> None:
        try:
            revision = self.session.file(path).revision
        except KeyError:
            revision = 0
        self._emit(HunksChanged(path, revision, why))

    def _history(self) -> None:
        self._emit(HistoryChanged(self.session.can_undo(), self.session.can_redo()))

    # -- state ---------------------------------------------------------------

    @property
    def files(self) -> list[FileReview]:
        return self.session.files

    @property
    def journal(self) -> Journal:
        return self.session.journal

    @property
    def root(self) -> Path:
        return self.session.backend.root

    @property
    def folder(self) -> str:
        """The folder of ``root`` this review is limited to ("" for all of it)."""
        return str(getattr(self.session.backend, "folder", ""))

    def file(self, path: str) -> FileReview:
        return self.session.file(path)

    def load(self, fr: FileReview) -> FileReview:
        """Diff ``fr`` if it is not yet (the background prefetch calls this too)."""
        if fr.loaded:
            return fr
        with self._locked():
            self.session.ensure_loaded(fr)
        return fr

    def is_large(self, fr: FileReview) -> bool:
        return self.session.is_large(fr)

    def view(self, path: str) -> FileView:
        """The file as a front end shows it: pending hunks (but those being
        decided), the accepted lines, and why each hunk may not be accepted."""
        fr = self.load(self.session.file(path))
        deciding = self._deciding.get(path, set())
        hunks = tuple(h for h in fr.hunks if h.id not in deciding)
        return FileView(
            path=fr.path,
            status=str(fr.status),
            revision=fr.revision,
            hunks=hunks,
            old_lines=self._accepted_lines(fr),
            note=fr.note,
            stale=fr.stale,
            blocked=self.session.blocked(fr),
            flag=control_flag(fr.path) or (control_flag(fr.old_path) if fr.old_path else ""),
            origin=fr.origin,
            risks=self._risks(fr, hunks),
            checks=self.check_results(fr.path) if self.check_results is not None else {},
        )

    def texts(self, path: str) -> tuple[int, str | None, str | None, tuple[Hunk, ...]]:
        """The file's revision, accepted and proposed texts and pending hunks,
        read together (what a check runs on)."""
        with self._locked():
            fr = self.session.file(path)
            if not fr.loaded:
                return fr.revision, None, None, ()
            return fr.revision, fr.accepted, fr.proposed, tuple(fr.hunks)

    def publish(self, event: ReviewEvent) -> None:
        """Deliver an event about the review made outside it (a check's result)."""
        with self._locked():
            self._emit(event)

    def _risks(self, fr: FileReview, hunks: tuple[Hunk, ...]) -> dict[str, tuple[Risk, ...]]:
        # A hunk's flags depend only on its path and lines, and its id hashes
        # those: computed once per hunk, not once per redraw.
        out: dict[str, tuple[Risk, ...]] = {}
        for hunk in hunks:
            key = (fr.path, hunk.id)
            found = self._risk_cache.get(key)
            if found is None:
                found = self._risk_cache[key] = hunk_risks(fr.path, hunk)
            scope = getattr(self.policy, "scope", None)
            if isinstance(scope, Scope):  # the loop's: outside it is a flag too
                outside = scope_risk(fr.path, hunk, scope)
                found = (*found, outside) if outside is not None else found
            if found:
                out[hunk.id] = found
        return out

    def _check_states(self, command: Decide) -> dict[str, str]:
        if self.check_results is None:
            return {}
        found = self.check_results(command.path)
        return {
            h: c.state if c.state != "fail" else f"fail: {c.message}"
            for h in command.hunks
            if (c := found.get(h)) is not None
        }

    def _accepted_lines(self, fr: FileReview) -> list[str]:
        # Split once per accepted text, not once per key press.
        cached = self._lines_cache.get(fr.path)
        if cached is not None and cached[0] is fr.accepted:
            return cached[1]
        lines = split_lines(fr.accepted or "")
        self._lines_cache[fr.path] = (fr.accepted, lines)
        return lines

    def blocked(self, path: str, hunk_id: str) -> str | None:
        fr = self.load(self.session.file(path))
        return self.session.blocked(fr).get(hunk_id)

    def all_hunks(self, path: str) -> tuple[str, ...]:
        """The ids of every pending hunk of ``path`` shown now ("the rest of the file")."""
        deciding = self._deciding.get(path, set())
        return tuple(h.id for h in self.load(self.session.file(path)).hunks if h.id not in deciding)

    def pending_in(self, fr: FileReview) -> int:
        """Pending hunks of ``fr`` that are not being decided."""
        deciding = self._deciding.get(fr.path)
        if not deciding:
            return fr.pending
        return fr.pending - len(deciding & self._ids(fr))

    def _ids(self, fr: FileReview) -> frozenset[str]:
        """The ids of ``fr``'s pending hunks (kept per revision)."""
        cached = self._id_sets.get(fr.path)
        if cached is None or cached[0] != fr.revision:
            cached = self._id_sets[fr.path] = (fr.revision, frozenset(h.id for h in fr.hunks))
        return cached[1]

    @property
    def pending(self) -> int:
        return sum(self.pending_in(fr) for fr in self.session.files if fr.loaded)

    @property
    def decided(self) -> int:
        return self.session.decided

    def can_undo(self) -> bool:
        return self.session.can_undo()

    def can_redo(self) -> bool:
        return self.session.can_redo()

    def summary(self) -> dict[str, object]:
        return self.session.summary()

    def notify_changed(self, path: str, why: str) -> None:
        """Tell front ends that what they show of ``path`` changed though its
        hunks did not (the policy's verdicts, after the slider moved)."""
        with self._locked():
            self._changed(path, why)

    def set_policy(self, policy: Policy | None) -> None:
        self.policy = policy
        self.session.guard = policy.blocked if policy is not None else None
        # Optional: what the policy's owner journals with each decision (the loop's prompt).
        self.session.tags = getattr(policy, "journal_extra", None)

    # -- seats ---------------------------------------------------------------

    @property
    def seat(self) -> str:
        """This review's own seat (what its entries record when a command names none)."""
        return self.session.history.seat

    @seat.setter
    def seat(self, name: str) -> None:
        self.session.history.seat = name

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

    # -- commands ------------------------------------------------------------

    def check(self, command: Command) -> None:
        """Raise what ``execute`` would refuse ``command`` with; write nothing."""
        with self._locked():
            self._check(command)

    def _check(self, command: Command) -> None:
        if isinstance(command, Decide):
            fr = self.session.loaded(command.path)
            busy = self._deciding.get(command.path, set()) & set(command.hunks)
            if busy:
                raise HunkGoneError(
                    f"hunk {sorted(busy)[0]} is being decided already", path=command.path
                )
            selection = self._selection(fr, command)
            refused = self.session.refusal(command.op, fr, [fr.hunks[i] for i in selection])
            if refused is not None:
                raise refused
        elif isinstance(command, Split | Edit | Widen):
            fr = self.session.loaded(command.path)
            self.session.selection(fr, {command.hunk: None})
        elif isinstance(command, Reload):
            self.session.loaded(command.path)
        elif isinstance(command, Undo | Redo):
            self._check_own(command)

    def _selection(self, fr: FileReview, command: Decide) -> dict[int, frozenset[int]]:
        try:
            return self.session.selection(fr, _picks(command))
        except HunkGoneError as exc:
            journal, source = self.session.journal, self.session.source
            raise seats.who_decided(exc, journal, source, fr.path, command.hunks) from None

    def _check_own(self, command: Undo | Redo) -> None:
        seats.check_own(
            self.session.journal,
            self.session.source,
            redo=isinstance(command, Redo),
            seat=command.seat or self.seat,
        )

    def execute(self, command: Command) -> Outcome:
        """Run ``command`` now; raises its refusal (nothing written) if any."""
        with self._locked():
            try:
                return self._execute(command)
            except (TetherError, OSError) as exc:
                # A refused or failed write leaves the file as it was; show it so.
                path = getattr(command, "path", None)
                if path is not None:
                    self._changed(path, "restored")
                if isinstance(exc, OSError):
                    raise self._os_error(exc, command) from None
                raise

    def _os_error(self, exc: OSError, command: Command) -> TetherError:
        """An OS refusal during ``command`` as an error naming its file and the
        cause (the write was taken back: atomic writes leave nothing)."""
        path = getattr(command, "path", None)
        state = str(self.session.journal.path.parent)
        return write_failed(exc, path, state=state, tail="; nothing was written")

    def execute_all(self, commands: Sequence[Decide]) -> list[Outcome]:
        """Run decisions as one write set (``tether apply``): all or nothing.

        Every file the set writes is preflighted before the first byte
        (``preflight``: parents are folders, names fit, folders are writable,
        nothing lies under a link the set makes, there is room). If the OS
        still refuses one mid-way, the files written before it are taken
        back, newest first, as journaled undo steps marked ``rollback`` (so
        undo and crash reconcile see what happened), and the error says so.
        The repository lock is held throughout: no other writer in between.
        """
        outcomes: list[Outcome] = []
        with self._locked(), self.session.history.step(f"write a set of {len(commands)}"):
            self._preflight(commands)
            for command in commands:
                try:
                    outcomes.append(self._execute(command))
                except (TetherError, OSError) as exc:
                    self._changed(command.path, "restored")
                    error = exc if isinstance(exc, TetherError) else self._os_error(exc, command)
                    raise self._roll_back(outcomes, error) from None
        return outcomes

    def check_all(self, commands: Sequence[Decide]) -> None:
        """Raise what ``execute_all`` would refuse before its first byte
        (``tether apply --check``); reads only."""
        with self._locked():
            for command in commands:
                self._check(command)  # the same refusal rule the apply meets
            self._preflight(commands)

    def _preflight(self, commands: Sequence[Decide]) -> None:
        targets = [
            target
            for command in commands
            for target in self.session.write_targets(command.op, command.path, _picks(command))
        ]
        try:
            preflight(self.root, targets)
        except OSError as exc:
            raise write_failed(exc, None, tail="; nothing was written") from None

    def _roll_back(self, outcomes: list[Outcome], error: TetherError) -> TetherError:
        """Undo ``outcomes`` (this set's decisions, oldest first) after
        ``error``; returns the error to raise, saying what was put back."""
        if not outcomes:
            return error
        back: list[str] = []
        kept: list[str] = []
        why: dict[str, object] = {
            "rollback": f"the write set failed at {error.path or 'a file'}: {error.message}"
        }
        for outcome in reversed(outcomes):
            newest = self.session.journal.next_undo(self.session.source)
            if kept or newest is None or newest.seq != outcome.seq:
                kept.append(quote_name(outcome.path))
                continue  # only the newest decision can be taken back, in order
            try:
                self.session.undo(extra=why)
            except (TetherError, OSError) as exc:
                cause = exc.message if isinstance(exc, TetherError) else exc.strerror
                kept.append(f"{quote_name(outcome.path)} ({cause})")
            else:
                back.append(quote_name(outcome.path))
            self._changed(outcome.path, "undo")
        self._history()
        message = error.message.removesuffix("; nothing was written")
        if back:
            were = "was" if len(back) == 1 else "were"
            message += f"; {', '.join(reversed(back))}, written before it, {were} put back"
        if kept:
            message += (
                f"; COULD NOT put back {', '.join(reversed(kept))}: it holds the patch's change "
                "(tether journal shows it; u undoes it)"
            )
        else:
            message += ", so nothing was written"
        failed = WriteError(message, path=error.path)
        failed.title = error.title
        return failed

    def _execute(self, command: Command) -> Outcome:
        session = self.session
        if isinstance(command, Decide):
            self._selection(session.loaded(command.path), command)  # says who, when gone
            picks = _picks(command)
            extra = dict(command.extra)
            if command.reason:
                extra["reason"] = command.reason
            if command.seat:
                extra["seat"] = command.seat
            checks = self._check_states(command)
            if checks:
                extra["checks"] = checks  # what the checks said when it was decided (the report)
            if command.op == "accept":
                outcome = session.accept(command.path, picks, extra=extra or None)
            else:
                outcome = session.reject(command.path, picks, extra=extra or None)
            self._changed(command.path, "decided")
            self._emit(DecisionMade(outcome, command.reason, command.seat or self.seat))
            self._history()
            return outcome
        if isinstance(command, Undo | Redo):
            self._check_own(command)
            known = len(session.files)
            who: dict[str, object] | None = {"seat": command.seat} if command.seat else None
            outcome = (
                session.undo(extra=who) if isinstance(command, Undo) else session.redo(extra=who)
            )
            if len(session.files) != known:
                self._emit(FilesChanged((outcome.path,)))
            self._changed(outcome.path, outcome.op)
            self._emit(DecisionMade(outcome, seat=command.seat or self.seat))
            self._history()
            return outcome
        if isinstance(command, Split):
            parts = session.split_hunk(command.path, command.hunk)
            if parts > 1:
                self._changed(command.path, "split")
            return Outcome("split", command.path, parts, 0, (command.hunk,))
        if isinstance(command, Edit):
            outcome = session.edit(command.path, command.hunk, command.text)
            self._changed(command.path, "edit")
            self._history()
            return outcome
        if isinstance(command, Widen):
            fr = session.loaded(command.path)
            (position,) = session.selection(fr, {command.hunk: None})
            if self.policy is None or not self.policy.widen(fr, fr.hunks[position]):
                return Outcome("widen", command.path, 0, 0, ())
            self._changed(command.path, "widened")
            return Outcome("widen", command.path, 1, 0, (command.hunk,))
        if isinstance(command, Reload):
            fr = session.loaded(command.path)
            session.reload(fr)
            self._changed(command.path, "reload")
            return Outcome("reload", command.path, 0, 0, ())
        raise ApplyError(f"unknown command {command!r}")

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

    def submit(self, command: Command, *, defer: bool = False) -> None:
        """Check ``command`` now, run it on the writer thread (in order).

        Raises its refusal at once, so a key press can say why; otherwise the
        decided hunks leave the view now, and ``DecisionMade`` or
        ``CommandFailed`` follows. With ``defer`` the writer waits for
        ``release``: a UI releases it once the frame that shows the decision
        is drawn, so the write's work never delays that frame (threads share
        one interpreter lock).
        """
        with self._locked():
            if self._closed:
                raise ApplyError("the review is closing; nothing was written")
            self._check(command)
            if defer:
                self._go.clear()
            if isinstance(command, Decide) and not command.lines:
                self._deciding.setdefault(command.path, set()).update(command.hunks)
                self._changed(command.path, "deciding")
            with self._idle:
                self._busy += 1
                self._queued += 1
            self._start_writer()
            self._queue.put(command)

    def _start_writer(self) -> None:
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(
                target=self._write_loop, name="tether-review-writer", daemon=True
            )
            self._writer.start()

    def release(self) -> None:
        """Let the writer go on with deferred commands."""
        self._go.set()

    def _write_loop(self) -> None:
        while True:
            command = self._queue.get()
            if command is None:
                return
            self._go.wait()
            try:
                with self._locked():
                    failed: TetherError | None = None
                    try:
                        self._execute(command)
                    except TetherError as exc:
                        failed = exc
                    except OSError as exc:  # disk full, permission, I/O: the review goes on
                        failed = self._os_error(exc, command)
                    except Exception as exc:  # noqa: BLE001 - a bug; the hunks still come back
                        failed = TetherError(
                            f"internal error ({type(exc).__name__}: {exc}); nothing was written"
                        )
                    finally:
                        if isinstance(command, Decide):
                            self._deciding.get(command.path, set()).difference_update(command.hunks)
                        with self._idle:
                            self._queued -= 1  # before the events go out: they may ask ``busy``
                    if failed is not None:
                        self._emit(CommandFailed(command, failed))
                        path = getattr(command, "path", None)
                        if path is not None:
                            self._changed(path, "restored")
            except BaseException as exc:  # noqa: BLE001 - never let the writer die silently
                error = TetherError(f"internal error ({type(exc).__name__}: {exc})")
                self._emit_now(CommandFailed(command, error))
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

    def _emit_now(self, event: ReviewEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every submitted command has run; False on timeout."""
        self.release()
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    @property
    def busy(self) -> bool:
        """Whether submitted commands are still waiting to be written."""
        return self._queued > 0

    def close(self) -> None:
        """Finish every submitted command, then stop the writer thread."""
        self._closed = True
        self.flush()  # releases deferred commands first
        if self._writer is not None and self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()

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


def _picks(command: Decide) -> Picks:
    """A Decide's hunk and line ids as the session's picks."""
    chosen: dict[str, set[int]] = {}
    for line_id in command.lines:
        hunk_id, nth = parse_line_id(line_id)
        if hunk_id not in command.hunks:
            raise HunkGoneError(
                f"line {line_id} names hunk {hunk_id}, which the command does not",
                path=command.path,
            )
        chosen.setdefault(hunk_id, set()).add(nth)
    return {hunk_id: frozenset(chosen.get(hunk_id, ())) or None for hunk_id in command.hunks}
