"""The generation loop app driven through Textual's Pilot: the slider (keys and
mouse), the prompt, streaming hunks, the leash (out-of-leash hunks, held
proposals, the plan in steps), reject with a reason, cancel, the context
panel, and the command palette. The model is the replay provider playing the
demo's recorded session (``speed=0``) on the sample project; no network.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import make_proposal_service
from loopback import NetworkGuard
from textual.pilot import Pilot
from textual.widgets import Input, Static
from tui_helpers import press

from app.core.autonomy import DEFAULT_LEASH, LEVEL_NAMES, Level
from app.demo import SAMPLES
from app.providers.base import Event, Finished, GenerationRequest, TextDelta
from app.providers.prompts import user_text
from app.providers.replay import Recording, ReplayProvider, Turn, load_recording
from app.review.service import ReviewService as ReviewSession
from app.tui.loop_app import LOOP_BINDINGS, LoopApp
from widgets.autonomy_slider import AutonomySlider
from widgets.file_list import FileList

SIZE = (160, 45)
RECORDING = SAMPLES / "demo_session.jsonl"
STOCK = "inventory/stock.py"
REPORT = "inventory/report.py"
FAKE_KEY = "sk-test-4d1f9a-loop-NEVER-SEND"
WAIT = 15.0  # seconds any condition may take, at most (generous for a loaded CI machine)

ALIGNED_REPORT = '''"""Plain-text stock reports."""


def render_report(stock):
    lines = []
    lines.append("Stock report")
    lines.append("============")
    width = max((len(name) for name in stock.names()), default=0)
    for name in stock.names():
        lines.append(f"{name:<{width}}  {stock.count(name):>5}")
    lines.append(f"{'total':<{width}}  {stock.total():>5}")
    return "\\n".join(lines)
'''


class Spy(ReplayProvider):
    """The replay provider, remembering every request it was sent."""

    def __init__(self, recording: Recording | Path, **options: float) -> None:
        super().__init__(recording, **options)  # type: ignore[arg-type]
        self.requests: list[GenerationRequest] = []
        self.cancelled = 0

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        self.requests.append(request)
        yield from super().stream(request)

    def cancel(self) -> None:
        self.cancelled += 1
        super().cancel()


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    return NetworkGuard(monkeypatch)


@pytest.fixture
def session(loop_repo: Path, tmp_path: Path) -> ReviewSession:
    return make_proposal_service(loop_repo, tmp_path / "state")


def loop_app(
    session: ReviewSession, provider: ReplayProvider, *, start: str = STOCK, level: int = 3
) -> LoopApp:
    return LoopApp(
        session,
        provider=provider,
        provider_label="replay · demo-model",
        start_file=start,
        level=level,
    )


def demo(**options: float) -> Spy:
    return Spy(RECORDING, **{"speed": 0.0, **options})


def later_turns(first: int) -> Spy:
    """The demo recording from turn ``first`` on (so its first free turn answers)."""
    recording = load_recording(RECORDING)
    return Spy(
        Recording(
            provider=recording.provider, model=recording.model, turns=recording.turns[first:]
        ),
        speed=0.0,
    )


async def wait_for(
    pilot: Pilot[object], condition: Callable[[], object], what: str, timeout: float = WAIT
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def answered(pilot: Pilot[object], app: LoopApp, spy: Spy, requests: int) -> None:
    """Wait until the model was asked ``requests`` times and has finished."""
    await wait_for(
        pilot,
        lambda: len(spy.requests) >= requests and not app.loop.generating,
        f"{requests} request(s) answered",
    )
    await pilot.pause()
    assert len(spy.requests) == requests


async def type_text(pilot: Pilot[object], text: str) -> None:
    await pilot.press(*["space" if c == " " else c for c in text])


async def prompt(pilot: Pilot[object], text: str) -> None:
    await pilot.press("i")
    await type_text(pilot, text)
    await pilot.press("enter")


def painted(app: LoopApp) -> str:
    """The slider's row as drawn on the screen."""
    slider = app.query_one(AutonomySlider)
    return "".join(segment.text for segment in slider.render_line(0))


def hunk_text(app: LoopApp, index: int) -> str:
    return "".join(line.raw for line in app.pane.hunks[index].lines)


def find_hunk(app: LoopApp, needle: str) -> int:
    return next(i for i in range(len(app.pane.hunks)) if needle in hunk_text(app, i))


async def go_to_hunk(pilot: Pilot[object], app: LoopApp, index: int) -> None:
    for _ in range(len(app.pane.hunks)):
        if app.pane.current_hunk() == index:
            return
        await press(pilot, "j")
    assert app.pane.current_hunk() == index


