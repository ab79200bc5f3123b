"""The ``tether`` command line.

Headless commands (``apply``, ``review --list``, ``journal``) never import
Textual, so scripts and agents start fast; the TUI is imported only when a
screen is needed, and ``tether --help`` imports nothing but argparse. Every
command drives the review service, by hunk id.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import __version__
from app.core.errors import ConfigError, TetherError
from app.core.names import quote_name, safe_text, shorten

if TYPE_CHECKING:
    from app.providers.base import Provider, ProviderError
    from app.review.service import ReviewService
    from app.review.sources import Source

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
# A closed pipe, as a process killed by SIGPIPE reports it (git's status there).
EXIT_PIPE = 128 + 13


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tether", description="Review AI-generated code edits hunk by hunk, keyboard first."
    )
    parser.add_argument("--version", action="version", version=f"tether {__version__}")
    sub = parser.add_subparsers(dest="command")

    review = sub.add_parser(
        "review", help="review changes hunk by hunk (default: working tree vs index)"
    )
    review.add_argument("source", nargs="?", help="REV, REV..REV, a patch file, or - for stdin")
    review.add_argument(
        "--list", action="store_true", help="list files and hunk ids instead of the TUI"
    )
    review.add_argument("--json", action="store_true", help="with --list: print JSON")
    review.add_argument("--theme", choices=["dark", "light"], help="colour theme")
    review.add_argument("--context", type=int, help="context lines around each hunk (default 3)")

    apply = sub.add_parser("apply", help="apply a patch (or some of its hunks) to the working tree")
    apply.add_argument("patch", help="a patch file, - for stdin, REV or REV..REV")
    which = apply.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="apply every hunk (the default)")
    which.add_argument(
        "--hunks", help="comma-separated hunk ids (see `tether review PATCH --list`)"
    )
    apply.add_argument(
        "--check", action="store_true", help="only check that it applies; write nothing"
    )
    apply.add_argument("--json", action="store_true", help="print the result as JSON")

    demo = sub.add_parser("demo", help="the whole loop on a sample project, offline, no key")
    demo.add_argument("--theme", choices=["dark", "light"], help="colour theme")
    demo.add_argument("--keep", action="store_true", help="print and keep the sample folder")
    demo.add_argument(
        "--review", action="store_true", help="review a sample change instead (tether review)"
    )
    demo.add_argument("--speed", type=float, default=1.0, help="replay speed factor (0 = instant)")

    loop = sub.add_parser("loop", help="prompt a model and review its edits (the default command)")
    loop.add_argument("file", nargs="?", help="the file to start on")
    loop.add_argument(
        "--provider",
        help="replay, anthropic, openai, openai-compatible, ollama, llama.cpp, vllm, lmstudio",
    )
    loop.add_argument("--model", help="model name")
    loop.add_argument("--base-url", help="server URL (OpenAI-compatible servers)")
    loop.add_argument("--recording", help="replay: the recorded session file")
    loop.add_argument(
        "--level",
        type=int,
        choices=range(5),
        help="autonomy: 0 off, 1 line, 2 chunk, 3 file, 4 repo",
    )
    loop.add_argument("--theme", choices=["dark", "light"], help="colour theme")

    watch = sub.add_parser("watch", help="review edits any agent makes on disk, live (no model)")
    watch.add_argument("path", nargs="?", default=".", help="the folder to watch (default: here)")
    watch.add_argument("--theme", choices=["dark", "light"], help="colour theme")

    trust = sub.add_parser(
        "trust",
        help="let this repository's .tether.toml choose the provider, server and key variable",
    )
    trust.add_argument("config", nargs="?", help="the file (default: .tether.toml of this repo)")
    trust.add_argument("--revoke", action="store_true", help="stop trusting it")

    gate = sub.add_parser(
        "gate",
        help="the hook an agent runs before it edits: the running review decides per hunk",
    )
    gate.add_argument("--agent", choices=["claude", "codex", "gemini"], help="default: detected")
    gate.add_argument(
        "--timeout",
        type=float,
        help="the hook's time limit in seconds (the gate answers before it)",
    )
    gate.add_argument(
        "--fallback",
        choices=["ask", "deny"],
        default="ask",
        help="when no Tether is running: let the agent ask (default) or deny",
    )

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
    hooks.set_defaults(scope="project")
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
    inbox.add_argument("--theme", choices=["dark", "light"], help="colour theme")

    mcp = sub.add_parser(
        "mcp", help="an MCP server (stdio) whose edit tools wait for the review in tether inbox"
    )
    mcp.add_argument(
        "--timeout", type=float, default=3600.0, help="longest a call waits, in seconds"
    )

    journal = sub.add_parser("journal", help="list the decisions journaled in this repository")
    journal.add_argument("--json", action="store_true", help="print JSON lines")
    journal.add_argument(
        "--all", action="store_true", help="also the entries compaction moved to the archive"
    )
    return parser


COMMANDS = (
    "review",
    "apply",
    "demo",
    "gate",
    "hooks",
    "inbox",
    "journal",
    "loop",
    "mcp",
    "trust",
    "watch",
)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # Bare `tether` (or `tether FILE`) starts the loop.
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
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


def _note(message: str) -> None:
    """A word on stderr (an empty result said out loud), keeping stdout for data."""
    print(f"tether: {message}", file=sys.stderr)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "review":
        return cmd_review(args)
    if args.command == "apply":
        return cmd_apply(args)
    if args.command == "demo":
        from app.demo import run_demo

        return run_demo(theme=args.theme, keep=args.keep, review=args.review, speed=args.speed)
    if args.command == "loop":
        return cmd_loop(args)
    if args.command == "watch":
        return cmd_watch(args)
    if args.command == "journal":
        return cmd_journal(args)
    if args.command == "trust":
        return cmd_trust(args)
    if args.command == "gate":
        return cmd_gate(args)
    if args.command == "inbox":
        return cmd_inbox(args)
    if args.command == "hooks":
        return cmd_hooks(args)
    if args.command == "mcp":
        return cmd_mcp(args)
    parser.print_help()
    return EXIT_USAGE


def cmd_review(args: argparse.Namespace) -> int:
    from app.core.config import load_config
    from app.core.gitrepo import find_root
    from app.review.sources import open_review, open_source

    cwd = Path.cwd()
    config = load_config(find_root(cwd))
    source = open_source(args.source, cwd)
    # A listing only reads: it never reconciles or writes, so it cannot
    # disturb another Tether process in the middle of a step.
    service = open_review(
        source,
        context=args.context if args.context is not None else config.context,
        read_only=args.list,
    )
    if args.list:
        listing = list_hunks(service, source)
        if not listing["files"]:
            # An empty but valid result: exit 0, and say so (stdout stays data).
            _note(f"no changes to review ({safe_text(source.label)})")
        if args.json:
            print(json.dumps(listing, indent=2))
        else:
            # Names from a patch may hold terminal escapes: quoted, as git quotes them.
            for f in listing["files"]:
                print(
                    f"{f['status'][0].upper()} {quote_name(f['path'])}"
                    + (f"  ({safe_text(f['note'])})" if f["note"] else "")
                )
                for h in f["hunks"]:
                    header = safe_text(h["header"])
                    print(f"    {h['id']}  {header}  +{h['added']} -{h['removed']}")
        return EXIT_OK
    return run_review_tui(service, source, theme=args.theme or config.theme)


def run_review_tui(service: ReviewService, source: Source, *, theme: str) -> int:
    if source.label == "<stdin>" and not os.isatty(0):
        # The patch came on stdin; the keys must come from the terminal, and
        # Textual reads file descriptor 0 directly.
        try:
            tty = os.open("/dev/tty", os.O_RDONLY)
        except OSError:
            raise TetherError(
                "the patch came on stdin and there is no terminal for the keys"
            ) from None
        os.dup2(tty, 0)
        os.close(tty)
    from app.tui.review_app import ReviewApp
    from app.tui.screens import summary_text

    app = ReviewApp(service, label=source.label, theme=theme)
    result = app.run()
    if result:
        print(summary_text(result))
    # Textual has already printed the traceback of a crash; the exit status says it too.
    return EXIT_OK if not app.return_code else EXIT_ERROR


NO_PROVIDER = """tether: no model provider is configured.

