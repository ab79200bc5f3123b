"""``tether loop`` (the default command) and ``tether demo``: prompt a model, review its edits."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands.common import EXIT_USAGE
from app.core.errors import ConfigError, TetherError
from app.core.theme_names import THEME_NAMES

if TYPE_CHECKING:
    from app.providers.base import ProviderError


def register(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="the whole loop on a sample project, offline, no key")
    demo.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    demo.add_argument("--keep", action="store_true", help="print and keep the sample folder")
    demo.add_argument(
        "--review", action="store_true", help="review a sample change instead (tether review)"
    )
    demo.add_argument("--speed", type=float, default=1.0, help="replay speed factor (0 = instant)")
    demo.add_argument(
        "--teach", action="store_true", help="a teaching walk-through: plan, steps, coach"
    )
    demo.add_argument("--coach", action="store_true", help="coaching hints in the demo")
    demo.set_defaults(run=cmd_demo)

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
    loop.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    loop.add_argument("--coach", action="store_true", help="coaching hints (or coach = true)")
    loop.set_defaults(run=cmd_loop)


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import run_demo

    return run_demo(
        theme=args.theme,
        keep=args.keep,
        review=args.review,
        speed=args.speed,
        teach=args.teach,
        coach=args.coach,
    )


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
    from app.tui.launch import run_loop_tui

    return run_loop_tui(
        root,
        provider,
        label,
        start_file=start,
        theme=args.theme or config.theme,
        level=level,
        leash=leash,
        intro="\n".join(config.notes),
        coach=args.coach or config.coach,
        plan_file=config.plan,
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
