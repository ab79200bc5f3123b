"""What the watch-mode tests share: reading the app's state, editing lines."""

from __future__ import annotations

from pathlib import Path

from conftest import STOCK, head_bytes

from app.core.errors import TetherError
from app.core.journal import Entry
from app.tui.watch_app import WatchApp

SIZE = (120, 40)
REPORT = "inventory/report.py"
STALE = "changed on disk since it was shown"
GONE = "is no longer pending"


def base_lines(repo: Path, path: str = STOCK) -> list[str]:
    data = head_bytes(repo, path)
    assert data is not None
    return data.decode().splitlines(keepends=True)


def with_line(lines: list[str], number: int, text: str) -> list[str]:
    """``lines`` with line ``number`` (1-based) replaced by ``text``."""
    out = list(lines)
    out[number - 1] = text + "\n"
    return out


def hunk_text(app: WatchApp) -> str:
    return "".join(ln.kind + ln.raw for h in app.pane.hunks for ln in h.lines)


def listed(app: WatchApp) -> set[str]:
    return {fr.path for fr in app.session.files}


def pending_of(app: WatchApp, path: str) -> int | None:
    for fr in app.session.files:
        if fr.path == path:
            return fr.pending if fr.loaded else None
    return None


def record_errors(app: WatchApp) -> list[str]:
    """Every error the app reports (status line + notification), in order."""
    errors: list[str] = []
    original = app._error

    def spy(exc: TetherError) -> None:
        errors.append(str(exc))
        original(exc)

    app._error = spy  # type: ignore[method-assign]
    return errors


def decisions(app: WatchApp, op: str, since: int = 0) -> list[Entry]:
    """Journal entries of ``op`` from index ``since`` on, less any that were aborted
    (a write-ahead journal records a refused write as the decision plus an abort)."""
    entries = app.session.journal.entries()
    aborted = {e.target for e in entries if e.op == "abort"}
    return [e for e in entries[since:] if e.op == op and e.seq not in aborted]


def shows(app: WatchApp, path: str, text: str) -> bool:
    return app.pane.path == path and text in hunk_text(app)
