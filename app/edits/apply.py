"""Applying one :class:`~app.edits.model.Edit` to a file's current text.

Pure: text in, text out, nothing touches the disk. ``None`` stands for a file
that does not exist (or no longer does, after a delete). Lines Tether adds
get the file's dominant line ending, and a file that did not end with a
newline still does not.
"""

from __future__ import annotations

import re

from app.core.text import dominant_eol, has_newline, split_lines, strip_eol
from app.edits.anchor import STRIP, find_first, find_match, indent_shift, reindent
from app.edits.model import (
    ADD_OP,
    CONTEXT_OP,
    ORIGIN_SEARCH_REPLACE,
    ORIGIN_TEXT_EDITOR,
    ORIGIN_V4A,
    Chunk,
    Edit,
    EditError,
)

NO_MATCH_TEXT = "No match found for replacement. Please check your text and try again."
MANY_MATCHES_TEXT = (
    "Found {n} matches for replacement text. Please provide more context to make a unique match."
)

_BARE_LF = re.compile(r"(?<!\r)\n")

# How to tell each format's model what to do instead of re-creating a file.
_EXISTS_HINT = {
    ORIGIN_TEXT_EDITOR: "Cannot overwrite files using command `create`.",
    ORIGIN_V4A: "Use '*** Update File:' to change it.",
    ORIGIN_SEARCH_REPLACE: "Put the lines to change in the SEARCH section.",
}


def apply_edit(current: str | None, edit: Edit) -> str | None:
    """The file's text after ``edit``; ``current`` is None when the file is absent.

    - ``replace`` with ``chunks`` applies V4A hunks (:func:`apply_chunks`);
      from the text editor tool it is an exact, single-occurrence string
      replacement with Anthropic's documented errors; otherwise (SEARCH/
      REPLACE) ``old`` is whole lines found by :func:`~app.edits.anchor.find_match`.
    - ``create`` refuses to overwrite a file with content (an empty one is fine).
    - ``move`` returns the text of the file at ``edit.move_to``; the file at
      ``edit.path`` is gone.

    Raises :class:`EditError`; its ``for_model`` is the text for the model.
    """
    if edit.kind == "create":
        if current:
            hint = _EXISTS_HINT.get(edit.origin, "")
            raise EditError(
                "file already exists; a create would overwrite it",
                path=edit.path,
                for_model=f"File already exists at: {edit.path}. {hint}".rstrip(),
            )
        return edit.new
    if edit.kind == "write":
        return edit.new if current is None else with_eol(edit.new, _file_eol(current))
    if current is None:
        raise EditError(
            f"file does not exist, so it cannot be {_VERB.get(edit.kind, 'changed')}",
            path=edit.path,
            for_model=f"The path {edit.path} does not exist. Please provide a valid path.",
        )
    if edit.kind == "delete":
        return None
    if edit.kind == "insert":
        return _insert(current, edit)
    if edit.kind == "move":
        return apply_chunks(current, edit.chunks, path=edit.path)
    if edit.kind == "replace":
        if edit.chunks:
            return apply_chunks(current, edit.chunks, path=edit.path)
        if edit.origin == ORIGIN_TEXT_EDITOR:
            return _str_replace(current, edit)
        return _replace_lines(current, edit)
    raise EditError(f"unknown edit kind {edit.kind!r}", path=edit.path)


_VERB = {"delete": "deleted", "insert": "inserted into", "move": "moved", "replace": "edited"}


def with_eol(text: str, eol: str) -> str:
    """``text`` with every bare ``\\n`` turned into ``eol``."""
    return _BARE_LF.sub(eol, text) if eol == "\r\n" else text


def _file_eol(text: str) -> str:
    return dominant_eol(split_lines(text))


def _finish(lines: list[str], *, eol: str, final_newline: bool) -> str:
    """Join lines, giving every line but the last a terminator, and the last
    one a terminator only if the original file's last line had one."""
    out = [line if has_newline(line) else line + eol for line in lines]
    if out and not final_newline:
        out[-1] = strip_eol(out[-1])
    return "".join(out)


def _as_lines(text: str, eol: str) -> list[str]:
    return [strip_eol(line) + eol for line in split_lines(text)]


def _str_replace(current: str, edit: Edit) -> str:
    """The text editor's ``str_replace``: ``old`` must occur exactly once, verbatim
    (a model that saw a CRLF file with LF endings still matches)."""
    eol = _file_eol(current)
    old, new = edit.old, with_eol(edit.new, eol)
    if not old:
        raise EditError(
            "old_str is empty", path=edit.path, for_model="Parameter `old_str` must not be empty."
        )
    count = current.count(old)
    if count == 0 and eol == "\r\n" and with_eol(old, eol) != old:
        old = with_eol(old, eol)
        count = current.count(old)
    if count == 0:
        raise EditError(NO_MATCH_TEXT, path=edit.path, for_model=NO_MATCH_TEXT)
    if count > 1:
        starts = [m.start() for m in re.finditer(re.escape(old), current)]
        lines = ", ".join(str(current.count("\n", 0, s) + 1) for s in starts[:10])
        raise EditError(
            f"old_str matches {count} places (lines {lines}); add more context",
            path=edit.path,
            for_model=MANY_MATCHES_TEXT.format(n=count),
        )
    return current.replace(old, new, 1)


