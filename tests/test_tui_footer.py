"""Footers that fit: at 80 columns the keys every hunk needs, help and quit
are on screen, in the review, the inbox (the gate's r and Y included) and
the loop; the status line keeps the message when space runs out."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import AppFactory, wait_until
from test_gate_answers import make_gate_repo
from textual.app import App
from textual.widgets._footer import FooterKey
from tui_helpers import message, settle

from app.gate.host import open_gate
from app.tui.gate_app import GateApp
from widgets.status_line import StatusLine, fit_status


def visible_keys(app: App[object], width: int) -> list[str]:
    """The keys whose footer entry is wholly on screen."""
    return [
        key.key for key in app.query(FooterKey) if key.region.width and key.region.right <= width
    ]


@pytest.mark.parametrize("width", [80, 160])
async def test_the_review_footer_shows_the_hunk_keys_help_and_quit(
    make_app: AppFactory, width: int
) -> None:
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "y" in visible_keys(app, width), "the footer's keys")
        shown = visible_keys(app, width)
        assert {"y", "n", "j", "k", "question_mark", "q"} <= set(shown), shown


async def test_the_inbox_footer_shows_r_and_capital_y_at_80_columns(
    tmp_path: Path, isolated_home: Path
) -> None:
    """Bug: Textual puts a subclass's keys after its base's, so at 80 columns
    the inbox footer cut off r (reject with a reason) and Y (yes, and…)."""
    host = open_gate(make_gate_repo(tmp_path))
    app = GateApp(host)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: "r" in visible_keys(app, 80), "the footer's keys")
            shown = visible_keys(app, 80)
            assert {"r", "Y", "question_mark", "q"} <= set(shown), shown
            # Right after y and n, wherever the footer is cut (before, they
            # came after every review key: the footer's last entries).
            order = [k for k in app.screen.active_bindings if k in {"r", "Y", "question_mark"}]
            assert order == ["r", "Y", "question_mark"], order
    finally:
        host.close()
        host.service.close()


def test_fit_status_drops_the_source_before_the_message() -> None:
    parts = ("working tree vs index", "file 3/4 · hunk 1/1 · 0 decided", "accepted 3 lines")
    assert fit_status(parts, 200) == "  ·  ".join(parts)
    short = fit_status(parts, 60)
    assert short.startswith("file 3/4") and short.endswith("accepted 3 lines")
    assert fit_status(parts, 20) == "accepted 3 lines"
    tiny = fit_status(parts, 12)
    assert tiny == "accepted 3…"  # at a space, not mid-word


async def test_the_status_line_keeps_the_message_at_80_columns(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.status.say("accepted 11 lines of inventory/report.py (#1; u undoes)")
        await pilot.pause()
        text = str(app.query_one(StatusLine).render())
        assert text.endswith("(#1; u undoes)") and message(app) in text


@pytest.mark.parametrize("width", [80, 120])
async def test_the_palette_key_covers_the_footers_last_column(
    make_app: AppFactory, width: int
) -> None:
    """Bug: a stray character followed "^p palette" (the compact footer's
    margin after the docked key let the keys beneath show through)."""
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: "y" in visible_keys(app, width), "the footer's keys")
        palette = next(k for k in app.query(FooterKey) if k.has_class("-command-palette"))
        assert palette.region.right == width


async def test_the_held_flag_stays_in_sight_when_the_message_is_long() -> None:
    """Bug: the loop's "HELD: … > leash" was part of the status line's source,
    which is dropped first to make room, so a coaching or plan message hid
    that the proposal was held (the teaching demo's pty test lost it)."""

    class One(App[None]):
        def compose(self):  # type: ignore[no-untyped-def]
            yield StatusLine()

    app = One()
    async with app.run_test(size=(80, 5)) as pilot:
        status = app.query_one(StatusLine)
        status.source = "replay · demo-model · 120 in / 30 out tokens"
        status.flag = "HELD: 11 lines > leash 5 (p: plan in steps)"
        status.say("the model's reply is in: every hunk of it waits for your decision " * 2)
        await pilot.pause()
        shown = str(status.render())
        assert shown.startswith("HELD: 11 lines > leash 5")
        assert "the model's reply" in shown and "replay · demo-model" not in shown
