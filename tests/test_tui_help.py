"""`?` help in sections: every app's keys grouped (Binding.Group where set), none lost."""

from __future__ import annotations

import importlib

import pytest
from conftest import AppFactory
from test_tui_review import rendered_text
from textual.binding import Binding
from tui_helpers import SIZE, press, settle

from app.tui.screens import OTHER, PALETTE_ROW, SECTIONS, HelpScreen, help_sections, key_label

# Every app with a `?` help: where its keys are.
APPS = {
    "review": "app.tui.review_app:ReviewApp",
    "watch": "app.tui.watch_app:WatchApp",
    "loop": "app.tui.loop_app:LoopApp",
    "gate": "app.tui.gate_app:GateApp",
    "agent": "app.tui.agent_app:AgentApp",
    "attach": "app.tui.attach_app:AttachApp",
    "replay": "app.tui.replay_app:BINDINGS",
    "inbox": "app.tui.inbox:INBOX_BINDINGS",
    "report": "app.tui.report_screen:BINDINGS",
}
# Only these actions belong to no section of their own.
HELP_AND_QUIT = {"help", "help_quit", "quit", "quit_review", "close"}


def bindings_of(spec: str) -> list[Binding]:
    module, _, name = spec.partition(":")
    found = getattr(importlib.import_module(module), name)
    return list(found.BINDINGS if hasattr(found, "BINDINGS") else found)


@pytest.mark.parametrize("app", sorted(APPS))
def test_every_key_of_every_app_is_in_exactly_one_sensible_section(app: str) -> None:
    bindings = bindings_of(APPS[app])
    sections = help_sections(bindings)
    rows = [row for _title, rows in sections for row in rows]
    wanted = [(key_label(b), b.tooltip or b.description) for b in bindings]
    assert sorted(rows) == sorted([*wanted, PALETTE_ROW])
    titles = [title for title, _rows in sections]
    assert titles[-1] == OTHER and sections[-1][1][-1] == PALETTE_ROW
    assert len(titles) == len(set(titles)) and all(rows for _t, rows in sections)
    known = [t for t in titles if t in SECTIONS]
    assert known == [t for t in SECTIONS if t in known]  # in the help's order
    other = dict(sections)[OTHER]
    for binding in bindings:
        if (key_label(binding), binding.tooltip or binding.description) in other:
            assert binding.action.partition("(")[0] in HELP_AND_QUIT, binding


def test_a_bindings_group_names_its_section_and_its_ungrouped_twin_follows() -> None:
    sections = dict(help_sections(bindings_of(APPS["loop"])))
    review = dict(help_sections(bindings_of(APPS["review"])))
    assert {key for key, _ in review["Move"]} >= {"j", "k"}  # Binding.Group("Move ")
    assert {key for key, _ in review["Undo/redo"]} == {"u", "U", "B"}
    slider = next(rows for title, rows in sections.items() if title == "Slider")
    levels = [b for b in bindings_of(APPS["loop"]) if b.action.startswith("level")]
    assert len(levels) > 1 and {key_label(b) for b in levels} <= {key for key, _ in slider}


async def test_question_mark_shows_the_sections_in_order(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        lines = rendered_text(app.screen).splitlines()
        titles = [title for title, _rows in app.screen.sections]
        assert titles[:4] == ["Decide", "Move", "Undo/redo", "View/room"]
        where = [next(i for i, line in enumerate(lines) if line.strip() == t) for t in titles]
        assert where == sorted(where)
        # Each key sits under its own section's title.
        for title, rows in app.screen.sections:
            start = where[titles.index(title)]
            for key, what in rows:
                below = next(i for i, line in enumerate(lines) if line.split()[:1] == [key])
                assert below > start and what in lines[below]