def _replace_lines(current: str, edit: Edit) -> str:
    """SEARCH/REPLACE: whole lines, located by :func:`find_match`; the
    replacement is re-indented when the model got the indentation uniformly
    wrong."""
    lines = split_lines(current)
    needle = split_lines(edit.old)
    if not edit.old.strip():
        raise EditError(
            "the SEARCH section is empty but the file exists",
            path=edit.path,
            for_model=f"{edit.path}: the file already exists; "
            + _EXISTS_HINT[ORIGIN_SEARCH_REPLACE],
        )
    start, level = find_match(lines, needle, path=edit.path)
    eol = dominant_eol(lines)
    new_lines = _as_lines(edit.new, eol)
    if level >= STRIP:
        shift = indent_shift(lines[start : start + len(needle)], needle)
        if shift is not None:
            new_lines = [reindent(line, shift) for line in new_lines]
    final_newline = has_newline(lines[-1])
    out = lines[:start] + new_lines + lines[start + len(needle) :]
    return _finish(out, eol=eol, final_newline=final_newline or not out)


def _insert(current: str, edit: Edit) -> str:
    lines = split_lines(current)
    at = edit.insert_line
    if at is None or not 0 <= at <= len(lines):
        text = (
            f"Invalid `insert_line` parameter: {at}. It should be within the range of "
            f"lines of the file: [0, {len(lines)}]"
        )
        raise EditError(
            f"insert_line {at} is outside the file (0–{len(lines)})", path=edit.path, for_model=text
        )
    eol = dominant_eol(lines)
    final_newline = not lines or has_newline(lines[-1])
    if at == len(lines) and edit.new:
        # Inserted after the last line: the file ends without a newline only if
        # neither it nor the inserted text had one.
        final_newline = final_newline or has_newline(edit.new)
    out = lines[:at] + _as_lines(edit.new, eol) + lines[at:]
    return _finish(out, eol=eol, final_newline=final_newline)


def apply_chunks(current: str, chunks: list[Chunk], *, path: str) -> str:
    """Apply V4A update hunks in order, each found after the previous one.

    A hunk's first ``@@`` context line must match exactly once after the
    previous hunk; each further ``@@`` line (stacked: ``@@ class B`` then
    ``@@     def f():``) is the nearest match after the one before, and so
    are the hunk's old lines after its last ``@@`` line, as OpenAI's tool
    reads them. A hunk without ``@@`` lines must match exactly once (a hunk
    may repeat its last ``@@`` line as its first line). Context lines keep
    the file's own text; added lines get the file's line ending. A hunk with
    no old lines goes right after its ``@@`` context, or at the end of the
    file when it has none, and does not move where the next hunk is sought.
    """
    lines = split_lines(current)
    eol = dominant_eol(lines)
    final_newline = not lines or has_newline(lines[-1])
    pos = 0
    replacements: list[tuple[int, int, list[str]]] = []
    for chunk in chunks:
        old_lines = chunk.old_lines
        for n, context in enumerate(chunk.contexts, start=1):
            find = find_match if n == 1 else find_first
            pos = find(lines, [context], path=path, start=pos, what="@@ context line")[0]
            # Models often repeat the @@ line as the hunk's first line: let it match there.
            repeated = bool(old_lines) and old_lines[0].strip() == context.strip()
            if not (repeated and n == len(chunk.contexts)):
                pos += 1
        ops = chunk.lines
        if not old_lines:
            at = len(lines) if chunk.end_of_file or not chunk.contexts else pos
            replacements.append((at, 0, [text + eol for _, text in ops]))
            continue
        start, level, ops = _locate(
            lines,
            ops,
            path=path,
            start=pos,
            at_end=chunk.end_of_file,
            nearest=bool(chunk.contexts),
        )
        size = sum(1 for op, _ in ops if op != ADD_OP)
        shift = None
        if level >= STRIP:
            old = [text for op, text in ops if op != ADD_OP]
            shift = indent_shift(lines[start : start + size], old)
        new: list[str] = []
        k = start
        for op, text in ops:
            if op == CONTEXT_OP:
                new.append(lines[k])
            elif op == ADD_OP:
                new.append(reindent(text, shift) + eol if shift else text + eol)
            k += op != ADD_OP
        replacements.append((start, size, new))
        pos = start + size
    # An addition at the end of the file may precede hunks found earlier in
    # it; the sort is stable, so additions at one place keep their order.
    for start, size, new in reversed(sorted(replacements, key=lambda r: r[0])):
        lines[start : start + size] = new
    return _finish(lines, eol=eol, final_newline=final_newline)


def _locate(
    lines: list[str],
    ops: list[tuple[str, str]],
    *,
    path: str,
    start: int,
    at_end: bool,
    nearest: bool = False,
) -> tuple[int, int, list[tuple[str, str]]]:
    """Find a hunk's old lines (the nearest after ``start`` when ``nearest``,
    else the only one); if that fails and the hunk ends in blank context
    lines (often a separator, not file content), retry without them."""
    find = find_first if nearest else find_match
    old = [text for op, text in ops if op != ADD_OP]
    try:
        found, level = find(lines, old, path=path, start=start, at_end=at_end)
    except EditError as first:
        trimmed = list(ops)
        while trimmed and trimmed[-1][0] == CONTEXT_OP and not trimmed[-1][1].strip():
            trimmed.pop()
        old = [text for op, text in trimmed if op != ADD_OP]
        if len(trimmed) == len(ops) or not old:
            raise
        try:
            found, level = find(lines, old, path=path, start=start, at_end=at_end)
        except EditError:
            raise first from None
        return found, level, trimmed
    return found, level, ops
