"""Checking a whole write set before its first byte.

"Nothing was written" must hold when the OS would refuse one file of a set
(a patch's files, or the one file of a decision): so everything that can be
known in advance is asked first, for every target, against the disk as the
earlier targets of the same set will have left it:

- the path is one Tether may write and the file system can name
  (``resolve_in_root``: no NUL, ``..``, ``.git``, symlink out, overlong name);
- every parent is a folder, or missing (it will be created), never a file,
  nor a file or a symlink the same set writes (a patch that adds the link
  ``esc`` and then ``esc/x`` would write through it);
- the target itself is not a folder;
- the folder that will hold it (its nearest existing ancestor) is writable,
  and its file system is not read-only and has room for the bytes.

Temp names always fit (``atomic.py`` shortens them), so they need no check.
What the OS refuses that cannot be known ahead (a disk that fills meanwhile,
an I/O error) is the caller's to take back: see ``ReviewService.execute_all``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.errors import UnsafePathError, WriteError
from app.core.names import quote_name
from app.core.paths import normalize, resolve_in_root

NOTHING = "nothing was written"
_FILE, _DIR, _ABSENT, _LINK, _OTHER = "file", "folder", "absent", "link", "other"


@dataclass(frozen=True, slots=True)
class Target:
    """One file a write set changes: ``size`` bytes are written (None: it is
    deleted); ``link`` when the patch makes it a symbolic link."""

    path: str
    size: int | None
    link: bool = False


def preflight(root: Path, targets: Sequence[Target]) -> list[Path]:
    """Raise the first refusal (``WriteError``, ``UnsafePathError``) any
    target would meet; else return their absolute paths, in order."""
    base = root.resolve()
    planned: dict[str, str] = {}  # what the set's earlier targets leave at a path
    room: dict[int, tuple[Path, int, str]] = {}  # device -> (a folder on it, bytes, first file)
    out: list[Path] = []
    for target in targets:
        full = resolve_in_root(root, target.path)
        rel = normalize(target.path)
        out.append(full)
        writes = target.size is not None
        home = _parents(base, rel, planned) if writes else full.parent
        state = planned.get(rel) or _state(full, rel, follow=False)
        if state == _DIR:
            raise UnsafePathError(f"not a regular file (a folder); {NOTHING}", path=rel)
        if writes or state != _ABSENT:
            _writable(home, rel, base)
        planned[rel] = (_LINK if target.link else _FILE) if writes else _ABSENT
        if target.size:
            device = _device(home, rel)
            folder, size, first = room.get(device, (home, 0, rel))
            room[device] = (folder, size + target.size, first)
    for folder, size, first in room.values():
        _has_room(folder, size, first, several=len(targets) > 1)
    return out


def _parents(base: Path, rel: str, planned: dict[str, str]) -> Path:
    """Check every parent of ``rel``; return the nearest one that exists now
    (where the first missing folder will be made)."""
    parts = rel.split("/")
    home = base
    for depth in range(1, len(parts)):
        prefix = "/".join(parts[:depth])
        made = planned.get(prefix)
        if made == _LINK:
            raise WriteError(
                f"lies under {quote_name(prefix)}, which the same patch creates as a "
                f"symlink; Tether does not write through a link it is making; {NOTHING}",
                path=rel,
            )
        if made == _FILE:
            raise WriteError(
                f"lies under {quote_name(prefix)}, which the same patch writes as a file; "
                f"{NOTHING}",
                path=rel,
            )
        state = made or _state(base / prefix, prefix, follow=True)
        if state in (_FILE, _OTHER):
            what = "a file" if state == _FILE else "not a folder"
            raise WriteError(f"{quote_name(prefix)} is {what}, not a folder; {NOTHING}", path=rel)
        if state == _ABSENT:
            planned.setdefault(prefix, _DIR)
            break  # nothing below a missing folder exists yet
        if made is None:
            home = base / prefix
    # Folders an earlier target of the set creates are made in ``home`` too.
    return home


def _state(path: Path, rel: str, *, follow: bool) -> str:
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return _ABSENT
    except OSError as exc:
        raise WriteError(f"cannot be checked: {exc.strerror}; {NOTHING}", path=rel) from None
    if stat.S_ISDIR(st.st_mode):
        return _DIR
    if stat.S_ISREG(st.st_mode):
        return _FILE
    if stat.S_ISLNK(st.st_mode):
        return _LINK
    return _OTHER


def _writable(folder: Path, rel: str, base: Path) -> None:
    shown = "the repository root" if folder == base else quote_name(str(folder.relative_to(base)))
    try:
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        read_only = False
    if read_only:
        raise WriteError(f"{shown} is on a read-only file system; {NOTHING}", path=rel)
    effective = os.access in os.supports_effective_ids
    if not os.access(folder, os.W_OK | os.X_OK, effective_ids=effective):
        raise WriteError(f"{shown} is not writable (permission denied); {NOTHING}", path=rel)


def _device(folder: Path, rel: str) -> int:
    try:
        return os.stat(folder).st_dev
    except OSError as exc:
        raise WriteError(f"cannot be checked: {exc.strerror}; {NOTHING}", path=rel) from None


def _has_room(folder: Path, size: int, rel: str, *, several: bool) -> None:
    try:
        vfs = os.statvfs(folder)
    except OSError:
        return  # cannot tell; the write itself will say
    # Root may use the blocks reserved for it; anyone else only the available ones.
    blocks = vfs.f_bfree if os.geteuid() == 0 else vfs.f_bavail
    free = blocks * vfs.f_frsize
    if size > free:
        what = "the set's files on its file system need" if several else "needs"
        raise WriteError(f"{what} {size:,} bytes, but only {free:,} are free; {NOTHING}", path=rel)
