"""``tether journal``: the decisions journaled in this repository."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from app.commands.common import EXIT_ERROR, EXIT_OK, note
from app.core.names import quote_name, safe_text


def register(sub: argparse._SubParsersAction) -> None:
    journal = sub.add_parser("journal", help="list the decisions journaled in this repository")
    journal.add_argument("--json", action="store_true", help="print JSON lines")
    journal.add_argument(
        "--all", action="store_true", help="also the entries compaction moved to the archive"
    )
    journal.set_defaults(run=cmd_journal)
    actions = journal.add_subparsers(dest="journal_action", metavar="{restore}")
    restore = actions.add_parser(
        "restore",
        help="bring back the content a rejection took from a file (or a deleted file)",
        description="Write back the text a journaled rejection took away, if the file still"
        " holds what the rejection left (journaled: `u` in the review undoes it).",
    )
    restore.add_argument("id", help="the entry's number, as `tether journal` lists it (#12 or 12)")
    restore.add_argument("--to", metavar="PATH", help="write it to this new file instead")
    restore.add_argument(
        "--dry-run", action="store_true", help="say what would be written, write nothing"
    )
    restore.set_defaults(run=cmd_restore)


def cmd_journal(args: argparse.Namespace) -> int:
    from app.core.blobs import BlobStore
    from app.core.gitrepo import find_root
    from app.core.journal import Journal
    from app.core.locations import state_dir_for
    from app.review.restore import restorable

    root = find_root(Path.cwd()) or Path.cwd()
    journal = Journal(state_dir_for(root) / "journal.jsonl")
    blobs = BlobStore(state_dir_for(root) / "blobs")
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
            print(json.dumps({**entry.to_json(), "restorable": restorable(entry, blobs)}))
        else:
            target = f" (#{entry.target})" if entry.target is not None else ""
            if entry.extra.get("rollback"):
                target += " rollback"
            if isinstance(entry.extra.get("restore"), int):
                target += f" (restores #{entry.extra['restore']})"
            side = str(entry.side) if entry.side is not None else ""
            path = quote_name(entry.path)
            seat = f"  by {safe_text(entry.seat)}" if entry.seat else ""
            mark = "  restorable" if restorable(entry, blobs) else ""
            print(f"#{entry.seq:<5} {entry.ts}  {entry.op:<6} {side:<8} {path}{target}{seat}{mark}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from app.core.blobs import BlobStore
    from app.core.gitrepo import find_root
    from app.core.journal import Journal
    from app.core.locations import state_dir_for
    from app.core.lock import repo_lock
    from app.review.restore import restore
    from app.review.seats import default_seat

    text = str(args.id).removeprefix("#")
    if not text.isdigit():
        note(f"error: {args.id!r} is not a journal entry number (as `tether journal` lists: #12)")
        return EXIT_ERROR
    cwd = Path.cwd()
    root = find_root(cwd) or cwd
    state = state_dir_for(root)
    to = None
    if args.to is not None:
        # --to is relative to where the command runs, as a shell user means it.
        full = Path(os.path.abspath(cwd / args.to))
        if not full.is_relative_to(root.resolve()) and not full.is_relative_to(root):
            note(f"error: {quote_name(args.to)} is outside the repository root {root}")
            return EXIT_ERROR
        base = root.resolve() if full.is_relative_to(root.resolve()) else root
        to = full.relative_to(base).as_posix()
    done = restore(
        root,
        Journal(state / "journal.jsonl"),
        BlobStore(state / "blobs"),
        repo_lock(state),
        int(text),
        to=to,
        dry_run=args.dry_run,
        seat=default_seat(),
    )
    where = quote_name(done.path)
    if done.already:
        note(f"{where} already holds what #{done.entry.seq} took away; nothing written")
    elif done.written is None:
        print(f"would restore {done.size} bytes to {where} from #{done.entry.seq} (dry run)")
    else:
        print(
            f"restored {done.size} bytes to {where} from #{done.entry.seq}"
            f" (journaled as #{done.written.seq}; `u` in the review undoes it)"
        )
    return EXIT_OK
