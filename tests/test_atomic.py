"""Atomic, compare-and-swap writes and deletes; crash safety under SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.core import renames
from app.core.atomic import TEMP_MARK, atomic_delete, atomic_write, read_bytes_in_root
from app.core.errors import StaleFileError, UnsafePathError
from app.core.journal import Journal

PROJECT = Path(__file__).resolve().parents[1]


def temps(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TEMP_MARK in p.name]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo


def test_write_new_and_replace(root: Path) -> None:
    atomic_write(root, "a.txt", b"one\n")
    assert (root / "a.txt").read_bytes() == b"one\n"
    atomic_write(root, "a.txt", b"two\n")
    assert (root / "a.txt").read_bytes() == b"two\n"
    assert temps(root) == []


@pytest.mark.parametrize(
    "data",
    [
        b"a\r\nb\r\n",
        b"a\rb\r",
        b"mixed\r\nend\n",
        b"no newline",
        b"",
        "ünï\u2028\n".encode(),
        b"\x00\xff binary",
    ],
)
def test_bytes_written_exactly(root: Path, data: bytes) -> None:
    atomic_write(root, "f", data)
    assert (root / "f").read_bytes() == data
    assert read_bytes_in_root(root, "f") == data


def test_mode_is_preserved(root: Path) -> None:
    script = root / "run.sh"
    script.write_bytes(b"#!/bin/sh\n")
    script.chmod(0o755)
    atomic_write(root, "run.sh", b"#!/bin/sh\necho hi\n")
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    script.chmod(0o600)
    atomic_write(root, "run.sh", b"x")
    assert stat.S_IMODE(script.stat().st_mode) == 0o600


def test_explicit_mode(root: Path) -> None:
    atomic_write(root, "x", b"x", mode=0o640)
    assert stat.S_IMODE((root / "x").stat().st_mode) == 0o640


def test_new_file_gets_umask_mode(root: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write(root, "new.txt", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((root / "new.txt").stat().st_mode) == 0o640


def test_creates_parent_dirs(root: Path) -> None:
    atomic_write(root, "a/b/c.txt", b"deep")
    assert (root / "a" / "b" / "c.txt").read_bytes() == b"deep"


def test_refuses_unsafe_paths(root: Path, tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError):
        atomic_write(root, "../escape.txt", b"x")
    with pytest.raises(UnsafePathError):
        atomic_write(root, ".git/hooks/pre-commit", b"x")
    assert not (tmp_path / "escape.txt").exists()
    assert not (root / ".git").exists()


def test_refuses_writing_through_symlink(root: Path) -> None:
    (root / "real.txt").write_bytes(b"real")
    (root / "link.txt").symlink_to("real.txt")
    with pytest.raises(UnsafePathError, match="symlink.*replace the link"):
        atomic_write(root, "link.txt", b"new")
    with pytest.raises(UnsafePathError, match="symlink"):
        atomic_delete(root, "link.txt")
    assert (root / "link.txt").is_symlink()
    assert (root / "real.txt").read_bytes() == b"real"
    assert read_bytes_in_root(root, "link.txt") == b"real"  # reading follows in-root links


def test_refuses_non_regular_files(root: Path) -> None:
    os.mkfifo(root / "fifo")
    (root / "dir").mkdir()
    for rel in ("fifo", "dir"):
        with pytest.raises(UnsafePathError, match="not a regular file"):
            read_bytes_in_root(root, rel)  # must not block on the FIFO
        with pytest.raises(UnsafePathError, match="not a regular file"):
            atomic_write(root, rel, b"x")


def test_read_missing_is_none(root: Path) -> None:
    assert read_bytes_in_root(root, "missing.txt") is None
    (root / "file").write_bytes(b"x")
    assert read_bytes_in_root(root, "file/below") is None


def test_expected_matches(root: Path) -> None:
    atomic_write(root, "f", b"v2", expected=None)
    atomic_write(root, "f", b"v3", expected=b"v2")
    assert (root / "f").read_bytes() == b"v3"


@pytest.mark.parametrize(
    ("on_disk", "expected"),
    [(b"someone else's\r\n", b"what we saw\r\n"), (b"exists", None), (None, b"was there")],
)
def test_stale_write_raises_and_leaves_file_untouched(
    root: Path, on_disk: bytes | None, expected: bytes | None
) -> None:
    target = root / "sub" / "f.txt"
    if on_disk is not None:
        target.parent.mkdir()
        target.write_bytes(on_disk)
        target.chmod(0o751)
        before = target.stat()
    with pytest.raises(StaleFileError) as info:
        atomic_write(root, "sub/f.txt", b"ours", expected=expected)
    assert info.value.path == "sub/f.txt"
    assert "sub/f.txt" in str(info.value)
    if on_disk is None:
        assert not target.parent.exists()  # the directory we would have made is gone
    else:
        after = target.stat()
        assert target.read_bytes() == on_disk
        assert (after.st_ino, after.st_mtime_ns, after.st_mode) == (
            before.st_ino,
            before.st_mtime_ns,
            before.st_mode,
        )
    assert temps(root) == []


def _change_during_write(monkeypatch: pytest.MonkeyPatch, target: Path, content: bytes) -> None:
    """Make another 'editor' write ``target`` while our temp file is being fsynced."""
    real_fsync = os.fsync
    done: list[bool] = []

    def fsync(fd: int) -> None:
        real_fsync(fd)
        if not done:
            done.append(True)
            target.write_bytes(content)

    monkeypatch.setattr(os, "fsync", fsync)


def test_change_just_before_replace_is_caught(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / "f").write_bytes(b"old")
    _change_during_write(monkeypatch, root / "f", b"theirs")
    with pytest.raises(StaleFileError):
        atomic_write(root, "f", b"ours", expected=b"old")
    assert (root / "f").read_bytes() == b"theirs"
    assert temps(root) == []


def test_create_if_absent_is_exclusive(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _change_during_write(monkeypatch, root / "new", b"theirs")
    with pytest.raises(StaleFileError, match="created"):
        atomic_write(root, "new", b"ours", expected=None)
    assert (root / "new").read_bytes() == b"theirs"
    assert temps(root) == []


def test_create_if_absent_without_hard_links(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_link(src: object, dst: object) -> None:
        raise PermissionError("no hard links here")

    monkeypatch.setattr(os, "link", no_link)
    atomic_write(root, "new", b"ours", expected=None)
    assert (root / "new").read_bytes() == b"ours"
    with pytest.raises(StaleFileError):
        atomic_write(root, "new", b"again", expected=None)
    assert temps(root) == []


def test_replace_failure_leaves_no_temp(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (root / "f").write_bytes(b"old")

    def broken(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    monkeypatch.setattr(renames, "exchange", broken)
    with pytest.raises(OSError, match="No space"):
        atomic_write(root, "f", b"new", expected=b"old")
    with pytest.raises(OSError, match="No space"):
        atomic_write(root, "made/for/this.txt", b"new")
    assert (root / "f").read_bytes() == b"old"
    assert temps(root) == []
    assert not (root / "made").exists()


def test_write_failure_leaves_no_temp(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(fd: int, data: object) -> int:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "write", broken)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write(root, "f", b"new")
    assert list(root.iterdir()) == []


def test_interrupt_leaves_no_temp(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(root, "f", b"new")
    assert list(root.iterdir()) == []


def test_delete(root: Path) -> None:
    (root / "f").write_bytes(b"bye")
    atomic_delete(root, "f", expected=b"bye")
    assert not (root / "f").exists()
    atomic_delete(root, "f")  # already gone: fine
    atomic_delete(root, "f", expected=None)
    with pytest.raises(StaleFileError):
        atomic_delete(root, "f", expected=b"bye")


def test_stale_delete_keeps_file(root: Path) -> None:
    (root / "f").write_bytes(b"edited by someone")
    with pytest.raises(StaleFileError, match="nothing was written"):
        atomic_delete(root, "f", expected=b"bye")
    with pytest.raises(StaleFileError):
        atomic_delete(root, "f", expected=None)
    assert (root / "f").read_bytes() == b"edited by someone"


# -- a write by someone else at the last moment ------------------------------


def _before_swap(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> list[bool]:
    """Run ``action`` (another process's write, in effect) once, right before
    Tether swaps its temp file in: after every check it makes beforehand."""
    real_exchange = renames.exchange
    calls: list[bool] = []

    def exchange(a: Path, b: Path) -> bool:
        if not calls:
            action()
        calls.append(True)
        return real_exchange(a, b)

    monkeypatch.setattr(renames, "exchange", exchange)
    return calls


@pytest.mark.parametrize("how", ["in place", "renamed in"])
def test_a_write_just_before_the_swap_is_kept(
    root: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    target = root / "f"
    target.write_bytes(b"old")

    def theirs() -> None:
        if how == "in place":
            target.write_bytes(b"theirs")
        else:
            (root / "editor.tmp").write_bytes(b"theirs")
            os.replace(root / "editor.tmp", target)

    calls = _before_swap(monkeypatch, theirs)
    with pytest.raises(StaleFileError, match="other write was kept") as caught:
        atomic_write(root, "f", b"ours", expected=b"old")
    assert caught.value.path == "f"
    assert calls == [True, True]  # swapped in, found theirs, swapped back
    assert target.read_bytes() == b"theirs"
    assert temps(root) == []


def test_a_write_to_both_files_keeps_a_copy_of_each(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Theirs lands before the swap and again on our file while it is briefly
    in place: both of their versions survive, nothing is silently dropped."""
    target = root / "f"
    target.write_bytes(b"old")
    real_exchange = renames.exchange
    calls: list[int] = []

    def exchange(a: Path, b: Path) -> bool:
        calls.append(len(calls))
        if len(calls) == 1:
            target.write_bytes(b"theirs 1")
        else:
            target.write_bytes(b"ours + theirs 2")  # into our file, now in place
        return real_exchange(a, b)

    monkeypatch.setattr(renames, "exchange", exchange)
    with pytest.raises(StaleFileError, match="is kept as") as caught:
        atomic_write(root, "f", b"ours", expected=b"old")
    assert target.read_bytes() == b"theirs 1"
    kept = temps(root)
    assert len(kept) == 1 and kept[0].name in str(caught.value)
    assert kept[0].read_bytes() == b"ours + theirs 2"


def _between_swaps(
    monkeypatch: pytest.MonkeyPatch, before: Callable[[], None], between: Callable[[], None]
) -> None:
    """``before`` runs right before Tether's swap, ``between`` right before the
    swap that puts the other program's file back."""
    real_exchange = renames.exchange
    calls: list[int] = []

    def exchange(a: Path, b: Path) -> bool:
        calls.append(1)
        if len(calls) == 1:
            before()
        elif len(calls) == 2:
            between()
        return real_exchange(a, b)

    monkeypatch.setattr(renames, "exchange", exchange)


def test_a_second_save_between_the_swaps_stays_in_place(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor saves (temp file + rename) twice around Tether's swap: its
    newest save ends up in place and the one before is kept."""
    target = root / "f"
    target.write_bytes(b"old")

    def save(text: bytes) -> None:
        (root / "editor.tmp").write_bytes(text)
        os.replace(root / "editor.tmp", target)

    _between_swaps(monkeypatch, lambda: save(b"theirs 1"), lambda: save(b"theirs 2"))
    with pytest.raises(StaleFileError, match="earlier version is kept as") as caught:
        atomic_write(root, "f", b"ours", expected=b"old")
    assert target.read_bytes() == b"theirs 2"
    kept = temps(root)
    assert len(kept) == 1 and kept[0].name in str(caught.value)
    assert kept[0].read_bytes() == b"theirs 1"


def test_a_delete_between_the_swaps_puts_their_write_back(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = root / "f"
    target.write_bytes(b"old")
    _between_swaps(monkeypatch, lambda: target.write_bytes(b"theirs"), target.unlink)
    with pytest.raises(StaleFileError, match="other write was kept"):
        atomic_write(root, "f", b"ours", expected=b"old")
    assert target.read_bytes() == b"theirs"
    assert temps(root) == []


def test_a_failure_after_the_swap_deletes_nothing_of_theirs(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.core.atomic as atomic

    target = root / "f"
    target.write_bytes(b"old")
    _before_swap(monkeypatch, lambda: target.write_bytes(b"theirs"))

    def unreadable(path: Path) -> bytes | None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(atomic, "_read_displaced", unreadable)
    with pytest.raises(PermissionError):
        atomic_write(root, "f", b"ours", expected=b"old")
    kept = temps(root)
    assert [p.read_bytes() for p in kept] == [b"theirs"] and ".tether-kept-" in kept[0].name


def test_a_delete_that_must_find_nothing_deletes_nothing(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """expected=None: a file created after the check is someone else's."""
    import app.core.atomic as atomic

    target = root / "f"
    real_check = atomic._check

    def check(path: Path, rel: str, expected: object) -> None:
        real_check(path, rel, expected)
        target.write_bytes(b"theirs, new")

    monkeypatch.setattr(atomic, "_check", check)
    atomic_delete(root, "f", expected=None)
    assert target.read_bytes() == b"theirs, new"


def test_without_an_atomic_swap_the_write_checks_then_renames(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(renames, "_renameat2", None)  # another OS, or an old libc
    target = root / "f"
    target.write_bytes(b"old")
    atomic_write(root, "f", b"new", expected=b"old")
    assert target.read_bytes() == b"new"
    with pytest.raises(StaleFileError):
        atomic_write(root, "f", b"newer", expected=b"old")
    assert target.read_bytes() == b"new"
    assert temps(root) == []


def test_a_file_deleted_just_before_the_swap_is_stale(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = root / "f"
    target.write_bytes(b"old")
    _before_swap(monkeypatch, target.unlink)
    with pytest.raises(StaleFileError, match="absent"):
        atomic_write(root, "f", b"ours", expected=b"old")
    assert not target.exists()
    assert temps(root) == []


def _around_set_aside(
    monkeypatch: pytest.MonkeyPatch, target: Path, before: bytes, after: bytes | None = None
) -> None:
    """Another program writes ``before`` to ``target`` right after Tether's
    check, as Tether sets the file aside to delete it, and, if given,
    creates a new file of ``after`` there right after."""
    real_rename = os.rename

    def rename(src: Path, dst: Path) -> None:
        if Path(src) == target:
            target.write_bytes(before)
        real_rename(src, dst)
        if Path(src) == target and after is not None:
            target.write_bytes(after)

    monkeypatch.setattr(os, "rename", rename)


def test_a_write_just_before_a_delete_is_put_back(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = root / "f"
    target.write_bytes(b"bye")
    _around_set_aside(monkeypatch, target, b"theirs")
    with pytest.raises(StaleFileError, match="put back"):
        atomic_delete(root, "f", expected=b"bye")
    assert target.read_bytes() == b"theirs"
    assert temps(root) == []


def test_a_file_recreated_while_set_aside_keeps_both(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = root / "f"
    target.write_bytes(b"bye")
    _around_set_aside(monkeypatch, target, b"theirs, edited", b"theirs, new")
    with pytest.raises(StaleFileError, match="kept as") as caught:
        atomic_delete(root, "f", expected=b"bye")
    assert target.read_bytes() == b"theirs, new"
    kept = temps(root)
    assert len(kept) == 1 and kept[0].name in str(caught.value)
    assert kept[0].read_bytes() == b"theirs, edited"


# -- crash safety --------------------------------------------------------------

_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from app.core.atomic import atomic_write, read_bytes_in_root
    from app.core.journal import Journal

    root = Path(sys.argv[1])
    old, new = (root / "old.bin").read_bytes(), (root / "new.bin").read_bytes()
    journal = Journal(root / "state" / "journal.jsonl")
    for i in range(10**9):
        current = read_bytes_in_root(root, "target.bin")
        data = new if current == old else old
        atomic_write(root, "target.bin", data, expected=current)
        journal.append({"op": "accept", "source": "crash", "path": "target.bin",
                        "side": "worktree", "hunk": "x" * 3000, "hunk_id": str(i),
                        "before": None, "after": None})
        if i == 0:
            print("ready", flush=True)
    """
)


def test_sigkill_leaves_old_or_new_content_and_a_readable_journal(tmp_path: Path) -> None:
    root = tmp_path / "crash"
    root.mkdir()
    rng = random.Random(1234)
    old = bytes(rng.randrange(256) for _ in range(200_000))
    new = b"\r\n".join(b"line %d" % i for i in range(30_000))
    (root / "old.bin").write_bytes(old)
    (root / "new.bin").write_bytes(new)
    (root / "target.bin").write_bytes(old)
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    journal = Journal(root / "state" / "journal.jsonl")
    for _trial in range(20):
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(root)], stdout=subprocess.PIPE, env=env
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0, 0.03))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        assert (root / "target.bin").read_bytes() in (old, new)
        seqs = [e.seq for e in journal.entries()]
        assert seqs == list(range(1, len(seqs) + 1))
    # A fresh append repairs any torn tail and continues the numbering.
    count = len(journal.entries())
    entry = journal.append(
        {
            "op": "reject",
            "source": "crash",
            "path": "p",
            "side": "memory",
            "hunk": "",
            "hunk_id": "h",
            "before": None,
            "after": None,
        }
    )
    assert entry.seq == count + 1
    assert len(journal.entries()) == count + 1
    # Leftover temp files are the only trace a SIGKILL may leave.
    for leftover in temps(root):
        assert leftover.name.startswith(".target.bin" + TEMP_MARK)


def test_a_folder_another_writer_makes_meanwhile_is_written_into(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seen with the gate: a proposal's blobs were stored ahead of its decision
    # on the endpoint's thread while the decision stored the same blob; both
    # saw the blob's folder missing, and the second mkdir's "File exists"
    # failed the decision ("nothing was written").
    real_mkdir = os.mkdir

    def raced(path: Any, *args: Any, **kwargs: Any) -> None:
        real_mkdir(path, *args, **kwargs)  # the other writer, first
        real_mkdir(path, *args, **kwargs)  # ours: FileExistsError

    monkeypatch.setattr(os, "mkdir", raced)
    atomic_write(tmp_path, "ab/cdef", b"blob")
    monkeypatch.undo()
    assert (tmp_path / "ab/cdef").read_bytes() == b"blob"


def test_a_link_made_where_a_folder_was_missing_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    real_mkdir = os.mkdir

    def linked(path: Any, *args: Any, **kwargs: Any) -> None:
        os.symlink(elsewhere, path)  # someone plants a link in the window
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", linked)
    with pytest.raises(OSError):
        atomic_write(root, "ab/cdef", b"blob")
    monkeypatch.undo()
    assert not (elsewhere / "cdef").exists()
