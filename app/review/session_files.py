"""The files of a review session: finding, loading and diffing them, and
what a command's hunk and line ids name in them now (a base of ``ReviewSession``)."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from pathlib import Path

from app.core import backends
from app.core.backends import Backend
from app.core.errors import ApplyError, GitError, HunkGoneError
from app.core.model import FileReview, FileStatus, Hunk, Side
from app.core.text import split_lines
from app.core.textdiff import block_fingerprint, diff_texts
from app.review.wholefiles import whole_patch

# Hunk id -> the ordinals of its chosen changed lines (None or empty: all of them).
Picks = Mapping[str, Collection[int] | None]


def line_ordinals(hunk: Hunk, indices: Collection[int]) -> frozenset[int]:
    """Indices into ``hunk.lines`` as ordinals among its changed lines."""
    changes = hunk.change_indices()
    return frozenset(changes.index(i) for i in indices if i in changes)


def parse_line_id(line_id: str) -> tuple[str, int]:
    """``"<hunk id>.<n>"`` -> (hunk id, n); ApplyError if it is not one."""
    hunk_id, _, nth = line_id.rpartition(".")
    if not hunk_id or not nth.isdigit():
        raise ApplyError(f"not a line id: {line_id!r} (expected <hunk id>.<n>)")
    return hunk_id, int(nth)


def refuse_whole(fr: FileReview, what: str) -> None:
    if fr.whole is not None:
        raise ApplyError(
            f"a change of the whole file ({fr.whole.what}) cannot be {what}", path=fr.path
        )


class SessionFiles:
    """The files of one source and their current diff. ``ReviewSession``
    sets these attributes; this part only reads and re-diffs them."""

    backend: Backend
    context: int
    files: list[FileReview]
    # Fingerprints of the change blocks shown as hunks of their own (``split_hunk``).
    split: set[str]
    _load_lock: threading.RLock

    # -- files -------------------------------------------------------------------

    def file(self, path: str) -> FileReview:
        for fr in self.files:
            if fr.path == path:
                return fr
        raise KeyError(path)

    def ensure_loaded(self, fr: FileReview) -> FileReview:
        """Read and diff ``fr`` if it is not yet. A file that cannot be read
        now (git failed, the disk said no) is listed with why; R retries."""
        with self._load_lock:
            if not fr.loaded:
                try:
                    self.backend.load(fr)
                except (GitError, OSError) as exc:
                    reason = (
                        exc.message if isinstance(exc, GitError) else (exc.strerror or str(exc))
                    )
                    fr.accepted = fr.proposed = None
                    fr.note = f"could not be read: {reason}; R tries again"
                self._rediff(fr)
                fr.loaded = True
        return fr

    def loaded(self, path: str) -> FileReview:
        """The file of ``path``, diffed; HunkGoneError if it is not in the review."""
        try:
            return self.ensure_loaded(self.file(path))
        except KeyError:
            raise HunkGoneError("this file is not part of the review", path=path) from None

    def is_large(self, fr: FileReview) -> bool:
        """Whether the file is too big to diff ahead of time: it is listed,
        and diffed when it is opened (``ensure_loaded``)."""
        if fr.loaded or self.backend.proposed_side is not Side.WORKTREE:
            return False
        try:
            return (Path(self.backend.root) / fr.path).stat().st_size > backends.LARGE_FILE
        except OSError:
            return False

    def _rediff(self, fr: FileReview) -> None:
        fr.revision += 1
        if fr.note:
            fr.patch = None
            return
        if fr.whole is not None:
            fr.patch = whole_patch(fr)
            return
        fr.patch, fr.blocks = diff_texts(
            fr.accepted,
            fr.proposed,
            fr.path,
            old_path=fr.old_path,
            context=self.context,
            split=self.split,
        )

    @property
    def pending(self) -> int:
        return sum(fr.pending for fr in self.files)

    @property
    def decided(self) -> int:
        return sum(fr.accepted_count + fr.rejected_count for fr in self.files)

    def _reconcile_file(self, path: str) -> FileReview:
        try:
            return self.file(path)
        except KeyError:
            return self.backend.file_for(path) or FileReview(path, FileStatus.MODIFIED)

    # -- what a command names ------------------------------------------------------

    def selection(self, fr: FileReview, picks: Picks) -> dict[int, frozenset[int]]:
        """Hunk ids (and line ordinals) -> the transform's selection by index.

        A hunk id that is not pending now, or a line ordinal the hunk does not
        have, is refused: the command was made for a state that is gone.
        """
        if not picks:
            if fr.empty_file_change:
                return {}  # the whole file: there is no hunk to name
            raise ApplyError("nothing selected", path=fr.path)
        hunks = fr.hunks
        index = {h.id: i for i, h in enumerate(hunks)}
        out: dict[int, frozenset[int]] = {}
        for hunk_id, ordinals in picks.items():
            position = index.get(hunk_id)
            if position is None:
                raise HunkGoneError(
                    f"hunk {hunk_id} is no longer pending (decided, or the file changed "
                    "since it was shown); nothing was written",
                    path=fr.path,
                )
            changes = hunks[position].change_indices()
            if not ordinals:
                out[position] = frozenset(changes)
                continue
            bad = [n for n in ordinals if not 0 <= n < len(changes)]
            if bad:
                raise HunkGoneError(
                    f"hunk {hunk_id} has no changed line {bad[0]} (it has {len(changes)})",
                    path=fr.path,
                )
            out[position] = frozenset(changes[n] for n in ordinals)
        return out

    # -- splitting ----------------------------------------------------------------

    def split_hunk(self, path: str, hunk_id: str) -> int:
        """Show each change of a hunk as its own hunk; how many it became (1:
        it has a single change, nothing happened)."""
        fr = self.loaded(path)
        (position,) = self.selection(fr, {hunk_id: None})
        refuse_whole(fr, "split; y or n decides it")
        if not fr.blocks and fr.hunks:
            self._rediff(fr)  # blocks are dropped when hunks were shifted in place
            position = next(i for i, h in enumerate(fr.hunks) if h.id == hunk_id)
        hunk = fr.hunks[position]
        old = split_lines(fr.accepted or "")
        new = split_lines(fr.proposed or "")
        start, end = hunk.old_start - (1 if hunk.old_len else 0), hunk.old_start + hunk.old_len
        inside = [
            b for b in fr.blocks if start <= b.old_start <= end and b.old_start + b.old_count <= end
        ]
        if len(inside) < 2:
            return 1
        self.split.update(block_fingerprint(fr.path, old, new, b) for b in inside)
        fr.was_split = True
        self._rediff(fr)
        return len(inside)
