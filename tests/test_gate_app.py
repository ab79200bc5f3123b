"""``tether inbox`` through Textual's Pilot: an agent's hook call (a real
``tether gate`` process over the real socket) shows as hunks with its
origin, ``y`` and ``r`` decide them, and the hook answers the agent with
exactly that (issue 12)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from test_gate_answers import BASE, EDIT, claude, make_gate_repo
from test_gate_host import Arrivals, finish, start_gate
from tui_helpers import written

from app.core.locations import state_dir_for
from app.gate.endpoint import GateServer
from app.gate.host import open_gate
from app.tui.gate_app import GateApp


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Path:
    root = make_gate_repo(tmp_path)
    return root


async def test_y_and_r_answer_the_agent(repo: Path) -> None:
    host = open_gate(repo)
    app = GateApp(host)
    arrivals = Arrivals(host)
    with GateServer(state_dir_for(repo), host):
        async with app.run_test(size=(120, 40)) as pilot:
            assert "Waiting for an agent's edit" in app.pane.rows[0].text
            proc = start_gate(claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")}))
            await asyncio.to_thread(arrivals.wait)
            await pilot.pause()
            assert app.pane.path == "src/app.py" and len(app.pane.hunks) == 2
            assert app.pane.rows[0].text == "from Claude Code Edit toolu_01ABC"
            await pilot.press("y")
            await written(pilot)
            await pilot.press("r")
            await pilot.press(*"keep line 20")
            await pilot.press("enter")
            await written(pilot)
            out = await asyncio.to_thread(finish, proc)
            specific = out["hookSpecificOutput"]
            assert specific["permissionDecision"] == "allow"
            assert "keep line 20" in specific["additionalContext"]
            assert specific["updatedInput"]["new_string"].startswith("line five\n")
            assert "line 20\n" in specific["updatedInput"]["new_string"]
            assert (repo / "src/app.py").read_text() == BASE  # the agent writes, not Tether
    host.close()
    host.service.close()


async def test_a_file_the_list_has_not_heard_of_yet_can_be_shown(repo: Path) -> None:
    # Seen in the gate benchmark: a call's file joined the review on the
    # endpoint's thread while the UI was deciding another; the decision's
    # "next file" was the new one before its FilesChanged event was handled,
    # and drawing its row raised IndexError and ended the app.
    from app.gate.calls import ProposedFile

    host = open_gate(repo)
    app = GateApp(host)
    async with app.run_test(size=(120, 40)) as pilot:
        host.backend.arrive(ProposedFile("src/app.py", BASE, BASE + "x = 1\n"), "test")
        with app.batch_update():  # the event is queued, not handled yet
            host.service.session.propose("src/app.py", BASE + "x = 1\n")
            app.show_file(0)
        await pilot.pause()
        assert app.pane.path == "src/app.py" and len(app.pane.hunks) == 1
    host.close()
    host.service.close()


async def test_a_proposal_for_another_file_is_shown_once_the_file_on_show_is_done(
    repo: Path,
) -> None:
    # Seen in the gate benchmark's burst: every hunk of the file on show was
    # decided, then twenty calls for other files arrived; the view stayed on
    # the finished file, and y said only "none pending in this file".
    host = open_gate(repo)
    app = GateApp(host)
    arrivals = Arrivals(host)
    with GateServer(state_dir_for(repo), host):
        async with app.run_test(size=(120, 40)) as pilot:
            first = start_gate(
                claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")})
            )
            await asyncio.to_thread(arrivals.wait)
            await pilot.pause()
            await pilot.press("y", "y")
            await written(pilot)
            assert (await asyncio.to_thread(finish, first))["hookSpecificOutput"][
                "permissionDecision"
            ] == "allow"
            await pilot.pause()
            assert app.pane.path == "src/app.py" and not app.pane.hunks
            notes = {"file_path": str(repo / "notes.txt"), "content": "alpha\ngamma\n"}
            arrivals.ready.clear()  # set while the first call's hunks were pending
            second = start_gate(claude(repo, "Write", notes))
            await asyncio.to_thread(arrivals.wait)
            await pilot.pause()
            assert app.pane.path == "notes.txt" and len(app.pane.hunks) == 1
            await pilot.press("y")
            await written(pilot)
            out = await asyncio.to_thread(finish, second)
            assert out["hookSpecificOutput"]["permissionDecision"] == "allow"
    host.close()
    host.service.close()
