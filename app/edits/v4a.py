"""OpenAI's V4A ``apply_patch`` format, parsed one line at a time.

    *** Begin Patch
    *** Update File: src/app.py
    *** Move to: src/main.py          (optional)
    @@ class App                      (optional context; several narrow further)
     context line
    -removed line
    +added line
    *** End of File                   (optional: the hunk ends the file)
    *** Add File: docs/new.md
    +content
    *** Delete File: old.txt
    *** End Patch

Each file section becomes one :class:`Edit`: ``create`` (Add), ``delete``,
``replace`` (Update, its hunks in ``chunks``) or ``move`` (Update with Move
to). In a stream a Delete is complete at its own line, an Add or Update at the
next file marker or ``*** End Patch``; an update *hunk* is complete at the
next ``@@`` or marker, and :attr:`V4AStream.partial` shows the hunks of the
file still being written. Text before ``*** Begin Patch`` and after ``*** End
Patch`` (prose, fences, heredoc lines) is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.core.text import strip_eol
from app.edits.lines import LineBuffer
from app.edits.model import (
    ADD_OP,
    CONTEXT_OP,
    ORIGIN_V4A,
    REMOVE_OP,
    Chunk,
    Edit,
    EditError,
)

BEGIN = "*** Begin Patch"
END = "*** End Patch"
ADD = "*** Add File:"
DELETE = "*** Delete File:"
UPDATE = "*** Update File:"
MOVE = "*** Move to:"
END_OF_FILE = "*** End of File"

# A unified-diff hunk header some models write instead of a bare "@@".
_UNIFIED_HEADER = re.compile(r"@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ?(.*)")

_FORMAT_HINT = (
    "Every line of an update hunk starts with ' ' (context), '-' (removed) or '+' (added); "
    "hunks start with '@@' or '@@ <a line above the change>'."
)


class _Section:
    """A file section being read."""

    def __init__(self, kind: str, path: str, line: int, index: int) -> None:
        self.kind = kind  # "add" | "update"
        self.path = path
        self.line = line
        self.index = index
        self.move_to: str | None = None
        self.chunks: list[Chunk] = []
        self.chunk: Chunk | None = None
        self.added: list[str] = []
        self.blanks = 0  # bare empty lines not yet known to be content

    def edit(self) -> Edit:
        if self.kind == "add":
            return Edit(
                path=self.path,
                kind="create",
                new="".join(t + "\n" for t in self.added),
                origin=ORIGIN_V4A,
                index=self.index,
                source_line=self.line,
            )
        return Edit(
            path=self.path,
            kind="move" if self.move_to else "replace",
            move_to=self.move_to,
            chunks=list(self.chunks),
            origin=ORIGIN_V4A,
            index=self.index,
            source_line=self.line,
        )


class V4AStream:
    """Feed patch text in arbitrary pieces; get each file's edit as it completes.

    Malformed sections come out as :class:`EditError` (with the line of the
    output) and the parse resumes at the next file marker. Show what comes
    out for review at once, but apply only once :meth:`close` has reported
    no error: a patch without ``*** End Patch`` may have been cut short.
    """

    def __init__(self, *, first_line: int = 1) -> None:
        self._lines = LineBuffer()
        self._line_no = first_line - 1
        self._in_patch = False
        self._begin_line = 0
        self._skipping = False
        self._section: _Section | None = None
        self._index = 0
        self.seen_patch = False
        # An indented "*** End Patch" in an update hunk, and the blank lines
        # after it: context if more hunk lines follow, the end if the reply
        # ends (models indent the last line too).
        self._held: list[tuple[int, str]] = []

    @property
    def partial(self) -> Edit | None:
        """The file section still being written, with its complete hunks
        (or, for an Add, its lines so far); None between sections."""
        section = self._section
        if section is None or (section.kind == "update" and not section.chunks):
            return None
        return section.edit()

    def feed(self, delta: str) -> list[Edit | EditError]:
        out: list[Edit | EditError] = []
        for line in self._lines.feed(delta):
            self._line(line, out)
        return out

    def close(self) -> list[Edit | EditError]:
        out: list[Edit | EditError] = []
        last = self._lines.close()
        if last:
            self._line(last, out)
        if self._held:
            self._held = []
            self._end_section(out)
            self._in_patch = False
        if self._in_patch:
            self._section = None
            self._in_patch = False
            out.append(
                self._error(
                    f"the patch begun at line {self._begin_line} has no '{END}' line "
                    "(the output may have been cut short)",
                    self._line_no,
                )
            )
        return out

    # -- the line state machine ------------------------------------------------

    def _line(self, raw: str, out: list[Edit | EditError]) -> None:
        self._line_no += 1
        text = strip_eol(raw)
        if self._held and self._release_held(text, out):
            return
        if not self._in_patch:
            if text.strip() == BEGIN:
                self._in_patch = self.seen_patch = True
                self._begin_line = self._line_no
            return
        section = self._section
        # Inside a file section a marker must start its line: " *** x" is context.
        marker = text.rstrip() if section is not None else text.strip()
        if marker == END or (section is not None and section.kind == "add" and text.strip() == END):
            self._end_section(out)
            self._in_patch = False
        elif section is not None and text.strip() == END:
            self._held = [(self._line_no, text)]
        elif section is not None and section.kind == "update" and marker == END_OF_FILE:
            self._end_chunk(section, out, end_of_file=True)
        elif marker.startswith("*** "):
            if section is not None and marker.startswith(MOVE) and self._may_move(section):
                section.move_to = self._path(marker, MOVE, out)
                return
            self._end_section(out)
            self._start_section(marker, out)
        elif self._skipping:
            return
        elif section is None:
            if marker:
                self._fail(
                    f"expected '{ADD} path', '{UPDATE} path', '{DELETE} path' or "
                    f"'{END}', got {text!r}",
                    out,
                )
        elif section.kind == "add":
            self._add_line(section, text, out)
        else:
            self._update_line(section, text, out)

    def _release_held(self, text: str, out: list[Edit | EditError]) -> bool:
        """Decide what a held indented ``*** End Patch`` was, given the next
        line; True when ``text`` is consumed (held as a blank after it)."""
        if not text.strip():
            self._held.append((self._line_no, text))
            return True
        held, self._held = self._held, []
        if text[:1] in (CONTEXT_OP, REMOVE_OP, ADD_OP) or text.startswith(("@@", "*** ")):
            now, section = self._line_no, self._section
            assert section is not None
            for number, line in held:  # the hunk goes on: they were its lines
                self._line_no = number
                self._update_line(section, line, out)
            self._line_no = now
        else:  # prose after the patch: the held line was its end
            self._end_section(out)
            self._in_patch = False
        return False

    @staticmethod
    def _may_move(section: _Section) -> bool:
        return (
            section.kind == "update"
            and section.move_to is None
            and not section.chunks
            and section.chunk is None
        )

    def _start_section(self, marker: str, out: list[Edit | EditError]) -> None:
        self._skipping = False
        for prefix, kind in ((ADD, "add"), (UPDATE, "update"), (DELETE, "delete")):
            if marker.startswith(prefix):
                path = self._path(marker, prefix, out)
                if path is None:
                    return
                if kind == "delete":
                    out.append(
                        Edit(
                            path=path,
                            kind="delete",
                            origin=ORIGIN_V4A,
                            index=self._index,
                            source_line=self._line_no,
                        )
                    )
                    self._index += 1
                else:
                    self._section = _Section(kind, path, self._line_no, self._index)
                    self._index += 1
                return
        self._fail(
            f"unknown marker {marker!r}; expected '{ADD}', '{UPDATE}', '{DELETE}', "
            f"'{MOVE}' (right after '{UPDATE}') or '{END}'",
            out,
        )

    def _path(self, marker: str, prefix: str, out: list[Edit | EditError]) -> str | None:
        path = marker[len(prefix) :].strip()
        if not path:
            self._fail(f"'{prefix}' without a path", out)
            return None
        return path

    def _add_line(self, section: _Section, text: str, out: list[Edit | EditError]) -> None:
        if text.startswith(ADD_OP):
            section.added.extend([""] * section.blanks)
            section.blanks = 0
            section.added.append(text[1:])
        elif not text.strip():
            section.blanks += 1
        else:
            self._fail(
                f"in '{ADD} {section.path}' every line must start with '+', got {text!r}", out
            )

    def _update_line(self, section: _Section, text: str, out: list[Edit | EditError]) -> None:
        if text.startswith("@@"):
            context = _context(text)
            chunk = section.chunk
            if chunk is not None and chunk.lines:
                self._end_chunk(section, out)
                chunk = None
            if chunk is None:
                chunk = section.chunk = Chunk(source_line=self._line_no)
            if context:
                chunk.contexts.append(context)
            section.blanks = 0
        elif text[:1] in (CONTEXT_OP, REMOVE_OP, ADD_OP) or not text.strip():
            if not text.strip() and text[:1] != CONTEXT_OP:
                section.blanks += 1  # content only if more hunk lines follow
                return
            chunk = section.chunk
            if chunk is None:
                if section.chunks:
                    self._fail(
                        f"in '{UPDATE} {section.path}' a new hunk must start with "
                        f"'@@', got {text!r}",
                        out,
                    )
                    return
                chunk = section.chunk = Chunk(source_line=self._line_no)
            if chunk.lines:  # blank lines before a hunk's first line separate hunks
                chunk.lines.extend([(CONTEXT_OP, "")] * section.blanks)
            section.blanks = 0
            chunk.lines.append((text[0], text[1:]))
        else:
            self._fail(
                f"unexpected line in '{UPDATE} {section.path}': {text!r}. " + _FORMAT_HINT, out
            )

    def _end_chunk(
        self, section: _Section, out: list[Edit | EditError], *, end_of_file: bool = False
    ) -> bool:
        """Close the hunk being read; False (and an error) if it has no lines."""
        chunk, section.chunk, section.blanks = section.chunk, None, 0
        if chunk is not None and chunk.lines:
            chunk.end_of_file = end_of_file
            section.chunks.append(chunk)
            return True
        if chunk is None and not end_of_file:
            return True
        where = chunk.source_line if chunk is not None else self._line_no
        self._fail(f"a hunk of '{UPDATE} {section.path}' has no lines", out, where, section)
        return False

    def _end_section(self, out: list[Edit | EditError]) -> None:
        section, self._section = self._section, None
        self._skipping = False
        if section is None:
            return
        if section.kind == "update":
            if not self._end_chunk(section, out):
                self._skipping = False
                return
            if not section.chunks and section.move_to is None:
                self._fail(f"'{UPDATE} {section.path}' has no changes", out, section.line, section)
                self._skipping = False
                return
        out.append(section.edit())

    def _fail(
        self,
        message: str,
        out: list[Edit | EditError],
        line: int | None = None,
        section: _Section | None = None,
    ) -> None:
        """Report a malformed section and skip to the next file marker."""
        section = section or self._section
        if section is not None:
            index = section.index
        else:
            index, self._index = self._index, self._index + 1
        self._section = None
        self._skipping = True
        out.append(self._error(message, line or self._line_no, index))

    @staticmethod
    def _error(message: str, line: int, index: int | None = None) -> EditError:
        return EditError(
            f"invalid patch: {message}",
            line=line,
            index=index,
            for_model=f"Invalid patch at line {line}: {message}",
        )


def _context(text: str) -> str:
    """The narrowing text of an ``@@`` line ("" for a bare ``@@``)."""
    unified = _UNIFIED_HEADER.fullmatch(text.strip())
    if unified:
        return unified.group(1).strip()
    return text[3:] if text.startswith("@@ ") else text[2:].strip()


def parse_v4a(text: str) -> list[Edit]:
    """Every file edit of a complete patch; the first malformation raises
    :class:`EditError` naming the line."""
    stream = V4AStream()
    items = stream.feed(text) + stream.close()
    for item in items:
        if isinstance(item, EditError):
            raise item
    if not stream.seen_patch:
        raise EditError(
            f"invalid patch: no '{BEGIN}' line",
            for_model=f"Invalid patch: the patch must start with '{BEGIN}'",
        )
    return [item for item in items if isinstance(item, Edit)]


def edit_from_apply_patch_operation(operation: Mapping[str, Any], index: int) -> Edit:
    """The edit of one Responses API ``apply_patch_call`` operation:
    ``{"type": "create_file" | "update_file" | "delete_file", "path", "diff"}``."""
    kind, path, diff = operation.get("type"), operation.get("path"), operation.get("diff", "")
    if not isinstance(path, str) or not path.strip():
        raise EditError("apply_patch operation has no path", index=index)
    if not isinstance(diff, str):
        raise EditError("apply_patch operation's diff is not text", path=path, index=index)
    if kind == "delete_file":
        return Edit(path=path, kind="delete", origin=ORIGIN_V4A, index=index)
    markers = {"create_file": ADD, "update_file": UPDATE}
    if kind not in markers:
        raise EditError(f"unknown apply_patch operation type {kind!r}", path=path, index=index)
    # Parse the diff as the body of a one-file patch, keeping its line numbers.
    stream = V4AStream(first_line=-1)
    body = diff if not diff or diff.endswith("\n") else diff + "\n"
    items = stream.feed(f"{BEGIN}\n{markers[kind]} {path}\n{body}{END}\n") + stream.close()
    for item in items:
        if isinstance(item, EditError):
            item.index = index
            raise item
    edits = [item for item in items if isinstance(item, Edit)]
    if len(edits) != 1:
        raise EditError("apply_patch diff holds more than one file section", path=path, index=index)
    edits[0].index, edits[0].source_line = index, None
    return edits[0]
