"""``tether watch`` in a git repository: which files appear and how (created,
deleted, renamed, binary, very large, saved through temp files, ignored,
arriving during start-up or after everything was decided). Changes come from
a separate writer process, as in ``test_watch_git.py``.
"""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path

import pytest
from conftest import (
    STOCK,
    commit_all,
    git,
    head_bytes,
    index_bytes,
    open_watch,
    record_batches,
    stop_watcher,
    wait_until,
    watched,
    watcher_live,
    worktree_bytes,
)
from tui_helpers import press
from watch_helpers import (
    REPORT,
    SIZE,
    base_lines,
    hunk_text,
    listed,
    pending_of,
    shows,
    with_line,
)
from writer import WriterProcess

from widgets.file_list import FileList

# -- created, deleted, renamed, binary ----------------------------------------------------------


async def test_created_deleted_and_renamed_files_are_reviewed_and_staged(watch_repo: Path) -> None:
    repo = watch_repo
    stock = head_bytes(repo, STOCK)
    app = open_watch(repo)
    created = "inventory/orders.py"
    moved = "inventory/store.py"
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=created, text="ORDERS = []\n", how="atomic")
            await writer.ado("delete", path=REPORT)
            await writer.ado("rename", src=STOCK, dst=moved)
            wanted = {created, REPORT, STOCK, moved}
            await wait_until(pilot, lambda: wanted <= listed(app), "all four files listed")
            entries = {fr.path: fr for fr in app.session.files}
            assert str(entries[created].status) == "added"
            assert str(entries[moved].status) == "added"
            assert str(entries[REPORT].status) == "deleted"
            assert str(entries[STOCK].status) == "deleted"
            for _ in range(4):
                await press(pilot, "a")  # accept the rest of the file; moves to the next
            assert app.session.pending == 0
            assert git(repo, "diff", "--name-only") == b""  # index == working tree
            staged = git(repo, "diff", "--cached", "-M", "--name-status").decode().split("\n")
            assert sorted(s for s in staged if s) == sorted(
                [f"A\t{created}", f"D\t{REPORT}", f"R100\t{STOCK}\t{moved}"]
            )
            assert index_bytes(repo, moved) == stock
            assert index_bytes(repo, STOCK) is None


async def test_a_tracked_file_deleted_after_an_edit_shows_its_removal(
    watch_repo: Path,
) -> None:
    repo = watch_repo
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=REPORT, text="# rewritten\n")
            await wait_until(pilot, lambda: pending_of(app, REPORT) == 1, "the edit")
            await writer.ado("delete", path=REPORT)
            await wait_until(
                pilot,
                lambda: (
                    app.session.file(REPORT).proposed is None
                    and app.pane.path == REPORT
                    and bool(app.pane.hunks)
                    and all(
                        ln.kind == "-" for h in app.pane.hunks for ln in h.lines if ln.is_change
                    )
                ),
                "the deletion to be seen and shown",
            )


async def test_file_list_status_follows_a_modified_file_being_deleted(watch_repo: Path) -> None:
    repo = watch_repo
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=REPORT, text="# rewritten\n")
            await wait_until(pilot, lambda: pending_of(app, REPORT) == 1, "the edit")
            await writer.ado("delete", path=REPORT)
            await wait_until(
                pilot, lambda: app.session.file(REPORT).proposed is None, "the deletion"
            )
            assert str(app.session.file(REPORT).status) == "deleted"


async def test_binary_file_is_one_whole_hunk_staged_by_y(watch_repo: Path) -> None:
    repo = watch_repo
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    path = "assets/logo.png"
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=path, b64=base64.b64encode(png).decode())
            await wait_until(pilot, lambda: path in listed(app), "the binary file listed")
            fr = app.service.load(app.session.file(path))
            assert not fr.note and [h.header() for h in fr.hunks] == ["new binary file, 272 B"]
            app.show_file(app.session.files.index(fr))
            await pilot.pause()
            assert len(app.pane.hunks) == 1
            await press(pilot, "y")  # the whole file is staged, byte for byte
            assert index_bytes(repo, path) == png
            assert worktree_bytes(repo, path) == png


