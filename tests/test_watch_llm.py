"""Pending LLM hunks while someone else edits the same file on disk.

The loop (``LoopApp``, replay provider at speed 0: the bundled demo session
proposes two hunks in inventory/stock.py) watches the repository too. When
the writer process edits a file that has pending in-memory hunks:

- elsewhere in the file: every hunk is re-anchored on the new content, stays
  acceptable, and accepting writes exactly the proposal on top of the
  external edit;
- inside a hunk's context: the file is stale, y is refused, the external
  edit is never overwritten; R re-anchors what still matches (the rest is
  journaled and dropped).

The same is checked without any UI at the end: a ``ReviewSession`` over a
``ProposalBackend`` fed by the real ``Watcher``.
"""

from __future__ import annotations

import queue
import time
from pathlib import Path

from conftest import STOCK, decide_hunk, make_proposal_service, wait_until, watched, worktree_bytes
from textual.pilot import Pilot
from tui_helpers import press
from writer import WriterProcess

from app.core.errors import StaleFileError, TetherError
from app.core.model import FileReview
from app.core.watcher import Watcher
from app.demo import SAMPLES
from app.providers.replay import ReplayProvider
from app.review.commands import Reload
from app.review.session import ReviewSession
from app.tui.loop_app import LoopApp

REPORT = "inventory/report.py"
# Line 27 of stock.py, after both hunks' context; line 9 is inside the second's.
OUTSIDE = (
    "            total = total + self.items[name]\n",
    "            total += self.items[name]  # by the agent\n",
)
INSIDE = (
    "        self.items[name] = self.items.get(name, 0) + count\n",
    "        self.items[name] = self.items.get(name, 0) + count  # by the agent\n",
)


def make_loop(repo: Path, state: Path) -> tuple[LoopApp, list[str]]:
    session = make_proposal_service(repo, state)
    app = LoopApp(
        session,
        provider=ReplayProvider(SAMPLES / "demo_session.jsonl", speed=0),
        provider_label="replay",
        start_file=STOCK,
    )
    errors: list[str] = []
    original = app._error

    def spy(exc: TetherError) -> None:
        errors.append(str(exc))
        original(exc)

    app._error = spy  # type: ignore[method-assign]
    return app, errors


def pending(app: LoopApp) -> dict[str, int]:
    return {fr.path: fr.pending for fr in app.session.files if fr.loaded}


async def propose(pilot: Pilot[object], app: LoopApp) -> str:
    """Ask the model (the recording); wait for its hunks; return stock.py's proposal."""
    await pilot.press("i", *"make it safe", "enter")
    await wait_until(
        pilot,
        lambda: pending(app) == {STOCK: 2, REPORT: 1} and not app.loop.generating,
        "the demo's hunks",
    )
    await wait_until(pilot, lambda: app.reviewing and app.pane.path == STOCK, "the review")
    proposed = app.session.file(STOCK).proposed
    assert proposed is not None
    return proposed


def replaced(text: str, change: tuple[str, str]) -> str:
    old, new = change
    assert text.count(old) == 1
    return text.replace(old, new)


async def test_an_edit_elsewhere_reanchors_the_hunks_and_accept_keeps_it(
    loop_repo: Path, tmp_path: Path
) -> None:
    repo = loop_repo
    original = (repo / STOCK).read_text(encoding="utf-8")
    external = replaced(original, OUTSIDE)
    app, errors = make_loop(repo, tmp_path / "state")
    with WriterProcess(repo) as writer:
        async with watched(app, repo, size=(160, 45)) as (pilot, _batches):
            proposed = await propose(pilot, app)
            fr = app.session.file(STOCK)
            await writer.ado("write", path=STOCK, text=external)
            await wait_until(pilot, lambda: fr.accepted == external, "the re-anchoring")
            assert fr.stale == "" and fr.pending == 2
            assert fr.proposed == replaced(proposed, OUTSIDE)
            await wait_until(pilot, lambda: "re-anchored" in app.status.message, "the message")
            assert worktree_bytes(repo, STOCK) == external.encode()  # memory only so far

            await press(pilot, "y")
            await press(pilot, "y")
            assert not errors, errors
            assert fr.pending == 0
            assert worktree_bytes(repo, STOCK) == replaced(proposed, OUTSIDE).encode()


