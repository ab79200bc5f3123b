"""``tether watch`` in a git repository, with a separate writer process.

The app runs under Pilot exactly as ``tether watch`` builds it; every change
comes from ``tests/writer.py`` in its own process, so it reaches the app as a
real file event (inotify → watchfiles → the app's thread hand-off). The
index and the working tree are checked with git itself, byte for byte.
Waits are on conditions with deadlines, never fixed sleeps.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from pathlib import Path
from typing import Any

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
from writer import WriterProcess

from app.core.blobs import sha_of
from app.core.errors import TetherError
from app.tui.watch_app import WatchApp
from widgets.file_list import FileList

SIZE = (120, 40)
REPORT = "inventory/report.py"
STALE = "changed on disk since it was shown"


def base_lines(repo: Path, path: str = STOCK) -> list[str]:
    data = head_bytes(repo, path)
    assert data is not None
    return data.decode().splitlines(keepends=True)


def with_line(lines: list[str], number: int, text: str) -> list[str]:
    """``lines`` with line ``number`` (1-based) replaced by ``text``."""
    out = list(lines)
    out[number - 1] = text + "\n"
    return out


def hunk_text(app: WatchApp) -> str:
    return "".join(ln.kind + ln.raw for h in app.pane.hunks for ln in h.lines)


def listed(app: WatchApp) -> set[str]:
    return {fr.path for fr in app.session.files}


def pending_of(app: WatchApp, path: str) -> int | None:
    for fr in app.session.files:
        if fr.path == path:
            return fr.pending if fr.loaded else None
    return None


def record_errors(app: WatchApp) -> list[str]:
    """Every error the app reports (status line + notification), in order."""
    errors: list[str] = []
    original = app._error

    def spy(exc: TetherError) -> None:
        errors.append(str(exc))
        original(exc)

    app._error = spy  # type: ignore[method-assign]
    return errors


def decisions(app: WatchApp, op: str, since: int = 0) -> list[dict[str, Any]]:
    """Journal entries of ``op`` from index ``since`` on, less any that were aborted
    (a write-ahead journal records a refused write as the decision plus an abort)."""
    entries = app.session.journal.entries()
    aborted = {e.get("target") for e in entries if e["op"] == "abort"}
    return [e for e in entries[since:] if e["op"] == op and e["seq"] not in aborted]


def shows(app: WatchApp, path: str, text: str) -> bool:
    return app.pane.path == path and text in hunk_text(app)


# -- accept while the writer edits the same file ---------------------------------------


async def test_y_stages_the_shown_hunk_while_the_writer_keeps_editing(watch_repo: Path) -> None:
    repo = watch_repo
    base = base_lines(repo)
    v1 = with_line(base, 12, "        self.items[name] = max(0, self.items[name] - count)")
    later = [f"# a later edit by the agent, step {k}\n" for k in range(25)]
    versions = ["".join(v1 + later[: k + 1]) for k in range(len(later))]
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=STOCK, text="".join(v1))
            await wait_until(pilot, lambda: shows(app, STOCK, "+" + v1[11]), "the first hunk")
            assert app.pane.current_hunk() == 0 and len(app.pane.hunks) == 1
            shown = hunk_text(app)
            # The writer appends 25 times, 2 ms apart, while y stages the hunk.
            writer.send("versions", path=STOCK, texts=versions, interval=0.002)
            await pilot.press("y")
            done = await writer.areply()
            assert len(done["writes"]) == len(later)

            # The index got exactly the hunk that was shown: nothing of the later edit.
            assert index_bytes(repo, STOCK) == "".join(v1).encode()
            accepted = decisions(app, "accept")
            assert len(accepted) == 1
            journaled = accepted[0]["hunk"].splitlines(keepends=True)
            body = journaled[next(i for i, ln in enumerate(journaled) if ln.startswith("@@")) + 1 :]
            assert "".join(body) == shown
            # The writer's edit is intact on disk and shows up as a new pending hunk.
            assert worktree_bytes(repo, STOCK) == versions[-1].encode()
            await wait_until(
                pilot,
                lambda: (
                    app.pane.path == STOCK
                    and len(app.pane.hunks) == 1
                    and hunk_text(app).count("+# a later edit") == len(later)
                ),
                "the later edit as a pending hunk",
            )
            assert "+" + v1[11] not in hunk_text(app)
            assert pending_of(app, STOCK) == 1

            # Accept it too, then undo both: the index steps back, the disk never moves.
            await pilot.press("y")
            assert index_bytes(repo, STOCK) == versions[-1].encode()
            await pilot.press("u")
            assert index_bytes(repo, STOCK) == "".join(v1).encode()
            await pilot.press("u")
            assert index_bytes(repo, STOCK) == "".join(base).encode()
            assert worktree_bytes(repo, STOCK) == versions[-1].encode()
            await wait_until(pilot, lambda: pending_of(app, STOCK) == 2, "both hunks pending")


# -- reject while the writer rewrites the same file ----------------------------------------

ITERATIONS = 30


async def test_reject_racing_the_writer_never_loses_a_write(watch_repo: Path) -> None:
    """30 rounds of: the app shows the writer's version P, then the writer
    rewrites the file (after a random 0-80 ms: a key press under Pilot reaches
    the reject after ~30-60 ms, which then takes 5-25 ms) as n rejects the hunk. Either order is
    fine; losing what the writer wrote is not:

    - the writer's last version is on disk (the reject lost the race and
      refused with the stale message, or ran first and was overwritten), or
    - the reject ran last, and it rejected the writer's last version itself
      (the watcher had already shown it): its journal entry's ``before`` is
      exactly those bytes, and the disk holds its ``after``.
    """
    repo = watch_repo
    base = base_lines(repo)
    rng = random.Random(20240604)
    app = open_watch(repo)
    errors = record_errors(app)
    outcomes: dict[str, int] = {}
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            for i in range(ITERATIONS):
                shown = "".join(with_line(base, 12, f"        self.items[name] -= count  # v{i}"))
                rewrite = "".join(
                    with_line(
                        with_line(base, 12, f"        self.items[name] -= count  # w{i}"),
                        27,
                        f"            total = total + self.items[name]  # w{i}",
                    )
                )
                await writer.ado("write", path=STOCK, text=shown)
                await wait_until(
                    pilot,
                    lambda s=shown, i=i: (
                        STOCK in listed(app)
                        and app.session.file(STOCK).proposed == s
                        and app.pane.path == STOCK
                        and f"# v{i}" in hunk_text(app)
                    ),
                    f"round {i}: the app showing the writer's version",
                )
                seq = len(app.session.journal.entries())
                n_errors = len(errors)
                writer.send("write", path=STOCK, text=rewrite, delay=rng.uniform(0.0, 0.08))
                await pilot.press("n")
                await writer.areply()
                disk = worktree_bytes(repo, STOCK)
                rejects = decisions(app, "reject", seq)
                if disk == rewrite.encode():
                    kind = "refused as stale" if not rejects else "ran first, then overwritten"
                    if not rejects:
                        assert errors[n_errors:] and STALE in errors[n_errors], errors[n_errors:]
                else:
                    assert len(rejects) == 1, f"round {i}: the writer's last write was lost"
                    entry = rejects[0]
                    assert entry["before"] == sha_of(rewrite.encode()), (
                        f"round {i}: the reject overwrote a version it had not shown"
                    )
                    assert disk == app.session.blobs.get(entry["after"])
                    kind = "rejected the writer's latest version"
                outcomes[kind] = outcomes.get(kind, 0) + 1
                # Tether's temp files never stay behind.
                assert not [p for p in (repo / "inventory").iterdir() if ".tether-" in p.name]
                # Let the app catch up with the disk before the next round.
                await wait_until(
                    pilot,
                    lambda d=disk: app.session.file(STOCK).proposed == (d or b"").decode(),
                    f"round {i}: the app catching up",
                )
    print(f"reject race outcomes over {ITERATIONS} rounds: {outcomes}")
    assert sum(outcomes.values()) == ITERATIONS


# -- undo never overwrites what the writer did since -----------------------------------------


async def test_undo_of_a_reject_refuses_after_the_writer_edited_the_file(
    watch_repo: Path,
) -> None:
    repo = watch_repo
    base = base_lines(repo)
    two = with_line(
        with_line(base, 12, "        self.items[name] -= count  # first"),
        27,
        "            total += self.items[name]  # second",
    )
    app = open_watch(repo)
    errors = record_errors(app)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=STOCK, text="".join(two))
            await wait_until(pilot, lambda: len(app.pane.hunks) == 2, "two hunks")
            await pilot.press("n")  # reject the first hunk: the disk loses "# first"
            rejected = "".join(with_line(two, 12, base[11].rstrip("\n")))
            assert worktree_bytes(repo, STOCK) == rejected.encode()
            # The agent edits the file again before the user thinks of undoing.
            edited = rejected + "# the agent's next edit\n"
            await writer.ado("write", path=STOCK, text=edited)
            await wait_until(
                pilot, lambda: "the agent's next edit" in hunk_text(app), "the new edit"
            )
            await pilot.press("u")
            assert errors and "changed since" in errors[-1]
            assert worktree_bytes(repo, STOCK) == edited.encode()
            assert index_bytes(repo, STOCK) == "".join(base).encode()


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
                await pilot.press("a")  # accept the rest of the file; moves to the next
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
                lambda: app.session.file(REPORT).proposed is None,
                "the deletion to be seen",
            )
            assert all(ln.kind == "-" for h in app.pane.hunks for ln in h.lines if ln.is_change)


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


async def test_binary_file_is_listed_not_diffed(watch_repo: Path) -> None:
    repo = watch_repo
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    path = "assets/logo.png"
    app = open_watch(repo)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=path, b64=base64.b64encode(png).decode())
            await wait_until(pilot, lambda: path in listed(app), "the binary file listed")
            fr = app.session.ensure_loaded(app.session.file(path))
            assert fr.note and "binary" in fr.note
            assert fr.patch is None and fr.pending == 0
            app.show_file(app.session.files.index(fr))
            await pilot.pause()
            assert app.pane.hunks == []
            await pilot.press("y")  # nothing to accept: the index does not get it
            assert index_bytes(repo, path) is None
            assert worktree_bytes(repo, path) == png


def test_a_change_during_a_background_diff_is_not_lost(watch_repo: Path) -> None:
    """The background diff read a file; before it finished, the file changed
    again and the watcher's batch arrived. That batch must reload the file
    (it waits for the diff in progress), or the review would show, and an
    accept stage, text the disk no longer has."""
    from app.core.sources import open_session, open_source

    repo = watch_repo
    session = open_session(open_source(None, repo), context=3)
    (repo / "notes.txt").write_text("a\nfirst\n", encoding="utf-8")
    session.disk_changed({"notes.txt"})
    fr = session.file("notes.txt")
    assert not fr.loaded
    read, resume = threading.Event(), threading.Event()
    real_load = session.backend.load

    def slow_load(f: object) -> None:
        real_load(f)  # type: ignore[arg-type]
        read.set()
        resume.wait(10)  # still diffing

    session.backend.load = slow_load  # type: ignore[method-assign]
    loader = threading.Thread(target=session.ensure_loaded, args=(fr,))
    loader.start()
    assert read.wait(10)
    (repo / "notes.txt").write_text("a\nsecond\n", encoding="utf-8")
    touched: list[set[str]] = []
    batch = threading.Thread(target=lambda: touched.append(
        session.disk_changed({"notes.txt"}, session.list_changes())))
    batch.start()
    time.sleep(0.2)  # the batch is waiting for the load, not skipping the file
    resume.set()
    loader.join(10)
    batch.join(10)
    session.backend.load = real_load  # type: ignore[method-assign]
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
            await wait_until(pilot, lambda: str(files.label_at(index)).rstrip().endswith("0/1"),
                             "its progress in the list")
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
        await pilot.press("a")
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
            await pilot.press("y")
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
            await wait_until(pilot, lambda: app.pane.hunks != [], "the hunk")
            await stop_watcher(pilot)
            # What a file event does (show_file moves the diff cursor to a hunk),
            # right before the app quits.
            app.pane.show_file("", [], [])
            app.show_file(0)
        # run_test re-raises what the app raised while shutting down


@pytest.mark.parametrize("how", ["inplace", "atomic"])
async def test_a_write_landing_just_before_the_rename_is_kept(
    watch_repo: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """The reject race above, with the writer's write placed deterministically
    in the window the random rounds almost never hit: after every check Tether
    makes before writing, right before its file is swapped in. Formerly bug:
    check-then-rename replaced that write."""
    import app.core.renames as renames

    repo = watch_repo
    base = base_lines(repo)
    shown = "".join(with_line(base, 12, "        self.items[name] -= count  # shown"))
    rewrite = "".join(with_line(base, 27, "            total += self.items[name]  # later"))
    app = open_watch(repo)
    errors = record_errors(app)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=STOCK, text=shown)
            await wait_until(pilot, lambda: shows(app, STOCK, "# shown"), "the hunk")
            real_exchange = renames.exchange
            raced: list[str] = []

            def exchange(a: Path, b: Path) -> bool:
                if Path(b) == repo / STOCK and not raced:
                    raced.append(how)
                    writer.do("write", path=STOCK, text=rewrite, how=how)
                return real_exchange(a, b)

            monkeypatch.setattr(renames, "exchange", exchange)
            await pilot.press("n")
            monkeypatch.undo()
            assert raced == [how]
            assert worktree_bytes(repo, STOCK) == rewrite.encode()
            assert not [p for p in (repo / STOCK).parent.iterdir() if ".tether-" in p.name]
            await wait_until(pilot, lambda: any("changed on disk" in e for e in errors),
                             "the stale message")
            await wait_until(pilot, lambda: shows(app, STOCK, "# later"), "the writer's edit")


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
            await pilot.press("y")  # nothing pending any more
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