def proposed(session: ReviewSession, path: str) -> str:
    return session.file(path).proposed or ""


# -- the slider ----------------------------------------------------------------------------------


async def test_slider_keys_change_the_level_the_leash_and_what_is_shown(
    session: ReviewSession,
) -> None:
    app = loop_app(session, demo())
    async with app.run_test(size=SIZE) as pilot:
        slider = app.query_one(AutonomySlider)
        assert slider.level == 3 and app.loop.level is Level.FILE and app.loop.limit == 200
        steps = [
            ("minus", 2),
            ("minus", 1),
            ("minus", 0),
            ("minus", 0),
            ("plus", 1),
            ("equals_sign", 2),
            ("plus", 3),
            ("plus", 4),
            ("plus", 4),
        ]
        for key, level in steps:
            await press(pilot, key)
            assert slider.level == level, key
            assert app.loop.level == Level(level)
            assert app.loop.limit == DEFAULT_LEASH[Level(level)]
            name = LEVEL_NAMES[Level(level)]
            row = painted(app)
            assert f"● {level} {name}" in row and row.count("●") == 1
            leash = f"leash {app.loop.limit} lines" if level else "no model"
            assert leash in row
            if key != "minus" or level:  # clamped moves do not announce
                assert name in app.status.message


@pytest.mark.parametrize("level", [0, 4, 1, 2])
async def test_clicking_a_stop_of_the_slider_sets_that_level(
    session: ReviewSession, level: int
) -> None:
    app = loop_app(session, demo())
    async with app.run_test(size=SIZE) as pilot:
        row = painted(app)
        # The middle of the stop's label, where it is drawn on the screen.
        x = row.index(f"{level} {LEVEL_NAMES[Level(level)]}")
        assert await pilot.click(AutonomySlider, offset=(x, 0))
        await pilot.pause()
        assert app.query_one(AutonomySlider).level == level
        assert app.loop.level == Level(level)
        assert app.loop.limit == DEFAULT_LEASH[Level(level)]
        assert f"● {level} {LEVEL_NAMES[Level(level)]}" in painted(app)


async def test_level_0_refuses_the_prompt_key(session: ReviewSession) -> None:
    spy = demo()
    app = loop_app(session, spy)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("minus", "minus", "minus")
        await press(pilot, "i")
        assert app.loop.level is Level.OFF
        assert not app.query_one("#prompt", Input).has_focus
        assert app.status.is_error and "slider is at 0 (off)" in app.status.message
        assert spy.requests == []


async def test_level_0_sends_nothing_even_from_a_clicked_prompt(session: ReviewSession) -> None:
    spy = later_turns(3)
    app = loop_app(session, spy)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("minus", "minus", "minus")
        await pilot.click("#prompt")
        await type_text(pilot, "go")
        await pilot.press("enter")
        await pilot.pause(0.3)
        await wait_for(pilot, lambda: not app.loop.generating, "idle")
        assert spy.requests == []


# -- prompting: streaming hunks, the leash, reject with a reason ------------------------------------


