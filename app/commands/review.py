"""``tether review`` and ``tether apply``: a diff or a patch, decided by hunk id."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.commands.common import EXIT_ERROR, EXIT_OK, note
from app.core.errors import TetherError
from app.core.names import quote_name, safe_text, shorten
from app.core.theme_names import THEME_NAMES

if TYPE_CHECKING:
    from app.review.service import ReviewService
    from app.review.sources import Source


def register(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser(
        "review", help="review changes hunk by hunk (default: working tree vs index)"
    )
    review.add_argument("source", nargs="?", help="REV, REV..REV, a patch file, or - for stdin")
    review.add_argument(
        "--list", action="store_true", help="list files and hunk ids instead of the TUI"
    )
    review.add_argument("--json", action="store_true", help="with --list: print JSON")
    review.add_argument("--theme", choices=THEME_NAMES, help="colour theme")
    review.add_argument("--context", type=int, help="context lines around each hunk (default 3)")
    review.add_argument(
        "--read-only", action="store_true", help="watch the review: decisions are refused"
    )
    _format_option(review)
    review.set_defaults(run=cmd_review)

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
    _format_option(apply)
    apply.set_defaults(run=cmd_apply)


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["auto", "unified", "v4a", "search-replace"],
        default="auto",
        help="what a patch file or stdin holds: a unified diff, a V4A patch (*** Begin Patch) "
        "or SEARCH/REPLACE blocks (default: told from the text)",
    )


def cmd_review(args: argparse.Namespace) -> int:
    from app.core.config import load_config
    from app.core.gitrepo import find_root
    from app.review.seats import default_seat
    from app.review.sources import open_review, open_source

    cwd = Path.cwd()
    config = load_config(find_root(cwd))
    source = open_source(args.source, cwd, fmt=args.format)
    # A listing only reads: it never reconciles or writes, so it cannot
    # disturb another Tether process in the middle of a step.
    service = open_review(
        source,
        context=args.context if args.context is not None else config.context,
        read_only=args.list or args.read_only,
    )
    service.seat = default_seat(config.seat)  # every journal entry says who
    if args.list:
        listing = list_hunks(service, source)
        if not listing["files"]:
            # An empty but valid result: exit 0, and say so (stdout stays data).
            note(f"no changes to review ({safe_text(source.label)})")
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
    from app.tui.launch import run_review_tui

    return run_review_tui(service, source, theme=args.theme or config.theme)


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

    source = open_source(args.patch, Path.cwd(), fmt=args.format)
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
    from app.core.patch_backend import PatchBackend

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
