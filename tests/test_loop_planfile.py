"""The plan file: Markdown a person can read and write, parsed and written by a
pure module. Round trips, plans written by hand, and plans edited between steps."""

from __future__ import annotations

import pytest

from app.core.autonomy import DEFAULT_LEASH, Level, Scope
from app.loop.plan import Decided, Plan, PlanStep
from app.loop.planfile import HELP, parse_plan_file, render_plan

HELD = Scope(
    level=Level.LINE,
    path="inventory/report.py",
    paths=frozenset({"inventory/report.py", "inventory/stock.py"}),
    leash={**DEFAULT_LEASH, Level.LINE: 5},
)
DEFAULT = Scope(level=Level.FILE, leash=dict(DEFAULT_LEASH))


def recorded_plan() -> Plan:
    return Plan(
        goal="align the report columns",
        scope=HELD,
        items=[
            PlanStep(
                "Compute the width of the longest item name.",
                done=True,
                prompt="Carry out step 1 of the plan only: Compute…\n\nThe plan:\n1. a\n2. b",
                hunks=[("inventory/report.py", "3f2a9c1d"), ("inventory/stock.py", "00aa11bb")],
                decisions=[
                    Decided("reject", "inventory/report.py", "3f2a9c1d", "too wide — again"),
                    Decided("accept", "inventory/stock.py", "00aa11bb"),
                ],
                notes=["  my own note, kept"],
            ),
            PlanStep("Align each item line to that width."),
        ],
    )


def test_a_recorded_plan_round_trips() -> None:
    plan = recorded_plan()
    text = render_plan(plan)
    back = parse_plan_file(text, DEFAULT)
    assert render_plan(back) == text
    assert back.items == plan.items
    assert back.goal == plan.goal and back.fixed
    assert (back.scope.level, back.scope.limit, back.scope.path, back.scope.paths) == (
        Level.LINE,
        5,
        "inventory/report.py",
        HELD.paths,
    )
    assert back.done == 1 and back.remaining == 1 and back.next_index() == 1


def test_the_file_reads_as_markdown() -> None:
    text = render_plan(recorded_plan())
    assert text.startswith("# Plan: align the report columns\n\n<!-- tether-plan {")
    assert HELP in text
    assert "- [x] Compute the width of the longest item name.\n  - prompt:\n" in text
    assert "        Carry out step 1 of the plan only: Compute…\n" in text
    assert "  - hunks: inventory/report.py#3f2a9c1d, inventory/stock.py#00aa11bb\n" in text
    assert "  - decided: reject inventory/report.py#3f2a9c1d — too wide — again\n" in text
    assert text.endswith("- [ ] Align each item line to that width.\n")


@pytest.mark.parametrize(
    ("text", "steps", "done", "goal"),
    [
        ("", [], [], ""),
        (
            "# Tidy up\n\n- [ ] one\n- [X] two\n* [ ] three\n",
            ["one", "two", "three"],
            [0, 1, 0],
            "Tidy up",
        ),
        ("1. first\n2) second\n3. [x] third\n", ["first", "second", "third"], [0, 0, 1], ""),
        ("Some words first.\n\n- [ ] only step\n", ["only step"], [0], ""),
        # Indented or unchecked bullets are notes, not steps.
        ("- [ ] a\n  - [ ] not a step\n- plain bullet\n", ["a"], [0], ""),
        ("- [ ]   spaced   out  \n", ["spaced   out"], [0], ""),
    ],
)
def test_a_hand_written_plan(text: str, steps: list[str], done: list[int], goal: str) -> None:
    plan = parse_plan_file(text, DEFAULT)
    assert plan.steps == steps
    assert [int(item.done) for item in plan.items] == done
    assert plan.goal == goal
    assert not plan.fixed and plan.scope is DEFAULT  # no scope named: the slider's
    again = parse_plan_file(render_plan(plan), DEFAULT)
    assert again.steps == [" ".join(s.split()) for s in steps]  # one line each, as written back


def test_a_hand_written_intro_is_kept() -> None:
    text = "# Course: week 3\n\nRead the task aloud first.\nThen plan.\n\n- [ ] do it\n"
    plan = parse_plan_file(text, DEFAULT)
    assert plan.intro == ["Read the task aloud first.", "Then plan.", ""]
    assert render_plan(plan) == (
        "# Plan: Course: week 3\n\nRead the task aloud first.\nThen plan.\n\n- [ ] do it\n"
    )


def test_a_plan_edited_in_the_editor_between_steps() -> None:
    """Step 2 reworded, a step added, step 1 un-ticked: the file says what runs next."""
    text = render_plan(recorded_plan())
    edited = (
        text.replace("Align each item line to that width.", "Right-align the counts.").replace(
            "- [x] Compute", "- [ ] Compute"
        )
        + "- [ ] Align the total line too.\n"
    )
    plan = parse_plan_file(edited, DEFAULT)
    assert plan.steps == [
        "Compute the width of the longest item name.",
        "Right-align the counts.",
        "Align the total line too.",
    ]
    assert plan.next_index() == 0 and plan.remaining == 3
    assert plan.items[0].decisions == recorded_plan().items[0].decisions  # the record stays
    assert plan.fixed and plan.scope.limit == 5


@pytest.mark.parametrize(
    "comment",
    [
        "<!-- tether-plan {not json} -->",
        '<!-- tether-plan {"level": 9} -->',
        '<!-- tether-plan {"level": "1"} -->',
        "<!-- tether-plan [] -->",
    ],
)
def test_a_broken_scope_comment_means_the_slider_scope(comment: str) -> None:
    plan = parse_plan_file(f"# Plan: x\n\n{comment}\n\n- [ ] a\n", DEFAULT)
    assert not plan.fixed and plan.steps == ["a"]