def test_a_change_during_a_background_diff_is_not_lost(watch_repo: Path) -> None:
    """The background diff read a file; before it finished, the file changed
    again and the watcher's batch arrived. That batch must reload the file
    (it waits for the diff in progress), or the review would show, and an
    accept stage, text the disk no longer has."""
    from app.review.sources import open_review, open_source

    repo = watch_repo
    session = open_review(open_source(None, repo), context=3)
    (repo / "notes.txt").write_text("a\nfirst\n", encoding="utf-8")
    session.disk_changed({"notes.txt"})
    fr = session.file("notes.txt")
    assert not fr.loaded
    read, resume = threading.Event(), threading.Event()
    backend = session.session.backend
    real_load = backend.load

    def slow_load(f: object) -> None:
        real_load(f)  # type: ignore[arg-type]
        read.set()
        resume.wait(10)  # still diffing

    backend.load = slow_load  # type: ignore[method-assign]
    loader = threading.Thread(target=session.session.ensure_loaded, args=(fr,))
    loader.start()
    assert read.wait(10)
    (repo / "notes.txt").write_text("a\nsecond\n", encoding="utf-8")
    touched: list[set[str]] = []
    asking = threading.Event()
    real_loaded_now = session.session._loaded_now

    def loaded_now(f: object) -> bool:
        asking.set()  # the batch asks whether the file is loaded: it must wait
        return real_loaded_now(f)  # type: ignore[arg-type]

    session.session._loaded_now = loaded_now  # type: ignore[method-assign]
    batch = threading.Thread(
        target=lambda: touched.append(session.disk_changed({"notes.txt"}, session.list_changes()))
    )
    batch.start()
    assert asking.wait(10)
    assert batch.is_alive()  # waiting for the load in progress, not skipping the file
    resume.set()
    loader.join(10)
    batch.join(10)
    backend.load = real_load  # type: ignore[method-assign]
    assert touched == [{"notes.txt"}]
    assert fr.proposed == "a\nsecond\n"


async def test_files_that_arrive_are_diffed_in_the_background(watch_repo: Path) -> None:
    """The list shows a new arrival's progress without it being opened."""
    repo = watch_repo
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=STOCK, text="# first\n")
            await wait_until(pilot, lambda: app.pane.path == STOCK, "the first file shown")
            await writer.ado("write", path="notes/todo.txt", text="one\ntwo\n")
            await wait_until(pilot, lambda: "notes/todo.txt" in listed(app), "the arrival")
            arrival = app.session.file("notes/todo.txt")
            await wait_until(pilot, lambda: arrival.loaded, "the background diff")
            files = app.query_one(FileList)
            index = app.session.files.index(arrival)
            await wait_until(
                pilot,
                lambda: str(files.label_at(index)).rstrip().endswith("0/1"),
                "its progress in the list",
            )
            assert app.pane.path == STOCK  # still on the file being reviewed


async def test_a_very_large_file_is_listed_and_diffed_only_when_opened(
    watch_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.core.backends as backends

    monkeypatch.setattr(backends, "LARGE_FILE", 50_000)  # 8 MiB in real use
    repo = watch_repo
    big = "data/big.txt"
    (repo / "data").mkdir()
    (repo / big).write_text("".join(f"row {i}\n" for i in range(20_000)), encoding="utf-8")
    (repo / STOCK).write_text("# a small edit\n" + (repo / STOCK).read_text(), encoding="utf-8")
    app = open_watch(repo)
    async with watched(app, repo) as (pilot, _batches):
        await app.workers.wait_for_complete()
        await pilot.pause()
        large = app.session.file(big)
        assert app.session.file(STOCK).loaded and not large.loaded
        files = app.query_one(FileList)
        index = app.session.files.index(large)
        assert str(files.label_at(index)).rstrip().endswith("…")  # not diffed yet
        # Deciding everything else does not claim all is decided.
        app.show_file(app.session.files.index(app.session.file(STOCK)))
        await press(pilot, "a")
        await wait_until(pilot, lambda: app.session.file(STOCK).pending == 0, "the accept")
        await pilot.pause()
        assert "1 large file not diffed yet" in app.status.message
        assert "all hunks decided" not in app.status.message
        app.show_file(index)  # opening it diffs it
        await pilot.pause()
        assert large.loaded and app.pane.path == big and len(app.pane.hunks) == 1
        assert str(files.label_at(index)).rstrip().endswith("0/1")


# -- editors, temp files, .gitignore ----------------------------------------------------------


@pytest.mark.parametrize("how", ["atomic", "vim"])
async def test_editor_save_through_a_temp_file_shows_one_clean_hunk(
    watch_repo: Path, how: str
) -> None:
    repo = watch_repo
    base = base_lines(repo)
    saved = with_line(base, 15, "        return self.items.get(name, 0)")
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, batches):
            await writer.ado("write", path=STOCK, text="".join(saved), how=how)
            await wait_until(pilot, lambda: shows(app, STOCK, "+" + saved[14]), "the saved edit")
            assert listed(app) == {STOCK}
            assert len(app.pane.hunks) == 1
            assert hunk_text(app).count("\n-") + hunk_text(app).startswith("-") == 1
            # The temp file and vim's backup (stock.py~) never reach the app; vim's
            # probe file (4913) may, but it is gone by then, so it is never listed.
            seen = set().union(*batches)
            assert seen <= {STOCK, ".git/index", "inventory/4913"}, seen
            await press(pilot, "y")
            assert index_bytes(repo, STOCK) == "".join(saved).encode()
            assert sorted(p.name for p in (repo / "inventory").iterdir()) == [
                "__init__.py",
                "report.py",
                "stock.py",
            ]


