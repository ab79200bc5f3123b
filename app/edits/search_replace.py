"""aider-style SEARCH/REPLACE blocks, parsed one line at a time.

    path/to/file.py
    ```python
    <<<<<<< SEARCH
    lines to find
    =======
    lines to put there
    >>>>>>> REPLACE
    ```

The file name is the line before the opening fence, or before
``<<<<<<< SEARCH`` (up to three lines back, passing over fence lines); a
block without one reuses the previous block's file. An empty SEARCH section
means "create this file". The fences are optional. A block is complete at its
``>>>>>>> REPLACE`` line, so a streaming caller can show it at once.

Malformed blocks become :class:`EditError` items with the line of the
model's output where the block began; they never stop the parse.
"""

from __future__ import annotations

import re

from app.core.text import strip_eol
from app.edits.lines import LineBuffer
from app.edits.model import ORIGIN_SEARCH_REPLACE, Edit, EditError

HEAD = "<<<<<<< SEARCH"
DIVIDER = "======="
UPDATED = ">>>>>>> REPLACE"
# The markers as aider reads them: 5 to 9 marker characters, "SEARCH>" too.
_HEAD_RE = re.compile(r"<{5,9} SEARCH>?")
_DIVIDER_RE = re.compile(r"={5,9}")
_UPDATED_RE = re.compile(r">{5,9} REPLACE")
# Lines meant as a marker that it cannot be read as: refused, naming the line.
_NEAR_HEAD_RE = re.compile(r"<{2,}\s*SEARCH\b", re.IGNORECASE)
_NEAR_UPDATED_RE = re.compile(r">{2,}\s*REPLACE\b", re.IGNORECASE)

_FENCES = ("```", "~~~")
# Fences aider uses when the code itself contains triple backticks.
_TAG_FENCE = re.compile(r"</?(?:source|code|pre|codeblock|sourcecode)\b")
_LOOK_BACK = 3
_PATH_LIKE = re.compile(r"[\w./\\-]*[./\\][\w./\\-]*")

_OUTSIDE, _SEARCH, _REPLACE = "outside", "search", "replace"

_FORMAT_HINT = (
    "Each block must be: the file path alone on a line, then <<<<<<< SEARCH, the exact "
    "lines to find, =======, the new lines, and >>>>>>> REPLACE."
)


def clean_filename(line: str) -> str | None:
    """The path named by a line before a block, or None if it names none.

    Accepts the decorations models put around paths: ``# path``,
    ``**path**``, `` `path` ``, ``path:``, and Markdown-escaped underscores.
    """
    name = strip_eol(line).strip()
    if not name or name == "..." or _is_fence(name):
        return None
    name = name.rstrip(":").lstrip("#").strip().strip("`").strip("*").strip()
    if "\\" not in name.replace("\\_", ""):
        name = name.replace("\\_", "_")  # Markdown-escaped, unless a Windows path
    if not name or _is_marker(name) or not _plausible_path(name):
        return None
    return name


def _plausible_path(name: str) -> bool:
    """False for a line of prose ("Here is the fix", "Edit main.py as follows.")."""
    if name.endswith((".", "!", "?", ",", ";")):
        return False
    return not (any(c.isspace() for c in name) and not any(c in name for c in "./\\"))


def _is_marker(text: str) -> bool:
    return any(r.fullmatch(text) for r in (_HEAD_RE, _DIVIDER_RE, _UPDATED_RE))


def _is_fence(line: str) -> bool:
    text = line.strip()
    return text.startswith(_FENCES) or _TAG_FENCE.match(text) is not None