Set one in ~/.config/tether/config.toml (a repository's .tether.toml may set
the model, but chooses a provider or server only once you `tether trust` it):

    [provider]
    provider = "anthropic"              # key from ANTHROPIC_API_KEY
    model = "claude-sonnet-4-5"

    # or: provider = "openai", model = "gpt-4.1"        (key from OPENAI_API_KEY)
    # or: provider = "ollama", model = "qwen2.5-coder"  (a local server, no key)

or pass --provider and --model. API keys come only from environment variables.
To try the loop offline first: tether demo"""


def cmd_loop(args: argparse.Namespace) -> int:
    from app.core.autonomy import Level
    from app.core.config import load_config
    from app.core.gitrepo import find_root
    from app.providers.factory import settings_for

    cwd = Path.cwd()
    root = find_root(cwd)
    if root is None:
        raise TetherError(
            f"{cwd} is not inside a git repository; the loop needs one (or try: tether demo)"
        )
    config = load_config(root)
    for note in config.notes:
        print(f"tether: {note}", file=sys.stderr)
    flags = {
        key: getattr(args, key, None) for key in ("provider", "model", "base_url", "recording")
    }
    from app.core.config import host_of
    from app.providers.base import ProviderError
    from app.providers.factory import create_provider

    try:
        settings = settings_for(config.provider, flags)
        if settings is None:
            print(NO_PROVIDER, file=sys.stderr)
            return EXIT_USAGE
        provider = create_provider(settings)
    except ProviderError as exc:
        raise _in_config(exc, root, from_flag=args.provider is not None) from None
    leash = {Level[name.upper()]: value for name, value in config.leash.items()}
    label = f"{settings.provider} · {settings.model or provider.model}"
    if settings.base_url:  # where the prompts go, always in sight
        label += f" @ {host_of(settings.base_url)}"
    start = None
    if args.file:
        start = str((cwd / args.file).resolve().relative_to(root.resolve()))
    level = args.level if args.level is not None else int(Level.FILE)
    return run_loop_tui(
        root,
        provider,
        label,
        start_file=start,
        theme=args.theme or config.theme,
        level=level,
        leash=leash,
        intro="\n".join(config.notes),
    )


def _in_config(exc: ProviderError, root: Path, *, from_flag: bool) -> TetherError:
    """A provider setting's error, naming the config file and line that set
    it (when a file did, not --provider)."""
    from app.core.config import line_of, origin_of

    origin = None if from_flag else origin_of(root, "provider", "provider")
    if origin is None:
        return exc
    return ConfigError(
        f"[provider] {exc.detail}", path=str(origin), line=line_of(origin, "provider")
    )


def run_loop_tui(
    root: Path,
    provider: Provider,
    label: str,
    *,
    start_file: str | None,
    theme: str,
    level: int = 3,
    leash: dict | None = None,
    intro: str = "",
) -> int:
    from app.review.sources import open_proposals
    from app.tui.loop_app import LoopApp
    from app.tui.screens import summary_text

    app = LoopApp(
        open_proposals(root),
        provider=provider,
        provider_label=label,
        start_file=start_file,
        level=level,
        leash=leash or None,
        theme=theme,
        intro=intro,
    )
    result = app.run()
    if result:
        print(summary_text(result))
    return EXIT_OK if not app.return_code else EXIT_ERROR


def cmd_watch(args: argparse.Namespace) -> int:
    from app.core.config import load_config
    from app.review.sources import open_watch
    from app.tui.screens import summary_text
    from app.tui.watch_app import WatchApp

    target = Path(args.path).resolve()
    if not target.is_dir():
        raise TetherError(f"{args.path} is not a folder")
    service, git = open_watch(target)
    root = service.root
    config = load_config(root)
    app = WatchApp(service, root=root, git=git, theme=args.theme or config.theme)
    result = app.run()
    if result:
        print(summary_text(result))
    return EXIT_OK if not app.return_code else EXIT_ERROR


def list_hunks(service: ReviewService, source: Source) -> dict[str, Any]:
    from app.core.controls import control_flag
    from app.review.risks import hunk_risks

    files = []
    for fr in service.files:
        hunks = service.load(fr).hunks
        files.append(
            {
                "path": fr.path,
                "old_path": fr.old_path,
                "status": str(fr.status),
                "note": fr.note,
                "flag": control_flag(fr.path),
                "hunks": [
                    {
                        "id": h.id,
                        "header": h.header(),
                        "added": h.added,
                        "removed": h.removed,
                        "risks": [{"kind": r.kind, "why": r.why} for r in hunk_risks(fr.path, h)],
                    }
                    for h in hunks
                ],
            }
        )
    return {"source": source.label, "files": files}


def cmd_apply(args: argparse.Namespace) -> int:
    from app.review.commands import Decide
    from app.review.sources import open_review, open_source

    source = open_source(args.patch, Path.cwd())
    if source.backend.kind != "patch":
        raise TetherError("tether apply needs a patch file, stdin, a revision or a range")
    service = open_review(source, read_only=args.check)
    wanted = set(args.hunks.split(",")) if args.hunks else None
    problems: list[str] = []
    plan: list[Decide] = []
    found: set[str] = set()
    for fr in service.files:
        service.load(fr)
        if fr.note:
            # With --hunks, a file the user did not pick may fail; with --all, none may.
            if wanted is None:
                name = quote_name(shorten(fr.path))  # as an error names it
                problems.append(fr.note if fr.note.startswith(name) else f"{name}: {fr.note}")
            continue
        chosen = tuple(h.id for h in fr.hunks if wanted is None or h.id in wanted)
        found.update(chosen)
        if chosen or (wanted is None and fr.empty_file_change):
            plan.append(Decide("accept", fr.path, chosen))
    if wanted is not None and (missing := wanted - found):
        # A hunk of the patch that is no longer pending was applied already
        # (its change is in the file); any other id is not in the patch at all.
        ours = _patch_hunk_ids(source)
        if applied := sorted(missing & ours):
            problems.append(f"hunk(s) already applied: {', '.join(applied)}")
        if unknown := sorted(missing - ours):
            problems.append(
                f"unknown hunk id(s): {', '.join(unknown)} (see `tether review PATCH --list`)"
            )
    if problems:
        return _apply_report(args, False, problems, [])
    # One write set: preflighted whole, and taken back whole if the OS
    # refuses a file mid-way (the message says so), so a failure writes nothing.
    try:
        if args.check:
            service.check_all(plan)
        else:
            service.execute_all(plan)
    except TetherError as exc:
        return _apply_report(args, False, [f"{exc.title}: {exc}"], [])
    applied = [{"path": command.path, "hunks": list(command.hunks)} for command in plan]
    return _apply_report(args, True, [], applied)


def _patch_hunk_ids(source: Source) -> set[str]:
    from app.core.backends import PatchBackend

    backend = source.backend
    if not isinstance(backend, PatchBackend):
        return set()
    return {h.id for fp in backend.patch.files for h in fp.hunks}


def _apply_report(
    args: argparse.Namespace, ok: bool, problems: list[str], applied: list[dict]
) -> int:
    if args.json:
        print(
            json.dumps(
                {"ok": ok, "checked_only": args.check, "errors": problems, "files": applied},
                indent=2,
            )
        )
    else:
        lines = [safe_text(problem) for problem in problems]
        if len(lines) == 1 and "nothing was written" in lines[0]:
            pass  # the one line says it already
        elif len(lines) == 1:
            lines[0] += "; nothing was written"
        elif lines:
            lines.append("nothing was written")
        for line in lines:
            print(f"tether: {line}", file=sys.stderr)
        if ok:
            verb = "would apply" if args.check else "applied"
            count = sum(len(f["hunks"]) for f in applied)
            print(f"{verb} {count} hunk(s) to {len(applied)} file(s)")
    return EXIT_OK if ok else EXIT_ERROR


def cmd_gate(args: argparse.Namespace) -> int:
    from app.gate.hook_command import run_gate

    run = run_gate(sys.stdin.read(), agent=args.agent, timeout=args.timeout, fallback=args.fallback)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    return run.exit_code


def cmd_hooks(args: argparse.Namespace) -> int:
    from app.core.gitrepo import find_root
    from app.gate import hooks_install as hooks
    from app.gate.hook_command import MARGIN

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
    from app.tui.gate_app import GateApp

    cwd = Path.cwd()
    root = find_root(cwd) or cwd.resolve()
    host = open_gate(root)
    server = GateServer(state_dir_for(root), host)
    try:
        server.start()  # refuses when another Tether already listens here
        GateApp(host, theme=args.theme or load_config(root).theme).run()
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


def cmd_trust(args: argparse.Namespace) -> int:
    from app.core.config import REPO_CONFIG, host_of, routing_keys, trust, untrust
    from app.core.gitrepo import find_root

    if args.config:
        path = Path(args.config)
    else:
        root = find_root(Path.cwd())
        if root is None:
            raise TetherError(f"{Path.cwd()} is not in a git repository; name the file to trust")
        path = root / REPO_CONFIG
    if not path.is_file():
        raise TetherError(f"{path}: no such file")
    if args.revoke:
        print(f"{'no longer trusted' if untrust(path) else 'was not trusted'}: {path}")
        return EXIT_OK
    provider = trust(path)
    print(f"trusted {path.resolve()} as it is now (an edit to it ends the trust)")
    for key in routing_keys(provider):
        value = provider[key]
        shown = f"{value!r} (requests go to {host_of(value)})" if key == "base_url" else repr(value)
        print(f"  [provider] {key} = {shown}")
    return EXIT_OK


def cmd_journal(args: argparse.Namespace) -> int:
    from app.core.gitrepo import find_root
    from app.core.journal import Journal
    from app.core.locations import state_dir_for

    root = find_root(Path.cwd()) or Path.cwd()
    journal = Journal(state_dir_for(root) / "journal.jsonl")
    entries = [*journal.archived(), *journal.entries()] if args.all else journal.entries()
    if not entries:
        # Empty but valid: exit 0, said on stderr, naming where it looked.
        where = state_dir_for(root) / "journal.jsonl"
        if find_root(Path.cwd()) is None:
            _note(
                f"the journal is empty: {Path.cwd()} is not in a git repository and no review"
                f" of this folder was journaled (looked in {where})"
            )
        else:
            _note(f"the journal is empty (no decisions journaled in {root})")
        return EXIT_OK
    for entry in entries:
        if args.json:
            print(json.dumps(entry.to_json()))
        else:
            target = f" (#{entry.target})" if entry.target is not None else ""
            if entry.extra.get("rollback"):
                target += " rollback"
            side = str(entry.side) if entry.side is not None else ""
            path = quote_name(entry.path)
            print(f"#{entry.seq:<5} {entry.ts}  {entry.op:<6} {side:<8} {path}{target}")
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
