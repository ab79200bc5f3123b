"""Changes of a whole file, not of its lines: renames and copies, mode
changes, symlinks, binary files. The review shows each as one hunk with no
lines (its header row says what changes) and decides it whole.

A change goes from an old state to a new one, each a path (None: absent), a
mode and the bytes there (a symlink's bytes are its target, as git stores
it). ``write`` moves the disk from one state to the other, either way (undo
goes back), checking first that the disk holds the state it leaves: a file
someone else changed is never overwritten. Content goes through
``atomic.py``; a link is made under a temporary name and renamed over.

Symlinks: a link is written only if its target, read from the link's
folder, stays inside the repository and out of ``.git`` (an absolute or
escaping target is refused, where ``git apply`` would make it): Tether never
writes through such a link, so it does not make one either.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from app.core.atomic import TEMP_MARK, atomic_delete, atomic_write, fsync_dir, sibling
from app.core.errors import StaleFileError, UnsafePathError
from app.core.paths import resolve_in_root

LINK = "120000"
GITLINK = "160000"
EXECUTABLE = "100755"


@dataclass(frozen=True, slots=True)
class State:
    path: str | None
    mode: str | None
    data: bytes | None


@dataclass(eq=False, slots=True)
class WholeChange:
    old: State
    new: State
    what: str  # the header row: "rename a → b · mode 100644 → 100755"
    # "pending", "accepted" or "rejected": whether the review still shows it.
    state: str = "pending"


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def describe(
    old: State, new: State, *, binary: bool, copy_from: str | None = None, similarity: int = 0
) -> str:
    """What the header row says of a change."""
    parts: list[str] = []
    if copy_from is not None:
        parts.append(f"copy {copy_from} → {new.path}")
    elif old.path is not None and new.path is not None and old.path != new.path:
        parts.append(f"rename {old.path} → {new.path}")
    if similarity and parts and similarity < 100:
        parts[-1] += f" ({similarity}% similar)"
    is_link = LINK in (old.mode, new.mode)
    if is_link:

        def target(s: State) -> str:
            return (s.data or b"").decode("utf-8", "replace") if s.mode == LINK else "a file"

        if old.path is None:
            parts.append(f"new symlink → {target(new)}")
        elif new.path is None:
            parts.append(f"delete symlink → {target(old)}")
        elif old.data != new.data or old.mode != new.mode:
            parts.append(f"symlink {target(old)} → {target(new)}")
    elif old.mode and new.mode and old.mode != new.mode:
        parts.append(f"mode {old.mode} → {new.mode}")
    elif old.path is None and new.mode == EXECUTABLE:
        parts.append(f"mode {new.mode}")
    if not binary and not is_link and (old.path is None) != (new.path is None):
        gone = old if new.path is None else new
        if not gone.data:
            parts.insert(0, "delete empty file" if new.path is None else "new empty file")
    if binary and not is_link:
        if old.data is None:
            parts.append(f"new binary file, {size_text(len(new.data or b''))}")
        elif new.data is None:
            parts.append(f"delete binary file, {size_text(len(old.data))}")
        elif old.data != new.data:
            parts.append(f"binary, {size_text(len(old.data))} → {size_text(len(new.data))}")
        else:
            parts.append(f"binary, {size_text(len(old.data))}")
    return " · ".join(parts) or "no change"


def read_state_bytes(root: Path, rel: str | None) -> bytes | None:
    """What is at ``rel``: a file's bytes, a link's target, None if absent."""
    if rel is None:
        return None
    path = _link_path(root, rel)
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        return os.fsencode(os.readlink(path))
    if not stat.S_ISREG(st.st_mode):
        raise UnsafePathError("not a regular file", path=rel)
    return path.read_bytes()


def mode_of(root: Path, rel: str) -> str | None:
    try:
        st = os.lstat(_link_path(root, rel))
    except (FileNotFoundError, NotADirectoryError):
        return None
    if stat.S_ISLNK(st.st_mode):
        return LINK
    return EXECUTABLE if st.st_mode & stat.S_IXUSR else "100644"


def _link_path(root: Path, rel: str) -> Path:
    """``rel``'s path with its folder checked, the last name not followed."""
    parent, _, name = rel.rpartition("/")
    folder = resolve_in_root(root, parent) if parent else root.resolve()
    path = folder / name
    if not os.path.islink(path):
        resolve_in_root(root, rel)  # the name's own checks (.git, lengths)
    return path


def check_link_target(root: Path, rel: str, target: bytes) -> None:
    """Refuse a link whose target leaves the repository or enters .git."""
    text = os.fsdecode(target)
    where = PurePosixPath(rel).parent / text
    if text.startswith("/") or not text or "\0" in text:
        raise UnsafePathError(
            f"the patch makes a symlink to {text!r}, an absolute path; Tether makes links "
            "only to files inside the repository",
            path=rel,
        )
    depth = 0
    for part in where.parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0 or part.lower() == ".git":
            raise UnsafePathError(
                f"the patch makes a symlink to {text!r}, outside the repository "
                "(or into .git); Tether refuses to make it",
                path=rel,
            )


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def file_mode(mode: str | None) -> int | None:
    if mode is None:
        return None
    return (0o777 if mode == EXECUTABLE else 0o666) & ~_umask()


def write(root: Path, frm: State, to: State) -> None:
    """Move the disk from state ``frm`` to ``to``, checking ``frm`` first."""
    for state in (frm, to):
        if state.path is not None and state.mode == GITLINK:
            raise UnsafePathError("a submodule pointer: not written", path=state.path)
    if to.path is not None:
        if to.mode == LINK:
            check_link_target(root, to.path, to.data or b"")
        current = frm.data if frm.path == to.path else None
        _check_state(root, to.path, current)
    if frm.path is not None and frm.path != to.path:
        _check_state(root, frm.path, frm.data)
    if to.path is not None:
        same = frm.path == to.path
        _put(root, to, (frm.data if same else None), frm.mode if same else None)
    if frm.path is not None and frm.path != to.path:
        _remove(root, frm)


def _check_state(root: Path, rel: str, expected: bytes | None) -> None:
    if read_state_bytes(root, rel) != expected:
        raise StaleFileError("changed on disk since it was shown; nothing was written", path=rel)


def _put(root: Path, to: State, before: bytes | None, before_mode: str | None) -> None:
    assert to.path is not None
    data = to.data or b""
    if to.mode == LINK or before_mode == LINK:
        path = _link_path(root, to.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = sibling(path, ".", f"{TEMP_MARK}{secrets.token_hex(4)}.tmp")
        if to.mode == LINK:
            os.symlink(os.fsdecode(data), temp)
        else:
            temp.write_bytes(data)
            os.chmod(temp, file_mode(to.mode) or 0o644)
        if read_state_bytes(root, to.path) != before:
            os.unlink(temp)
            raise StaleFileError("changed on disk as Tether was writing it", path=to.path)
        os.replace(temp, path)
        fsync_dir(path.parent)
        return
    mode = file_mode(to.mode) if (to.mode != before_mode or before is None) else None
    atomic_write(root, to.path, data, mode=mode, expected=before)


def _remove(root: Path, frm: State) -> None:
    assert frm.path is not None
    if frm.mode == LINK:
        path = _link_path(root, frm.path)
        if read_state_bytes(root, frm.path) != frm.data:
            raise StaleFileError("changed on disk as Tether was deleting it", path=frm.path)
        os.unlink(path)
        fsync_dir(path.parent)
        return
    atomic_delete(root, frm.path, expected=frm.data)
