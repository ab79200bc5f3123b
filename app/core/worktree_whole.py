"""The working tree's whole-file changes against the index (``tether review``):
a rename git's ``-M`` finds, a mode change alone (``chmod +x``), a symlink,
a binary file. Each is a ``WholeChange`` from the index's state (the entry's
path, mode and blob) to the disk's; accepting stages it (the old entry
removed, the new one added with the new mode), rejecting puts the disk back
to the index's state, as ``git add -p`` / ``git checkout -p`` would.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from app.core.errors import StaleFileError
from app.core.gitrepo import GitRepo, IndexEntry
from app.core.text import is_binary
from app.core.textdiff import diff_texts
from app.core.wholefile import GITLINK, LINK, State, WholeChange, describe, mode_of
from app.core.wholefile import read_state_bytes as read_state


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _is_text(data: bytes | None) -> bool:
    if data is None:
        return True
    if is_binary(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def build(
    root: Path,
    repo: GitRepo,
    path: str,
    old_path: str | None,
    entry: IndexEntry | None,
    clean: bytes | None,
) -> WholeChange | None:
    """The whole-file change of ``path`` (renamed from ``old_path``), or None
    when it is a change of lines. ``entry`` is the index entry of the old
    name; ``clean`` the disk's bytes as git would stage them."""
    disk_mode = mode_of(root, path)
    raw = read_state(root, path)
    renamed = old_path is not None and old_path != path
    if entry is not None and entry.mode == GITLINK:
        return None  # a submodule: listed with a note by the caller
    blob = repo.read_blob(entry.sha) if entry is not None else None
    link = LINK in ((entry.mode if entry else None), disk_mode)
    binary = not (_is_text(blob) and _is_text(clean))
    mode_only = (
        entry is not None
        and raw is not None
        and disk_mode is not None
        and entry.mode != disk_mode
        and clean == blob
    )
    # An empty file added or deleted has no line to show: the file is the change.
    empty = (blob is None) != (clean is None) and not (blob or clean)
    if not (renamed or link or binary or mode_only or empty):
        return None
    src = old_path if renamed else path
    # A mode alone keeps the disk's bytes (the index form may differ by eol).
    old_data = raw if mode_only else blob
    old = State(src if entry is not None else None, entry.mode if entry else None, old_data)
    new = State(path if raw is not None else None, disk_mode, raw)
    what = describe(old, new, binary=binary and not link)
    if renamed and not binary and not link and blob != clean:
        what += _lines_changed(blob, clean, path)
    return WholeChange(old, new, what)


def _lines_changed(old: bytes | None, new: bytes | None, path: str) -> str:
    """How much a renamed text file changed, for its header row."""
    patch, _blocks = diff_texts(
        (old or b"").decode("utf-8"), (new or b"").decode("utf-8"), path, context=0
    )
    return f" · content changed (+{patch.added} −{patch.removed} lines)"


def write_index(
    repo: GitRepo, frm: State, to: State, blobs: tuple[bytes | None, bytes | None]
) -> None:
    """Move the index from ``frm`` to ``to``, checking it holds ``frm`` first.
    ``blobs`` are the two states' bytes as git stages them (a link's: its target)."""
    paths = [p for p in {frm.path, to.path} if p is not None]
    entries = repo.index_entries(paths)
    frm_blob, to_blob = blobs
    if frm.path is not None:
        now = entries.get(frm.path)
        if now is None or now.mode != frm.mode or now.sha != _blob_id(frm_blob or b""):
            raise StaleFileError(
                "the index entry changed since it was read (staged elsewhere?)", path=frm.path
            )
    if to.path is not None and to.path != frm.path and to.path in entries:
        raise StaleFileError("already in the index (staged elsewhere?)", path=to.path)
    if to.path is not None:
        assert to.mode is not None
        sha = repo.write_blob(to_blob or b"")
        repo.set_index(to.path, to.mode, sha)
    if frm.path is not None and frm.path != to.path:
        repo.remove_from_index(frm.path)
