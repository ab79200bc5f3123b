"""A burst of 5,000 file events (what a branch checkout does) under ``tether watch``.

The writer process rewrites 2,500 tracked files and creates 2,500 new ones
as fast as it can (about 0.3-0.6 s), while the test keeps pressing a key and
times each press until its effect shows. The UI must keep handling keys, and
every changed file must end up listed.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import commit_all, git, index_bytes, open_watch, wait_until, watched
from textual.pilot import Pilot
from writer import WriterProcess

from app.tui.watch_app import WatchApp
from widgets.file_list import FileList

TRACKED = 2_500
CREATED = 2_500
# A key press may wait this long while a batch is handled, but no longer: the
# UI is not frozen. (Pilot's own press overhead is ~30-60 ms of it.)
KEY_HANG_S = 5.0
# What "responsive" should mean: a key that waits longer than a quarter of a
# second feels stuck (Pilot's own overhead is ~0.1 s of it). See the xfails below.
KEY_BUDGET_S = 0.25


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


async def burst_with_key_presses(
    pilot: Pilot[object], app: WatchApp, writer: WriterProcess
) -> list[float]:
    """Start the burst; press v (toggle the diff view) again and again until every
    changed file is listed and the writer is done; return each press's latency."""
    latencies: list[float] = []
    writer.send("burst", count=CREATED, prefix="gen/", modify=tracked_paths())
    done = None
    deadline = time.monotonic() + 120
    while done is None or len(app.session.files) < TRACKED + CREATED or len(latencies) < 5:
        assert time.monotonic() < deadline, "the burst never finished being listed"
        done = done or writer.poll_reply()
        before = app.pane.split_view
        start = time.monotonic()
        await pilot.press("v")
        await wait_until(
            pilot, lambda b=before: app.pane.split_view != b, "v to be handled", timeout=60
        )
        latencies.append(time.monotonic() - start)
    assert done is not None and done["writes"][0]["count"] == TRACKED + CREATED
    return latencies


async def test_a_5000_file_burst_keeps_keys_working_and_lists_every_file(big_repo: Path) -> None:
    repo = big_repo
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, batches):
            latencies = await burst_with_key_presses(pilot, app, writer)
            print(
                f"\n{len(latencies)} presses during the burst; slowest "
                f"{max(latencies) * 1000:.0f} ms; batches: {[len(b) for b in batches[1:]]}"
            )
            assert max(latencies) < KEY_HANG_S, sorted(latencies)[-5:]
            # A branch checkout arrives as a few batches, not thousands.
            assert len(batches) - 1 <= 20, [len(b) for b in batches]

            wanted = set(tracked_paths()) | set(created_paths())
            listed = {fr.path for fr in app.session.files}
            assert listed == wanted
            changed = git(repo, "status", "--porcelain", "-uall", "-z").decode().split("\0")
            assert {line[3:] for line in changed if line} == wanted
            files = app.query_one(FileList)
            await wait_until(pilot, lambda: files.option_count == len(wanted), "the file list")
            assert {files.get_option_at_index(i).id for i in range(files.option_count)} == wanted

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


@pytest.mark.xfail(
    strict=False,  # a timing: a fast enough machine may pass it
    reason="bug (performance): during a 5,000-file burst key presses wait 0.8-2.7 s. "
    "WatchApp.disk_changed (app/tui/watch_app.py:45) rebuilds the whole FileList "
    "(set_entries: 5,000 Rich labels, ~0.18 s) on the UI thread for every batch "
    "that adds files, and every layout pass after that measures all 5,000 options "
    "(textual OptionList.get_content_height wraps each label: ~0.37 s per call, "
    "3 calls seen per refresh; widgets/file_list.py FileList has no fixed height)",
)
async def test_a_5000_file_burst_keeps_key_presses_under_a_quarter_second(big_repo: Path) -> None:
    repo = big_repo
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            latencies = await burst_with_key_presses(pilot, app, writer)
    assert max(latencies) <= KEY_BUDGET_S, f"slowest key press {max(latencies):.2f} s"


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
        monkeypatch.setattr(app.session, "reload", lambda fr: (reloaded.append(fr.path), real_reload(fr)))
        seen = len(batches)
        await pilot.press("y")
        await wait_until(pilot, lambda: len(batches) > seen, "the index event", 30)
        await pilot.pause(0.2)
        assert index_bytes(repo, paths[0]) == b"A = 1\n"
    assert set(reloaded) <= {paths[0]}, f"reloaded {len(reloaded)} files after one accept"
