"""``tether watch``: review the edits any agent makes on disk, live."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.core.errors import TetherError
from app.core.theme_names import THEME_NAMES


def register(sub: argparse._SubParsersAction) -> None:
    watch = sub.add_parser("watch", help="review edits any agent makes on disk, live (no model)")
    watch.add_argument("path", nargs="?", default=".", help="the folder to watch (default: here)")
    watch.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    watch.set_defaults(run=cmd_watch)


def cmd_watch(args: argparse.Namespace) -> int:
    from app.core.config import load_config
    from app.review.checks import load_checks
    from app.review.seats import default_seat
    from app.review.sources import open_watch
    from app.tui.inbox import with_inbox
    from app.tui.launch import run_owning
    from app.tui.watch_app import WatchApp

    target = Path(args.path).resolve()
    if not target.is_dir():
        raise TetherError(f"{args.path} is not a folder")
    service, git = open_watch(target)
    root = service.root
    config = load_config(root)
    service.seat = default_seat(config.seat)
    app = with_inbox(WatchApp)(service, root=root, git=git, theme=args.theme or config.theme)
    app.checks_config = load_checks(root)
    # Other seats (tether attach) and agents' gated proposals reach it by the endpoint.
    return run_owning(root, app, service)
