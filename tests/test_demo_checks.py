"""The demo's checks step, as the walkthrough tells it: the recorded model's
first hunk (``class OutOfStock(StockError)``) gets ✗ from ruff while the
reply still streams, `r` pre-fills ruff's message, enter sends it, and the
recorded answer's hunk gets ✓. Pilot on the demo's own app and recording,
then the real ``tether demo --speed 0`` in a pty. Real ruff, real git."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_proposal_service, wait_until
from test_loop_tui import (
    RECORDING,
    SIZE,
    STOCK,
    Spy,
    guard,  # noqa: F401 (a fixture: no network)
)
from textual.widgets import Input

from app.demo import DEMO_INTRO, NO_RUFF, ruff_note
from app.providers.base import EditReady, Event, Finished, GenerationRequest, TextDelta
from app.providers.recording import Recording, Turn
from app.providers.replay import ReplayProvider
from app.review.checks import builtin_specs, load_checks
from app.samples.demo_session import FIX_BASE_PROMPT
from app.tui.loop_app import LoopApp
from app.tui.screens import ReasonScreen

HAS_RUFF = any(s.name == "ruff" for s in builtin_specs())
needs_ruff = pytest.mark.skipif(not HAS_RUFF, reason="ruff is not installed")
MESSAGE = "ruff: F821 Undefined name `StockError`"


class HeldAfterFirstEdit(Spy):
    """The demo's replay, holding its first reply after the first edit until
    ``release`` is set: the model is provably still writing when the ✗ shows
    (at speed 0 the reply would otherwise end before any check could run)."""

    def __init__(self) -> None:
        super().__init__(RECORDING, speed=0.0)
        self.release = threading.Event()

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        held = len(self.requests) == 0
        for event in super().stream(request):
            yield event
            if held and isinstance(event, EditReady):
                held = False
                while not self.release.wait(0.05):
                    pass

    def cancel(self) -> None:
        self.release.set()
        super().cancel()


def _badge_of(app: LoopApp, needle: str) -> str:
    for index, hunk in enumerate(app.pane.hunks):
        if any(needle in line.raw for line in hunk.lines):
            return app.pane.hunk_badges.get(index, "")
    return ""


@needs_ruff
async def test_demo_hunk_fails_ruff_while_streaming_r_sends_it_and_the_fix_passes(
    loop_repo: Path, tmp_path: Path
) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    model = HeldAfterFirstEdit()
    app = LoopApp(
        service, provider=model, provider_label="replay", start_file=STOCK, intro=DEMO_INTRO
    )
    app.checks_config = load_checks(loop_repo)  # as tether demo does: no configuration
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", *"make", "space", *"remove()", "space", *"safe", "enter")
        await wait_until(
            pilot, lambda: _badge_of(app, "StockError").startswith("✗"), "the ✗ badge", 30
        )
        assert app.loop.generating  # the model is still writing
        assert MESSAGE in _badge_of(app, "StockError")
        model.release.set()
        await wait_until(
            pilot, lambda: len(model.requests) == 2 and not app.loop.generating, "the retry"
        )
        # The retry changed the file: its checks run again, and the ✗ stays.
        await wait_until(
            pilot, lambda: _badge_of(app, "StockError").startswith("✗"), "the ✗ again", 30
        )
        index = next(
            i for i, h in enumerate(app.pane.hunks) if any("StockError" in ln.raw for ln in h.lines)
        )
        while app.pane.current_hunk() != index:
            await pilot.press("j" if (app.pane.current_hunk() or 0) < index else "k")
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen), "the reason")
        assert app.screen.query_one(Input).value.startswith(f"the check failed: {MESSAGE}")
        await pilot.press("enter")  # sent as it is
        await wait_until(
            pilot, lambda: len(model.requests) == 3 and not app.loop.generating, "the fix"
        )
        sent = model.requests[2].user_prompt
        assert sent.startswith(FIX_BASE_PROMPT) and f"Reason: the check failed: {MESSAGE}" in sent
        await wait_until(
            pilot,
            lambda: _badge_of(app, "class OutOfStock(ValueError)").startswith("✓"),
            "the ✓ badge",
            30,
        )
        assert "StockError" not in (service.proposed_text(STOCK) or "")
        await _accept_hunk_with(pilot, app, "class OutOfStock(ValueError)")
        assert "class OutOfStock(ValueError):" in (loop_repo / STOCK).read_text()


async def _accept_hunk_with(pilot: object, app: LoopApp, needle: str) -> None:
    index = next(i for i, h in enumerate(app.pane.hunks) if any(needle in ln.raw for ln in h.lines))
    while app.pane.current_hunk() != index:
        await pilot.press("j" if (app.pane.current_hunk() or 0) < index else "k")  # type: ignore[attr-defined]
    await pilot.press("y")  # type: ignore[attr-defined]
    await wait_until(
        pilot,
        lambda: (
            not app.pane.hunks
            or index >= len(app.pane.hunks)
            or not any(needle in ln.raw for ln in app.pane.hunks[index].lines)
        ),
        "the accept",
    )  # type: ignore[arg-type]


async def test_a_pure_insertion_regenerated_after_r_is_in_leash(
    loop_repo: Path, tmp_path: Path
) -> None:
    """Bug: `r` on a hunk that only adds lines asked for (and limited the
    answer to) its leading context's first line ("lines 1–1"), not where the
    lines go, so the regenerated hunk was out of leash and y refused it."""
    from app.samples.demo_session import FIX_BASE

    broken = FIX_BASE.replace("(ValueError)", "(StockError)")
    turns = [
        Turn(
            "",
            parse="search_replace",
            events=[(0.0, TextDelta(broken)), (0.0, Finished("end_turn"))],
        ),
        Turn(
            "The user rejected",
            parse="search_replace",
            events=[(0.0, TextDelta(FIX_BASE)), (0.0, Finished("end_turn"))],
        ),
    ]
    model = Spy(Recording(turns=turns), speed=0.0)
    service = make_proposal_service(loop_repo, tmp_path / "state")
    app = LoopApp(service, provider=model, provider_label="replay", start_file=STOCK)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "x", "enter")
        await wait_until(
            pilot,
            lambda: len(model.requests) == 1 and not app.loop.generating and app.pane.hunks,
            "the answer",
        )
        await pilot.press("r", "x", "enter")
        await wait_until(
            pilot, lambda: len(model.requests) == 2 and not app.loop.generating, "the fix"
        )
        await _accept_hunk_with(pilot, app, "class OutOfStock(ValueError)")
        assert "class OutOfStock(ValueError):" in (loop_repo / STOCK).read_text(), (
            app.status.message
        )
        assert model.requests[1].user_prompt.startswith(
            f"The user rejected your change to {STOCK} (lines 4–4)"
        )


def test_a_longer_recorded_prompt_is_the_more_specific_match() -> None:
    """The replay picks, among recorded prompts that start the request's, the
    longest: a reject of one hunk gets its own answer, any other the generic one."""

    def said(text: str, prompt: str) -> Turn:
        return Turn(prompt, events=[(0.0, TextDelta(text)), (0.0, Finished("end_turn"))])

    provider = ReplayProvider(
        Recording(
            turns=[said("any", "The user rejected"), said("that one", "The user rejected x")]
        ),
        speed=0,
    )

    def answer(prompt: str) -> str:
        events = provider.stream(GenerationRequest(user_prompt=prompt))
        return "".join(e.text for e in events if isinstance(e, TextDelta))

    assert answer("The user rejected x (lines 1–1)") == "that one"
    assert answer("The user rejected y") == "any"


def test_without_ruff_the_walkthrough_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.review.checks as checks

    monkeypatch.setattr(checks.shutil, "which", lambda *_a, **_k: None)
    assert [s.name for s in builtin_specs()] == ["py_compile"]  # the floor still runs
    assert ruff_note() == NO_RUFF and "ruff was not found" in NO_RUFF


def test_ruff_is_found_beside_python_when_the_path_lacks_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil
    import sys

    if shutil.which("ruff", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("no ruff beside this Python (not a venv with ruff)")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "ruff" in [s.name for s in builtin_specs()]
    assert ruff_note() == ""


# -- the real tether demo in a pty --------------------------------------------------------


@needs_ruff
def test_tether_demo_shows_the_ruff_badge_r_sends_it_and_the_fix_passes(
    tmp_path: Path, isolated_home: Path
) -> None:
    from test_tui_pty import STARTUP_TIMEOUT, tether_in_pty

    # PATH without the venv: the demo finds ruff beside its Python.
    with tether_in_pty(tmp_path, "demo", "--speed", "0", PATH="/usr/bin:/bin") as term:
        term.wait_for("Welcome to the Tether demo", STARTUP_TIMEOUT)
        term.wait_for("palette")  # the first frame is drawn down to the footer
        term.send(b"i")
        term.wait_for("ask the model", STARTUP_TIMEOUT)
        term.send(b"make remove() safe\r")
        term.wait_for("✗ ruff: F821 Undefined", STARTUP_TIMEOUT)  # (the header is cut at 120)
        term.send(b"r")
        term.wait_for("the check failed: ruff: F821", STARTUP_TIMEOUT)
        term.send(b"\r")
        term.wait_for("OutOfStock(ValueError)", STARTUP_TIMEOUT)
        term.wait_for("✓ ruff, py_compile", STARTUP_TIMEOUT)
        term.send(b"q")
