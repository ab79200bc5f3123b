"""``tether trust``: let a repository's config choose where prompts go."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands.common import EXIT_OK
from app.core.errors import TetherError


def register(sub: argparse._SubParsersAction) -> None:
    trust = sub.add_parser(
        "trust",
        help="let this repository's .tether.toml choose the provider, server and key variable",
    )
    trust.add_argument("config", nargs="?", help="the file (default: .tether.toml of this repo)")
    trust.add_argument("--revoke", action="store_true", help="stop trusting it")
    trust.set_defaults(run=cmd_trust)


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
