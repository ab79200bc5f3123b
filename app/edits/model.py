"""What every edit-format parser produces: an :class:`Edit`, or an :class:`EditError`.

An ``Edit`` is one change to one file as the model proposed it, before it is
applied; :func:`app.edits.apply.apply_edit` turns it into new file content.

Kinds:

``replace``  swap ``old`` for ``new`` (SEARCH/REPLACE, text editor
             ``str_replace``), or apply ``chunks`` (a V4A ``Update File``)
``create``   a new file with content ``new`` (empty SEARCH, V4A ``Add File``,
             text editor ``create``)
``delete``   remove the file (V4A ``Delete File``)
``move``     a V4A ``Update File`` with ``Move to``: apply ``chunks`` (maybe
             none), and the result lives at ``move_to``
``insert``   insert ``new`` after line ``insert_line`` (0 = at the top)
``write``    replace the whole file with ``new`` (whole-file output)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from app.core.errors import ApplyError

EditKind = Literal["replace", "create", "delete", "move", "insert", "write"]

ORIGIN_SEARCH_REPLACE = "search_replace"
ORIGIN_V4A = "v4a"
ORIGIN_TEXT_EDITOR = "text_editor"

CONTEXT_OP = " "
REMOVE_OP = "-"
ADD_OP = "+"


@dataclass
class Chunk:
    """One V4A update hunk.

    ``contexts`` are the texts of its ``@@ …`` lines, outermost first (each
    narrows the search); ``lines`` are ``(op, text)`` pairs, op one of
    ``" "``, ``"-"``, ``"+"`` and text without its line terminator.
    ``end_of_file`` marks a hunk that must match at the end of the file.
    """

    contexts: list[str] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)
    end_of_file: bool = False
    source_line: int | None = None

    @property
    def old_lines(self) -> list[str]:
        """The lines the hunk expects in the file: context and removed lines."""
        return [text for op, text in self.lines if op != ADD_OP]

    @property
    def new_lines(self) -> list[str]:
        """The lines it leaves there: context and added lines."""
        return [text for op, text in self.lines if op != REMOVE_OP]


@dataclass
class Edit:
    """One proposed change to one file.

    ``origin`` names the format it came from (``ORIGIN_*``), ``index`` its
    position among the blocks/sections of the model's output (0-based), and
    ``source_line`` the 1-based line of the output where it began.
    """

    path: str
    kind: EditKind
    old: str = ""
    new: str = ""
    insert_line: int | None = None
    move_to: str | None = None
    chunks: list[Chunk] = field(default_factory=list)
    origin: str = ""
    index: int = 0
    source_line: int | None = None


class EditError(ApplyError):
    """A proposed edit is malformed or does not match the file.

    ``str(error)`` is for the user (it names the file, or the line of the
    model's output); :attr:`for_model` is the exact text to send back to the
    model as the failed tool result, so it can correct itself.
    """

    title = "Edit does not match"

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        for_model: str | None = None,
        index: int | None = None,
    ) -> None:
        super().__init__(message, path=path, line=line)
        self._for_model = for_model
        self.index = index

    @property
    def for_model(self) -> str:
        if self._for_model is not None:
            return self._for_model
        return str(self)
