"""`tether report` from a recorded journal (tests/data/journal_session.jsonl:
a loop session, an agent through the gate on a second seat, a rushed patch
review): the figures, the groupings, --since, the JSON, the self-contained
HTML page, the CLI's errors, and the terminal screen with its charts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.core.journal import Entry, Journal
from app.review.report import build, parse_since
from app.review.report_html import render

RECORDED = Path(__file__).parent / "data" / "journal_session.jsonl"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def entries() -> list[Entry]:
    return Journal(RECORDED).entries()


def test_the_figures_of_the_recorded_session() -> None:
    report = build(entries())
    t = report.totals
    assert (t.decisions, t.accepted, t.rejected, t.undone, t.auto) == (18, 14, 4, 1, 1)
    assert report.first.startswith("2026-12-02T09:00") and report.last.startswith(
        "2026-12-02T10:01"
    )
    assert t.warning.endswith("lines/hour: slow down?")  # the rushed patch review
    assert set(report.groups["source"]) == {"gate", "proposal", "worktree"}
    assert set(report.groups["provider"]) == {"anthropic", "claude-code", "-"}
    assert {k: m.decisions for k, m in report.groups["seat"].items()} == {"browser": 2, "local": 16}
    # The aborted accept of pyproject.toml never happened: not a decision.
    assert "pyproject.toml" not in report.groups["file"]
    assert report.reasons[0] == ("keep the old error message; callers match on it", 1)
    assert [(f.path, f.op) for f in report.failed_checks] == [
        ("inventory/stock.py", "reject"),
        ("inventory/report.py", "reject"),
    ]
    assert report.failed_checks[0].message == "ruff: F821 Undefined name `qty` (line 14)"
    assert sum(n for _, n in report.sizes) == 18
    assert dict(report.gaps)["pause"] == 2  # the gate came after a break, the patch after another
    assert report.leash["file"] == 200


def test_since_keeps_the_later_decisions() -> None:
    report = build(entries(), since=datetime(2026, 12, 2, 9, 30, tzinfo=UTC))
    assert report.totals.decisions == 9 and set(report.groups["source"]) == {"worktree"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
        ("30m", datetime(2026, 12, 2, 11, 30, tzinfo=UTC)),
        ("1d", datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("today", datetime(2026, 12, 2, 0, 0, tzinfo=UTC)),
        ("2026-12-02T09:30", datetime(2026, 12, 2, 9, 30, tzinfo=UTC)),
    ],
)
def test_parse_since(text: str, expected: datetime) -> None:
    assert parse_since(text, now=NOW) == expected


def test_parse_since_refuses_with_the_forms_it_takes() -> None:
    with pytest.raises(ValueError, match="use a date"):
        parse_since("yesterday-ish", now=NOW)


def test_json_is_plain_data() -> None:
    data = json.loads(json.dumps(build(entries()).to_json()))
    assert data["totals"]["decisions"] == 18
    assert data["by_seat"]["browser"]["rejected"] == 1
    assert data["failed_checks"][1]["message"].startswith("py_compile: SyntaxError")
    assert data["timeline"] == [
        {"hour": "2026-12-02T09:00+00:00", "accepted": 6, "rejected": 3},
        {"hour": "2026-12-02T10:00+00:00", "accepted": 8, "rejected": 1},
    ]


def test_html_is_self_contained_with_charts_and_escapes() -> None:
    page = render(build(entries()))
    assert page.startswith("<!doctype html>") and page.count("<svg") >= 4
    for outside in ("http://", "https://", "<script", "src=", "@import", "url("):
        assert outside not in page, outside
    assert "inventory/stock.py" in page and "keep the old error message" in page
    assert "slow down?" in page


def test_html_escapes_what_the_journal_holds(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    from app.core.journal import Op
    from app.core.model import Side

    journal.append(
        Entry(
            Op.REJECT,
            "worktree",
            path="<img src=x onerror=alert(1)>.py",
            side=Side.WORKTREE,
            hunk="--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
            hunk_id="abc",
            before=None,
            after=None,
            extra={"reason": "</table><script>alert(2)</script>"},
        )
    )
    page = render(build(journal.entries()))
    assert "<img" not in page and "<script" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.py" in page


# -- the command -----------------------------------------------------------------------


def tether(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        XDG_STATE_HOME=str(cwd.parent / "state"),
        XDG_CONFIG_HOME=str(cwd.parent / "cfg"),
    )
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / ".git" / "tether").mkdir()
    shutil.copy(RECORDED, root / ".git" / "tether" / "journal.jsonl")
    return root


def test_cli_json_html_and_since(repo: Path, tmp_path: Path) -> None:
    out = tether(repo, "report", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["decisions"] == 18
    page = tmp_path / "report.html"
    out = tether(repo, "report", "--html", str(page), "--since", "2026-12-02T09:30")
    assert out.returncode == 0, out.stderr
    assert f"wrote {page}" in out.stderr
    assert "lib/module_0.py" in page.read_text() and "inventory/stock.py" not in page.read_text()
    plain = tether(repo, "report")  # stdout is a pipe: a few lines of text
    assert plain.returncode == 0 and plain.stdout.startswith("decisions: 18 decided")


def test_cli_errors_name_what_and_where(repo: Path, tmp_path: Path) -> None:
    out = tether(repo, "report", "--since", "soonish")
    assert out.returncode != 0 and "--since 'soonish'" in out.stderr
    missing = tmp_path / "no-such-folder" / "r.html"
    out = tether(repo, "report", "--html", str(missing))
    assert out.returncode != 0 and str(missing) in out.stderr
    assert not missing.parent.exists()


def test_cli_empty_journal_says_so(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    out = tether(root, "report", "--json")
    assert out.returncode == 0 and "no decisions to report" in out.stderr
    assert json.loads(out.stdout)["totals"]["decisions"] == 0


# -- the terminal screen ------------------------------------------------------------------


async def test_the_terminal_report_draws_its_charts() -> None:
    from textual_plotext import PlotextPlot

    from app.tui.report_screen import ReportApp
    from app.tui.screens import HelpScreen

    app = ReportApp(build(entries()))
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        plots = list(app.query(PlotextPlot))
        assert len(plots) == 4
        assert "18 decided" in str(app.query_one("#summary").render())
        rendered = plots[0].render()
        assert "Decisions per file" in str(rendered)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code == 0


def test_the_terminal_report_in_a_real_terminal(repo: Path, isolated_home: Path) -> None:
    from test_tui_pty import STARTUP_TIMEOUT, tether_in_pty

    with tether_in_pty(repo, "report") as term:
        term.wait_for("18 decided", STARTUP_TIMEOUT)
        term.wait_for("Decisions per file")
        term.send(b"?")
        term.wait_for("Close the report")
        term.send(b"q")  # closes the help (an escape right before q would read as alt+q)
        term.send(b"q")  # quits
        assert term.wait_exit() == 0
