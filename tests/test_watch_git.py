"""``tether watch`` in a git repository, with a separate writer process:
decisions racing the writer (accept, reject, undo, the last instant of a write).

The app runs under Pilot exactly as ``tether watch`` builds it; every change
comes from ``tests/writer.py`` in its own process, so it reaches the app as a
real file event (inotify → watchfiles → the app's thread hand-off). The
index and the working tree are checked with git itself, byte for byte.
Waits are on conditions with deadlines, never fixed sleeps.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import (
    STOCK,
    head_bytes,
    index_bytes,
    open_watch,
    wait_until,
    watched,
    worktree_bytes,
)
from tui_helpers import press, written
from watch_helpers import (
    GONE,
    STALE,
    base_lines,
    decisions,
    hunk_text,
    listed,
    pending_of,
    record_errors,
    shows,
    with_line,
)
from writer import WriterProcess

from app.core.blobs import sha_of

# -- accept while the writer edits the same file ---------------------------------------


async def test_y_stages_the_shown_hunk_while_the_writer_keeps_editing(watch_repo: Path) -> None:
    repo = watch_repo
    base = base_lines(repo)
    v1 = with_line(base, 12, "        self.items[name] = max(0, self.items[name] - count)")
    later = [f"# a later edit by the agent, step {k}\n" for k in range(25)]
    versions = ["".join(v1 + later[: k + 1]) for k in range(len(later))]
    app = open_watch(repo)
    errors = record_errors(app)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, _batches):
            await writer.ado("write", path=STOCK, text="".join(v1))
            await wait_until(pilot, lambda: shows(app, STOCK, "+" + v1[11]), "the first hunk")
            assert app.pane.current_hunk() == 0 and len(app.pane.hunks) == 1
            shown = hunk_text(app)
            shown_id = app.pane.current_hunk_id()
            # The writer appends 25 times, 2 ms apart, while y stages the hunk.
            writer.send("versions", path=STOCK, texts=versions, interval=0.002)
            await press(pilot, "y")
            done = await writer.areply()
            assert len(done["writes"]) == len(later)
            if errors:
                # The watcher read the file in the middle of a write (truncated,
                # then written) just before y ran: the hunk was gone from what
                # it read, so y was refused and nothing staged. Once the writer
                # is done the same hunk is back, and y stages it. (On a busy
                # machine the refusal has been reported twice; what matters is
                # that every report is this refusal and nothing was staged.)
                assert all(GONE in error for error in errors), errors
                assert index_bytes(repo, STOCK) == head_bytes(repo, STOCK)
                await wait_until(
                    pilot,
                    lambda: (
                        shown_id in [h.id for h in app.pane.hunks]
                        and app.session.file(STOCK).proposed == versions[-1]
                    ),
                    "the shown hunk back, after the writer",
                )
                app.show_file(app.session.files.index(app.session.file(STOCK)), hunk=shown_id)
                await press(pilot, "y")

            # The index got exactly the hunk that was shown: nothing of the later edit.
            assert index_bytes(repo, STOCK) == "".join(v1).encode(), (errors, app.status.message)
            accepted = decisions(app, "accept")
            assert len(accepted) == 1
            journaled = accepted[0].hunk.splitlines(keepends=True)
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
            await press(pilot, "y")
            assert index_bytes(repo, STOCK) == versions[-1].encode()
            await press(pilot, "u")
            assert index_bytes(repo, STOCK) == "".join(v1).encode()
            await press(pilot, "u")
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
      refused, as stale or because the watcher had re-diffed the hunk away,
      or ran first and was overwritten), or
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
                await press(pilot, "n")
                await writer.areply()
                await written(pilot)
                disk = worktree_bytes(repo, STOCK)
                rejects = decisions(app, "reject", seq)
                if disk == rewrite.encode():
                    kind = "ran first, then overwritten"
                    if not rejects:
                        # Refused either way: the file changed under the reject
                        # (stale), or the watcher re-diffed it first, so the
                        # hunk the key named was gone.
                        said = errors[n_errors:]
                        assert said, f"round {i}: no reject and no message"
                        if STALE in said[0]:
                            kind = "refused as stale"
                        else:
                            assert GONE in said[0], said
                            kind = "refused: the hunk was re-diffed away"
                else:
                    assert len(rejects) == 1, f"round {i}: the writer's last write was lost"
                    entry = rejects[0]
                    assert entry.before == sha_of(rewrite.encode()), (
                        f"round {i}: the reject overwrote a version it had not shown"
                    )
                    assert disk == app.session.blobs.get(entry.after)
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
            await press(pilot, "n")  # reject the first hunk: the disk loses "# first"
            rejected = "".join(with_line(two, 12, base[11].rstrip("\n")))
            assert worktree_bytes(repo, STOCK) == rejected.encode()
            # The agent edits the file again before the user thinks of undoing.
            edited = rejected + "# the agent's next edit\n"
            await writer.ado("write", path=STOCK, text=edited)
            await wait_until(
                pilot, lambda: "the agent's next edit" in hunk_text(app), "the new edit"
            )
            await press(pilot, "u")
            assert errors and "changed since" in errors[-1]
            assert worktree_bytes(repo, STOCK) == edited.encode()
            assert index_bytes(repo, STOCK) == "".join(base).encode()


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
            await press(pilot, "n")
            monkeypatch.undo()
            assert raced == [how]
            assert worktree_bytes(repo, STOCK) == rewrite.encode()
            assert not [p for p in (repo / STOCK).parent.iterdir() if ".tether-" in p.name]
            await wait_until(
                pilot, lambda: any("changed on disk" in e for e in errors), "the stale message"
            )
            await wait_until(pilot, lambda: shows(app, STOCK, "# later"), "the writer's edit")