class SearchReplaceStream:
    """Feed model output in arbitrary pieces; get each block as it completes."""

    def __init__(self) -> None:
        self._lines = LineBuffer()
        self._line_no = 0
        self._recent: list[str] = []
        self._state = _OUTSIDE
        self._path: str | None = None
        self._last_path: str | None = None
        self._start = 0
        self._search: list[str] = []
        self._replace: list[str] = []
        self._index = 0

    def feed(self, delta: str) -> list[Edit | EditError]:
        """Consume more output; return the blocks completed by it, in order."""
        out: list[Edit | EditError] = []
        for line in self._lines.feed(delta):
            self._line(line, out)
        return out

    def close(self) -> list[Edit | EditError]:
        """The output has ended: finish a last line without a newline, and
        report a block that was never terminated."""
        out: list[Edit | EditError] = []
        last = self._lines.close()
        if last:
            self._line(last, out)
        if self._state != _OUTSIDE:
            missing = DIVIDER if self._state == _SEARCH else UPDATED
            out.append(self._error(f"incomplete block at line {self._start}: no {missing} line"))
            self._state = _OUTSIDE
        return out

    # -- the line state machine ------------------------------------------------

    def _line(self, raw: str, out: list[Edit | EditError]) -> None:
        self._line_no += 1
        marker = raw.strip()
        head = _HEAD_RE.fullmatch(marker) is not None
        if self._state == _OUTSIDE:
            if head:
                self._begin(self._filename())
            elif _NEAR_HEAD_RE.match(marker):
                out.append(self._near_miss(marker, HEAD, "'<' (5 to 9)"))
            else:
                self._recent = (self._recent + [raw])[-_LOOK_BACK:]
        elif self._state == _SEARCH:
            if _DIVIDER_RE.fullmatch(marker):
                self._state = _REPLACE
            elif head:
                out.append(self._error(f"block at line {self._start} has no {DIVIDER} line"))
                self._restart(self._search)
            elif _UPDATED_RE.fullmatch(marker):
                out.append(self._error(f"block at line {self._start} has no {DIVIDER} line"))
                self._end()
            else:
                self._search.append(raw)
        elif _UPDATED_RE.fullmatch(marker) or _DIVIDER_RE.fullmatch(marker):
            # A second ======= also ends the block: models write it for
            # >>>>>>> REPLACE, and the format cannot carry it as content.
            out.append(self._finish())
            self._end()
        elif head:
            out.append(self._error(f"block at line {self._start} has no {UPDATED} line"))
            self._restart(self._replace)
        elif _NEAR_UPDATED_RE.match(marker):
            out.append(self._near_miss(marker, UPDATED, "'>' (5 to 9)"))
            self._end()
        else:
            self._replace.append(raw)

    def _near_miss(self, marker: str, meant: str, count: str) -> EditError:
        """A line meant as a marker that cannot be read as one: said, never dropped."""
        self._start = self._line_no
        return self._error(
            f"line {self._line_no}: {marker!r} is not read as {meant!r}; "
            f"write {meant} ({count}, one space, then the word)"
        )

    def _filename(self) -> str | None:
        """The file named just before this block, else the previous block's."""
        for line in reversed(self._recent):
            name = clean_filename(line)
            if name:
                return name
            if not _is_fence(line):
                break
        return self._last_path

    def _restart(self, previous: list[str]) -> None:
        """A new block began inside an unfinished one: its file is named by
        a path-like last line of the unfinished block, else the same file."""
        name = clean_filename(previous[-1]) if previous else None
        if name is None or not _PATH_LIKE.fullmatch(name):
            name = self._path
        self._begin(name)

    def _begin(self, path: str | None) -> None:
        self._state = _SEARCH
        self._path = path
        self._start = self._line_no
        self._search = []
        self._replace = []

    def _end(self) -> None:
        self._state = _OUTSIDE
        self._recent = []

    def _finish(self) -> Edit | EditError:
        if self._path is None:
            return self._error(
                f"block at line {self._start} has no file name: put the path alone on the "
                "line before the opening fence"
            )
        self._last_path = self._path
        old, new = "".join(self._search), "".join(self._replace)
        edit = Edit(
            path=self._path,
            kind="replace" if old.strip() else "create",
            old=old if old.strip() else "",
            new=new,
            origin=ORIGIN_SEARCH_REPLACE,
            index=self._index,
            source_line=self._start,
        )
        self._index += 1
        return edit

    def _error(self, message: str) -> EditError:
        error = EditError(
            message,
            for_model=f"Malformed SEARCH/REPLACE block: {message}. {_FORMAT_HINT}",
            index=self._index,
        )
        error.line = self._start  # the message names it already
        self._index += 1
        return error


def parse_search_replace(text: str) -> tuple[list[Edit], list[EditError]]:
    """All blocks of a complete reply: the edits, and the malformed blocks."""
    stream = SearchReplaceStream()
    items = stream.feed(text) + stream.close()
    edits = [item for item in items if isinstance(item, Edit)]
    errors = [item for item in items if isinstance(item, EditError)]
    return edits, errors
