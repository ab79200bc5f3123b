"""``tether agent -- CMD [ARGS…]``: drive an ACP agent, its edits reviewed per hunk."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from app.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from app.core.errors import TetherError
from app.core.theme_names import THEME_NAMES

NO_AGENT = """\
tether agent: which agent? Give its command after --, e.g.

    tether agent -- gemini --acp
    tether agent -- claude-agent-acp
    tether agent -- npx -y @agentclientprotocol/codex-acp

or set it in ~/.config/tether/config.toml (a repository's .tether.toml only
once you `tether trust` it):

    [agent]
    command = ["gemini", "--acp"]

docs/agents.md lists the launch command of each known ACP agent."""


def register(sub: argparse._SubParsersAction) -> None:
    agent = sub.add_parser(
        "agent",
        help="drive an ACP agent (gemini --acp, claude-agent-acp, …) and review its edits per hunk",
        description="Start an Agent Client Protocol agent and prompt it; each edit it makes "
        "waits for your per-hunk review. The command comes after --.",
    )
    agent.add_argument(
        "--level",
        type=int,
        choices=range(5),
        help="the autonomy slider at start: 0 reads only, 1-3 the focus file, 4 the repo "
        "(default: 3 with --file, else 4)",
    )
    agent.add_argument("--file", help="the focus file levels 1-3 let the agent edit")
    agent.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    agent.add_argument(
        "agent_command", nargs=argparse.REMAINDER, help="-- then the agent's command and arguments"
    )
    agent.set_defaults(run=cmd_agent)


def cmd_agent(args: argparse.Namespace) -> int:
    from app.core.autonomy import Level
    from app.core.config import load_config
    from app.core.gitrepo import find_root

    cwd = Path.cwd()
    root = find_root(cwd)
    if root is None:
        raise TetherError(f"{cwd} is not inside a git repository; tether agent needs one")
    config = load_config(root)
    for note in config.notes:
        print(f"tether: {note}", file=sys.stderr)
    command = list(args.agent_command)
    if command[:1] == ["--"]:
        command = command[1:]
    command = command or config.agent_command
    if not command:
        print(NO_AGENT, file=sys.stderr)
        return EXIT_USAGE
    focus = None
    if args.file:
        full = (cwd / args.file).resolve()
        if not full.is_relative_to(root.resolve()):
            raise TetherError(f"--file {args.file}: outside the repository {root}")
        focus = full.relative_to(root.resolve()).as_posix()
    leash = {Level[name.upper()]: value for name, value in config.leash.items()}
    # Without a focus file, levels 1-3 would hold every edit: the repo is the default then.
    level = args.level if args.level is not None else int(Level.FILE if focus else Level.REPO)
    print(f"tether: starting {shlex.join(command)}", file=sys.stderr)
    from app.tui.launch import run_agent_tui

    code = run_agent_tui(
        root, command, level=level, leash=leash, focus=focus, theme=args.theme or config.theme
    )
    return EXIT_OK if code == 0 else EXIT_ERROR
