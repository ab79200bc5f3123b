"""The demo walkthrough followed literally, whichever way its steps go: the
recorded session (``app/samples/demo_session.jsonl``, replayed at speed 0)
must reach the plan and its steps; the walkthrough panel comes back with a
key; the throw-away copy of the sample goes on SIGTERM and SIGHUP too."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from test_loop_tui import (
    ALIGNED_REPORT,
    REPORT,
    STOCK,
    answered,
    demo,
    guard,  # noqa: F401 (a fixture: no network)
    loop_app,
    prompt,
    session,  # noqa: F401 (a fixture)
)
from textual.widgets import Static
from tui_helpers import press

from app.demo import DEMO_INTRO
from app.review.service import ReviewService


async def _decide_all_of(pilot: object, app: object, path: str, key: str) -> None:
    for _ in range(20):
        files = app.service.files  # type: ignore[attr-defined]
        fr = next((f for f in files if f.path == path), None)
        if fr is None or not app.service.pending_in(fr):  # type: ignore[attr-defined]
            return
        index = files.index(fr)
        app.show_file(index)  # type: ignore[attr-defined]
        await press(pilot, key)  # type: ignore[arg-type]
    raise AssertionError(f"{path} kept pending hunks")


@pytest.mark.parametrize("report", ["accepted", "rejected", "pending"])
async def test_every_path_through_steps_2_and_3_reaches_the_plan_and_its_steps(
    session: ReviewService,  # noqa: F811
    loop_repo: Path,
    report: str,
) -> None:
    """Bug: doing steps 2-3 as written (widen and accept the report.py hunk)
    made step 5's recorded SEARCH text miss: no hunk arrived, nothing was
    held, and p did nothing."""
    spy = demo()
    app = loop_app(session, spy)
    async with app.run_test(size=(160, 45)) as pilot:
        await prompt(pilot, "make remove() safe")
        await answered(pilot, app, spy, 2)  # the first answer and its one retry
        await _decide_all_of(pilot, app, STOCK, "y")
        if report != "pending":
            files = app.service.files
            app.show_file(next(i for i, f in enumerate(files) if f.path == REPORT))
            if report == "accepted":
                await press(pilot, "w", "y")
            else:
                await press(pilot, "n")
        # Step 5, as written.
        await press(pilot, "minus", "minus")
        await prompt(pilot, "align the report columns")
        await answered(pilot, app, spy, 3)
        assert app.loop.held, app.status.message
        await pilot.press("p")
        await answered(pilot, app, spy, 4)
        assert len(app.plan) == 3
        for step in range(1, 4):
            await pilot.press("g")
            await answered(pilot, app, spy, 4 + step)
            assert app.reviewing and app.pane.hunks, (step, app.status.message)
            await _decide_all_of(pilot, app, REPORT, "y")
        text = (loop_repo / REPORT).read_text()
        body = ALIGNED_REPORT.split("\n", 1)[1]
        assert text.split("\n", 1)[1] == body
        if report == "accepted":
            assert "(items out of stock are not listed)" in text.split("\n", 1)[0]


async def test_t_brings_the_walkthrough_back_after_a_prompt(
    session: ReviewService,  # noqa: F811
) -> None:
    spy = demo()
    app = loop_app(session, spy)
    app.intro = DEMO_INTRO
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        panel = app.query_one("#context")
        text = app.query_one("#context-text", Static)
        assert panel.display and "Welcome to the Tether demo" in str(text.content)
        await prompt(pilot, "make remove() safe")
        await answered(pilot, app, spy, 2)
        assert "Welcome to the Tether demo" not in str(text.content)  # what was sent
        await press(pilot, "t")
        assert panel.display and "Welcome to the Tether demo" in str(text.content)
        assert "walkthrough" in app.status.message


async def test_t_without_a_walkthrough_says_so(session: ReviewService) -> None:  # noqa: F811
    app = loop_app(session, demo())
    async with app.run_test(size=(160, 45)) as pilot:
        await press(pilot, "t")
        assert app.status.message == "no walkthrough here: t shows it in tether demo"


# -- the throw-away copy on a signal ----------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_the_demo_copy_is_removed_on_a_signal(
    tmp_path: Path, isolated_home: Path, sig: signal.Signals
) -> None:
    from test_tui_pty import STARTUP_TIMEOUT, tether_in_pty

    temp = tmp_path / "temp"
    temp.mkdir()
    with tether_in_pty(tmp_path, "demo", "--speed", "0", TMPDIR=str(temp)) as term:
        term.wait_for("Welcome to the Tether demo", STARTUP_TIMEOUT)
        copies = list(temp.glob("tether-demo-*"))
        assert len(copies) == 1 and (copies[0] / "inventory" / ".git").is_dir()
        os.killpg(term.proc.pid, sig)
        code = term.wait_exit()
        assert code != 0
        assert not copies[0].exists(), "the sample copy was left behind"
