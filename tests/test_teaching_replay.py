"""``tether replay``: a recorded session stepped through forwards and back,
played at a chosen speed, every key in the palette and in help (Pilot); and
in a real terminal, on a real journal and on the demo's recording, it
changes no byte of the repository or of Tether's state."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from conftest import STOCK, decide_all, make_proposal_service
from test_loop_plan_file import held_then_plan, run
from test_teaching_export import entries
from test_tui_pty import STARTUP_TIMEOUT, tether_in_pty
from textual.widgets import Static
from tui_helpers import press

from app.demo import SAMPLES
from app.providers.recording import load_recording
from app.teaching.session import journal_session, load_session, recording_session
from app.tui.replay_app import BINDINGS, ReplayApp
from app.tui.screens import HelpScreen

SIZE = (120, 40)
WAIT = 15.0


def head(app: ReplayApp) -> str:
    return str(app.query_one("#frame-head", Static).content)


def shown(app: ReplayApp) -> str:
    return str(app.query_one("#frame", Static).content)


async def test_stepping_forwards_and_backwards_by_key() -> None:
    session = journal_session(entries())
    app = ReplayApp(session)
    async with app.run_test(size=SIZE) as pilot:
        total = len(session.frames)
        assert head(app).startswith(f"step 1 of {total} · 0:00 · paused")
        assert shown(app).startswith("prompt\n\nPrompt:\nmake count safe")
        assert "Context sent:\nlevel 3 (file)" in shown(app)
        await press(pilot, "right")
        assert app.index == 1 and "-        return self.items[name]" in shown(app)
        await press(pilot, "n")
        assert app.index == 2 and head(app).startswith(f"step 3 of {total} · 0:20")
        assert "\nReason: keep the KeyError\\033[31m\n" in shown(app)  # escape made visible
        await press(pilot, "n")
        assert app.index == 3 and shown(app).startswith("undo of decision #2")
        await press(pilot, "left", "p")
        assert app.index == 1
        await press(pilot, "G")
        assert app.index == total - 1
        await press(pilot, "right")  # past the end: stays
        assert app.index == total - 1
        await press(pilot, "g")
        assert app.index == 0


async def test_playing_at_a_chosen_speed_reaches_the_end() -> None:
    session = recording_session(load_recording(SAMPLES / "demo_session.jsonl"))
    app = ReplayApp(session, speed=0.0)  # 0: no pauses
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "space")
        deadline = time.monotonic() + WAIT
        while app.index < len(session.frames) - 1:
            assert time.monotonic() < deadline, "the replay never reached its end"
            await pilot.pause(0.02)
        await pilot.pause()
        assert not app.playing and "paused" in head(app)
        kinds = {frame.kind for frame in session.frames}
        assert {"prompt", "stream", "edit", "finished"} <= kinds


async def test_speed_keys_and_pause() -> None:
    app = ReplayApp(journal_session(entries()), speed=1.0)
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "plus", "plus")
        assert app.speed == 4.0
        await press(pilot, "minus")
        assert app.speed == 2.0
        await press(pilot, "space")
        assert app.playing and "playing ×2" in head(app)
        await press(pilot, "space")
        assert not app.playing


async def test_every_key_is_in_help_and_the_palette() -> None:
    app = ReplayApp(journal_session(entries()))
    async with app.run_test(size=SIZE) as pilot:
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {binding.tooltip for binding in BINDINGS} <= titles
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)


def snapshot(*roots: Path) -> dict[str, str]:
    """Every file under the roots (the .git folder too): its bytes' hash."""
    out = {}
    for root in roots:
        for folder, _dirs, files in os.walk(root):
            for name in files:
                path = Path(folder) / name
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.mark.parametrize("what", ["journal", "recording"])
def test_replay_in_a_real_terminal_changes_nothing(
    what: str, loop_repo: Path, isolated_home: Path
) -> None:
    state = loop_repo / ".git" / "tether"
    service = make_proposal_service(loop_repo, state)
    loop = held_then_plan(service)
    run(loop, loop.next_step())
    decide_all(service, "accept", STOCK)
    loop.close()
    target = state / "journal.jsonl" if what == "journal" else SAMPLES / "demo_session.jsonl"
    frames = len(load_session(target).frames)
    before = snapshot(loop_repo, isolated_home)
    with tether_in_pty(loop_repo, "replay", str(target), "--speed", "0") as term:
        term.wait_for(f"step 1 of {frames}", STARTUP_TIMEOUT)
        term.send(b"n")
        term.wait_for(f"step 2 of {frames}")
        term.send(b" ")  # play to the end at no delay
        term.wait_for(f"step {frames} of {frames}")
        term.send(b"q")
        assert term.wait_exit() == 0
    assert snapshot(loop_repo, isolated_home) == before
