"""The review endpoint's socket, as both ends reach it: where it is, how a
client connects, and one JSON object per line each way.

Standard library and ``app.core.errors`` only: the hook process
(``app.gate.hook_client``) imports this and no more of the endpoint.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from app.core.errors import TetherError

VERSION = 1
SOCKET_NAME = "gate.sock"
# Longer socket paths do not fit sockaddr_un; they are reached through
# /proc/self/fd/N/NAME (an O_PATH descriptor of the folder) instead.
SUN_PATH_MAX = 100
MAX_REQUEST = 64 * 1024 * 1024


class GateUnavailable(TetherError):
    """No Tether is listening for this repository."""

    title = "Tether is not running"


class GateProtocolError(TetherError):
    title = "Review endpoint error"


def socket_path(state_dir: Path) -> Path:
    return state_dir / SOCKET_NAME


@contextlib.contextmanager
def address(path: Path) -> Iterator[str]:
    """A name for ``path`` that fits sockaddr_un."""
    if len(os.fsencode(path)) <= SUN_PATH_MAX:
        yield str(path)
        return
    fd = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
    try:
        yield f"/proc/self/fd/{fd}/{path.name}"
    finally:
        os.close(fd)


def send(conn: socket.socket, message: Mapping[str, Any]) -> None:
    conn.sendall(json.dumps(message, ensure_ascii=False).encode() + b"\n")


def read_line(reader: Any) -> dict[str, Any] | None:
    """The next message, None at the end of the stream."""
    line = reader.readline(MAX_REQUEST + 1)
    if not line:
        return None
    if len(line) > MAX_REQUEST:
        raise GateProtocolError("a request over 64 MiB was refused")
    try:
        message = json.loads(line)
    except ValueError:
        raise GateProtocolError("a request that is not JSON was refused") from None
    if not isinstance(message, dict):
        raise GateProtocolError("a request must be a JSON object")
    return message


@contextlib.contextmanager
def connect(path: Path, *, timeout: float | None) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        try:
            with address(path) as name:
                sock.connect(name)
        except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
            raise GateUnavailable(f"no Tether is listening on {path}") from None
        yield sock
    finally:
        sock.close()
