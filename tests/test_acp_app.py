"""The agent app (``tether agent``) driving the real fixture agent: Pilot
tests of the screen, and the real command in a pseudo-terminal."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conftest import wait_until
from test_acp import AGENT, APP, FIXTURE, LIB, make_acp_repo
from test_tui_pty import STARTUP_TIMEOUT, tether_in_pty
from textual.pilot import Pilot

from app.acp.review import AcpReview
from app.acp.runner import AgentRunner
from app.core.autonomy import Level
from app.core.journal import Journal, Op
from app.core.locations import state_dir_for
from app.tui.agent_app import AgentApp, PermissionScreen
from app.tui.review_app import help_rows
from widgets.autonomy_slider import AutonomySlider

WAIT = 60.0


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    return make_acp_repo(tmp_path)


def make_app(repo: Path, level: int = int(Level.REPO)) -> AgentApp:
    return AgentApp(AgentRunner(AcpReview(repo, level=level), AGENT))


async def ready(pilot: Pilot[object], app: AgentApp) -> None:
    await wait_until(pilot, lambda: "is ready" in app._transcript, "the agent", WAIT)
    await wait_until(pilot, lambda: app.focused is app.query_one("#prompt"), "the prompt", WAIT)


async def prompt(pilot: Pilot[object], app: AgentApp, text: str) -> None:
    await pilot.press("i", *text, "enter")


async def reason(pilot: Pilot[object], words: str) -> None:
    await pilot.press("r")
    await pilot.pause()
    await pilot.press(*words, "enter")


@pytest.fixture
async def running(repo: Path) -> AsyncIterator[tuple[AgentApp, Pilot[object]]]:
    app = make_app(repo)
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, app)
        yield app, pilot


async def test_accept_some_reject_others_and_the_reasons_go_back(
    running: tuple[AgentApp, Pilot[object]], repo: Path
) -> None:
    app, pilot = running
    await prompt(pilot, app, "please edit")
    await wait_until(pilot, lambda: app.pane.path == "app.py" and app.pane.hunks, "app.py", WAIT)
    await pilot.press("y")
    await reason(pilot, "keep BOTTOM")
    # The permission's edit comes on screen by itself once app.py is decided.
    await wait_until(pilot, lambda: app.pane.path == "lib.py" and app.pane.hunks, "lib.py", WAIT)
    await pilot.press("y")
    await reason(pilot, "99 is right")
    await wait_until(pilot, lambda: "turn ended (end_turn)" in app._transcript, "the turn", WAIT)
    assert "permission lib.py: reject" in app._transcript
    assert "keep BOTTOM" in app._transcript  # the write's answer named the reason
    assert "next prompt" in str(app.status.message)
    assert "TOP = 'changed" in (repo / "app.py").read_text()
    assert "BOTTOM = 2" in (repo / "app.py").read_text()
    assert "first_renamed" in (repo / "lib.py").read_text()
    assert "return 99" in (repo / "lib.py").read_text()

    await pilot.press("i", "enter")  # an empty prompt sends the decisions
    await wait_until(pilot, lambda: "received:" in app._transcript, "the echo", WAIT)
    assert "99 is right" in app._transcript.split("received:", 1)[1]
    reasons = {
        e.extra.get("reason")
        for e in Journal(state_dir_for(repo) / "journal.jsonl").entries()
        if e.op is Op.REJECT
    }
    assert {"keep BOTTOM", "99 is right"} <= reasons


async def test_esc_cancels_the_turn(running: tuple[AgentApp, Pilot[object]]) -> None:
    app, pilot = running
    await prompt(pilot, app, "wait")
    await wait_until(pilot, lambda: "waiting for session/cancel" in app._transcript, "wait", WAIT)
    await pilot.press("escape")
    await wait_until(pilot, lambda: "turn ended (cancelled)" in app._transcript, "the cancel", WAIT)


async def test_a_crash_shows_the_stderr_tail_and_the_app_goes_on(
    running: tuple[AgentApp, Pilot[object]],
) -> None:
    app, pilot = running
    await prompt(pilot, app, "crash")
    await wait_until(pilot, lambda: "exited (status 3)" in app._transcript, "the exit", WAIT)
    assert "crashing on purpose" in app._transcript
    assert "the agent exited (status 3)" in str(app.status.message)
    await prompt(pilot, app, "hello")
    assert "not running" in str(app.status.message)
    assert app.is_running


async def test_a_request_that_is_not_an_edit_asks_the_human(
    running: tuple[AgentApp, Pilot[object]],
) -> None:
    app, pilot = running
    await prompt(pilot, app, "run the tests")
    await wait_until(pilot, lambda: isinstance(app.screen, PermissionScreen), "the question", WAIT)
    await pilot.press("down", "enter")  # the second option: do not run it
    await wait_until(pilot, lambda: "permission run: no-run" in app._transcript, "answer", WAIT)


async def test_the_slider_at_zero_refuses_edits(repo: Path) -> None:
    app = make_app(repo, level=int(Level.CHUNK))
    async with app.run_test(size=(160, 50)) as pilot:
        await ready(pilot, app)
        await pilot.press("escape")  # leave the prompt: keys are the app's
        await pilot.press("minus", "minus")
        assert app.review.level is Level.OFF
        assert app.query_one(AutonomySlider).level == 0
        assert "may read, and change nothing" in str(app.status.message)
        await prompt(pilot, app, "edit")
        await wait_until(pilot, lambda: "turn ended" in app._transcript, "the turn", WAIT)
    assert "write app.py: error: Tether's autonomy slider is at 0" in app._transcript
    assert (repo / "app.py").read_text() == APP and (repo / "lib.py").read_text() == LIB


def test_every_agent_key_is_in_help_and_the_palette(repo: Path) -> None:
    app = make_app(repo)
    rows = dict(help_rows(app.all_bindings()))
    for key in ("i", "escape", "r", "Y", "w", "-", "+", "t"):
        assert key in rows, key
    assert rows["escape"] == "Cancel the agent's turn (session/cancel)"


def test_tether_agent_in_a_real_terminal(repo: Path) -> None:
    args = ("agent", "--level", "4", "--", sys.executable, FIXTURE)
    with tether_in_pty(repo, *args) as term:
        term.wait_for("fixture-agent is ready", STARTUP_TIMEOUT)
        term.send(b"please edit")
        term.wait_for("please edit")
        term.send(b"\r")
        term.wait_for("hunk 1/2", STARTUP_TIMEOUT)
        term.send(b"y")
        term.wait_for("accepted")
        term.send(b"r")
        term.wait_for("Why reject")
        term.send(b"not BOTTOM\r")
        term.wait_for("edit of lib.py waits", STARTUP_TIMEOUT)
        term.send(b"n")
        term.wait_for("3 decided")
        term.send(b"n")
        # The permission's answer in the side panel: the status line may give
        # its progress ("4 decided") up to a long message (it drops it first).
        term.wait_for("rejected once")
        term.wait_for("end_turn", STARTUP_TIMEOUT)
        term.send(b"q")
        term.wait_for("enter/q quit")
        term.send(b"\r")
        assert term.wait_exit() == 0
        assert "Review of fixture-agent" in term.text()
    assert "TOP = 'changed" in (repo / "app.py").read_text()
    assert "BOTTOM = 2" in (repo / "app.py").read_text()
    assert (repo / "lib.py").read_text() == LIB
