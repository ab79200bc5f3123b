"""``tether serve``: the review in a browser (each connection is a seat)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser(
        "serve", help="serve the review in a browser (127.0.0.1; a token for any other address)"
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1); any other needs the printed URL's token",
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)"
    )
    serve.add_argument(
        "--read-only", action="store_true", help="browser seats watch but cannot decide"
    )
    serve.add_argument("--seat", help="the browser seat's name (for attached reviews)")
    serve.add_argument(
        "--token",
        action="store_true",
        help="require the token on 127.0.0.1 too (a machine shared with other users)",
    )
    serve.set_defaults(run=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from app.core.errors import TetherError

    if not 0 <= args.port < 65536:
        raise TetherError(f"--port {args.port}: not a port (0-65535; 0 picks a free one)")
    from app.serve.launch import serve_review

    return serve_review(
        host=args.host,
        port=args.port,
        read_only=args.read_only,
        seat=args.seat,
        require_token=args.token,
    )
