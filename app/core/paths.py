"""Turning repository-relative paths into absolute ones, safely.

Every path Tether reads or writes comes from a diff or a model, so it is
untrusted: it must stay inside the root, stay out of ``.git`` and not escape
through a symlink, and it must be a name the file system can hold (no NUL,
no component longer than its NAME_MAX, the whole under PATH_MAX), so the OS
never refuses it halfway through a write.
"""

from __future__ import annotations

import os
from pathlib import Path

from app.core.errors import PathTooLongError, UnsafePathError
from app.core.names import quote_name, shorten

# POSIX's defaults, where pathconf cannot say (or the folder does not exist).
NAME_MAX = 255
PATH_MAX = 4096


def scratch_name(name: str) -> bool:
    """Editors' swap and backup files, and Tether's own temp files (written
    or set aside mid-write: hidden, with ".tether-" in the name): never a
    change to review. Watching ignores their events, so a listing must not
    add them either (their deletion would never be seen)."""
    return (
        name.endswith((".swp", ".swx", "~", ".tmp"))
        or name.startswith(".#")
        or (name.startswith(".") and ".tether-" in name)
    )


def _is_git_component(part: str) -> bool:
    # Case-insensitive filesystems (macOS, Windows) treat ".GIT" as ".git", and
    # Windows drops trailing dots and spaces, so ".git." is ".git" there too.
    return part.rstrip(". ").casefold() == ".git"


def _parts(rel: str) -> list[str]:
    """Check ``rel`` lexically and split it into its components."""
    if "\0" in rel:
        raise UnsafePathError("path contains a NUL byte", path=rel)
    if not rel.strip():
        raise UnsafePathError("empty path", path=repr(rel))
    if rel.startswith(("/", "\\")) or os.path.isabs(rel):
        raise UnsafePathError(
            "absolute paths are not allowed; paths must be relative to the repository root",
            path=rel,
        )
    text = rel if os.sep == "/" else rel.replace(os.sep, "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts:
        raise UnsafePathError("path names the repository root, not a file", path=rel)
    if ".." in parts:
        raise UnsafePathError(
            "'..' components are not allowed; the path could leave the root", path=rel
        )
    if any(_is_git_component(p) for p in parts):
        raise UnsafePathError("paths inside .git are not allowed", path=rel)
    return parts


def normalize(rel: str) -> str:
    """``rel`` as the review names files: checked lexically (as
    ``resolve_in_root`` does), without ``./`` and empty components."""
    return "/".join(_parts(rel))


def limits(directory: Path) -> tuple[int, int]:
    """(NAME_MAX, PATH_MAX) in bytes of the file system holding ``directory``
    (its nearest existing ancestor)."""
    current = directory
    while not os.path.isdir(current) and current.parent != current:
        current = current.parent
    found = []
    for name, default in (("PC_NAME_MAX", NAME_MAX), ("PC_PATH_MAX", PATH_MAX)):
        try:
            value = os.pathconf(current, name)
        except (OSError, ValueError):
            value = -1
        found.append(value if value > 0 else default)
    return found[0], found[1]


def check_lengths(full: Path, rel: str, limit: tuple[int, int]) -> None:
    """``PathTooLongError`` unless every component of ``full`` fits NAME_MAX
    and the whole path (a system call's argument, with its NUL) PATH_MAX."""
    name_max, path_max = limit
    for part in full.parts:
        size = len(os.fsencode(part))
        if size > name_max:
            raise PathTooLongError(
                f"the name {quote_name(shorten(part, 40))} is {size} bytes; this file system allows "
                f"{name_max}",
                path=rel,
            )
    size = len(os.fsencode(str(full)))
    if size >= path_max:
        raise PathTooLongError(
            f"path is {size} bytes with the repository root; the system allows {path_max - 1}",
            path=rel,
        )


def _inside(path: Path, root: Path) -> bool:
    if not path.is_relative_to(root):
        return False
    return not any(_is_git_component(p) for p in path.relative_to(root).parts)


def _check_link(link: Path, root: Path, rel: str, what: str) -> None:
    try:
        target = link.resolve()
    except (OSError, RuntimeError):
        raise UnsafePathError(
            f"{what} is a symlink that cannot be resolved (a loop?)", path=rel
        ) from None
    if not _inside(target, root):
        raise UnsafePathError(
            f"{what} is a symlink to {target}, outside the repository root (or inside .git)",
            path=rel,
        )


def resolve_in_root(root: Path, rel: str) -> Path:
    """The absolute path of ``rel`` under ``root``, or ``UnsafePathError``.

    Refused: empty and absolute paths, ``..`` components, NUL bytes, any
    ``.git`` component (case-insensitive), names longer than the file system
    allows (``PathTooLongError``), and paths where a parent directory
    or the file itself is a symlink resolving outside the root or into
    ``.git``. Symlinks that stay inside the root are followed. The returned
    path is ``root.resolve()`` joined with the normalised components, so the
    caller sees the link itself, not its target (``atomic_write`` refuses to
    write through a final symlink).
    """
    parts = _parts(rel)
    base = root.resolve()
    check_lengths(base.joinpath(*parts), rel, limits(base))
    current = base
    for index, part in enumerate(parts):
        current = current / part
        if not os.path.lexists(current):
            break  # nothing below a missing component can be a symlink yet
        if os.path.islink(current):
            what = "the file" if index == len(parts) - 1 else f"parent directory {part!r}"
            _check_link(current, base, rel, what)
    full = base.joinpath(*parts)
    try:
        resolved = full.resolve()
    except (OSError, RuntimeError):
        raise UnsafePathError("path cannot be resolved (a symlink loop?)", path=rel) from None
    if not _inside(resolved, base):
        raise UnsafePathError(f"path resolves to {resolved}, outside the repository root", path=rel)
    return full
