"""The agent gate's commands: ``tether gate`` (the hook), ``hooks``, ``inbox`` and ``mcp``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.commands.common import EXIT_OK
from app.core.errors import TetherError
from app.core.names import safe_text
from app.core.theme_names import THEME_NAMES
from app.gate.agents import add_gate_arguments


def register(sub: argparse._SubParsersAction) -> None:
    gate = sub.add_parser(
        "gate",
        help="the hook an agent runs before it edits: the running review decides per hunk",
    )
    add_gate_arguments(gate)
    gate.set_defaults(run=cmd_gate)

    hooks = sub.add_parser(
        "hooks", help="add or remove the tether gate hook in an agent's settings file"
    )
    hooks.add_argument("action", choices=["install", "uninstall"])
    hooks.add_argument("agent", choices=["claude", "codex", "gemini"])
    scope = hooks.add_mutually_exclusive_group()
    scope.add_argument(
        "--project",
        dest="scope",
        action="store_const",
        const="project",
        help="this repository's settings (the default)",
    )
    scope.add_argument(
        "--user", dest="scope", action="store_const", const="user", help="your settings in $HOME"
    )
    hooks.set_defaults(scope="project", run=cmd_hooks)
    hooks.add_argument(
        "--timeout",
        type=int,
        default=3600,
        help="seconds you have to decide (the hook's limit and tether gate's; default 3600)",
    )
    hooks.add_argument("--dry-run", action="store_true", help="show the change; write nothing")

    inbox = sub.add_parser(
        "inbox", help="review agents' edits before they touch disk (they arrive by tether gate)"
    )
    inbox.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    inbox.set_defaults(run=cmd_inbox)

    mcp = sub.add_parser(
        "mcp", help="an MCP server (stdio) whose edit tools wait for the review in tether inbox"
    )
    mcp.add_argument(
        "--timeout", type=float, default=3600.0, help="longest a call waits, in seconds"
    )
    mcp.set_defaults(run=cmd_mcp)


def cmd_gate(args: argparse.Namespace) -> int:
    from app.gate.hook_command import run_gate

    run = run_gate(sys.stdin.read(), agent=args.agent, timeout=args.timeout, fallback=args.fallback)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    return run.exit_code


def cmd_hooks(args: argparse.Namespace) -> int:
    from app.core.gitrepo import find_root
    from app.gate import hooks_install as hooks
    from app.gate.agents import MARGIN

    if args.timeout <= MARGIN:
        raise TetherError(
            f"--timeout must be more than {MARGIN:g} seconds (the gate answers first)"
        )
    cwd = Path.cwd()
    where = hooks.location(
        args.agent, args.scope, root=find_root(cwd) or cwd.resolve(), env=os.environ
    )
    shown = str(where.path)
    old = hooks.read_settings(where)
    if args.action == "install":
        change = hooks.install(args.agent, old, timeout=args.timeout, shown=shown)
    else:
        change = hooks.uninstall(args.agent, old, shown=shown)
    for warning in change.warnings:
        print(f"tether: warning: {safe_text(warning)}", file=sys.stderr)
    if not change.changed:
        print(safe_text(change.summary))
        return EXIT_OK
    for line in hooks.diff(change, shown).splitlines():
        print(safe_text(line))
    if args.dry_run:
        print(f"dry run: nothing was written; without --dry-run: {change.summary} in {shown}")
        return EXIT_OK
    hooks.write_settings(where, change)
    print(f"{change.summary} in {shown}")
    if args.action == "install" and args.agent == "codex":
        print(
            "Codex runs a new hook only once you trust it (/hooks in Codex), and a project's"
            " hooks only in a trusted project."
        )
    return EXIT_OK


def cmd_inbox(args: argparse.Namespace) -> int:
    from app.core.config import load_config
    from app.core.gitrepo import find_root
    from app.core.locations import state_dir_for
    from app.gate.endpoint import GateServer
    from app.gate.host import open_gate
    from app.gate.seat_hub import SeatHub
    from app.review.checks import load_checks
    from app.review.seats import default_seat
    from app.tui.gate_app import GateApp

    cwd = Path.cwd()
    root = find_root(cwd) or cwd.resolve()
    config = load_config(root)
    host = open_gate(root)
    host.service.seat = default_seat(config.seat)
    hub = SeatHub(host.service, label="agents' proposals (tether gate)")
    server = GateServer(state_dir_for(root), host, seats=hub)
    try:
        server.start()  # refuses when another Tether already listens here
        app = GateApp(host, theme=args.theme or config.theme)
        app.label += f" · seat {host.service.seat}"
        app.checks_config = load_checks(root)
        app.run()
    finally:
        host.close()
        server.close()
        host.service.close()
    return EXIT_OK


def cmd_mcp(args: argparse.Namespace) -> int:
    from app.core.gitrepo import find_root
    from app.gate.mcp_server import serve

    cwd = Path.cwd()
    serve(find_root(cwd) or cwd.resolve(), timeout=args.timeout)
    return EXIT_OK
