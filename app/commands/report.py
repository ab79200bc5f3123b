"""``tether report``: the session report from the journal (terminal, HTML, JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.commands.common import EXIT_OK, note
from app.core.theme_names import THEME_NAMES


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report",
        help="a report of the review decisions: per file, source, provider, seat; rates; charts",
    )
    report.add_argument(
        "--since", metavar="WHEN", help="only decisions since WHEN: 2026-12-02, today, 2h, 30m, 1d"
    )
    report.add_argument(
        "--html", metavar="FILE", help="write the report as one self-contained HTML page"
    )
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.add_argument("--theme", choices=THEME_NAMES, help="the terminal report's theme")
    report.set_defaults(run=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from app.core.config import load_config
    from app.core.errors import TetherError
    from app.core.gitrepo import find_root
    from app.core.journal import Journal
    from app.core.locations import state_dir_for
    from app.review.report import build, parse_since

    root = find_root(Path.cwd()) or Path.cwd()
    since = None
    if args.since:
        try:
            since = parse_since(args.since, now=datetime.now(UTC).astimezone())
        except ValueError as exc:
            raise TetherError(str(exc)) from None
    where = state_dir_for(root) / "journal.jsonl"
    entries = [*Journal(where).archived(), *Journal(where).entries()]
    config = load_config(root)
    report = build(entries, since=since, leash=config.leash)
    if not report.totals.decisions:
        note(
            f"no decisions to report{' since ' + args.since if args.since else ''} (looked in {where})"
        )
    if args.html:
        _write_html(Path(args.html), report, root)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    if args.html or args.json:
        return EXIT_OK
    if not sys.stdout.isatty():
        print(text_summary(report))
        return EXIT_OK
    from app.tui.report_screen import run_report_tui

    return run_report_tui(report, theme=args.theme or config.theme)


def _write_html(target: Path, report: object, root: Path) -> None:
    from app.core.atomic import atomic_write
    from app.core.errors import write_failed
    from app.review.report import Report
    from app.review.report_html import render

    assert isinstance(report, Report)
    page = render(report, title=f"Tether review report · {root.name}").encode("utf-8")
    folder = target.parent.resolve()
    try:
        if not folder.is_dir():
            raise FileNotFoundError(2, "No such folder", str(folder))
        atomic_write(folder, target.name, page, mode=0o644)
    except OSError as exc:
        raise write_failed(exc, str(target), tail="; nothing was written") from None
    note(f"wrote {target} ({len(page):,} bytes)")


def text_summary(report: object) -> str:
    """The report in a few plain lines (stdout is not a terminal)."""
    from app.review.report import Report

    assert isinstance(report, Report)
    lines = [f"decisions: {report.totals.line()}"]
    for name, table in report.groups.items():
        shown = ", ".join(f"{key} {m.accepted}/{m.rejected}" for key, m in list(table.items())[:10])
        lines.append(f"by {name} (accepted/rejected): {shown or '-'}")
    if report.reasons:
        lines.append("reject reasons: " + "; ".join(f"{r} ×{n}" for r, n in report.reasons[:5]))
    if report.failed_checks:
        lines.append(f"failed checks: {len(report.failed_checks)}")
    return "\n".join(lines)