async def test_prompt_streams_hunks_leash_widen_and_reject_with_reason(
    session: ReviewSession, loop_repo: Path
) -> None:
    spy = demo()
    app = loop_app(session, spy)
    report_before = (loop_repo / REPORT).read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        assert not app.reviewing and app.code.path == STOCK
        await prompt(pilot, "make remove safe")
        # The first turn has an edit whose SEARCH text does not match: its exact
        # error goes back once, and the corrected edit follows.
        await answered(pilot, app, spy, 2)
        assert spy.requests[0].user_prompt == "make remove safe"
        retry = spy.requests[1]
        assert retry.user_prompt.startswith("Some of your edits could not be applied")
        assert "no match for the search text" in retry.user_prompt
        assert retry.follow_up is not None
        assert "self.items.get(name, 0)" in proposed(session, STOCK)
        # The hunks are in the diff pane and the file list.
        assert app.reviewing and app.pane.path == STOCK and app.pane.hunks
        files = app.query_one(FileList)
        assert [files.entry_at(i).path for i in range(files.entry_count)] == [STOCK, REPORT]
        labels = [str(files.label_at(i)) for i in range(2)]
        assert all("0/" in label for label in labels)  # nothing decided yet, some pending
        assert "tokens" in app.status.source and "first hunk" in app.status.source

        # report.py is outside the file level's scope: marked, and y does nothing.
        await press(pilot, "right_square_bracket")
        assert app.current.path == REPORT
        assert app.pane.hunk_notes == {
            0: f"out of leash: level file allows changes to {STOCK}; w widens"
        }
        await press(pilot, "y")
        assert (loop_repo / REPORT).read_bytes() == report_before
        assert app.status.is_error and "out of leash" in app.status.message
        await press(pilot, "w")
        assert app.pane.hunk_notes == {}
        await press(pilot, "y")
        assert "(items out of stock are not listed)." in (loop_repo / REPORT).read_text()

        # Deciding report.py's last hunk moved on to the file with pending hunks.
        assert app.current.path == STOCK

        # Reject the remove() change with a reason; only that part is regenerated.
        index = find_hunk(app, "cannot remove")
        if "return self.items.get(name, 0)" in hunk_text(app, index):
            await go_to_hunk(pilot, app, index)
            await pilot.press("s")  # the hunk holds two changes: split it
            await pilot.pause()
            index = find_hunk(app, "cannot remove")
        await go_to_hunk(pilot, app, index)
        await press(pilot, "r")
        await type_text(pilot, "too long")
        await pilot.press("enter")
        await answered(pilot, app, spy, 3)
        again = spy.requests[2].user_prompt
        assert again.startswith(f"The user rejected your change to {STOCK}")
        assert "Reason: too long" in again and "cannot remove" in again
        assert "cannot remove" not in proposed(session, STOCK)
        new = find_hunk(app, "never below zero")
        assert "raise OutOfStock" in hunk_text(app, new)
        assert [e.op for e in session.journal.entries()] == ["accept", "reject"]
        assert session.journal.entries()[-1].extra["reason"] == "too long"
        # Bug: the context panel said "level 2 (chunk)" and the toast "level chunk"
        # while the slider showed 3 (file). The region is narrowed, the level is
        # the slider's.
        assert app.query_one(AutonomySlider).level == 3
        assert str(app.query_one("#context-text", Static).content).startswith("level 3 (file)")
        assert app.loop.scope.level is Level.FILE and app.loop.scope.lines is not None
        # Bug: the status counts disagreed with the file list after the
        # regenerated hunk, and [ needed two presses.
        files = app.query_one(FileList)
        listed = [files.entry_at(i) for i in range(files.entry_count)]
        pending = sum(e.pending or 0 for e in listed)
        decided = sum(e.accepted + e.rejected for e in listed)
        assert f"{decided} decided · {pending} pending" in app.status.progress
        assert (decided, pending) == (session.decided, session.pending)
        before = app.index
        await press(pilot, "left_square_bracket")
        assert app.index == (before - 1) % files.entry_count
        assert files.highlighted == app.index
        await press(pilot, "right_square_bracket")
        assert app.index == before
        # The regenerated hunk is inside its scope and can be accepted.
        await go_to_hunk(pilot, app, find_hunk(app, "never below zero"))
        await press(pilot, "y")
        assert "never below zero" in (loop_repo / STOCK).read_text()


async def test_escape_cancels_the_generation_and_keeps_complete_hunks(
    session: ReviewSession, loop_repo: Path
) -> None:
    first = (
        "inventory/stock.py\n<<<<<<< SEARCH\n    def count(self, name):\n"
        "        return self.items[name]\n=======\n    def count(self, name):\n"
        "        return self.items.get(name, 0)\n>>>>>>> REPLACE\n\n"
    )
    second = (
        "inventory/stock.py\n<<<<<<< SEARCH\n    def names(self):\n=======\n"
        "    def names(self):  # never sent\n>>>>>>> REPLACE\n"
    )
    # The first edit at once; the rest only after 20 s (if nothing cancels it).
    turn = Turn(
        prompt="",
        parse="search_replace",
        events=[
            (0.0, TextDelta("Counting safely:\n\n")),
            (0.0, TextDelta(first)),
            (20.0, TextDelta(second)),
            (20.0, Finished("end_turn")),
        ],
    )
    spy = Spy(Recording(turns=[turn]), speed=1.0)
    app = loop_app(session, spy)
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, "go")
        await wait_for(pilot, lambda: session.pending == 1 and app.reviewing, "the first hunk")
        # Review overlaps generation: the hunk is shown while the model goes on.
        assert app.loop.generating and "generating" in app.status.source
        assert app.pane.path == STOCK and len(app.pane.hunks) == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.loop.generating, "the generation to stop")
        # Cancelled, not finished: the rest of the stream (20 s away) never came.
        assert spy.cancelled == 1
        assert app.loop.generation is not None and app.loop.generation.stop_reason == "cancelled"
        assert app.status.message == "cancelled; 1 complete hunk(s) kept for review"
        await pilot.pause(0.2)
        assert session.pending == 1 and len(app.pane.hunks) == 1
        assert "never sent" not in proposed(session, STOCK)
        assert len(spy.requests) == 1  # no retry after a cancel
        await press(pilot, "y")
        assert "return self.items.get(name, 0)" in (loop_repo / STOCK).read_text()


