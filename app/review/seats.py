"""Seats: who decides in a review that several people drive at once.

A review is owned by one process (its ``ReviewService``); other seats
(``tether attach``, a browser) send it commands through the endpoint, each
naming its seat. The rules here are the service's, applied to every seat the
same way, the owner's included:

- the first decision of a hunk wins: a later command naming it meets the
  service's usual refusal (``HunkGoneError``), which here says who decided;
- a seat takes back (or redoes) only its own decisions: undo is the
  review's newest decision, and one seat's ``u`` never undoes another's;
- a seat's role says what it may do: a *verifier* decides, a *driver* (who
  prompts the model, at the owner's terminal) does not, *both* (the default)
  may; a read-only seat watches and comments. ``check_may_decide`` is that
  rule, run by the owner on every seat's command (and by a seat before it
  sends one, to say so at once).

Presence (which hunk each seat is looking at) is kept in memory only; a
comment is journaled (``Op.COMMENT``) and goes to the model with the reject
reason or the next request.
"""

from __future__ import annotations

import getpass
import os
import threading
from dataclasses import dataclass

from app.core.errors import HunkGoneError, ReadOnlyError, TetherError, UndoError
from app.core.journal import Entry, Journal, Op
from app.core.names import quote_name


def default_seat(configured: str = "") -> str:
    """The seat's name: the configured one, else the OS user."""
    if configured.strip():
        return configured.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a container's bare uid)
        return f"uid {os.getuid()}"


ROLES = ("both", "driver", "verifier")


class RoleError(TetherError):
    title = "Seat role"


def seat_role(value: object) -> str:
    """A seat's role as a subscription names it ("" or missing: both)."""
    role = value.strip().lower() if isinstance(value, str) else value
    if role in (None, ""):
        return "both"
    if role not in ROLES:
        raise RoleError(f"unknown seat role {value!r} (known: {', '.join(ROLES)})")
    return str(role)


def check_may_decide(seat: str, *, role: str, read_only: bool) -> None:
    """Refuse a decision (or its undo, redo) a seat's role does not allow."""
    if read_only:
        raise ReadOnlyError(
            f"{seat} is a read-only seat: it can watch and comment (m), not decide;"
            " nothing was written"
        )
    if role == "driver":
        raise RoleError(
            f"{seat} is the driver seat: it prompts, a verifier decides (attach with"
            " --role both or verifier to decide); nothing was written"
        )


def decided_by(journal: Journal, source: str, path: str, hunk_id: str) -> Entry | None:
    """The newest standing decision of this review on ``hunk_id`` of ``path``."""
    for entry in reversed(journal.steps_for(source, path)):
        if entry.op in (Op.ACCEPT, Op.REJECT) and hunk_id in entry.hunk_id.split(","):
            return entry
    return None


def who_decided(
    error: HunkGoneError, journal: Journal, source: str, path: str, hunks: tuple[str, ...]
) -> HunkGoneError:
    """The refusal of a command on a hunk that is gone, saying who decided it
    when a seat did (first decision wins)."""
    for hunk_id in hunks:
        entry = decided_by(journal, source, path, hunk_id)
        if entry is None:
            continue
        who = entry.seat or "this review"
        when = entry.ts[11:19] if len(entry.ts) >= 19 else entry.ts
        message = (
            f"hunk {hunk_id} is no longer pending: {who} {entry.op}ed it at {when} "
            "(the first decision wins); nothing was written"
        )
        return HunkGoneError(message, path=path)
    return error


def check_own(journal: Journal, source: str, *, redo: bool, seat: str) -> None:
    """Refuse an undo (redo) of a decision another seat made."""
    entry = journal.next_redo(source) if redo else journal.next_undo(source)
    if entry is None or not entry.seat or not seat or entry.seat == seat:
        return
    verb = "redo" if redo else "undo"
    raise UndoError(
        f"the newest decision ({entry.op} of {quote_name(entry.path)}) is {entry.seat}'s;"
        f" only {entry.seat} can {verb} it (a seat takes back only its own decisions)"
    )


@dataclass(frozen=True, slots=True)
class Look:
    """Where one seat is: the file and hunk on its screen."""

    seat: str
    path: str
    hunk: str


class Presence:
    """Which hunk each seat is looking at (memory only; thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seats: dict[str, Look] = {}

    def set(self, seat: str, path: str, hunk: str) -> bool:
        """Record where ``seat`` is; whether that changed anything."""
        look = Look(seat, path, hunk)
        with self._lock:
            if self._seats.get(seat) == look:
                return False
            self._seats[seat] = look
            return True

    def replace(self, looks: tuple[Look, ...]) -> None:
        """Everyone's place at once (a seat's mirror of the owner's)."""
        with self._lock:
            self._seats = {look.seat: look for look in looks}

    def leave(self, seat: str) -> bool:
        with self._lock:
            return self._seats.pop(seat, None) is not None

    def all(self) -> tuple[Look, ...]:
        with self._lock:
            return tuple(self._seats.values())
