"""No crash on an OS error: a decision the OS refuses, or a model's tool call
it cannot answer, is a message naming the file and the cause; the session
(undo, pending hunks) goes on. A crash report never shows local variables.

Tests run as root, which ignores permission bits: the refusal is made real
with the immutable attribute (``chattr +i`` binds root too), so only the
rename over the file fails, after every check a folder can answer.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPORT, STOCK, AppFactory, git, make_proposal_service, repo_state
from rich.console import Console
from tui_helpers import SIZE, message, press, settle

from app.core.autonomy import Level
from app.loop.controller import LoopController, View
from app.loop.events import Failed
from app.providers.base import Finished, TextDelta, ViewRequested
from app.providers.replay import Recording, ReplayProvider, Turn
from app.review.events import ReviewEvent
from app.review.sources import open_review, open_source
from app.tui.review_app import ReviewApp

REFUSED = "Operation not permitted"


@pytest.fixture
def frozen(sample_repo: Path) -> Iterator[list[Path]]:
    """Paths made immutable by a test, made mutable again afterwards."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True, check=False)


def freeze(frozen: list[Path], path: Path) -> None:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {done.stderr.strip()}")
    frozen.append(path)


async def test_n_refused_by_the_os_keeps_the_review(
    make_app: AppFactory, sample_repo: Path, frozen: list[Path]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.pane.path == REPORT
        await press(pilot, "y")  # something to undo afterwards
        app.show_file(next(i for i, fr in enumerate(app.session.files) if fr.path == STOCK))
        await settle(pilot)
        assert app.pane.path == STOCK
        hunks = [h.id for h in app.pane.hunks]
        before = repo_state(sample_repo)
        freeze(frozen, sample_repo / STOCK)
        await press(pilot, "n")
        assert app.is_running and app.return_code is None
        assert app.status.is_error
        assert STOCK in message(app) and REFUSED in message(app)
        assert repo_state(sample_repo) == before
        # Pending hunks intact, and they can be decided again.
        assert app.pane.path == STOCK and [h.id for h in app.pane.hunks] == hunks
        fr = app.service.file(STOCK)
        assert fr.rejected_count == 0 and fr.pending == len(hunks)
        assert not app.service.busy
        assert [h.id for h in app.service.view(STOCK).hunks] == hunks  # none held as deciding
        # Undo still takes back the decision before the failed one.
        await press(pilot, "u")
        assert message(app).startswith(f"undo done in {REPORT}")
        assert git(sample_repo, "diff", "--cached", "--name-only") == b""


async def test_y_on_a_patch_refused_by_the_os_keeps_the_review(
    sample_repo: Path, tmp_path: Path, frozen: list[Path]
) -> None:
    patch = tmp_path / "change.patch"
    patch.write_bytes(git(sample_repo, "diff"))
    git(sample_repo, "checkout", "--", ".")
    source = open_source(str(patch), sample_repo)
    app = ReviewApp(open_review(source), label=source.label)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.pane.path == REPORT
        hunks = [h.id for h in app.pane.hunks]
        freeze(frozen, sample_repo / REPORT)
        await press(pilot, "y")
        assert app.is_running and app.status.is_error
        assert REPORT in message(app) and REFUSED in message(app)
        assert [h.id for h in app.pane.hunks] == hunks
        assert app.service.file(REPORT).accepted_count == 0


async def test_a_crash_report_shows_no_local_variables(make_app: AppFactory) -> None:
    app = make_app()
    out = io.StringIO()  # where Textual prints its crash report on the way out
    app.error_console = Console(file=out, width=200, color_system=None)

    def boom() -> None:
        # What a decision's locals hold; joined at run time, so only a
        # locals panel (not the source lines shown) could show it whole.
        file_bytes = ("SECRET-" + "FILE-BYTES").encode()
        raise RuntimeError(f"a bug after reading {len(file_bytes)} bytes")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.call_later(boom)
            await pilot.pause()
    report = out.getvalue()
    assert "RuntimeError" in report and "a bug after reading" in report
    assert "SECRET-FILE-BYTES" not in report


# -- a model's tool call the OS cannot answer ----------------------------------------------------


def view_turn(path: str, then: str) -> Turn:
    return Turn(
        prompt="",
        parse="search_replace",
        events=[
            (0.0, ViewRequested("view_1", path, None)),
            (0.0, TextDelta(then)),
            (0.0, Finished("end_turn")),
        ],
    )


@pytest.mark.parametrize("path", ["alias/stock.py", "v" * 300 + ".py"])
def test_a_view_the_os_cannot_answer_is_a_tool_error(
    loop_repo: Path, tmp_path: Path, path: str
) -> None:
    # A folder linked inside the repository: git refuses to answer for a path
    # beyond a symlink, and an overlong name is refused by the OS.
    (loop_repo / "alias").symlink_to("inventory")
    service = make_proposal_service(loop_repo, tmp_path / "state")
    edit = f"{STOCK}\n<<<<<<< SEARCH\n    def count(self, name):\n=======\n    def count(self, name: str):\n>>>>>>> REPLACE\n"
    provider = ReplayProvider(Recording(turns=[view_turn(path, edit)]), speed=0.0)
    loop = LoopController(service, provider, label="replay", level=int(Level.FILE))
    events: list[ReviewEvent] = []
    loop.subscribe(events.append)
    assert loop.ask("tidy", View(path=STOCK))
    assert loop.wait(60), "the generation never ended"
    assert not [e for e in events if isinstance(e, Failed)]
    assert loop.generation is not None
    (viewed,) = [o for o in loop.generation.outcomes if o.call_id == "view_1"]
    assert viewed.output.startswith(f"Error: {path} is not available")
    # The generation went on past the view: its edit arrived.
    assert service.file(STOCK).pending


def test_asking_from_a_path_the_os_cannot_name_still_asks(loop_repo: Path, tmp_path: Path) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    edit = f"{STOCK}\n<<<<<<< SEARCH\n    def count(self, name):\n=======\n    def count(self, name: str):\n>>>>>>> REPLACE\n"
    provider = ReplayProvider(Recording(turns=[view_turn(STOCK, edit)]), speed=0.0)
    loop = LoopController(service, provider, label="replay", level=int(Level.REPO))
    events: list[ReviewEvent] = []
    loop.subscribe(events.append)
    assert loop.ask("tidy", View(path="v" * 300 + ".py", cursor_line=1))
    assert loop.wait(60), "the generation never ended"
    assert not [e for e in events if isinstance(e, Failed)]
    assert loop.generation is not None and service.file(STOCK).pending