async def test_y_right_after_an_external_edit_never_overwrites_it(
    loop_repo: Path, tmp_path: Path
) -> None:
    """y pressed as the external edit lands (before or after the watcher's batch):
    either it applies on top of the re-anchored hunks or it is refused as stale."""
    repo = loop_repo
    original = (repo / STOCK).read_text(encoding="utf-8")
    external = replaced(original, OUTSIDE)
    app, errors = make_loop(repo, tmp_path / "state")
    with WriterProcess(repo) as writer:
        async with watched(app, repo, size=(160, 45)) as (pilot, _batches):
            proposed = await propose(pilot, app)
            writer.send("write", path=STOCK, text=external)
            await press(pilot, "y")
            await writer.areply()
            fr = app.session.file(STOCK)
            with_first_hunk = with_hunk_one(proposed, external)
            # y on the re-anchored hunk (after the watcher's batch) leaves the
            # external text with the hunk on top: that is settled too.
            settled = (external, with_first_hunk)
            await wait_until(pilot, lambda: fr.accepted in settled, "the re-anchoring")
            disk = worktree_bytes(repo, STOCK)
            if errors:  # the edit landed first: y refused, nothing written
                assert "changed on disk" in errors[0] and disk == external.encode()
            else:  # y first (the writer then rewrote the file), or on the re-anchored hunk
                assert disk in (external.encode(), with_first_hunk.encode())


def with_hunk_one(proposed: str, text: str) -> str:
    """``text`` with the demo's first hunk (old lines 1-6 → new lines 1-10) applied."""
    return "".join(proposed.splitlines(keepends=True)[:10] + text.splitlines(keepends=True)[6:])


async def stale_after_an_edit_inside(
    pilot: Pilot[object], app: LoopApp, writer: WriterProcess, external: str
) -> FileReview:
    fr = app.session.file(STOCK)
    await writer.ado("write", path=STOCK, text=external)
    await wait_until(pilot, lambda: fr.stale != "", "the file to go stale")
    await wait_until(pilot, lambda: "stale" in app.status.message, "the app to say so")
    assert "1 of 2" in fr.stale
    return fr


async def test_an_edit_inside_a_hunk_makes_the_file_stale_y_refused_never_overwritten(
    loop_repo: Path, tmp_path: Path
) -> None:
    """Stale: y refused on every hunk; n rejects the hunk that lost its place;
    R then re-anchors the other, and y writes it on top of the external edit."""
    repo = loop_repo
    original = (repo / STOCK).read_text(encoding="utf-8")
    external = replaced(original, INSIDE)
    app, errors = make_loop(repo, tmp_path / "state")
    with WriterProcess(repo) as writer:
        async with watched(app, repo, size=(160, 45)) as (pilot, _batches):
            proposed = await propose(pilot, app)
            fr = await stale_after_an_edit_inside(pilot, app, writer, external)
            await press(pilot, "y")  # refused
            assert errors and "no longer match" in errors[-1]
            assert worktree_bytes(repo, STOCK) == external.encode()
            await pilot.press("j")
            assert app.pane.current_hunk() == 1
            await press(pilot, "y")  # the other hunk: refused as well
            assert len(errors) == 2 and "no longer match" in errors[-1]
            assert worktree_bytes(repo, STOCK) == external.encode()

            await press(pilot, "n")  # reject the hunk whose context the agent changed
            assert fr.pending == 1 and worktree_bytes(repo, STOCK) == external.encode()
            await press(pilot, "R")  # re-anchor the rest on the agent's version
            assert fr.stale == "" and fr.pending == 1 and fr.accepted == external
            await press(pilot, "y")
            assert len(errors) == 2, errors
            expected = with_hunk_one(proposed, external)
            assert worktree_bytes(repo, STOCK) == expected.encode()
            assert "# by the agent" in expected


