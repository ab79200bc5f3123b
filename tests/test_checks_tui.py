"""Check badges in the apps: a proposal's hunk gets ⋯ then ✗ with ruff's
message on its header, `r` pre-fills that message as the reject reason, and
a fixed proposal's hunk gets ✓. Pilot, the replay provider, real ruff."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import make_proposal_service, wait_until
from test_loop_tui import RECORDING, SIZE, STOCK  # noqa: I001 (a sibling test module)
from textual.widgets import Input

from app.providers.replay import ReplayProvider
from app.review.checks import ChecksConfig, builtin_specs
from app.tui.loop_app import LoopApp
from app.tui.screens import ReasonScreen

pytestmark = pytest.mark.skipif(
    not any(s.name == "ruff" for s in builtin_specs()), reason="ruff is not installed"
)


async def test_badge_then_r_prefills_the_message_then_the_fix_passes(
    loop_repo: Path, tmp_path: Path
) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    app = LoopApp(
        service,
        provider=ReplayProvider(RECORDING, speed=0.0),
        provider_label="replay",
        start_file=STOCK,
    )
    app.checks_config = ChecksConfig(tuple(builtin_specs()))
    text = (loop_repo / STOCK).read_text()
    async with app.run_test(size=SIZE) as pilot:
        service.propose(STOCK, text + "\n\ndef broken():\n    return undefined_name\n")
        await wait_until(pilot, lambda: service.view(STOCK).hunks, "the hunk")
        app.show_review(STOCK)  # (a model's proposal does this; here it came directly)
        await wait_until(
            pilot, lambda: app.pane.hunk_badges.get(0, "").startswith("✗"), "the ✗ badge", 30
        )
        assert "F821 Undefined name `undefined_name`" in app.pane.hunk_badges[0]
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), "the reason")
        reason = app.screen.query_one(Input).value
        assert reason.startswith("the check failed: ruff: F821 Undefined name `undefined_name`")
        await pilot.press("escape")
        service.propose(STOCK, text + "\n\ndef fixed():\n    return 1\n")
        await wait_until(
            pilot, lambda: app.pane.hunk_badges.get(0, "").startswith("✓"), "the ✓ badge", 30
        )
        assert app.pane.hunk_badges == {0: "✓ ruff, py_compile"}


async def test_auto_accepted_hunks_are_listed_and_one_key_undoes(
    loop_repo: Path, tmp_path: Path
) -> None:
    from app.core.autonomy import Level
    from app.review.autoaccept import AutoRule
    from app.tui.autoaccept_view import AutoAcceptedScreen

    service = make_proposal_service(loop_repo, tmp_path / "state")
    app = LoopApp(
        service,
        provider=ReplayProvider(RECORDING, speed=0.0),
        provider_label="replay",
        start_file=STOCK,
        level=int(Level.REPO),
    )
    app.checks_config = ChecksConfig(tuple(builtin_specs()))
    app.auto_rule = AutoRule({Level.REPO: 10})
    text = (loop_repo / STOCK).read_text()
    async with app.run_test(size=SIZE) as pilot:
        service.propose(STOCK, "# a note\n" + text)
        await wait_until(
            pilot,
            lambda: (loop_repo / STOCK).read_text().startswith("# a note"),
            "the auto-accept",
            30,
        )
        await wait_until(pilot, lambda: "auto-accepted" in app.status.message, "the message")
        await pilot.press("A")
        await wait_until(pilot, lambda: isinstance(app.screen, AutoAcceptedScreen), "the view")
        assert [entry.path for entry, _ in app.screen.rows] == [STOCK]
        await pilot.press("enter")
        await wait_until(pilot, lambda: (loop_repo / STOCK).read_text() == text, "the undo")
        assert "undid auto-accepted" in app.status.message
        await pilot.press("A")
        await wait_until(pilot, lambda: isinstance(app.screen, AutoAcceptedScreen), "the view")
        assert app.screen.rows == []
