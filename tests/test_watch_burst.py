"""A burst of 5,000 file events (what a branch checkout does) under ``tether watch``.

The writer process rewrites 2,500 tracked files and creates 2,500 new ones
as fast as it can (about 0.3-0.6 s), while the test keeps pressing a key.
The UI must keep handling keys, and every changed file must end up listed.
How fast a key answers is a benchmark (``python -m bench.watch_bench``,
docs/performance.md); here it is shown by events: a key is handled while a
batch is held half-way, so the UI never waits for one.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import commit_all, git, index_bytes, open_watch, wait_until, watched
from textual import events
from textual.pilot import Pilot
from tui_helpers import press
from writer import WriterProcess

from app.tui.watch_app import WatchApp
from widgets.file_list import FileList

TRACKED = 2_500
CREATED = 2_500


def tracked_paths() -> list[str]:
    return [f"src/m{i // 100:02d}/f{i:05d}.py" for i in range(TRACKED)]


def created_paths() -> list[str]:
    return [f"gen/d{i // 100:03d}/f{i:05d}.txt" for i in range(CREATED)]


@pytest.fixture
def big_repo(watch_repo: Path) -> Path:
    for i, rel in enumerate(tracked_paths()):
        path = watch_repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""Module {i}."""\n\nVALUE = {i}\n', encoding="utf-8")
    commit_all(watch_repo, "2,500 modules")
    return watch_repo


async def press_until(app: WatchApp, key: str, handled: Callable[[], bool]) -> None:
    """Send ``key`` as the terminal driver would and wait until ``handled()``.
    Not Pilot's ``press``: it waits for the whole *process* to go idle, and
    during a burst the watcher's thread keeps the process busy. The deadline
    only stops a hung test; nothing is timed."""
    driver = app._driver
    assert driver is not None
    deadline = time.monotonic() + 60
    driver.send_message(events.Key(key, key))
    while not handled():
        assert time.monotonic() < deadline, f"{key} was never handled"
        await asyncio.sleep(0.002)


async def burst_with_key_presses(pilot: Pilot[object], app: WatchApp, writer: WriterProcess) -> int:
    """Start the burst; press v (toggle the diff view) until every changed file
    is listed and the writer is done; return how many presses were handled."""
    presses = 0
    writer.send("burst", count=CREATED, prefix="gen/", modify=tracked_paths())
    done = None
    deadline = time.monotonic() + 120
    while done is None or len(app.session.files) < TRACKED + CREATED or presses < 5:
        assert time.monotonic() < deadline, "the burst never finished being listed"
        done = done or writer.poll_reply()
        before = app.pane.split_view
        await press_until(app, "v", lambda b=before: app.pane.split_view != b)
        presses += 1
        await asyncio.sleep(0.05)
    await pilot.pause()
    assert done is not None and done["writes"][0]["count"] == TRACKED + CREATED
    return presses


async def test_a_5000_file_burst_keeps_keys_working_and_lists_every_file(big_repo: Path) -> None:
    repo = big_repo
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, batches):
            await burst_with_key_presses(pilot, app, writer)
            # A branch checkout arrives as a few batches, not thousands.
            assert len(batches) - 1 <= 20, [len(b) for b in batches]

            wanted = set(tracked_paths()) | set(created_paths())
            listed = {fr.path for fr in app.session.files}
            assert listed == wanted
            changed = git(repo, "status", "--porcelain", "-uall", "-z").decode().split("\0")
            assert {line[3:] for line in changed if line} == wanted
            files = app.query_one(FileList)
            await wait_until(pilot, lambda: files.entry_count == len(wanted), "the file list")
            assert {files.entry_at(i).path for i in range(files.entry_count)} == wanted

            # Any of them opens with its own hunk.
            for path, added in (
                ("src/m07/f00712.py", "changed by the burst"),
                ("gen/d013/f01313.txt", "generated file 1313"),
            ):
                index = next(i for i, fr in enumerate(app.session.files) if fr.path == path)
                app.show_file(index)
                await pilot.pause()
                assert app.pane.path == path and len(app.pane.hunks) == 1
                assert any(ln.kind == "+" and added in ln.raw for ln in app.pane.hunks[0].lines)


