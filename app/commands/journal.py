"""``tether journal``: the decisions journaled in this repository."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.commands.common import EXIT_OK, note
from app.core.names import quote_name, safe_text


def register(sub: argparse._SubParsersAction) -> None:
    journal = sub.add_parser("journal", help="list the decisions journaled in this repository")
    journal.add_argument("--json", action="store_true", help="print JSON lines")
    journal.add_argument(
        "--all", action="store_true", help="also the entries compaction moved to the archive"
    )
    journal.set_defaults(run=cmd_journal)


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
            note(
                f"the journal is empty: {Path.cwd()} is not in a git repository and no review"
                f" of this folder was journaled (looked in {where})"
            )
        else:
            note(f"the journal is empty (no decisions journaled in {root})")
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
            seat = f"  by {safe_text(entry.seat)}" if entry.seat else ""
            print(f"#{entry.seq:<5} {entry.ts}  {entry.op:<6} {side:<8} {path}{target}{seat}")
    return EXIT_OK