async def test_over_the_leash_is_held_then_done_as_a_plan_in_steps(
    session: ReviewSession, loop_repo: Path
) -> None:
    spy = later_turns(3)  # the demo's "align the report" part
    app = loop_app(session, spy, start=REPORT)
    original = (loop_repo / REPORT).read_bytes()
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "minus", "minus")
        assert app.loop.level is Level.LINE and app.loop.limit == 5
        await prompt(pilot, "align")
        await answered(pilot, app, spy, 1)
        size = app.loop.proposal_size()
        assert size > 5
        assert app.status.flag == f"HELD: {size} lines > leash 5 (p: plan in steps)"
        assert app.pane.hunk_notes and all(
            note.startswith(f"held: this proposal changes {size} lines, over the leash of 5")
            for note in app.pane.hunk_notes.values()
        )
        await press(pilot, "y")
        assert (loop_repo / REPORT).read_bytes() == original
        assert app.status.is_error and "held" in app.status.message

        await pilot.press("p")
        await answered(pilot, app, spy, 2)
        assert spy.requests[1].user_prompt.startswith("Do not edit yet")
        assert app.plan == [
            "Compute the width of the longest item name.",
            "Align each item line to that width.",
            "Align the total line the same way.",
        ]
        assert session.pending == 0  # the held proposal was set aside (journaled)
        assert not app.status.flag
        context = str(app.query_one("#context-text", Static).content)
        assert context.startswith("Plan (g carries out the next step)")

        for step in range(1, 4):
            await press(pilot, "plus")  # wherever the slider was moved since,
            await pilot.press("g")
            await answered(pilot, app, spy, 2 + step)
            # Bug: steps ran at level 3 while the slider read 1 (line). A step
            # runs at the plan's level, and the slider is moved back there.
            assert app.query_one(AutonomySlider).level == 1 and app.loop.level is Level.LINE
            assert app.loop.limit == 5
            assert spy.requests[-1].user_prompt.startswith(
                f"Carry out step {step} of the plan only: {app.plan[step - 1]}"
            )
            assert app.reviewing and len(app.pane.hunks) == 1 and app.pane.hunk_notes == {}
            await press(pilot, "y")
            assert session.pending == 0
        assert (loop_repo / REPORT).read_text() == ALIGNED_REPORT
        assert not app.check_action("next_step", ())


async def test_one_huge_line_from_the_model_is_held_by_a_five_line_leash(
    session: ReviewSession, loop_repo: Path
) -> None:
    """Bug: the app's guard counted added + removed lines, so a reply with one
    enormous line passed a 5-line leash. The app installs the one policy,
    which weighs a long line by its length."""
    huge = "        return self.items.get(name, " + "0 + " * 20_000 + "0)"
    block = (
        f"{STOCK}\n<<<<<<< SEARCH\n    def count(self, name):\n"
        "        return self.items[name]\n=======\n    def count(self, name):\n"
        f"{huge}\n>>>>>>> REPLACE\n"
    )
    turn = Turn(
        parse="search_replace", events=[(0.0, TextDelta(block)), (0.0, Finished("end_turn"))]
    )
    spy = Spy(Recording(turns=[turn]), speed=0.0)
    original = (loop_repo / STOCK).read_bytes()
    line = original.decode().splitlines().index("        return self.items[name]") + 1
    app = loop_app(session, spy, level=1)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(line - 1):
            await pilot.press("down")
        await prompt(pilot, "make count safe")
        await answered(pilot, app, spy, 1)
        (hunk,) = app.pane.hunks
        assert hunk.added + hunk.removed == 2  # two lines as a plain count has them
        assert app.loop.proposal_size() > 100 and app.loop.held
        assert "HELD" in app.status.flag
        await press(pilot, "y")
        assert app.status.is_error and "held" in app.status.message
        assert (loop_repo / STOCK).read_bytes() == original


