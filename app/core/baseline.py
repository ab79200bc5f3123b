"""Watch mode outside git: the accepted state is a snapshot Tether keeps.

The first ``tether watch`` in a folder records every text file's content in
the state directory (blob store + a manifest); from then on every difference
between that baseline and the disk is a pending hunk. Accept moves the hunk
into the baseline; reject reverts it on disk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.core.atomic import atomic_write, read_bytes_in_root
from app.core.backends import IndexView, OriginalLookup, ProposalStore, _write_worktree, encode
from app.core.blobs import BlobStore, sha_of
from app.core.errors import BinaryFileError, StaleFileError, UnsafePathError
from app.core.model import FileReview, FileStatus, Side
from app.core.secrets import secret_file
from app.core.text import decode_text, is_binary

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    ".venv",
    "venv",
    ".tox",
    ".mypy_cache",
}
MAX_BYTES = 8 * 1024 * 1024


def scan(root: Path) -> dict[str, bytes]:
    """Every regular, non-hidden-dir file under ``root`` (text or not)."""
    found: dict[str, bytes] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            try:
                if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
                    continue
                found[path.relative_to(root).as_posix()] = path.read_bytes()
            except OSError:
                continue  # deleted mid-walk, or unreadable: not something to review

    return found


class BaselineBackend:
    accepted_side = Side.BASELINE
    proposed_side = Side.WORKTREE
    kind = "baseline"
    proposals: ProposalStore | None = None
    index: IndexView | None = None  # only Tether writes the baseline

    def set_original(self, lookup: OriginalLookup) -> None:
        pass  # the baseline is the accepted side: nothing to reopen

    def __init__(self, root: Path, state: Path) -> None:
        self.root = root
        self.blobs = BlobStore(state / "baseline-blobs")
        self.manifest_path = state / "baseline.json"
        if self.manifest_path.exists():
            self.manifest: dict[str, str] = json.loads(
                self.manifest_path.read_text(encoding="utf-8")
            )
        else:
            # Secrets (by name, link or content) are never copied into the state dir.
            self.manifest = {
                rel: self.blobs.put(data)
                for rel, data in scan(root).items()
                if not secret_file(root, rel, data)
            }
            self._save()
        # Files left out of the review because they hold secrets (last listing).
        self.withheld: list[str] = []

    def _save(self) -> None:
        data = json.dumps(self.manifest, indent=0, sort_keys=True).encode()
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.manifest_path.parent, self.manifest_path.name, data)

    def files(self) -> list[FileReview]:
        current = scan(self.root)
        manifest = dict(self.manifest)  # a copy: a watcher thread may be listing
        out = []
        withheld = []
        for rel in sorted(set(current) | set(manifest)):
            base = manifest.get(rel)
            now = current.get(rel)
            if base is not None and now is not None and sha_of(now) == base:
                continue
            if now is not None and secret_file(self.root, rel, now):
                # Not reviewed: a baseline of it would be a copy of the secret,
                # and listing it as deleted would let n overwrite it.
                withheld.append(rel)
                continue
            status = (
                FileStatus.ADDED
                if base is None
                else FileStatus.DELETED
                if now is None
                else FileStatus.MODIFIED
            )
            out.append(FileReview(rel, status))
        self.withheld = withheld
        return out

    def file_for(self, path: str) -> FileReview | None:
        return FileReview(path, FileStatus.MODIFIED)

    def load(self, fr: FileReview) -> None:
        try:
            base = self.manifest.get(fr.path)
            fr.accepted = None if base is None else decode_text(self.blobs.get(base), fr.path)
            data = read_bytes_in_root(self.root, fr.path)
            if data is not None and is_binary(data):
                raise BinaryFileError("binary file; listed, not diffed", path=fr.path)
            fr.proposed = None if data is None else decode_text(data, fr.path)
        except BinaryFileError as exc:
            fr.note = exc.message

    def read(self, side: Side, fr: FileReview) -> bytes | None:
        if side is Side.BASELINE:
            base = self.manifest.get(fr.path)
            return None if base is None else self.blobs.get(base)
        return read_bytes_in_root(self.root, fr.path)

    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None:
        if side is not Side.BASELINE:
            _write_worktree(self.root, fr.path, before, after)
            return
        expected = encode(before)
        if self.manifest.get(fr.path) != (None if expected is None else sha_of(expected)):
            raise StaleFileError("the baseline changed since it was read", path=fr.path)
        data = encode(after)
        if data is None:
            self.manifest.pop(fr.path, None)
        else:
            secret = secret_file(self.root, fr.path, data)
            if secret:
                raise UnsafePathError(
                    f"not accepted: {secret}; outside git Tether keeps no copy of a secret",
                    path=fr.path,
                )
            self.manifest[fr.path] = self.blobs.put(data)
        self._save()
