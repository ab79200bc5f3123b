"""``tether watch`` outside git: the accepted state is Tether's baseline snapshot.

The first run records every file of the folder (in the state directory,
outside the folder); changes the writer process makes then appear as hunks.
Accept moves a hunk into the baseline (a restart no longer shows it), reject
reverts exactly that hunk on disk, undo survives the restart.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from conftest import open_watch, wait_until, watched
from tui_helpers import press
from writer import WriterProcess

from app.core.baseline import BaselineBackend
from app.tui.watch_app import WatchApp

NOTES = [f"note {i}: {'lorem ipsum ' * (i % 4)}\n" for i in range(1, 31)]
README = "# My notes\n\nNothing here is in git.\n"
SCRIPT = "def main():\n    return 0\n"


@pytest.fixture
def folder(tmp_path: Path, isolated_home: Path) -> Path:
    """A plain folder (GIT_CEILING_DIRECTORIES keeps git from finding a parent repo)."""
    root = tmp_path / "notes"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text("".join(NOTES), encoding="utf-8")
    (root / "b.md").write_text(README, encoding="utf-8")
    (root / "sub" / "c.py").write_text(SCRIPT, encoding="utf-8")
    return root


def baseline_of(app: WatchApp, path: str) -> bytes | None:
    backend = app.session.backend
    assert isinstance(backend, BaselineBackend)
    sha = backend.manifest.get(path)
    return None if sha is None else backend.blobs.get(sha)


def listed(app: WatchApp) -> dict[str, int]:
    return {fr.path: app.service.load(fr).pending for fr in app.session.files}


def edited(changes: dict[int, str]) -> str:
    lines = list(NOTES)
    for number, text in changes.items():
        lines[number - 1] = text + "\n"
    return "".join(lines)


async def test_accept_moves_into_the_baseline_reject_reverts_one_hunk_undo_survives_restart(
    folder: Path,
) -> None:
    both = edited({3: "note 3: CHANGED BY THE AGENT", 25: "note 25: ALSO CHANGED"})
    first_only = edited({3: "note 3: CHANGED BY THE AGENT"})
    readme2 = README + "\nA line the agent added.\n"
    app = open_watch(folder)
    assert isinstance(app.session.backend, BaselineBackend) and not app.git
    assert not (folder / ".git").exists()
    assert app.session.files == []
    with WriterProcess(folder) as writer:
        async with watched(app, folder) as (pilot, _batches):
            await writer.ado("write", path="a.txt", text=both)
            await wait_until(
                pilot, lambda: app.pane.path == "a.txt" and len(app.pane.hunks) == 2, "2 hunks"
            )
            await press(pilot, "y")  # the first hunk: into the baseline; the disk stays
            assert baseline_of(app, "a.txt") == first_only.encode()
            assert (folder / "a.txt").read_text(encoding="utf-8") == both
            # Meanwhile the agent edits another file.
            await writer.ado("write", path="b.md", text=readme2)
            await wait_until(pilot, lambda: listed(app).get("b.md") == 1, "b.md's edit")
            assert app.pane.path == "a.txt"
            await press(pilot, "n")  # the second hunk: reverted on disk, exactly
            assert (folder / "a.txt").read_text(encoding="utf-8") == first_only
            assert baseline_of(app, "a.txt") == first_only.encode()
            assert (folder / "b.md").read_text(encoding="utf-8") == readme2
            assert app.pane.path == "b.md"  # on to the next file with work left
            await wait_until(pilot, lambda: listed(app) == {"a.txt": 0, "b.md": 1}, "the list")

    # A restart: a.txt is accepted (no longer pending); b.md still is.
    again = open_watch(folder)
    assert [fr.path for fr in again.session.files] == ["b.md"]
    async with watched(again, folder) as (pilot, _batches):
        assert listed(again) == {"b.md": 1}
        await press(pilot, "u")  # undo the reject (from the journal): the disk gets it back
        assert (folder / "a.txt").read_text(encoding="utf-8") == both
        await press(pilot, "u")  # undo the accept: the baseline steps back
        assert baseline_of(again, "a.txt") == "".join(NOTES).encode()
        await wait_until(pilot, lambda: listed(again).get("a.txt") == 2, "both hunks again")
        assert (folder / "b.md").read_text(encoding="utf-8") == readme2


async def test_created_deleted_and_binary_files_outside_git(folder: Path) -> None:
    blob = b"\x00\x01\x02binary\xff\xfe" * 20
    app = open_watch(folder)
    with WriterProcess(folder) as writer:
        async with watched(app, folder) as (pilot, _batches):
            # One at a time, so the app always shows a file with work left when the
            # next one arrives (see test_watch_git's file-switching ping-pong xfail).
            await writer.ado("write", path="sub/new.py", text="NEW = 1\n", how="atomic")
            await wait_until(pilot, lambda: "sub/new.py" in listed(app), "the new file")
            await writer.ado("delete", path="b.md")
            await wait_until(pilot, lambda: "b.md" in listed(app), "the deleted file")
            await writer.ado("write", path="img.bin", b64=base64.b64encode(blob).decode())
            await wait_until(pilot, lambda: "img.bin" in listed(app), "the binary file")
            assert app.pane.path == "sub/new.py"
            binary = app.service.load(app.session.file("img.bin"))
            assert "binary" in binary.note and binary.pending == 0

            new = app.session.files.index(app.session.file("sub/new.py"))
            app.show_file(new)
            await pilot.pause()
            await press(pilot, "y")  # a new file accepted: the baseline has it
            assert baseline_of(app, "sub/new.py") == b"NEW = 1\n"

            gone = app.session.files.index(app.session.file("b.md"))
            app.show_file(gone)
            await pilot.pause()
            assert all(ln.kind == "-" for h in app.pane.hunks for ln in h.lines)
            await press(pilot, "n")  # a deletion rejected: the file is back, as it was
            assert (folder / "b.md").read_text(encoding="utf-8") == README
            assert baseline_of(app, "b.md") == README.encode()
            assert (folder / "img.bin").read_bytes() == blob

    again = open_watch(folder)
    assert [fr.path for fr in again.session.files] == ["img.bin"]
