"""``tether watch FOLDER`` in a git repository reviews only that folder.

Files outside it are never listed, diffed or written: not at start, not when
an agent writes them while Tether watches, not by ``n``/``d`` (which write
the working tree), not by undoing a decision a whole-repository review made
there. ``tether review`` keeps reviewing the whole repository. The app runs
as ``tether watch PATH`` builds it, under Pilot; changes come from a writer
process, so they arrive as real file events.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import STOCK, git, index_bytes, open_watch, wait_until, watched, worktree_bytes
from tui_helpers import press
from watch_helpers import base_lines, listed, with_line
from writer import WriterProcess

from app.cli import main
from app.core.errors import UndoError, UnsafePathError
from app.core.model import FileReview, FileStatus, Side
from app.core.watcher import Watcher
from app.review.commands import Decide, Undo
from app.review.sources import open_review, open_source

OUTSIDE = "README.md"
FOLDER = "inventory"
NEW_INSIDE = "inventory/orders.py"
NEW_OUTSIDE = "notes.txt"


def edit_both(repo: Path) -> tuple[bytes, bytes]:
    """A change inside the folder and one outside it; their bytes on disk."""
    (repo / STOCK).write_text("".join(with_line(base_lines(repo), 3, "# inside")), "utf-8")
    (repo / OUTSIDE).write_text("# outside, edited\n", encoding="utf-8")
    inside, outside = worktree_bytes(repo, STOCK), worktree_bytes(repo, OUTSIDE)
    assert inside is not None and outside is not None
    return inside, outside


async def test_only_the_folder_is_listed_and_decided(watch_repo: Path) -> None:
    repo = watch_repo
    _inside, outside = edit_both(repo)
    app = open_watch(repo / FOLDER)
    with WriterProcess(repo) as writer:
        async with watched(app, repo) as (pilot, batches):
            assert listed(app) == {STOCK}
            assert app.folder == FOLDER
            # Written outside first, inside after: had the outside file been
            # passed on, it would be in the same batch as the inside one or before it.
            await writer.ado("write", path=NEW_OUTSIDE, text="not watched\n")
            await writer.ado("write", path=NEW_INSIDE, text="ORDERS = []\n")
            await wait_until(pilot, lambda: NEW_INSIDE in listed(app), "the new file inside")
            assert listed(app) == {STOCK, NEW_INSIDE}
            assert not any(NEW_OUTSIDE in batch or OUTSIDE in batch for batch in batches)
            # d on every listed file: reverts them, and nothing outside.
            await wait_until(
                pilot,
                lambda: all(fr.loaded for fr in app.session.files) and app.service.pending == 2,
                "both files diffed",
            )
            for path in (STOCK, NEW_INSIDE):
                app.show_file(app.session.files.index(app.session.file(path)))
                await wait_until(pilot, lambda p=path: app.pane.path == p, f"{path} shown")
                await press(pilot, "d")
            assert app.service.pending == 0
    assert worktree_bytes(repo, STOCK) == git(repo, "show", f":{STOCK}")
    assert worktree_bytes(repo, NEW_INSIDE) is None  # rejecting a new file deletes it
    assert worktree_bytes(repo, OUTSIDE) == outside
    assert worktree_bytes(repo, NEW_OUTSIDE) == b"not watched\n"
    assert git(repo, "diff", "--name-only").decode().split() == [OUTSIDE]


def test_tether_review_keeps_the_whole_repository(watch_repo: Path) -> None:
    edit_both(watch_repo)
    service = open_review(open_source(None, watch_repo))
    assert {fr.path for fr in service.files} == {STOCK, OUTSIDE}


def test_nothing_outside_the_folder_is_written(watch_repo: Path) -> None:
    """Whatever names a path outside: a command, the backend itself, an undo
    of what a whole-repository review decided there."""
    repo = watch_repo
    _inside, outside = edit_both(repo)
    # A whole-repository review rejects the outside change (the same source:
    # one index, one undo stack) ...
    whole = open_review(open_source(None, repo))
    whole.execute(Decide("reject", OUTSIDE, whole.all_hunks(OUTSIDE)))
    reverted = worktree_bytes(repo, OUTSIDE)
    assert reverted != outside
    whole.close()
    # ... and a watch of the folder can neither undo it nor decide there.
    app = open_watch(repo / FOLDER)
    service = app.service
    with pytest.raises(UndoError, match=OUTSIDE):
        service.execute(Undo())
    with pytest.raises(KeyError):
        service.file(OUTSIDE)
    backend = service.session.backend
    outside_file = FileReview(OUTSIDE, FileStatus.MODIFIED)
    for side in (Side.WORKTREE, Side.INDEX):
        with pytest.raises(UnsafePathError, match="outside inventory/"):
            backend.write(side, outside_file, reverted.decode() if reverted else None, "x\n")
    with pytest.raises(UnsafePathError, match="outside inventory/"):
        backend.load(outside_file)
    assert worktree_bytes(repo, OUTSIDE) == reverted
    assert index_bytes(repo, OUTSIDE) == git(repo, "show", f"HEAD:{OUTSIDE}")
    # A folder whose name starts like another's is not inside it.
    assert backend.file_for("inventory-old/x.py") is None
    assert backend.file_for(NEW_INSIDE) is not None


def test_the_watcher_passes_on_only_the_folder_the_index_and_attributes(tmp_path: Path) -> None:
    watcher = Watcher(tmp_path, lambda _paths: None, git=True, folder="a/b")
    wanted = {
        "a/b/x.py": True,
        "a/b/c/y.py": True,
        "a/b": True,  # the folder, moved in wholesale
        "a": True,  # a folder above it, moved in wholesale
        ".git/index": True,
        ".gitattributes": True,
        "a/.gitattributes": True,
        "a/bc/x.py": False,
        "a/x.py": False,
        "README.md": False,
    }
    got = {rel: watcher._wanted(None, str(tmp_path / rel)) for rel in wanted}  # type: ignore[arg-type]
    assert got == wanted


@pytest.mark.parametrize("where", [".git", ".git/refs"])
def test_watching_inside_git_s_own_folder_is_refused(
    watch_repo: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    assert main(["watch", str(watch_repo / where)]) == 1
    assert ".git" in capsys.readouterr().err
