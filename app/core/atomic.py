"""Crash-safe, compare-and-swap file writes inside a root.

A write goes to a temporary file in the target's directory, is fsynced and
then renamed over the target, so after a crash the file holds either its old
or its new bytes, never a mix. With ``expected`` the write only happens if the
file still holds what Tether last saw; otherwise ``StaleFileError`` is raised
and nothing is touched. Bytes are written exactly; line endings are the
caller's business.

Where the system allows (Linux ``renameat2``), the new file is swapped in
atomically and what came out is checked afterwards, so even a write that
lands after the last check is put back rather than replaced (``_commit``).

Before the first byte the write is preflighted (``preflight.py``: the
parents are folders, the folder is writable, the name fits), so what the OS
could refuse up front is refused with a clear message and nothing made.

A process killed mid-write (SIGKILL, power loss) can leave a hidden
``.<name>.tether-<random>.tmp`` file next to the target (``<name>`` cut short
when the whole would not fit the file system's name limit): the new text if it
died before the swap, the swapped-out text if right after it (usually the
text Tether showed; it is left, not deleted, since it could be someone's
write). Every other failure removes Tether's own temp file and nothing else.
Another program's work that turns up mid-write is never deleted: it goes back
in place, or is kept beside the file as ``<name>.tether-kept-<random>``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from pathlib import Path
from typing import Final

from app.core import renames
from app.core.errors import StaleFileError, UnsafePathError
from app.core.paths import limits, resolve_in_root
from app.core.preflight import Target, preflight

_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
TEMP_MARK: Final = ".tether-"


class _Any:
    """Type of ``ANY``: skip the stale check."""

    def __repr__(self) -> str:
        return "ANY"


ANY: Final = _Any()
Expected = bytes | None | _Any


def _describe(data: bytes | None) -> str:
    if data is None:
        return "absent"
    return f"{len(data)} bytes, sha1 {hashlib.sha1(data).hexdigest()[:12]}"


def _read(path: Path, rel: str, *, follow: bool) -> bytes | None:
    """The file's bytes, None if missing; refuses FIFOs, devices and dirs."""
    flags = os.O_RDONLY | _O_NONBLOCK | _O_CLOEXEC | (0 if follow else _O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError:
        if not follow and os.path.islink(path):
            raise UnsafePathError(
                "is a symlink; Tether does not write through symlinks", path=rel
            ) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafePathError("not a regular file", path=rel)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _check(path: Path, rel: str, expected: Expected) -> None:
    if isinstance(expected, _Any):
        return
    current = _read(path, rel, follow=False)
    if current != expected:
        raise StaleFileError(
            f"changed on disk since it was shown (expected {_describe(expected)}, found "
            f"{_describe(current)}); nothing was written",
            path=rel,
        )


def _lstat_target(path: Path, rel: str) -> os.stat_result | None:
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        raise UnsafePathError(
            "is a symlink; writing would replace the link itself instead of its target, "
            "so Tether refuses",
            path=rel,
        )
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePathError("not a regular file", path=rel)
    return st


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable (best effort)."""
    try:
        fd = os.open(directory, os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def _make_parents(directory: Path, root: Path) -> list[Path]:
    """Create missing directories up to ``directory``; return the ones created."""
    missing: list[Path] = []
    current = directory
    while not os.path.lexists(current) and current != root and current.parent != current:
        missing.append(current)
        current = current.parent
    created: list[Path] = []
    for each in reversed(missing):
        try:
            os.mkdir(each)
        except FileExistsError:
            # Another writer (a thread, another Tether) made it meanwhile: a
            # real folder is as good as ours, but not ours to remove.
            if os.path.islink(each) or not os.path.isdir(each):
                raise
            continue
        created.append(each)
    return created


def sibling(path: Path, prefix: str, suffix: str) -> Path:
    """``<prefix><name><suffix>`` next to ``path``, its name cut short (by
    bytes, from the end) so the whole fits the file system's NAME_MAX: a
    name of 250 bytes still gets a temp file, so it can be written."""
    name_max = limits(path.parent)[0]
    name = os.fsencode(path.name)
    room = name_max - len(os.fsencode(prefix + suffix))
    if len(name) > room:
        name = name[: max(room, 1)]
    return path.with_name(prefix + os.fsdecode(name) + suffix)


def _open_temp(path: Path) -> tuple[Path, int]:
    for _ in range(100):
        temp = sibling(path, ".", f"{TEMP_MARK}{secrets.token_hex(4)}.tmp")
        try:
            # 0o666 lets the kernel apply the umask (and default ACLs) as for any new file.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_NOFOLLOW | _O_CLOEXEC
            return temp, os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a temporary file next to {path}")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def atomic_write(
    root: Path,
    rel: str,
    data: bytes,
    *,
    mode: int | None = None,
    expected: Expected = ANY,
) -> None:
    """Replace ``rel`` under ``root`` with ``data`` atomically.

    ``expected`` (bytes, or None for "must not exist") is compared with the
    file on disk first and again with what the swap took out (or, without an
    atomic swap, just before the rename); on a mismatch ``StaleFileError`` is
    raised and the file holds the other program's bytes. The file keeps its
    permission bits (``mode`` overrides; new files get ``0o666 & ~umask``).
    Missing parent directories are created, and removed again on failure.
    What the OS could refuse up front is refused first (``preflight``).
    """
    (path,) = preflight(root, [Target(rel, len(data))])
    existing = _lstat_target(path, rel)
    _check(path, rel, expected)
    created = _make_parents(path.parent, root.resolve())
    temp: Path | None = None
    ours: int | None = None
    try:
        temp, fd = _open_temp(path)
        try:
            _write_all(fd, data)
            owner = None if existing is None else (existing.st_uid, existing.st_gid)
            if owner is not None and owner != (os.getuid(), os.getgid()):
                with contextlib.suppress(OSError):  # keep the owner if we are allowed to
                    os.fchown(fd, *owner)
            if mode is not None:
                os.fchmod(fd, mode)
            elif existing is not None:
                os.fchmod(fd, stat.S_IMODE(existing.st_mode))
            os.fsync(fd)
            ours = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        _commit(temp, path, rel, expected, data, ours)
        temp = None
        for directory in [path.parent, *(d.parent for d in created)]:
            fsync_dir(directory)
    except BaseException:
        # Only our own file: after a swap the temp name may hold someone else's.
        if temp is not None and (ours is None or _inode(temp) in (ours, None)):
            with contextlib.suppress(OSError):
                os.unlink(temp)
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                os.rmdir(directory)
        raise


def _commit(temp: Path, path: Path, rel: str, expected: Expected, data: bytes, ours: int) -> None:
    """Move the finished temp file (inode ``ours``) into place, unless the file
    no longer holds ``expected``; another process's write is never replaced."""
    if isinstance(expected, _Any):
        os.replace(temp, path)
        return
    if expected is None:
        # Create-if-absent can be truly atomic: link(2) fails if the name exists.
        try:
            os.link(temp, path)
        except FileExistsError:
            raise StaleFileError(
                "was created on disk since it was shown; nothing was written", path=rel
            ) from None
        except OSError:
            pass  # no hard links on this filesystem: fall back to check + rename
        else:
            with contextlib.suppress(OSError):
                os.unlink(temp)  # the data is in place; a leftover temp is only litter
            return
        _check(path, rel, expected)
        os.replace(temp, path)
        return
    # Swap first, then check what was swapped out: a check before a rename
    # leaves a window in which another process's write would be replaced.
    try:
        swapped = renames.exchange(temp, path)
    except FileNotFoundError:
        _check(path, rel, expected)  # deleted meanwhile: report it as stale
        raise
    if not swapped:  # no atomic exchange here: the check-then-rename fallback
        _check(path, rel, expected)
        os.replace(temp, path)
        return
    try:
        displaced = _read_displaced(temp)
    except BaseException:
        _keep(temp, path)  # unread, so possibly someone's work: keep it visible
        raise
    if displaced == expected:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return
    kept = _put_back(temp, path, ours, data)
    raise StaleFileError(
        f"changed on disk since it was shown, as Tether was writing it (expected "
        f"{_describe(expected)}, found {_describe(displaced)}); the other write was kept and "
        f"nothing was written{kept}",
        path=rel,
    )


def _put_back(temp: Path, path: Path, ours: int, data: bytes) -> str:
    """Swap another process's file (now at ``temp``) back to ``path``, where
    Tether's file (inode ``ours``) went. Whatever else turns up is kept under
    a visible name; returns what to add to the message about that."""
    try:
        renames.exchange(temp, path)
    except FileNotFoundError:
        # Tether's file was deleted meanwhile: theirs goes back unless a new
        # file took the name, in which case it is kept beside it.
        try:
            renames.rename_noreplace(temp, path)
            return ""
        except FileExistsError:
            return f"; a new file took its place, so it is kept as {_keep(temp, path)}"
    if _inode(temp) != ours:
        # They saved again (a new file renamed in) between the two swaps: the
        # newest goes back in place, the one before it is kept.
        renames.exchange(temp, path)
        return f"; their earlier version is kept as {_keep(temp, path)}"
    if _read_displaced(temp) == data:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        return ""
    # Written to as well in the microseconds it was in place: keep it.
    return f"; a copy written to while briefly in place is kept as {_keep(temp, path)}"


def _inode(path: Path) -> int | None:
    try:
        return os.lstat(path).st_ino
    except OSError:
        return None


def _keep(temp: Path, path: Path) -> str:
    """Give a file that holds someone's work a visible name next to ``path``."""
    kept = sibling(path, "", f"{TEMP_MARK}kept-{secrets.token_hex(4)}")
    os.rename(temp, kept)  # a fresh random name: nothing there to replace
    return kept.name


def _read_displaced(path: Path) -> bytes | None:
    """The bytes of a file swapped aside; None if it is not a regular file."""
    try:
        return _read(path, path.name, follow=False)
    except UnsafePathError:
        return None


def atomic_delete(root: Path, rel: str, *, expected: Expected = ANY) -> None:
    """Delete ``rel`` under ``root``, if it still holds ``expected``.

    A missing file is not an error unless ``expected`` is bytes (with None,
    "must not exist", nothing is deleted at all). The file is first renamed
    aside and checked there, so a write that lands at the last moment is put
    back rather than deleted.
    """
    (path,) = preflight(root, [Target(rel, None)])
    _lstat_target(path, rel)
    _check(path, rel, expected)
    if expected is None:
        return  # it does not exist: a file created since is someone else's
    if isinstance(expected, _Any):
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            os.unlink(path)
            fsync_dir(path.parent)
        return
    aside = sibling(path, ".", f"{TEMP_MARK}{secrets.token_hex(4)}.del")
    try:
        os.rename(path, aside)
    except (FileNotFoundError, NotADirectoryError):
        raise StaleFileError(
            "was deleted on disk as Tether was deleting it; nothing was deleted", path=rel
        ) from None
    try:
        current = _read_displaced(aside)
    except BaseException:
        _restore(aside, path)
        raise
    if current == expected:
        os.unlink(aside)
        fsync_dir(path.parent)
        return
    kept = _restore(aside, path)
    raise StaleFileError(
        f"changed on disk since it was shown, as Tether was deleting it (expected "
        f"{_describe(expected)}, found {_describe(current)}); it was put back{kept}",
        path=rel,
    )


def _restore(aside: Path, path: Path) -> str:
    """Put a file set aside back; if the name was taken meanwhile, keep it
    beside the new file. Returns what to add to the message about that."""
    try:
        renames.rename_noreplace(aside, path)
        return ""
    except FileExistsError:
        return f"; a new file was created there meanwhile, so the old one is kept as {_keep(aside, path)}"
    except OSError:
        return f"; it could not go back under its name, so it is kept as {_keep(aside, path)}"


def read_bytes_in_root(root: Path, rel: str) -> bytes | None:
    """The bytes of ``rel`` under ``root``, or None if it does not exist.

    Symlinks that stay inside the root are followed; FIFOs, devices and
    directories raise ``UnsafePathError`` instead of blocking or failing late.
    """
    return _read(resolve_in_root(root, rel), rel, follow=True)
