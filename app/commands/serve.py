"""``tether serve``: serve the review to other seats.

In a browser (the default): each browser connection is its own seat, a
``tether attach`` process attached to the review that a running Tether owns
(or that ``tether serve`` itself owns when none is running). ``--headless``
owns the review of agents' gated proposals with no screen and serves it on
the local endpoint (the Unix socket ``tether gate``, ``tether mcp`` and
``tether attach`` talk to) until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.core.errors import TetherError

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve",
        help="serve the review in a browser (127.0.0.1; a token for any other address),"
        " or --headless on the endpoint",
    )
    serve.add_argument(
        "--headless",
        action="store_true",
        help="own the agents' review with no screen; seats decide through the endpoint",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help="address to bind (default 127.0.0.1); any other needs the printed URL's token",
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (default 8000; 0 picks a free one)"
    )
    serve.add_argument(
        "--read-only", action="store_true", help="browser seats watch and comment, never decide"
    )
    serve.add_argument("--seat", help="the browser seats' name (default: browser)")
    serve.add_argument(
        "--role",
        metavar="driver|verifier|both",
        help="the browser seats' role (default: config role, else both may decide)",
    )
    serve.add_argument(
        "--token",
        action="store_true",
        help="require the token on 127.0.0.1 too (a machine shared with other users)",
    )
    serve.set_defaults(run=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.headless:
        return _serve_headless(args)
    if not 0 <= args.port < 65536:
        raise TetherError(f"--port {args.port}: not a port (0-65535; 0 picks a free one)")
    from app.review.seats import seat_role
    from app.serve.launch import serve_review

    role = seat_role(args.role) if args.role else None  # a bad one: said now, not per tab
    return serve_review(
        host=args.host,
        port=args.port,
        read_only=args.read_only,
        seat=args.seat,
        require_token=args.token,
        role=role,
    )


def _serve_headless(args: argparse.Namespace) -> int:
    from app.core.gitrepo import find_root
    from app.gate.headless import serve_headless

    browser = [
        flag
        for flag, given in (
            ("--host", args.host != DEFAULT_HOST),
            ("--port", args.port != DEFAULT_PORT),
            ("--token", args.token),
            ("--seat", args.seat is not None),
            ("--read-only", args.read_only),
            ("--role", args.role is not None),
        )
        if given
    ]
    if browser:
        raise TetherError(f"{', '.join(browser)}: for the browser seat, not --headless")
    cwd = Path.cwd()
    return serve_headless(find_root(cwd) or cwd.resolve())
