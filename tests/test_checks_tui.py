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


BROKEN = """I'll make count() safe.

inventory/stock.py
```python
<<<<<<< SEARCH
    def count(self, name):
        return self.items[name]
=======
    def count(self, name):
        return self.items.get(name, missing_default)
>>>>>>> REPLACE
```
"""

FIXED = """Sorry, here it is with the default defined.

inventory/stock.py
```python
<<<<<<< SEARCH
    def count(self, name):
        return self.items[name]
=======
    def count(self, name):
        return self.items.get(name, 0)
>>>>>>> REPLACE
```
"""


def gated(recording: Path) -> ReplayProvider:
    """The replay provider, holding each reply's end until ``finish`` is set:
    the model is still writing while its complete edits are checked."""
    import json
    import threading

    lines = [{"format": "tether-recording", "version": 1, "provider": "replay", "model": "m"}]
    for turn, text in enumerate([BROKEN, FIXED]):
        lines.append({"turn": turn, "prompt": "", "parse": "search_replace"})
        lines.append({"t": 0.0, "type": "text", "text": text})
    recording.write_text("".join(json.dumps(line) + "\n" for line in lines))

    class Gated(ReplayProvider):
        finish = threading.Event()
        requests: list[object] = []

        def stream(self, request):  # type: ignore[no-untyped-def]
            self.requests.append(request)
            yield from super().stream(request)
            while not self.finish.wait(0.01):
                pass  # the reply's end, held: the model is "still writing"

        def cancel(self) -> None:
            self.finish.set()
            super().cancel()

    return Gated(recording, speed=0.0)


async def test_ruff_fails_a_hunk_before_the_model_finishes_r_sends_it_and_the_fix_passes(
    loop_repo: Path, tmp_path: Path
) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    model = gated(tmp_path / "recording.jsonl")
    app = LoopApp(service, provider=model, provider_label="gated", start_file=STOCK)
    app.checks_config = ChecksConfig(tuple(builtin_specs()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        for key in "make count safe":
            await pilot.press("space" if key == " " else key)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: app.pane.hunk_badges.get(0, "").startswith("✗"), "the ✗ badge", 30
        )
        assert app.loop.generating  # the model has not finished
        assert "F821 Undefined name `missing_default`" in app.pane.hunk_badges[0]
        model.finish.set()
        await wait_until(pilot, lambda: not app.loop.generating, "the first reply's end")
        model.finish.clear()
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), "the reason")
        await pilot.press("enter")  # the pre-filled message, sent as it is
        await wait_until(pilot, lambda: len(model.requests) == 2, "the regeneration")
        prompt = str(getattr(model.requests[1], "user_prompt", ""))
        assert "the check failed: ruff: F821 Undefined name `missing_default`" in prompt
        await wait_until(
            pilot, lambda: app.pane.hunk_badges.get(0, "").startswith("✓"), "the ✓ badge", 30
        )
        assert "self.items.get(name, 0)" in (service.proposed_text(STOCK) or "")
        model.finish.set()
        await wait_until(pilot, lambda: not app.loop.generating, "the second reply's end")
