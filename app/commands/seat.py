"""``tether attach``: another seat on the review a running Tether owns."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.core.theme_names import THEME_NAMES


def register(sub: argparse._SubParsersAction) -> None:
    attach = sub.add_parser(
        "attach",
        help="a second seat on the review a running Tether owns: see it live, decide, comment",
    )
    attach.add_argument(
        "--seat", help="your name in the review (default: config seat, the OS user)"
    )
    attach.add_argument("--read-only", action="store_true", help="watch and comment; never decide")
    attach.add_argument(
        "--role",
        metavar="driver|verifier|both",
        help="driver prompts, verifier decides (default: config role, else both may decide)",
    )
    attach.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    attach.set_defaults(run=cmd_attach)


def cmd_attach(args: argparse.Namespace) -> int:
    from app.core.config import load_config
    from app.core.gitrepo import find_root
    from app.core.locations import state_dir_for
    from app.review.seats import default_seat, seat_role
    from app.tui.launch import run_attach_tui

    cwd = Path.cwd()
    root = find_root(cwd) or cwd.resolve()
    config = load_config(root)
    return run_attach_tui(
        state_dir_for(root),
        seat=default_seat(args.seat or config.seat),
        read_only=args.read_only,
        role=seat_role(args.role or config.role),
        theme=args.theme or config.theme,
    )
