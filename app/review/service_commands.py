"""Running the review's commands: the check every command meets first,
``execute``, and a write set's all-or-nothing ``execute_all`` with its
rollback (a base of ``ReviewService``)."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.errors import ApplyError, HunkGoneError, TetherError, WriteError, write_failed
from app.core.model import FileReview
from app.core.names import quote_name
from app.core.preflight import preflight
from app.review import seats
from app.review.commands import Command, Decide, Edit, Redo, Reload, Split, Undo, Widen
from app.review.events import DecisionMade, FilesChanged
from app.review.service_views import ServiceViews
from app.review.session import Outcome, Picks, parse_line_id


class ServiceCommands(ServiceViews):
    """Commands checked and run now, on the calling thread, under the lock."""

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

    def _check_states(self, command: Decide) -> dict[str, str]:
        if self.check_results is None:
            return {}
        found = self.check_results(command.path)
        return {
            h: c.state if c.state != "fail" else f"fail: {c.message}"
            for h in command.hunks
            if (c := found.get(h)) is not None
        }

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
