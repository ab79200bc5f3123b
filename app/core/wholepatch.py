"""A patch's whole-file changes (``app/core/wholefile.py``) read against the
disk: which sections of a patch are one, what the file holds now, and what
it will hold — a binary patch applied, a link's target patched, a rename's
bytes carried over — checked as ``git apply`` checks them.
"""

from __future__ import annotations

from pathlib import Path

from app.core.binpatch import apply_binary
from app.core.blobs import sha_of
from app.core.errors import ApplyError
from app.core.model import FilePatch, FileStatus
from app.core.patchapply import apply_file_patch
from app.core.text import join_lines, split_lines
from app.core.wholefile import (
    GITLINK,
    LINK,
    State,
    WholeChange,
    check_link_target,
    describe,
    mode_of,
)
from app.core.wholefile import read_state_bytes as read_state

_NO_BLOB = "0" * 7


def is_whole(fp: FilePatch) -> bool:
    """Whether the section changes the file as a whole rather than by lines."""
    if fp.binary or LINK in (fp.old_mode, fp.new_mode) or GITLINK in (fp.old_mode, fp.new_mode):
        return True
    # An empty file created or deleted has no hunk either: the file is the change.
    return not fp.hunks and (fp.status is not FileStatus.MODIFIED or fp.mode_changed)


def refusal(fp: FilePatch) -> str:
    """Why a whole-file section cannot be applied at all ("" if it can)."""
    if GITLINK in (fp.old_mode, fp.new_mode):
        commit = fp.index[1] if fp.index else "?"
        return (
            f"a submodule pointer (mode 160000, commit {commit}): its commit lives in the "
            "index, and tether apply writes files; not applied (git apply --index, or "
            "git submodule update)"
        )
    if fp.binary and fp.binary_patch is None:
        return (
            "a binary change without its data ('Binary files … differ'); make the patch "
            "with git diff --binary to apply it"
        )
    return ""


def _blob_id(data: bytes) -> str:
    return sha_of(b"blob %d\0" % len(data) + data)


def _check_id(data: bytes, wanted: str, path: str, what: str) -> None:
    if wanted and not wanted.startswith(_NO_BLOB) and not _blob_id(data).startswith(wanted):
        raise ApplyError(f"{what} (the patch's index line names blob {wanted})", path=path)


def build(root: Path, fp: FilePatch) -> WholeChange:
    """The change ``fp`` makes, read against the files under ``root``."""
    copy = fp.status is FileStatus.COPIED
    src = None if fp.status is FileStatus.ADDED else fp.old_path
    new_path = None if fp.status is FileStatus.DELETED else fp.path
    data = read_state(root, src)
    if src is not None and data is None:
        raise ApplyError("the patch changes this file, but it does not exist", path=src)
    if new_path is not None and new_path != src and read_state(root, new_path) is not None:
        verb = "creates" if src is None else "copies" if copy else "renames"
        raise ApplyError(f"the patch {verb} this file, but it already exists", path=new_path)
    mode = mode_of(root, src) if src is not None else None
    if src is not None and fp.old_mode is not None and (fp.old_mode == LINK) != (mode == LINK):
        found = "a symlink" if mode == LINK else "a file"
        raise ApplyError(
            f"the patch changes a {'symlink' if fp.old_mode == LINK else 'file'} "
            f"here, but it is {found}",
            path=src,
        )
    new_data = _new_content(fp, data, new_path or fp.path)
    old = State(None if copy else src, mode, None if copy else data)
    new_mode = fp.new_mode or mode or "100644"
    new = State(new_path, new_mode if new_path is not None else None, new_data)
    if new.path is not None and new.mode == LINK:
        check_link_target(root, new.path, new.data or b"")
    what = describe(
        State(src, mode, data),
        new,
        binary=fp.binary,
        copy_from=fp.old_path if copy else None,
        similarity=fp.similarity or 0,
    )
    return WholeChange(old, new, what)


def _new_content(fp: FilePatch, data: bytes | None, path: str) -> bytes | None:
    if fp.status is FileStatus.DELETED and not fp.hunks and not fp.binary and data:
        left = data.count(b"\n") + (not data.endswith(b"\n"))
        raise ApplyError(f"the patch deletes this file, but {left} line(s) would remain", path=path)
    if fp.status is FileStatus.ADDED and not fp.hunks and not fp.binary:
        return b""  # an empty file
    if fp.status is FileStatus.DELETED:
        if fp.binary and data is not None and fp.index:
            _check_id(data, fp.index[0], path, "the file does not hold what the patch deletes")
        return None
    if fp.binary_patch is not None:
        if fp.index and data is not None:
            _check_id(
                data,
                fp.index[0],
                path,
                "the file does not hold what the binary patch was made from",
            )
        result = apply_binary(data or b"", fp.binary_patch, path=path)
        if fp.index:
            _check_id(result, fp.index[1], path, "the binary patch does not give the file it names")
        return result
    if fp.hunks:
        text = (data or b"").decode("utf-8", "surrogateescape")
        lines = apply_file_patch(split_lines(text), fp, path=path)
        return join_lines(lines).encode("utf-8", "surrogateescape")
    return data
