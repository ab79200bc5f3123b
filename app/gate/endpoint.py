"""The local review endpoint: a Unix socket a running Tether listens on.

The socket is ``gate.sock`` in the repository's state folder
(``.git/tether/``, or the baseline's folder outside git), created owner-only
(0600 in a 0700 folder), and every connection's peer uid is checked
(``SO_PEERCRED``): another user's process is refused before a byte is read.

The protocol (version 1) is JSON, one object per line, one proposal per
connection:

    → {"v": 1, "type": "propose", "origin": {...}, "files": [{"path",
       "before", "after", "moved_from"}], "deadline": <unix seconds>}
    ← {"type": "queued", "hunks": N}                      (at once)
    ← {"type": "verdict", "texts": {...}, "hunks": [...], "stale": [...]}
      or {"type": "error", "message": "..."}

    → {"v": 1, "type": "hook", "input": "<hook JSON>", "cwd", "agent",
       "timeout", "fallback"}                              (``tether gate``)
    ← {"type": "queued", ...}, then {"type": "answer", "stdout", "stderr",
      "exit"}: the whole hook call, run here (``hook_command.run_for_review``)

    → {"v": 1, "type": "status"}
    ← {"type": "status", "pending": N, "decided": N, "queue": [{"path",
       "origin", "pending"}]}                               (``tether mcp``)

    → {"v": 1, "type": "subscribe", "seat": "…", "read_only": false}
    ← {"type": "state", ...}, then a message per change, while commands
      (decide, undo, redo, comment, look, view) go the other way
      (``app.gate.seat_hub``: other seats on this review)

The client may close the connection at any time (the agent gave up); the
host then drops the proposal. ``docs/agents.md`` documents the protocol.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.errors import TetherError
from app.gate.answers import HunkVerdict, Verdict
from app.gate.calls import Origin, ProposedFile
from app.gate.socket_io import (
    VERSION,
    GateProtocolError,
    GateUnavailable,
    socket_path,
)
from app.gate.socket_io import address as _address
from app.gate.socket_io import connect as _connect
from app.gate.socket_io import read_line as _read_line
from app.gate.socket_io import send as _send

if TYPE_CHECKING:  # the hook (tether gate) imports this module: it stays light
    from app.gate.seat_hub import SeatHub

_NO_AGENTS = (
    "this Tether's review does not take agents' proposals;"
    " run tether inbox or tether serve --headless for the gate"
)
# What another seat may ask (``app.gate.seat_hub``; docs/agents.md).
SEAT_REQUESTS = frozenset({"subscribe", "decide", "undo", "redo", "comment", "look", "view"})


# What a host does with one proposal: ``say`` sends an interim event to the
# client (``{"type": "queued", ...}``); ``alive`` says whether the client is
# still there. Returns the verdict when the human has decided.
Handler = Callable[
    [
        Origin,
        list[ProposedFile],
        float | None,
        Callable[[dict[str, Any]], None],
        Callable[[], bool],
    ],
    Verdict,
]


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


class GateServer:
    """Listens on the socket and hands each proposal to ``handler`` on its
    own thread (a proposal blocks until the human decides; others queue)."""

    def __init__(
        self,
        state_dir: Path,
        handler: Handler | None,
        *,
        uid: int | None = None,
        seats: SeatHub | None = None,
    ) -> None:
        self.path = socket_path(state_dir)
        # None: this review takes no agents' proposals (it is not the gate's).
        self.handler = handler
        self.seats = seats
        self.uid = os.getuid() if uid is None else uid
        self.refused: list[str] = []  # why connections were turned away (for the UI, tests)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def start(self) -> GateServer:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.path.parent, 0o700)
        self._clear_stale()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket is born 0600: no window for others
        try:
            with _address(self.path) as address:
                sock.bind(address)
        finally:
            os.umask(old_umask)
        sock.listen(16)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept_loop, name="tether-gate", daemon=True)
        self._thread.start()
        return self

    def _clear_stale(self) -> None:
        """Remove a socket left by a Tether that died; refuse to steal a live one."""
        if not self.path.exists() and not self.path.is_symlink():
            return
        if self.path.is_symlink() or not self.path.is_socket():
            raise GateProtocolError(
                f"{self.path} exists and is not Tether's socket; remove it to start the endpoint"
            )
        try:
            with _connect(self.path, timeout=1.0):
                pass
        except GateUnavailable:
            self.path.unlink()
            return
        raise GateProtocolError(
            f"another Tether is already listening on {self.path}; one review per repository"
        )

    def close(self) -> None:
        self._closed.set()
        if self.seats is not None:
            self.seats.close()
        if self._sock is None:
            # Never started, or refused (another Tether listens): the socket
            # there is someone else's, and stays.
            return
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._sock = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GateServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        sock = self._sock
        assert sock is not None
        while not self._closed.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            threading.Thread(
                target=self._serve, args=(conn,), name="tether-gate-proposal", daemon=True
            ).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            uid = peer_uid(conn)
            if uid != self.uid:
                self.refused.append(f"uid {uid} is not the owner of this review")
                with contextlib.suppress(OSError):
                    _send(conn, {"type": "error", "message": "refused: not this review's user"})
                return
            reader = conn.makefile("rb")
            try:
                request = _read_line(reader)
                if request is None:
                    return
                kind = request.get("type")
                if kind == "status":
                    _send(conn, self._status(request))
                    return
                if kind in SEAT_REQUESTS:
                    self._seat(conn, reader, request)
                    return
                if kind == "hook":
                    self._hook(conn, request)
                    return
                origin, files, deadline = parse_proposal(request)
                if self.handler is None:
                    raise GateProtocolError(_NO_AGENTS)

                def say(event: dict[str, Any]) -> None:
                    _send(conn, event)

                def alive() -> bool:
                    return _peer_open(conn)

                verdict = self.handler(origin, files, deadline, say, alive)
                _send(conn, verdict_message(verdict))
            except TetherError as exc:
                with contextlib.suppress(OSError):
                    _send(conn, {"type": "error", "message": str(exc)})
            except OSError:
                return  # the client went away

    def _hook(self, conn: socket.socket, request: Mapping[str, Any]) -> None:
        """A whole hook call (``tether gate``'s fast path): run here, answered
        as the hook prints it."""
        if request.get("v") != VERSION:
            raise GateProtocolError(
                f"unsupported request (v={request.get('v')!r}); this Tether speaks version {VERSION}"
            )
        root = getattr(self.handler, "root", None)
        if self.handler is None or not isinstance(root, Path):
            raise GateProtocolError(_NO_AGENTS)
        from app.gate.hook_command import run_for_review  # the hook's rules, loaded once

        try:
            run = run_for_review(
                request,
                self.handler,
                root,
                self.path.parent,
                lambda event: _send(conn, event),
                lambda: _peer_open(conn),
            )
        except (TetherError, OSError):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug: the hook still gets an answer
            raise GateProtocolError(f"internal error ({type(exc).__name__}: {exc})") from exc
        _send(
            conn,
            {"type": "answer", "stdout": run.stdout, "stderr": run.stderr, "exit": run.exit_code},
        )

    def _seat(self, conn: socket.socket, reader: Any, request: Mapping[str, Any]) -> None:
        if request.get("v") != VERSION:
            raise GateProtocolError(
                f"unsupported request (v={request.get('v')!r}); this Tether speaks version {VERSION}"
            )
        if self.seats is None:
            raise GateProtocolError("this Tether does not serve its review to other seats")
        self.seats.serve(conn, reader, request, _send, _read_line)

    def _status(self, request: Mapping[str, Any]) -> dict[str, Any]:
        # A host that can say where the review stands has a ``status()``
        # (GateHost); the proposal handler alone is all the protocol needs.
        report = getattr(self.handler, "status", None)
        if request.get("v") != VERSION or report is None:
            raise GateProtocolError("this Tether does not report its review's status")
        return {"type": "status", **report()}


def _peer_open(conn: socket.socket) -> bool:
    """Whether the client is still connected (it sends nothing after its request)."""
    try:
        data = conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return bool(data)


# -- messages ---------------------------------------------------------------------------------


def proposal_message(
    origin: Origin, files: list[ProposedFile] | tuple[ProposedFile, ...], deadline: float | None
) -> dict[str, Any]:
    return {
        "v": VERSION,
        "type": "propose",
        "origin": asdict(origin),
        "files": [asdict(f) for f in files],
        "deadline": deadline,
    }


def parse_proposal(message: Mapping[str, Any]) -> tuple[Origin, list[ProposedFile], float | None]:
    if message.get("v") != VERSION or message.get("type") != "propose":
        raise GateProtocolError(
            f"unsupported request (v={message.get('v')!r}, type={message.get('type')!r}); "
            f"this Tether speaks version {VERSION}"
        )
    try:
        origin = Origin(**message["origin"])
        files = [ProposedFile(**f) for f in message["files"]]
    except (KeyError, TypeError) as exc:
        raise GateProtocolError(f"malformed proposal: {exc}") from None
    deadline = message.get("deadline")
    return origin, files, float(deadline) if deadline is not None else None


def verdict_message(verdict: Verdict) -> dict[str, Any]:
    return {
        "type": "verdict",
        "texts": dict(verdict.texts),
        "hunks": [asdict(h) for h in verdict.hunks],
        "stale": list(verdict.stale),
    }


def parse_verdict(message: Mapping[str, Any]) -> Verdict:
    try:
        return Verdict(
            dict(message["texts"]),
            tuple(HunkVerdict(**h) for h in message["hunks"]),
            tuple(message.get("stale", ())),
        )
    except (KeyError, TypeError) as exc:
        raise GateProtocolError(f"malformed verdict: {exc}") from None


# -- the client -------------------------------------------------------------------------------


def listening(state_dir: Path, *, timeout: float = 5.0) -> bool:
    """Whether a Tether owns a review here and listens (a connection that
    sends nothing is simply closed by the owner)."""
    try:
        with _connect(socket_path(state_dir), timeout=timeout):
            return True
    except (GateUnavailable, OSError):
        return False


def propose(
    state_dir: Path,
    origin: Origin,
    files: list[ProposedFile] | tuple[ProposedFile, ...],
    *,
    deadline: float | None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    clock: Callable[[], float] | None = None,
    on_connect: Callable[[socket.socket], None] | None = None,
) -> Verdict:
    """Send one proposal and wait for the human's verdict, at most until
    ``deadline`` (unix seconds). Raises GateUnavailable when no Tether runs,
    TimeoutError past the deadline, GateProtocolError when the review ends
    without a verdict (Tether quit or was killed). ``on_connect`` gets the
    socket, so another thread can shut it down to give the call up (the
    review withdraws it, as when a hook is killed)."""
    import time

    now = clock or time.time
    path = socket_path(state_dir)
    remaining = None if deadline is None else max(0.001, deadline - now())
    with _connect(path, timeout=remaining) as sock:
        if on_connect is not None:
            on_connect(sock)
        # The host may answer (a refusal) and close before reading it all:
        # its answer is still ours to read below.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            _send(sock, proposal_message(origin, files, deadline))
        reader = sock.makefile("rb")
        while True:
            if deadline is not None:
                left = deadline - now()
                if left <= 0:
                    raise TimeoutError("the review did not decide before the hook's time limit")
                sock.settimeout(left)
            try:
                message = _read_line(reader)
            except TimeoutError:
                raise TimeoutError(
                    "the review did not decide before the hook's time limit"
                ) from None
            if message is None:
                raise GateProtocolError("Tether closed the review before deciding")
            if message.get("type") == "verdict":
                return parse_verdict(message)
            if message.get("type") == "error":
                raise GateProtocolError(str(message.get("message", "error")))
            if on_event is not None:
                on_event(message)


def review_status(state_dir: Path, *, timeout: float = 10.0) -> dict[str, Any]:
    """Where the running review stands (its ``status`` answer). Raises
    GateUnavailable when no Tether runs, GateProtocolError on a bad answer."""
    with _connect(socket_path(state_dir), timeout=timeout) as sock:
        _send(sock, {"v": VERSION, "type": "status"})
        message = _read_line(sock.makefile("rb"))
    if message is None:
        raise GateProtocolError("Tether closed the connection without an answer")
    if message.get("type") == "error":
        raise GateProtocolError(str(message.get("message", "error")))
    if message.get("type") != "status":
        raise GateProtocolError(f"unexpected answer {message.get('type')!r} to a status request")
    return {k: v for k, v in message.items() if k != "type"}
