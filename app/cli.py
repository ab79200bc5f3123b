"""The ``tether`` command line: parse, dispatch, and turn errors into one line.

The commands live in ``app.commands``, one module per family. Headless
commands (``apply``, ``review --list``, ``journal``) never import Textual, so
scripts and agents start fast; the TUI is imported only when a screen is
needed, and ``tether --help`` imports nothing but argparse and the command
modules. Every command drives the review service, by hunk id.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from app import __version__
from app.commands import MODULES
from app.commands.common import EXIT_ERROR, EXIT_PIPE, EXIT_USAGE
from app.core.errors import TetherError
from app.core.names import quote_name, safe_text, shorten


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tether", description="Review AI-generated code edits hunk by hunk, keyboard first."
    )
    parser.add_argument("--version", action="version", version=f"tether {__version__}")
    sub = parser.add_subparsers(dest="command")
    for name in MODULES:
        importlib.import_module(f"app.commands.{name}").register(sub)
    return parser


def command_names(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: list[str] | None = None) -> int:
    as_program = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["gate"]:
        # An agent runs the hook for every edit and waits for it: it skips
        # the other commands' parsers and imports (app.gate.hook_client).
        from app.gate.hook_client import main as gate_main

        return gate_main(argv[1:], exit_now=as_program)
    parser = build_parser()
    # Bare `tether` (or `tether FILE`) starts the loop.
    if not argv or (
        argv[0] not in command_names(parser) and argv[0] not in ("-h", "--help", "--version")
    ):
        argv = ["loop", *argv]
    args = parser.parse_args(argv)
    try:
        code = _dispatch(parser, args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit as "Exception ignored"
        return code
    except BrokenPipeError:
        # The reader went away (`tether review --list | head -1`): stop quietly,
        # as git does. Python would still flush stdout at exit and complain,
        # so stdout becomes /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_PIPE
    except TetherError as exc:
        print(f"tether: {_headline(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        # The OS refused something not checked first (a name too long to
        # look up, a folder that cannot be read): one line, not a traceback.
        where = f"{quote_name(shorten(str(exc.filename)))}: " if exc.filename else ""
        print(f"tether: {where}{safe_text(exc.strerror or str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _headline(exc: TetherError) -> str:
    """An error's one line: its title only when it adds something (a plain
    TetherError's "Tether error" after "tether:" would say it twice)."""
    return str(exc) if exc.title == TetherError.title else f"{exc.title}: {exc}"


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return EXIT_USAGE
    code: int = run(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
