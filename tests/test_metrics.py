"""The reviewer's figures from synthetic journals: decisions, aborts, undos,
lines, seconds per decision, pauses, the rate and its warning, grouping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.core.journal import Entry, Op
from app.review.metrics import BREAK, changed_lines, group, live, measure

T0 = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def patch(added: int, removed: int = 0) -> str:
    body = "".join(f"-old {i}\n" for i in range(removed)) + "".join(
        f"+new {i}\n" for i in range(added)
    )
    return f"--- a/f.py\n+++ b/f.py\n@@ -1,{removed} +1,{added} @@\n{body}"


def entry(
    seq: int, op: Op, at: float, *, lines: int = 1, path: str = "f.py", **kw: object
) -> Entry:
    extra = kw.pop("extra", {})
    return Entry(
        op=op,
        source=str(kw.pop("source", "worktree")),
        seq=seq,
        ts=(T0 + timedelta(seconds=at)).isoformat(timespec="milliseconds"),
        path=path,
        hunk=patch(lines) if op in (Op.ACCEPT, Op.REJECT) else "",
        target=kw.pop("target", None),  # type: ignore[arg-type]
        aborted=str(kw.pop("aborted", "")),
        extra=extra,  # type: ignore[arg-type]
    )


def test_changed_lines_skip_the_header() -> None:
    assert changed_lines(patch(3, 2)) == 5
    assert changed_lines("") == 0


def test_empty_journal() -> None:
    m = measure([])
    assert m.decisions == 0 and m.accept_rate is None and m.line() == "no decisions yet"
    assert m.lines_per_hour is None and m.warning == ""


def test_accept_rate_seconds_and_kept_lines() -> None:
    entries = [
        entry(1, Op.ACCEPT, 0, lines=10),
        entry(2, Op.ACCEPT, 30, lines=10),
        entry(3, Op.REJECT, 60, lines=20, extra={"reason": "keep the old name"}),
        entry(4, Op.ACCEPT, 120, lines=10),
    ]
    m = measure(entries)
    assert (m.decisions, m.accepted, m.rejected) == (4, 3, 1)
    assert m.accept_rate == 0.75
    assert m.seconds_per_decision == 30.0  # gaps 30, 30, 60
    assert m.active_seconds == 120.0
    assert m.lines_per_hour == pytest.approx(50 / 120 * 3600)  # 1,500: too fast
    assert m.kept_per_minute == pytest.approx(30 / 2)
    assert m.warning == "≈1,500 lines/hour: slow down?"
    assert m.reasons == ("keep the old name",)
    assert m.line() == (
        "4 decided · 75% accepted · 30 s/decision · 15 lines kept/min · ≈1,500 lines/hour: slow down?"
    )


def test_a_calm_review_has_no_warning() -> None:
    entries = [entry(i + 1, Op.ACCEPT, i * 60.0, lines=5) for i in range(5)]
    m = measure(entries)
    assert m.lines_per_hour == pytest.approx(25 / 240 * 3600)  # 375 lines/hour
    assert m.warning == "" and "375 lines/hour" in m.line()


def test_aborted_decisions_do_not_count_and_undone_ones_are_said() -> None:
    entries = [
        entry(1, Op.ACCEPT, 0),
        entry(2, Op.ABORT, 0.1, target=1, aborted="decision"),
        entry(3, Op.ACCEPT, 10),
        entry(4, Op.UNDO, 12, target=3),
        entry(5, Op.REJECT, 20),
    ]
    m = measure(entries)
    assert (m.decisions, m.accepted, m.rejected, m.undone) == (2, 1, 1, 1)


def test_a_pause_is_not_review_time() -> None:
    entries = [
        entry(1, Op.ACCEPT, 0, lines=10),
        entry(2, Op.ACCEPT, 40, lines=10),
        entry(3, Op.ACCEPT, 40 + BREAK + 1, lines=10),  # back from lunch
        entry(4, Op.ACCEPT, 40 + BREAK + 61, lines=10),
    ]
    m = measure(entries)
    assert m.active_seconds == 100.0 and m.seconds_per_decision == 50.0  # gaps 40, 60


def test_no_rate_before_a_minute_of_reviewing() -> None:
    m = measure([entry(1, Op.ACCEPT, 0, lines=500), entry(2, Op.ACCEPT, 5, lines=500)])
    assert m.lines_per_hour is None and m.warning == ""


def test_auto_accepted_are_counted_apart() -> None:
    m = measure([entry(1, Op.ACCEPT, 0, extra={"auto": True}), entry(2, Op.ACCEPT, 5)])
    assert m.auto == 1 and m.accepted == 2


def test_live_figures_are_the_last_fifteen_minutes() -> None:
    old = [entry(i + 1, Op.ACCEPT, i * 10.0, lines=100) for i in range(10)]  # a rush, long ago
    recent = [entry(20 + i, Op.ACCEPT, 7200 + i * 60.0, lines=5) for i in range(4)]
    m = live(old + recent)
    assert m.decisions == 4 and m.warning == ""
    assert measure(old + recent).decisions == 14


def test_grouping_by_file_and_source() -> None:
    entries = [
        entry(1, Op.ACCEPT, 0, path="a.py", source="loop"),
        entry(2, Op.REJECT, 10, path="b.py", source="gate"),
        entry(3, Op.ACCEPT, 20, path="a.py", source="gate"),
        entry(4, Op.ABORT, 21, target=3, aborted="decision"),
    ]
    by_file = group(entries, lambda e: e.path)
    assert {k: (v.accepted, v.rejected) for k, v in by_file.items()} == {
        "a.py": (1, 0),
        "b.py": (0, 1),
    }
    by_source = group(entries, lambda e: e.source)
    assert {k: v.decisions for k, v in by_source.items()} == {"gate": 1, "loop": 1}
