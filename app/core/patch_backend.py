"""``PatchBackend``: a patch file, stdin or a revision applied on top of
the working tree. Accepted = the working tree, proposed = memory: accept
writes the working tree, reject changes only memory. A file's sections are
applied in turn as git applies them; a whole-file section (a rename, a
mode, a link, a binary file, an empty file) is one ``WholeChange``.
"""

from __future__ import annotations

from pathlib import Path

from app.core import wholefile, wholepatch
from app.core.atomic import atomic_delete, read_bytes_in_root
from app.core.backends import (
    IndexView,
    OriginalLookup,
    ProposalStore,
    _write_worktree,
    encode,
)
from app.core.errors import ApplyError, BinaryFileError, PatchParseError, UnsafePathError
from app.core.model import FilePatch, FileReview, FileStatus, Patch, Side
from app.core.patchapply import apply_sections
from app.core.patchnames import choose_name
from app.core.paths import resolve_in_root
from app.core.text import decode_text
from app.core.wholepatch import is_whole, refusal


class PatchBackend:
    accepted_side = Side.WORKTREE
    proposed_side = Side.MEMORY
    kind = "patch"
    proposals: ProposalStore | None = None
    index: IndexView | None = None

    def __init__(self, root: Path, patch: Patch) -> None:
        self.root = root
        self.patch = patch
        # Set by the session: the text a file had before this review's first
        # write to it, so a partly accepted patch can be reopened.
        self.original: OriginalLookup = lambda _path, _now: None
        # Path -> the patch's sections for it, in order (files() fills it).
        self.sections: dict[str, list[FilePatch]] = {}
        # Path -> its text when first read (a mode change is undone with it).
        self._first_text: dict[str, str | None] = {}

    def set_original(self, lookup: OriginalLookup) -> None:
        self.original = lookup

    def _exists(self, name: str) -> bool:
        try:
            return resolve_in_root(self.root, name).is_file()
        except (UnsafePathError, OSError):
            return False  # refused by load, which checks every path it is given

    def files(self) -> list[FileReview]:
        out = []
        self.sections = {}
        for fp in (choose_name(parsed, self._exists) for parsed in self.patch.files):
            # git applies a file's later sections to what the earlier left:
            # one file of the review, its sections applied in turn by load.
            if fp.path in self.sections:
                self.sections[fp.path].append(fp)
                continue
            self.sections[fp.path] = [fp]
            fr = FileReview(fp.path, fp.status, old_path=fp.old_path, source_patch=fp)
            if is_whole(fp):
                fr.note = refusal(fp)
            out.append(fr)
        return out

    def file_for(self, path: str) -> FileReview | None:
        return None  # every file of a patch is always listed

    def load(self, fr: FileReview) -> None:
        fp = fr.source_patch
        assert fp is not None
        fr.whole = None
        if fr.note:
            return
        sections = self.sections.get(fp.path, [fp])
        if any(is_whole(part) for part in sections):
            self._load_whole(fr, sections)
            return
        try:
            # Every path the patch names is checked before anything is read or written.
            sections = self.sections.get(fp.path, [fp])
            for named in {n for part in sections for n in (part.path, part.old_path)} - {None}:
                resolve_in_root(self.root, str(named))
            src = fp.path if fp.status is FileStatus.ADDED else (fp.old_path or fp.path)
            data = read_bytes_in_root(self.root, src)
            fr.accepted = None if data is None else decode_text(data, src)
            self._first_text.setdefault(fp.path, fr.accepted)
            if fp.status is FileStatus.COPIED:
                # A copy with changes is a new file: all of its lines are shown.
                fr.proposed = apply_sections(fr.accepted, sections, path=fp.path)
                fr.accepted, fr.status = None, FileStatus.ADDED
                return
            # A file this review already wrote (a patch reopened after some of it
            # was accepted) applies against the text it had before; anything
            # else must be exactly as the patch expects.
            original = self.original(fp.path, fr.accepted)
            try:
                fr.proposed = apply_sections(fr.accepted, sections, path=fp.path)
            except ApplyError:
                if original is None:
                    raise
                fr.proposed = apply_sections(original, sections, path=fp.path, existence=False)
            if fr.accepted is None and fp.may_create:
                fr.status = FileStatus.ADDED  # @@ -0,0 on a missing file creates it, as in git
            if fr.proposed is not None and "\0" in fr.proposed and "\0" not in (fr.accepted or ""):
                fr.proposed = None
                raise BinaryFileError(
                    "the patch would put a NUL byte (binary content) into this text file; refused",
                    path=fp.path,
                )
        except (ApplyError, BinaryFileError, PatchParseError, UnsafePathError) as exc:
            fr.note = str(exc)

    def _load_whole(self, fr: FileReview, sections: list[FilePatch]) -> None:
        if len(sections) > 1:
            fr.note = (
                "more than one section of the patch names this file, one of them a change "
                "of the whole file (a type change?); not applied"
            )
            return
        try:
            fr.whole = wholepatch.build(self.root, sections[0])
        except (ApplyError, BinaryFileError, UnsafePathError, OSError) as exc:
            fr.note = (
                str(exc) if not isinstance(exc, OSError) else f"cannot be read: {exc.strerror}"
            )

    def read(self, side: Side, fr: FileReview) -> bytes | None:
        if fr.whole is not None:
            done = fr.whole.state == "accepted"
            if side is Side.MEMORY:
                return fr.whole.old.data if fr.whole.state == "rejected" else fr.whole.new.data
            return wholefile.read_state_bytes(
                self.root, (fr.whole.new if done else fr.whole.old).path
            )
        if side is Side.MEMORY:
            return encode(fr.proposed)
        return read_bytes_in_root(self.root, self._accepted_path(fr))

    def _accepted_path(self, fr: FileReview) -> str:
        # Until the first accept, a renamed file's accepted text is at its old path.
        renamed = fr.old_path and fr.old_path != fr.path and fr.status is FileStatus.RENAMED
        if renamed and read_bytes_in_root(self.root, fr.path) is None:
            return str(fr.old_path)
        return fr.path

    def write(self, side: Side, fr: FileReview, before: str | None, after: str | None) -> None:
        if side is Side.MEMORY:
            return
        if fr.whole is not None:
            # Accept (and redo) move the disk to the new state; undo moves it back.
            change = fr.whole
            back = change.state == "accepted"
            wholefile.write(
                self.root, *((change.new, change.old) if back else (change.old, change.new))
            )
            return
        src = self._accepted_path(fr)
        mode = self._mode_for(fr, after)
        if src != fr.path:
            # The first accept of a renamed file performs the rename.
            _write_worktree(self.root, fr.path, None, after, mode=mode)
            atomic_delete(self.root, src, expected=encode(before))
            return
        _write_worktree(self.root, fr.path, before, after, mode=mode)

    def _mode_for(self, fr: FileReview, after: str | None) -> int | None:
        """A mode change that comes with text hunks is written with them: the
        new mode once any is accepted, the old one back when the text is."""
        fp = fr.source_patch
        if fp is not None and fp.status is FileStatus.ADDED and after is not None:
            return wholefile.file_mode(fp.new_mode) if fp.new_mode == wholefile.EXECUTABLE else None
        if fp is None or not fp.mode_changed or after is None:
            return None
        back = after == self._first_text.get(fr.path)
        return wholefile.file_mode(fp.old_mode if back else fp.new_mode)
