"""``tether replay`` and ``tether export``: a recorded session for a class,
stepped through on screen or written out as Markdown. Neither changes any
file of the repository or of Tether's state."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands.common import EXIT_OK, EXIT_USAGE
from app.core.errors import TetherError
from app.core.theme_names import THEME_NAMES

if TYPE_CHECKING:
    from app.teaching.session import Session


def register(sub: argparse._SubParsersAction) -> None:
    replay = sub.add_parser(
        "replay", help="step through a recorded session (a journal or a recording), read-only"
    )
    replay.add_argument(
        "session",
        nargs="?",
        help="journal.jsonl or a recording (default: this repository's journal)",
    )
    replay.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="play speed factor (space plays; 2 = twice as fast)",
    )
    replay.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    replay.set_defaults(run=cmd_replay)

    export = sub.add_parser("export", help="write a session as Markdown for a course page")
    export.add_argument(
        "session",
        nargs="?",
        help="journal.jsonl or a recording (default: this repository's journal)",
    )
    export.add_argument("--markdown", action="store_true", help="Markdown (the one format)")
    export.add_argument("--recording", help="also the model's turns from this recording")
    export.add_argument(
        "--plan", help="also this plan file (default: the repository's, for its own journal)"
    )
    export.add_argument("-o", "--output", help="write to this file (default: standard output)")
    export.set_defaults(run=cmd_export)


def _session_path(given: str | None) -> Path:
    if given:
        return Path(given)
    from app.core.gitrepo import find_root
    from app.core.locations import state_dir_for

    root = find_root(Path.cwd()) or Path.cwd()
    return state_dir_for(root) / "journal.jsonl"


def _load(given: str | None) -> Session:
    from app.teaching.session import load_session

    path = _session_path(given)
    if not path.exists():
        raise TetherError("no such journal or recording", path=str(path))
    session = load_session(path)
    if not session.frames:
        raise TetherError(
            "nothing to show: the session has no prompts or decisions", path=str(path)
        )
    return session


def cmd_export(args: argparse.Namespace) -> int:
    if not args.markdown:
        print("tether: export needs a format: --markdown", file=sys.stderr)
        return EXIT_USAGE
    from app.core.atomic import atomic_write
    from app.providers.recording import load_recording
    from app.teaching.export import session_markdown
    from app.teaching.session import Session, recording_session

    session = _load(args.session)
    if args.recording:
        turns = recording_session(load_recording(Path(args.recording)), source=args.recording)
        session = Session(session.source, session.kind, session.frames + turns.frames)
    title = f"A Tether session: {Path(session.source).name}" if args.session else "A Tether session"
    text = session_markdown(session, title=title, plan=_plan_text(args))
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    out = Path(args.output).absolute()
    try:
        atomic_write(out.parent, out.name, text.encode("utf-8"))
    except OSError as exc:
        raise TetherError(f"cannot write: {exc.strerror or exc}", path=str(out)) from None
    print(f"tether: wrote {out} ({len(session.frames)} steps)", file=sys.stderr)
    return EXIT_OK


def _plan_text(args: argparse.Namespace) -> str | None:
    """The plan to add: --plan, else (for the repository's own journal) its plan file."""
    if args.plan:
        path = Path(args.plan)
    elif args.session:
        return None
    else:
        from app.core.config import load_config
        from app.core.gitrepo import find_root
        from app.core.paths import resolve_in_root

        root = find_root(Path.cwd())
        if root is None:
            return None
        path = resolve_in_root(root, load_config(root).plan)
        if not path.is_file():
            return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        cause = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise TetherError(f"cannot read the plan: {cause}", path=str(path)) from None


def cmd_replay(args: argparse.Namespace) -> int:
    if args.speed < 0:
        print("tether: --speed must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    from app.core.config import load_config
    from app.tui.replay_app import ReplayApp

    session = _load(args.session)
    theme = args.theme or load_config(None).theme
    app = ReplayApp(session, speed=args.speed, theme=theme)
    app.run()
    return EXIT_OK if not app.return_code else 1
