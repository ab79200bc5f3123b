"""``tether serve`` (the browser seat): check the review opens, make the
token, print the URL, run the server until stopped."""

from __future__ import annotations

import asyncio
import secrets
import socket
import sys
from pathlib import Path

from app.core.errors import TetherError
from app.serve.command import seat_command
from app.serve.guard import needs_token

EXIT_OK = 0


def url_for(host: str, port: int, token: str | None) -> str:
    """The address to open (and to give the other seat)."""
    if host in ("0.0.0.0", "::", ""):
        # Every interface: the machine's name is what another machine can reach.
        host = socket.gethostname()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve_review(
    *,
    host: str,
    port: int,
    read_only: bool,
    seat: str | None,
    require_token: bool,
    role: str | None = None,
) -> int:
    from app.core.gitrepo import find_root
    from app.core.locations import state_dir_for
    from app.gate.endpoint import listening

    cwd = Path.cwd()
    root = find_root(cwd) or cwd.resolve()
    if listening(state_dir_for(root)):
        # A Tether (tether, tether watch, tether inbox, serve --headless) owns
        # the review: every browser seat attaches to it.
        return _serve(
            host, port, read_only, seat, require_token, owner="the running Tether", role=role
        )
    from app.gate.hosting import hosting
    from app.review.sources import open_review, open_source

    # None runs: this process owns the working tree's review (as `tether
    # review` would) and serves it on the endpoint, so the browser seats and
    # any `tether attach` in a terminal share it. A folder the review cannot
    # open is said now, once, not in every browser tab.
    service = open_review(open_source(None, cwd))
    try:
        with hosting(root, service, label="the working tree (tether serve)") as unshared:
            if unshared:
                raise TetherError(unshared)
            return _serve(
                host, port, read_only, seat, require_token, owner="tether serve", role=role
            )
    finally:
        service.close()


def _serve(
    host: str,
    port: int,
    read_only: bool,
    seat: str | None,
    require_token: bool,
    *,
    owner: str,
    role: str | None = None,
) -> int:
    from app.serve.server import TetherServer

    # A token is made for every bind but 127.0.0.1/localhost/::1 (or when asked); it lives in
    # this process's memory and the printed URL only, never a log or a file.
    token = secrets.token_urlsafe(24) if require_token or needs_token(host) else None
    server = TetherServer(
        seat_command(read_only=read_only, seat=seat, role=role),
        host=host,
        port=port,
        token=token,
        title="tether review" + (" (read-only)" if read_only else ""),
    )

    def ready() -> None:
        kind = "read-only seat" if read_only else "seat"
        print(
            f"tether: serving the review ({kind}) at {url_for(host, server.port, token)}",
            flush=True,
        )
        print(
            f"tether: each browser tab is a seat on the review {owner} owns; ctrl+c stops",
            file=sys.stderr,
        )

    asyncio.run(server.run(ready))
    return EXIT_OK
