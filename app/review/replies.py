"""A model's reply pasted from any chat window, as a patch to review.

``tether review FILE|-`` and ``tether apply FILE|-`` read a unified diff, a
V4A patch (OpenAI's ``apply_patch``: ``*** Begin Patch``) or aider's
SEARCH/REPLACE blocks; the format is told from the text, or forced with
``--format``. A reply's edits are applied in order, each to what the ones
before left (``app/edits``), against the working tree; each file's result
is diffed into hunks, so the review and the apply see an ordinary patch.
A block that does not match, or a malformed one, is refused naming it.
"""

from __future__ import annotations

import re
from pathlib import Path

from app.core.atomic import read_bytes_in_root
from app.core.errors import PatchParseError, TetherError
from app.core.model import Patch
from app.core.text import decode_text
from app.core.textdiff import diff_texts
from app.edits.apply import apply_edit
from app.edits.model import Edit, EditError
from app.edits.search_replace import parse_search_replace
from app.edits.v4a import parse_v4a

FORMATS = ("auto", "unified", "v4a", "search-replace")
_V4A = re.compile(r"^\s*\*\*\* Begin Patch\s*$", re.MULTILINE)
# aider reads 5 to 9 marker characters (app/edits/search_replace.py); a
# near miss is detected too, so that its block is refused naming the line.
_SEARCH = re.compile(r"^\s*<{2,}\s*SEARCH\b", re.MULTILINE | re.IGNORECASE)
_UNIFIED = re.compile(r"^(diff --git |--- \S|\+\+\+ \S|@@ -\d)", re.MULTILINE)


def detect(text: str) -> str:
    """``unified``, ``v4a`` or ``search-replace``: what the text holds. A
    unified diff's headers before any other marker win (a diff may quote a
    patch format in its lines)."""
    found = {
        name: match.start()
        for name, pattern in (("v4a", _V4A), ("search-replace", _SEARCH), ("unified", _UNIFIED))
        if (match := pattern.search(text))
    }
    return min(found, key=lambda name: found[name]) if found else "unified"


def reply_patch(text: str, fmt: str, root: Path, label: str) -> Patch:
    """The patch a V4A or SEARCH/REPLACE reply makes of the files under ``root``."""
    if fmt == "v4a":
        try:
            edits = parse_v4a(text)
        except EditError as exc:
            raise PatchParseError(f"V4A patch: {exc.message}", path=label, line=exc.line) from None
    else:
        edits, errors = parse_search_replace(text)
        if errors:
            first = errors[0]
            raise PatchParseError(
                f"SEARCH/REPLACE block: {first.message}", path=label, line=first.line
            )
    if not edits:
        raise PatchParseError(f"no file changes found in this {_NAMES[fmt]}", path=label, line=1)
    return _as_patch(edits, root, fmt)


_NAMES = {"v4a": "V4A patch", "search-replace": "SEARCH/REPLACE reply"}


def _as_patch(edits: list[Edit], root: Path, fmt: str) -> Patch:
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    moved: dict[str, str] = {}  # new path -> old
    for n, edit in enumerate(edits, 1):
        if edit.path not in after:
            before[edit.path] = after[edit.path] = _read(root, edit.path)
        try:
            text = apply_edit(after[edit.path], edit)
        except EditError as exc:
            where = f"{_NAMES[fmt]}, edit {n}" + (
                f" (line {edit.source_line})" if edit.source_line else ""
            )
            raise TetherError(f"{where}: {exc.message}", path=exc.path or edit.path) from None
        if edit.kind == "move" and edit.move_to:
            after[edit.path] = None
            if edit.move_to not in after:
                before[edit.move_to] = _read(root, edit.move_to)
            after[edit.move_to] = text
            moved[edit.move_to] = moved.pop(edit.path, edit.path)
        else:
            after[edit.path] = text
    files = []
    sources = set(moved.values())
    for path, text in after.items():
        if path in sources and text is None and before[path] is not None:
            continue  # the move's old name: its removal is the rename's
        old_path = moved.get(path)
        old_text = before[old_path] if old_path is not None else before[path]
        if old_text == text and old_path is None:
            continue
        fp, _blocks = diff_texts(old_text, text, path, old_path=old_path)
        files.append(fp)
    return Patch(files)


def _read(root: Path, path: str) -> str | None:
    data = read_bytes_in_root(root, path)
    return None if data is None else decode_text(data, path)
