"""A seat's connection to the review another process owns (the client side
of the seat protocol): subscribe, hear every change on a thread, send
commands by hunk id and wait for their answers."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.errors import TetherError
from app.gate.socket_io import VERSION, GateProtocolError, GateUnavailable, socket_path
from app.gate.socket_io import address as _address
from app.gate.socket_io import read_line as _read_line
from app.gate.socket_io import send as _send

Listener = Callable[[dict[str, Any]], None]


class SeatLink:
    """One subscription. ``on_message`` gets every message but the answers
    to this seat's own requests, on the link's reader thread; a message
    ``{"type": "closed"}`` says the owner went away."""

    def __init__(
        self,
        state_dir: Path,
        seat: str,
        *,
        read_only: bool = False,
        role: str = "both",
        on_message: Listener,
    ) -> None:
        self.path = socket_path(state_dir)
        self.seat = seat
        self.read_only = read_only
        self.role = role
        self.on_message = on_message
        self._sock: socket.socket | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[threading.Event, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.closed = threading.Event()

    def open(self, *, timeout: float = 30.0) -> dict[str, Any]:
        """Connect and subscribe; the review's state (the first message)."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            with _address(self.path) as address:
                sock.connect(address)
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            sock.close()
            raise GateUnavailable(
                f"no Tether is listening on {self.path}: start tether watch, tether inbox"
                " or tether serve --headless in this repository first"
            ) from None
        _send(
            sock,
            {
                "v": VERSION,
                "type": "subscribe",
                "seat": self.seat,
                "read_only": self.read_only,
                "role": self.role,
            },
        )
        reader = sock.makefile("rb")
        state = _read_line(reader)
        if state is None or state.get("type") == "error":
            sock.close()
            why = (state or {}).get("message", "the owner closed the connection")
            raise GateProtocolError(f"the review refused this seat: {why}")
        sock.settimeout(None)
        self._sock = sock
        self._reader = threading.Thread(
            target=self._read, args=(reader,), name="tether-seat-reader", daemon=True
        )
        self._reader.start()
        return state

    def _read(self, reader: Any) -> None:
        why = "the review's owner closed it"
        try:
            while True:
                message = _read_line(reader)
                if message is None:
                    break
                re = message.get("re")
                if isinstance(re, int):
                    with self._lock:
                        waiting = self._waiting.pop(re, None)
                    if waiting is not None:
                        waiting[1].append(message)
                        waiting[0].set()
                        continue
                self.on_message(message)
        except (OSError, TetherError) as exc:
            why = str(exc) or why
        finally:
            self.closed.set()
            with self._lock:
                for event, _box in self._waiting.values():
                    event.set()
                self._waiting.clear()
            self.on_message({"type": "closed", "message": why})

    def send(self, message: dict[str, Any]) -> None:
        """Send a request that has no answer (``look``)."""
        sock = self._sock
        if sock is None or self.closed.is_set():
            raise GateProtocolError("this seat is not connected to the review")
        with self._send_lock:
            _send(sock, message)

    def request(self, message: dict[str, Any], *, timeout: float = 60.0) -> dict[str, Any]:
        """Send a command and wait for its answer (``done``, ``file`` or
        ``refused``); raises GateProtocolError when the owner is gone."""
        number = next(self._ids)
        event = threading.Event()
        box: list[dict[str, Any]] = []
        with self._lock:
            self._waiting[number] = (event, box)
        try:
            self.send({**message, "id": number})
        except OSError as exc:
            raise GateProtocolError(f"the review's owner is gone ({exc.strerror})") from None
        if not event.wait(timeout) or not box:
            with self._lock:
                self._waiting.pop(number, None)
            raise GateProtocolError("the review's owner did not answer (it quit?)")
        return box[0]

    def close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._reader is not None:
            self._reader.join(timeout=5)


def seat_request(
    state_dir: Path, message: dict[str, Any], *, timeout: float = 30.0
) -> dict[str, Any]:
    """One command on its own connection (scripts, tests): its answer."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    with sock:
        try:
            with _address(socket_path(state_dir)) as address:
                sock.connect(address)
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            raise GateUnavailable(f"no Tether is listening on {socket_path(state_dir)}") from None
        _send(sock, {"v": VERSION, **message})
        answer = _read_line(sock.makefile("rb"))
    if answer is None:
        raise GateProtocolError("Tether closed the connection without an answer")
    return answer