async def test_r_on_a_stale_file_reanchors_what_still_matches(
    loop_repo: Path, tmp_path: Path
) -> None:
    """R re-anchors the hunk that still matches and journals the other as "stale".
    (Found failing at f24e0d6: Journal._append_locked ran the undo/redo target check
    for the "stale" record too, so R raised UndoError "nothing to stale".)"""
    repo = loop_repo
    original = (repo / STOCK).read_text(encoding="utf-8")
    external = replaced(original, INSIDE)
    app, errors = make_loop(repo, tmp_path / "state")
    with WriterProcess(repo) as writer:
        async with watched(app, repo, size=(160, 45)) as (pilot, _batches):
            proposed = await propose(pilot, app)
            fr = await stale_after_an_edit_inside(pilot, app, writer, external)
            await press(pilot, "R")  # re-anchor what still matches: the first hunk
            assert not errors, errors
            assert fr.stale == "" and fr.pending == 1
            stale = [e for e in app.session.journal.entries() if e.op == "stale"]
            assert len(stale) == 1 and stale[0].path == STOCK
            assert "OutOfStock(f" in stale[0].hunk  # the dropped hunk is kept
            await press(pilot, "y")
            assert worktree_bytes(repo, STOCK) == with_hunk_one(proposed, external).encode()


# -- the same without a UI: a ReviewSession fed by the real Watcher -------------------------


def drain(batches: queue.Queue[set[str]], session: ReviewSession, until: float) -> set[str]:
    """Hand every batch to the session (on this thread, as the app's UI thread would)."""
    touched: set[str] = set()
    while time.monotonic() < until:
        try:
            touched |= session.disk_changed(batches.get(timeout=0.05))
        except queue.Empty:
            if touched:
                return touched
    return touched


def test_a_proposal_session_with_the_watcher_reanchors_or_goes_stale(
    loop_repo: Path, tmp_path: Path
) -> None:
    repo = loop_repo
    original = (repo / STOCK).read_text(encoding="utf-8")
    proposal = original.replace("return self.items[name]\n", "return self.items.get(name, 0)\n")
    proposal = proposal.replace(
        '"""Stock levels per item."""', '"""Stock levels per item (safe)."""'
    )
    session = make_proposal_service(repo, tmp_path / "state")
    fr = session.propose(STOCK, proposal)
    assert fr.pending == 2
    batches: queue.Queue[set[str]] = queue.Queue()
    watcher = Watcher(repo, batches.put, git=True)
    watcher.start()
    try:
        with WriterProcess(repo) as writer:
            assert watcher.ready.wait(5)
            time.sleep(0.2)  # ready is set just before watchfiles starts (see test_watch_git)
            outside = replaced(original, OUTSIDE)
            writer.do("write", path=STOCK, text=outside)
            assert STOCK in drain(batches, session, time.monotonic() + 10)
            assert fr.accepted == outside and not fr.stale and fr.pending == 2
            decide_hunk(session, "accept", fr, 0)
            assert (
                (repo / STOCK)
                .read_text(encoding="utf-8")
                .startswith('"""Stock levels per item (safe)."""')
            )
            drain(batches, session, time.monotonic() + 2)  # our own write comes back as an event

            inside = (
                (repo / STOCK)
                .read_text(encoding="utf-8")
                .replace(
                    "    def count(self, name):\n", "    def count(self, name):  # by the agent\n"
                )
            )
            writer.do("write", path=STOCK, text=inside)
            assert STOCK in drain(batches, session, time.monotonic() + 10)
            assert fr.stale and fr.pending == 1
            try:
                decide_hunk(session, "accept", fr, 0)
            except StaleFileError:
                pass
            else:
                raise AssertionError("a stale hunk was accepted")
            assert (repo / STOCK).read_text(encoding="utf-8") == inside
            decide_hunk(session, "reject", fr, 0)
            assert fr.pending == 0
            assert (repo / STOCK).read_text(encoding="utf-8") == inside
    finally:
        watcher.stop()


def test_reload_of_a_stale_proposal_drops_the_unmatched_hunk(
    loop_repo: Path, tmp_path: Path
) -> None:
    """The same without the watcher or a UI (the minimal repro of that bug)."""
    repo = loop_repo
    original = (repo / STOCK).read_text(encoding="utf-8")
    session = make_proposal_service(repo, tmp_path / "state")
    fr = session.propose(STOCK, original.replace("return self.items[name]\n", "return 0\n"))
    (repo / STOCK).write_text(
        original.replace("    def count(self, name):\n", "    def count(self, n):\n")
    )
    session.disk_changed({STOCK})
    assert fr.stale
    session.execute(Reload(STOCK))  # at f24e0d6: UndoError("nothing to stale")
    assert fr.pending == 0 and not fr.stale