async def test_gitignored_files_never_appear(watch_repo: Path) -> None:
    repo = watch_repo
    app = open_watch(repo)
    ignored = ["build/out.txt", "build/deep/er/x.py", "debug.log", "inventory/trace.log"]
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, batches):
            for path in ignored:
                await writer.ado("write", path=path, text="noise\n")
            await writer.ado("write", path="debug.log", text="more noise\n", how="append")
            # A tracked edit after them: once it is listed, their events were handled.
            await writer.ado("write", path=REPORT, text="# sentinel\n")
            await wait_until(pilot, lambda: REPORT in listed(app), "the sentinel edit")
            assert listed(app) == {REPORT}
            seen = set().union(*batches)
            leaked = {p for p in seen if p.startswith("build") or p.endswith(".log")}
            assert not leaked, f"the watcher handed ignored paths to the app: {leaked}"
            labels = [str(app.query_one(FileList).label_at(0))]
            assert not any("log" in label or "build" in label for label in labels)


# -- the watcher starts with the app ---------------------------------------------------------------


async def test_a_change_made_while_the_app_starts_is_shown(watch_repo: Path) -> None:
    repo = watch_repo
    app = open_watch(repo)  # the session lists the files now
    with WriterProcess(repo) as writer:
        writer.do("write", path=STOCK, text="# written while tether watch was starting\n")
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: STOCK in listed(app), "the change", timeout=5)


async def test_quitting_right_after_a_file_event_is_clean(watch_repo: Path) -> None:
    repo = watch_repo
    app = open_watch(repo)
    batches = record_batches(app)
    with WriterProcess(repo) as writer:
        async with app.run_test(size=SIZE) as pilot:
            await watcher_live(pilot, batches, repo)
            await writer.ado("write", path=STOCK, text="# one\n")
            await wait_until(pilot, lambda: app.pane.hunks != (), "the hunk")
            await stop_watcher(pilot)
            # What a file event does (show_file moves the diff cursor to a hunk),
            # right before the app quits.
            app.pane.show("", [], [])
            app.show_file(0)
        # run_test re-raises what the app raised while shutting down


async def test_files_in_a_folder_replaced_wholesale_are_reloaded(watch_repo: Path) -> None:
    repo = watch_repo
    paths = [f"gen/p{i:02d}/m{k}.py" for i in range(10) for k in range(3)]
    for path in paths:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("VERSION = 0\n", encoding="utf-8")
    commit_all(repo, "generated code")
    for path in paths:  # modified: listed at start and diffed in the background
        (repo / path).write_text("VERSION = 1\n", encoding="utf-8")
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await wait_until(pilot, lambda: all(fr.loaded for fr in app.session.files), "loaded")
            await writer.ado("rmtree", paths=["gen"])
            await wait_until(
                pilot,
                lambda: all(app.session.file(p).proposed is None for p in paths),
                "every file shown deleted",
            )
            # The generator's next run: written outside the tree, then moved in.
            await writer.ado("files", files={f"../staging/{p}": "VERSION = 2\n" for p in paths})
            await writer.ado("rename", src="../staging/gen", dst="gen")
            await wait_until(
                pilot,
                lambda: all(app.session.file(p).proposed == "VERSION = 2\n" for p in paths),
                "every file shown with its new content",
                timeout=5,
            )


async def test_a_file_arriving_after_everything_was_decided_is_shown_and_stays(
    watch_repo: Path,
) -> None:
    repo = watch_repo
    app = open_watch(repo)
    calls: list[int] = []
    show_file = app.show_file

    def spy(index: int, *, hunk: int = 0) -> None:
        calls.append(index)
        show_file(index, hunk=hunk)

    app.show_file = spy  # type: ignore[method-assign]
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=REPORT, text="# the agent's first edit\n")
            await wait_until(pilot, lambda: app.pane.path == REPORT and app.pane.hunks, "it")
            await press(pilot, "y")  # nothing pending any more
            await writer.ado("write", path=STOCK, text="# the agent's next edit\n")
            await wait_until(pilot, lambda: STOCK in listed(app), "the next file")
            # Settled: no show_file for 0.5 s (within 5 s), on the file with work left.
            last, quiet_since = len(calls), time.monotonic()
            deadline = time.monotonic() + 5
            while time.monotonic() - quiet_since < 0.5:
                assert time.monotonic() < deadline, f"{len(calls)} show_file calls: {calls[-8:]}"
                await pilot.pause(0.02)
                if len(calls) != last:
                    last, quiet_since = len(calls), time.monotonic()
            assert app.pane.path == STOCK


def test_a_listing_during_an_editor_save_never_adds_its_backup(watch_repo: Path) -> None:
    """Bug (seen under load): vim's save renames stock.py to stock.py~ first; a
    batch that found stock.py missing asked git for the listing, which named the
    backup (untracked), so the list showed ``stock.py~`` and, its deletion being
    an ignored event, kept it for good."""
    from app.review.sources import open_watch as open_watch_review

    service, _git = open_watch_review(watch_repo)
    (watch_repo / (STOCK + "~")).write_text("the backup\n", encoding="utf-8")
    (watch_repo / "inventory" / "new.py").write_text("x = 1\n", encoding="utf-8")
    batch = {"inventory/new.py"}
    service.disk_changed(batch, service.list_changes(batch))
    assert "inventory/new.py" in {fr.path for fr in service.files}
    assert STOCK + "~" not in {fr.path for fr in service.files}
