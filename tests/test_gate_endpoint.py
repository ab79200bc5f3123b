"""The endpoint's client side: a refusal the host sends before reading the
whole request still reaches the caller as that refusal."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.gate.calls import Origin, ProposedFile
from app.gate.endpoint import GateProtocolError, GateServer, propose


def test_a_refused_peer_gets_the_reason_even_mid_request(tmp_path: Path) -> None:
    def never(*_args: object) -> object:
        raise AssertionError("a refused peer's proposal must not be handled")

    # A proposal far larger than the socket's buffers: the host refuses the
    # peer (not the owner) and closes before the client has sent it all, so
    # the client's send fails. Before the fix that was "Broken pipe"; the
    # host's reason was already in the client's receive buffer.
    big = [ProposedFile("notes.txt", "a\n", "b\n" * (4 << 20))]
    server = GateServer(tmp_path / "state", never, uid=os.getuid() + 1)  # type: ignore[arg-type]
    with server, pytest.raises(GateProtocolError, match="not this review's user"):
        propose(tmp_path / "state", Origin("mcp", "", "1", "t"), big, deadline=None)