async def test_accepting_says_accepted_not_changed_on_disk(
    session: ReviewSession, loop_repo: Path
) -> None:
    """Bug: after y in the loop the status said the file "changed on disk":
    the watcher's event for Tether's own write."""
    spy = later_turns(3)
    app = loop_app(session, spy, start=REPORT)
    batches: list[set[str]] = []
    real = app.batch_done
    app.batch_done = lambda paths, touched: (batches.append(set(paths)), real(paths, touched))  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await prompt(pilot, "align")
        await answered(pilot, app, spy, 1)
        await press(pilot, "w")
        await press(pilot, "y")
        assert app.status.message.startswith("accepted")
        await wait_for(pilot, lambda: any(REPORT in b for b in batches), "the watcher's event")
        await pilot.pause()
        assert "changed on disk" not in app.status.message
        assert app.status.message.startswith("accepted")


# -- the context panel -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "tracked"),
    [(3, False), (4, False), (4, True)],
    ids=["file", "repo", "repo-tracked-env"],
)
async def test_context_panel_shows_exactly_what_was_sent_and_never_a_secret(
    session: ReviewSession, loop_repo: Path, level: int, tracked: bool
) -> None:
    (loop_repo / ".env").write_text(f"OPENAI_API_KEY={FAKE_KEY}\n")
    if tracked:
        subprocess.run(["git", "add", "-f", ".env"], cwd=loop_repo, check=True)
    spy = later_turns(3)  # one short turn answers
    app = loop_app(session, spy, level=level)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one("#context")
        assert not panel.display
        await press(pilot, "c")
        text = app.query_one("#context-text", Static)
        assert panel.display and str(text.content) == "Nothing sent yet."
        await pilot.press("c")
        await prompt(pilot, "fix")
        await answered(pilot, app, spy, 1)
        await press(pilot, "c")
        assert panel.display
        shown = str(text.content)
        sent = user_text(spy.requests[0])
        assert shown == app.loop.sent and shown.endswith("── exactly what was sent ──\n" + sent)
        assert shown.startswith(f"level {level} ({LEVEL_NAMES[Level(level)]})")
        assert "class Stock:" in sent and sent.endswith("\n\nfix")
        for request in spy.requests:
            assert FAKE_KEY not in user_text(request) + request.system_prompt
        assert FAKE_KEY not in shown
        if level == 4:
            assert "not sent .env · secret file (deny-list)" in shown
        await press(pilot, "c")
        assert not panel.display


# -- the command line and the palette ---------------------------------------------------------


def test_bare_tether_without_a_provider_says_what_to_set(
    loop_repo: Path, isolated_home: Path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and not k.startswith("TETHER")
    }
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli"],
        cwd=loop_repo,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    err = proc.stderr
    assert err.startswith("tether: no model provider is configured.")
    for needed in (
        "~/.config/tether/config.toml",
        ".tether.toml",
        "[provider]",
        'provider = "anthropic"',
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "--provider and --model",
        "tether demo",
    ):
        assert needed in err, needed


async def test_every_loop_binding_is_in_the_command_palette(session: ReviewSession) -> None:
    app = loop_app(session, demo())
    async with app.run_test(size=SIZE) as pilot:
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        for binding in LoopApp.BINDINGS:
            assert binding.tooltip in commands, binding  # type: ignore[union-attr]
            key = binding.key_display or binding.key  # type: ignore[union-attr]
            assert f"key: {key}" == commands[binding.tooltip].help  # type: ignore[union-attr]
        assert {b.tooltip for b in LOOP_BINDINGS} <= set(commands)
        # They run the same actions as the keys, arguments included.
        commands["Move the autonomy slider left"].callback()
        await pilot.pause()
        assert app.query_one(AutonomySlider).level == 2
        commands["Move the autonomy slider right"].callback()
        commands["Move the autonomy slider right"].callback()
        await pilot.pause()
        assert app.query_one(AutonomySlider).level == 4


async def test_a_file_changed_on_disk_while_typing_a_prompt_keeps_the_keys_in_the_prompt(
    session: ReviewSession, loop_repo: Path
) -> None:
    """Bug (the teaching demo's pty test, under load): a file event while the
    prompt had focus re-opened the code view and focused it, so the rest of
    the typed prompt ran as keys ("report.py"'s y said "none pending")."""
    app = loop_app(session, demo())
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "i")
        prompt = app.query_one("#prompt", Input)
        assert prompt.has_focus
        await pilot.press("a", "b")
        (loop_repo / STOCK).write_text((loop_repo / STOCK).read_text() + "# someone\n")
        app.batch_done({STOCK}, set())  # what the watcher calls for that change
        await pilot.press("y", "c")
        await pilot.pause()
        assert prompt.has_focus and prompt.value == "abyc"
