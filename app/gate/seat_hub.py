"""The owner's side of the seat protocol: other seats subscribe to this
process's review and send it commands by hunk id, through the endpoint.

The owning process's ``ReviewService`` is the only writer. A seat's command
runs there, naming the seat, and meets the service's own refusals (a hunk
already decided by another seat: ``HunkGoneError``, saying who; another
seat's decision to undo: ``UndoError``). A subscription gets the review's
state, then a message after each of the service's events, computed when it
is sent from the state then (events are notifications: a seat never ends up
showing an older state than the owner). One thread reads a seat's commands;
one writes to it, so a slow seat never holds up the review.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

from app.core.errors import TetherError
from app.gate import seat_wire as wire
from app.review.commands import Decide, Redo, Undo
from app.review.events import (
    CommentAdded,
    DecisionMade,
    FilesChanged,
    FileStale,
    HistoryChanged,
    HunksChanged,
    PresenceChanged,
    ReviewEvent,
)
from app.review.seats import check_may_decide, seat_role
from app.review.service import ReviewService

DECIDING = frozenset({"decide", "undo", "redo"})

Send = Callable[[socket.socket, Mapping[str, Any]], None]
ReadLine = Callable[[Any], dict[str, Any] | None]


class SeatError(TetherError):
    title = "Seat refused"


class SeatHub:
    """Serves ``service`` to seats; ``label`` says what the review is."""

    def __init__(self, service: ReviewService, *, label: str = "") -> None:
        self.service = service
        self.label = label
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()

    def close(self) -> None:
        """End every subscription (the owner is going away)."""
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    # -- one connection ---------------------------------------------------------------

    def serve(
        self,
        conn: socket.socket,
        reader: Any,
        first: Mapping[str, Any],
        send: Send,
        read_line: ReadLine,
    ) -> None:
        seat = _seat(first)
        if first.get("type") != "subscribe":
            answer = self.command(first, seat=seat, read_only=False, role="both")
            send(conn, answer or {"type": "done", "re": first.get("id")})
            return
        read_only = bool(first.get("read_only"))
        role = seat_role(first.get("role"))  # an unknown one: the subscription is refused
        out: queue.Queue[ReviewEvent | dict[str, Any] | None] = queue.Queue()
        unsubscribe = self.service.subscribe(out.put)
        out.put(self.state(seat) | {"role": role})  # after subscribing: nothing falls in between
        writer = threading.Thread(
            target=self._write, args=(conn, out, send), name="tether-seat-writer", daemon=True
        )
        with self._lock:
            self._conns.add(conn)
        writer.start()
        try:
            while True:
                request = read_line(reader)
                if request is None:
                    return
                answer = self.command(request, seat=seat, read_only=read_only, role=role)
                if answer is not None:
                    out.put(answer)
        except (OSError, TetherError):
            return
        finally:
            unsubscribe()
            with self._lock:
                self._conns.discard(conn)
            self.service.leave(seat)
            out.put(None)
            writer.join(timeout=5)

    def _write(
        self,
        conn: socket.socket,
        out: queue.Queue[ReviewEvent | dict[str, Any] | None],
        send: Send,
    ) -> None:
        while True:
            item = out.get()
            if item is None:
                return
            try:
                message = item if isinstance(item, dict) else self.event_message(item)
                if message is not None:
                    send(conn, message)
            except OSError:
                # The seat went away; the reader sees it and ends the subscription.
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                return
            except (TetherError, KeyError):
                continue  # a file gone between the event and now: a later event says so

    # -- commands ---------------------------------------------------------------------

    def command(
        self, request: Mapping[str, Any], *, seat: str, read_only: bool, role: str
    ) -> dict[str, Any] | None:
        """Run one seat's request; its answer (None for ``look``)."""
        kind = str(request.get("type", ""))
        re = request.get("id")
        service = self.service
        try:
            if kind == "look":
                service.look(seat, str(request.get("path", "")), str(request.get("hunk", "")))
                return None
            if kind in DECIDING:
                check_may_decide(seat, role=role, read_only=read_only)
            if kind == "decide":
                op = request.get("op")
                if op not in ("accept", "reject"):
                    raise SeatError(f"decide needs op accept or reject, not {op!r}")
                outcome = service.execute(
                    Decide(
                        op,
                        _text(request, "path"),
                        tuple(str(h) for h in request.get("hunks", ())),
                        tuple(str(x) for x in request.get("lines", ())),
                        reason=str(request.get("reason", "")),
                        seat=seat,
                    )
                )
                return {"type": "done", "re": re, "outcome": wire.outcome_message(outcome)}
            if kind in ("undo", "redo"):
                swing = Undo(seat=seat) if kind == "undo" else Redo(seat=seat)
                outcome = service.execute(swing)
                return {"type": "done", "re": re, "outcome": wire.outcome_message(outcome)}
            if kind == "comment":
                service.comment(
                    _text(request, "path"),
                    str(request.get("hunk", "")),
                    str(request.get("text", "")),
                    line=str(request.get("line", "")),
                    seat=seat,
                )
                return {"type": "done", "re": re}
            if kind == "view":
                path = _text(request, "path")
                service.load(service.file(path))
                return {"type": "file", "re": re, "file": self.file(path), **self.counts()}
            raise SeatError(f"unknown seat request {kind!r}")
        except KeyError as exc:
            return _refused(re, SeatError(f"{exc.args[0]}: no such file in this review"))
        except TetherError as exc:
            return _refused(re, exc)

    # -- what a seat is sent ------------------------------------------------------------

    def state(self, seat: str) -> dict[str, Any]:
        service = self.service
        return {
            "type": "state",
            "seat": seat,
            "owner": service.seat,
            "label": self.label,
            "root": str(service.root),
            "files": [self.file(fr.path) for fr in list(service.files)],
            "comments": [wire.comment_message(c) for c in service.comments()],
            **self.presence(),
            **self.counts(),
        }

    def counts(self) -> dict[str, Any]:
        service = self.service
        return {
            "decided": service.decided,
            "pending": service.pending,
            "can_undo": service.can_undo(),
            "can_redo": service.can_redo(),
        }

    def presence(self) -> dict[str, Any]:
        return {
            "presence": [
                {"seat": look.seat, "path": look.path, "hunk": look.hunk}
                for look in self.service.presence.all()
            ]
        }

    def file(self, path: str) -> dict[str, Any]:
        service = self.service
        fr = service.file(path)
        view = service.view(path) if fr.loaded else None
        return wire.file_message(
            view,
            path=fr.path,
            status=str(fr.status),
            accepted_count=fr.accepted_count,
            rejected_count=fr.rejected_count,
            note=fr.note,
        )

    def event_message(self, event: ReviewEvent) -> dict[str, Any] | None:
        if isinstance(event, HunksChanged | FileStale):
            why = event.why if isinstance(event, HunksChanged) else "stale"
            return {"type": "file", "why": why, "file": self.file(event.path), **self.counts()}
        if isinstance(event, FilesChanged):
            files = [self.file(p) for p in event.paths]
            return {"type": "files", "files": files, **self.counts()}
        if isinstance(event, DecisionMade):
            return {
                "type": "decided",
                "outcome": wire.outcome_message(event.outcome),
                "seat": event.seat or self.service.seat,
                "reason": event.reason,
                **self.counts(),
            }
        if isinstance(event, HistoryChanged):
            return {"type": "history", **self.counts()}
        if isinstance(event, CommentAdded):
            return {"type": "comment", "comment": wire.comment_message(event)}
        if isinstance(event, PresenceChanged):
            return {"type": "presence", **self.presence()}
        return None  # CommandFailed: the owner's own key press; its file message follows


def _seat(request: Mapping[str, Any]) -> str:
    seat = request.get("seat")
    if not isinstance(seat, str) or not seat.strip():
        raise SeatError('a seat\'s request must name its seat ("seat": "…")')
    return seat.strip()[:64]


def _text(request: Mapping[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str) or not value:
        raise SeatError(f"the request needs {key!r}")
    return value


def _refused(re: object, exc: TetherError) -> dict[str, Any]:
    return {
        "type": "refused",
        "re": re,
        "title": exc.title,
        "message": str(exc),
        "path": exc.path or "",
    }
