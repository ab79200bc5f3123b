"""``tether serve``: serve a running review to other seats.

``--headless`` owns the review of agents' gated proposals with no screen and
serves it on the local endpoint (the Unix socket ``tether gate``,
``tether mcp`` and ``tether attach`` talk to) until SIGINT or SIGTERM. Other
seats decide through the endpoint. Without ``--headless`` the review is
served to a browser (the browser seat).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.core.errors import TetherError


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve", help="serve the review to other seats: headless on the endpoint, or a browser"
    )
    serve.add_argument(
        "--headless",
        action="store_true",
        help="own the agents' review with no screen; seats decide through the endpoint",
    )
    serve.add_argument("--host", help="the browser seat's address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="the browser seat's port")
    serve.add_argument(
        "--read-only", action="store_true", help="browser seats may watch and comment only"
    )
    serve.set_defaults(run=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.headless:
        return _serve_headless(args)
    raise TetherError(
        "the browser seat (tether serve without --headless) is not in this build;"
        " tether serve --headless serves the review on the local endpoint"
    )


def _serve_headless(args: argparse.Namespace) -> int:
    from app.core.gitrepo import find_root
    from app.gate.headless import serve_headless

    browser = [flag for flag, given in (("--host", args.host), ("--port", args.port)) if given]
    if browser:
        raise TetherError(f"{', '.join(browser)}: for the browser seat, not --headless")
    cwd = Path.cwd()
    return serve_headless(find_root(cwd) or cwd.resolve())
