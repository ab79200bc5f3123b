"""Changes to a review session from outside it: a proposal arrived, a file
changed on disk (re-read, or its in-memory hunks re-anchored), a reload
(a base of ``ReviewSession``)."""

from __future__ import annotations

from pathlib import Path

from app.core.backends import encode, git_blob_sha
from app.core.errors import ApplyError, TetherError
from app.core.gitrepo import attributes_file
from app.core.model import FileReview, FileStatus, Hunk, Side
from app.core.paths import scratch_name
from app.core.text import join_lines, split_lines
from app.core.transform import reanchor_hunks
from app.review.history import History
from app.review.session_files import SessionFiles


class SessionChanges(SessionFiles):
    """Bringing the session's files up to date with proposals and the disk."""

    history: History

    # -- proposals, reloading, the disk --------------------------------------------

    def propose(self, path: str, proposed: str | None) -> FileReview:
        """Set the proposed text of ``path`` (an LLM edit arrived) and re-diff."""
        store = self.backend.proposals
        if store is None:
            raise ApplyError("this review does not take proposals", path=path)
        store.set_proposal(path, proposed)
        try:
            fr = self.file(path)
        except KeyError:
            fr = FileReview(path, FileStatus.MODIFIED)
            self.files.append(fr)
        with self._load_lock:
            fr.loaded = False
            fr.note = ""
            fr.stale = ""
        return self.ensure_loaded(fr)

    def proposed_text(self, path: str) -> str | None:
        """What an edit to ``path`` applies to: its proposal, else the disk."""
        try:
            fr = self.ensure_loaded(self.file(path))
        except KeyError:
            store = self.backend.proposals
            return store.current_text(path) if store is not None else None
        if fr.note:
            raise TetherError(fr.note, path=path)
        return fr.proposed

    def reload(self, fr: FileReview) -> None:
        """Read the file again (after a StaleFileError, or on request).

        A proposal held in memory is re-anchored on what is on disk now, not
        thrown away: hunks that still match exactly once move, the others are
        recorded in the journal and dropped.
        """
        if self.backend.proposed_side is Side.MEMORY and fr.loaded and fr.pending:
            self.reanchor(fr, force=True)
            return
        with self._load_lock:
            fr.loaded = False
            fr.note = ""
            fr.stale = ""
            fr.accepted = fr.proposed = None
        self.ensure_loaded(fr)

    def list_changes(self) -> list[FileReview] | None:
        """The files that differ now, when the disk is the proposed side (else
        None). Only reads, so a watcher thread may call it and hand the result
        to ``disk_changed``: in a big repository listing is the slow part."""
        if self.backend.proposed_side is Side.MEMORY:
            return None
        return self.backend.files()

    def needs_listing(self, paths: set[str]) -> bool:
        """Whether a batch of changed ``paths`` can change which files differ
        or their status (a new file, a deleted one, a folder, the index), so
        the listing — git over every file of the repository — must be asked;
        an edit of files already in the review needs only those files."""
        if self.backend.proposed_side is Side.MEMORY:
            return False
        known = {fr.path for fr in self.files}
        root = Path(self.backend.root)
        for path in paths:
            if path == ".git/index" or path not in known or attributes_file(path):
                return True
            try:
                if not (root / path).is_file():
                    return True
            except OSError:
                return True
        return False

    def disk_changed(self, paths: set[str], listing: list[FileReview] | None = None) -> set[str]:
        """Bring the review up to date with files changed on disk (watch mode,
        or anyone editing files while proposals are pending). ``listing`` is a
        ``list_changes()`` made after the changes, if the caller has one.
        Returns the paths whose hunks changed: a file that holds what the
        review already has (Tether's own write, say) is not among them."""
        touched: set[str] = set()
        index_changed = ".git/index" in paths
        paths = paths - {".git/index"}
        if self.backend.proposed_side is not Side.MEMORY:
            # The disk is the proposed side: re-read what changed, list what is new.
            listed = {fr.path: fr for fr in self.files}
            for fresh in listing if listing is not None else self.backend.files():
                known = listed.get(fresh.path)
                if known is None:
                    if scratch_name(fresh.path.rsplit("/", 1)[-1]):
                        continue  # an editor's backup mid-save: its removal is never seen
                    self.files.append(fresh)
                    touched.add(fresh.path)
                elif known.status != fresh.status:
                    known.status = fresh.status
                    touched.add(fresh.path)
            folders = tuple(p.rstrip("/") + "/" for p in paths)
            staged = self._index_changed() if index_changed else set()
            # New attributes can change how git cleans any file (eol, filters).
            every = any(attributes_file(p) for p in paths)
            for fr in self.files:
                # A folder moved in wholesale reports only the folder.
                changed = (
                    every or fr.path in paths or fr.path.startswith(folders) or fr.path in staged
                )
                if changed and self._loaded_now(fr) and self._reload_if_changed(fr):
                    touched.add(fr.path)
            return touched
        for path in paths:
            try:
                fr = self.file(path)
            except KeyError:
                continue
            if not self._loaded_now(fr) or self._holds_accepted(fr):
                continue
            if fr.pending:
                self.reanchor(fr)
            else:
                self.reload(fr)
            touched.add(path)
        return touched

    def _reload_if_changed(self, fr: FileReview) -> bool:
        before = (fr.accepted, fr.proposed, fr.note, fr.status)
        self.reload(fr)
        return (fr.accepted, fr.proposed, fr.note, fr.status) != before

    def _holds_accepted(self, fr: FileReview) -> bool:
        """Whether the accepted side on disk is what the review holds (so the
        event was Tether's own write, or a write of the same bytes)."""
        try:
            data = self.backend.read(self.backend.accepted_side, fr)
        except (TetherError, OSError):
            return False
        return data == encode(fr.accepted)

    def _loaded_now(self, fr: FileReview) -> bool:
        """Whether ``fr`` is loaded, waiting for a load in progress (the
        background diff) to finish: that load may have read the file before
        the change this asks about, so it must be reloaded too."""
        with self._load_lock:
            return fr.loaded

    def _index_changed(self) -> set[str]:
        """Loaded files whose index entry no longer holds the accepted text
        (staged elsewhere): one git call, and Tether's own accepts drop out."""
        index = self.backend.index
        loaded = [fr for fr in self.files if fr.loaded and not fr.note]
        if index is None or not loaded:
            return set()
        shas = index.accepted_shas([fr.path for fr in loaded])
        out = set()
        for fr in loaded:
            data = encode(fr.accepted)
            expected = None if data is None else git_blob_sha(data)
            if shas.get(fr.path) != expected:
                out.add(fr.path)
        return out

    def reanchor(self, fr: FileReview, *, force: bool = False) -> int:
        """Move pending in-memory hunks onto the file's current content.

        Each hunk's old side (context and removed lines) must match the new
        content in exactly one place. Without ``force``, one that does not
        marks the file stale and nothing moves; with ``force`` the others move
        and it is recorded in the journal and dropped. Returns hunks moved.
        """
        raw = self.backend.read(self.backend.accepted_side, fr)
        new_text = None if raw is None else raw.decode("utf-8", "surrogateescape")
        if new_text == fr.accepted or fr.patch is None:
            fr.stale = ""
            return 0
        out, lost = reanchor_hunks(split_lines(new_text or ""), fr.patch.hunks)
        moved = len(fr.patch.hunks) - len(lost)
        if lost and not force:
            fr.stale = (
                f"changed on disk after these hunks were shown; {len(lost)} of {len(fr.patch.hunks)} "
                "no longer match it exactly once. R re-anchors the others, n rejects"
            )
            fr.revision += 1
            return 0
        before = fr.proposed
        new_proposed = join_lines(out) if (new_text is not None or out) else None
        for hunk in lost:
            self.history.record_stale(fr, hunk.id, _hunk_text(hunk), before)
        self.backend.write(self.backend.proposed_side, fr, before, new_proposed)
        fr.accepted, fr.proposed, fr.stale = new_text, new_proposed, ""
        self._rediff(fr)
        return moved


def _hunk_text(hunk: Hunk) -> str:
    return hunk.header() + "\n" + "".join(ln.kind + ln.raw for ln in hunk.lines)
