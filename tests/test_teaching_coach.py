"""Each coaching rule is a pure function of measured facts: a table each, then
the coach that feeds them (a fake clock, so no test waits for time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.teaching.coach import over_leash, rejection_run, review_rate, vague_prompt
from app.teaching.coaching import Coach, repo_names

NAMES = {"inventory", "stock.py", "stock", "report.py", "report", "Stock", "remove", "count"}


@pytest.mark.parametrize(
    ("prompt", "vague"),
    [
        ("fix it", True),
        ("make it better", True),
        ("clean up the code please", True),
        ("", False),  # nothing sent, nothing to coach
        ("make remove safe", False),  # a function of the repository
        ("align the REPORT columns", False),  # a file's stem, any case
        ("make `frobnicate` return 0", False),  # a quoted code name
        ("call helper() first", False),  # a call
        ("rename max_count", False),  # snake_case
        ("touch main.rs", False),  # a file name not (yet) in the repository
        ("use OrderedDict", False),  # CamelCase
        ("in", True),  # names of two letters or less never count
    ],
)
def test_vague_prompt(prompt: str, vague: bool) -> None:
    hint = vague_prompt(prompt, NAMES | {"in"})
    assert (hint is not None) == vague
    if hint is not None:
        assert hint.rule == "vague" and hint.message.startswith("vague: name what should change")
        assert "7 files and symbols" in hint.measured  # "in" is too short to count


@pytest.mark.parametrize(
    ("size", "limit", "text"),
    [
        (0, 5, None),
        (5, 5, None),
        (6, 5, "this is 6 lines; the leash is 5: split it (p)"),
        (120, 40, "this is 120 lines; the leash is 40: split it (p)"),
        (1, 0, "this is 1 lines; the leash is 0: split it (p)"),
    ],
)
def test_over_leash(size: int, limit: int, text: str | None) -> None:
    hint = over_leash(size, limit)
    assert (hint.message if hint else None) == text


@pytest.mark.parametrize(
    ("decisions", "fires", "measured"),
    [
        ([], False, ""),
        ([(10, 1.0)], False, ""),  # under 20 lines: too few to measure
        ([(20, 144.0)], False, ""),  # exactly 500 lines/hour
        ([(20, 143.0)], True, "20 lines decided in 143s, 503 lines/hour"),
        ([(20, 0.0)], True, "20 lines decided at once"),
        ([(5, 1.0)] * 4, True, "20 lines decided in 4s, 18000 lines/hour"),
        # Only the latest decisions that reach 20 lines are measured.
        ([(20, 1.0), (10, 400.0), (10, 400.0)], False, ""),
        ([(30, 9999.0), (25, 60.0)], True, "25 lines decided in 60s, 1500 lines/hour"),
        ([(-3, -1.0), (20, 3600.0)], False, ""),  # nonsense counts as nothing
    ],
)
def test_review_rate(decisions: list[tuple[int, float]], fires: bool, measured: str) -> None:
    hint = review_rate(decisions)
    assert (hint is not None) == fires
    if hint is not None:
        assert hint.measured == measured
        assert "500 lines an hour" in hint.message


@pytest.mark.parametrize(
    ("decisions", "count"),
    [
        ([], None),
        ([("reject", "")] * 2, None),
        ([("reject", "")] * 3, 3),
        ([("accept", ""), ("reject", ""), ("reject", ""), ("reject", ""), ("reject", "")], 4),
        ([("reject", ""), ("reject", ""), ("reject", "too wide"), ("reject", "")], None),
        ([("reject", "")] * 3 + [("accept", "")], None),
        ([("reject", "   ")] * 3, 3),  # blank is no reason
    ],
)
def test_rejection_run(decisions: list[tuple[str, str]], count: int | None) -> None:
    hint = rejection_run(decisions)
    assert (hint.measured if hint else None) == (
        f"{count} rejections in a row without a reason" if count else None
    )
    if hint:
        assert hint.message == "reject with a reason (r) so the model learns"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_coach_shows_a_hint_once_per_measurement_and_not_after_dismissal() -> None:
    coach = Coach(NAMES, clock=Clock())
    first = coach.proposal(12, 5)
    assert first is not None and coach.current == first
    assert coach.proposal(12, 5) is None  # the same held proposal: no re-nag
    assert coach.proposal(14, 5) is not None  # a new measurement
    assert coach.dismiss() is not None and coach.current is None
    assert coach.proposal(30, 5) is None  # dismissed: quiet from now on
    assert coach.prompt_sent("fix it") is not None  # other rules still speak


def test_the_coach_measures_review_time_from_when_hunks_were_shown() -> None:
    clock = Clock()
    coach = Coach(clock=clock)
    coach.hunks_shown()
    clock.now += 600  # ten careful minutes on 20 lines: 120 lines/hour
    assert coach.decided("accept", 20) is None
    coach.hunks_shown()  # still on show: the clock runs from the last decision
    clock.now += 2
    hint = coach.decided("accept", 20)
    assert hint is not None and hint.rule == "rate" and "in 2s" in hint.measured
    for _ in range(3):
        clock.now += 100
        hint = coach.decided("reject", 1)
    assert hint is not None and hint.rule == "reasons"


def test_repo_names_lists_files_stems_and_symbols(loop_repo: Path) -> None:
    names = repo_names(loop_repo)
    assert {"inventory", "stock.py", "stock", "Stock", "remove", "render_report"} <= names
    assert vague_prompt("make remove safe", names) is None
    assert vague_prompt("make it nicer", names) is not None