async def test_a_burst_is_listed_off_the_ui_thread_and_appended_to_the_list(
    big_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What keeps keys answering during a burst, asserted by what runs where
    (the timing itself is a benchmark: ``python -m bench.watch_bench``): git's
    listing of 10,000 files runs on the watcher's thread, and the 5,000 new
    rows are appended to the file list, never a rebuild of it."""
    repo = big_repo
    app = open_watch(repo)
    listed_on: list[str] = []
    real_list = app.session.list_changes

    def list_changes() -> object:
        listed_on.append(threading.current_thread().name)
        return real_list()

    monkeypatch.setattr(app.session, "list_changes", list_changes)
    brought_in_on: list[str] = []
    real_changed = app.session.disk_changed

    def disk_changed(*args: object) -> object:
        brought_in_on.append(threading.current_thread().name)
        return real_changed(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(app.session, "disk_changed", disk_changed)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            files = app.query_one(FileList)
            rebuilds: list[int] = []
            real_set = files.set_entries
            monkeypatch.setattr(
                files,
                "set_entries",
                lambda entries, **kw: (rebuilds.append(len(entries)), real_set(entries, **kw)),
            )
            await burst_with_key_presses(pilot, app, writer)
            await wait_until(pilot, lambda: files.entry_count == TRACKED + CREATED, "the list")
    assert listed_on and threading.main_thread().name not in listed_on, listed_on
    # Bringing a batch into the review (re-reading changed files) runs there too.
    assert brought_in_on and threading.main_thread().name not in brought_in_on, brought_in_on
    assert rebuilds == []


async def test_keys_are_handled_while_a_batch_is_held_half_way(
    big_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UI never waits for a batch: with the watcher's thread held in the
    middle of bringing a burst into the review (the review's lock taken), the
    view toggle, the cursor and moving between hunks all still answer."""
    repo = big_repo
    notes = repo / "notes.txt"  # one pending change, so the cursor has rows to move over
    notes.write_text("".join(f"line {i}\n" for i in range(30)), encoding="utf-8")
    app = open_watch(repo)
    inside, release = threading.Event(), threading.Event()
    real_changed = app.session.disk_changed

    def held(*args: object) -> object:
        if len(args[0]) > 100:  # type: ignore[arg-type]  # the burst, not the probe
            inside.set()
            release.wait(120)
        return real_changed(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(app.session, "disk_changed", held)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            writer.send("burst", count=CREATED, prefix="gen/", modify=tracked_paths())
            assert await asyncio.to_thread(inside.wait, 120), "the burst never arrived"
            try:
                before = app.pane.split_view
                await press_until(app, "v", lambda: app.pane.split_view != before)
                cursor = app.pane.cursor
                await press_until(app, "down", lambda: app.pane.cursor != cursor)
                await press_until(app, "question_mark", lambda: len(app.screen_stack) > 1)
                await press_until(app, "escape", lambda: len(app.screen_stack) == 1)
                assert inside.is_set() and not release.is_set()  # still held
            finally:
                release.set()
            await wait_until(
                pilot, lambda: len(app.session.files) == TRACKED + CREATED + 1, "the burst", 120
            )


# -- many pending files: the index changes on every accept -------------------------------------

PENDING = 200


async def test_accepting_in_a_review_of_200_files_reloads_no_other_file(
    watch_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tether's own accept changes .git/index; that event must not reload the
    other 199 loaded files (each reload is two git calls on the UI thread,
    which froze keys for seconds). Asserted by count, not by time."""
    repo = watch_repo
    paths = [f"src/m{i:03d}.py" for i in range(PENDING)]
    for path in paths:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("A = 0\n", encoding="utf-8")
    commit_all(repo, "200 modules")
    for path in paths:  # an agent's edit of every module: listed and diffed at start
        (repo / path).write_text("A = 1\n", encoding="utf-8")
    app = open_watch(repo)
    async with watched(app, repo) as (pilot, batches):
        await wait_until(
            pilot, lambda: all(fr.loaded for fr in app.session.files), "the prefetch", 60
        )
        reloaded: list[str] = []
        real_reload = app.session.reload
        monkeypatch.setattr(
            app.session, "reload", lambda fr: (reloaded.append(fr.path), real_reload(fr))
        )
        seen = len(batches)
        await press(pilot, "y")
        await wait_until(pilot, lambda: len(batches) > seen, "the index event", 30)
        await pilot.pause(0.2)
        assert index_bytes(repo, paths[0]) == b"A = 1\n"
    assert set(reloaded) <= {paths[0]}, f"reloaded {len(reloaded)} files after one accept"
