"""Anthropic's text editor tool (``str_replace_based_edit_tool``) inputs as edits.

Each ``tool_use`` block's ``input`` is one command: ``view`` (not an edit),
``str_replace {path, old_str, new_str}``, ``create {path, file_text}`` or
``insert {path, insert_line, insert_text}`` — older documentation names the
inserted text ``new_str``, and both are accepted. Since every edit is its own
``tool_use`` block, ``content_block_stop`` marks it complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.edits.model import ORIGIN_TEXT_EDITOR, Edit, EditError

TOOL_NAME = "str_replace_based_edit_tool"
EDIT_COMMANDS = ("str_replace", "create", "insert")
COMMANDS = ("view", *EDIT_COMMANDS)


def edit_from_tool_input(input: Mapping[str, Any], index: int) -> Edit | None:
    """The edit a text editor tool call asks for; None for ``view``.

    Raises :class:`EditError` (whose ``for_model`` is the tool result to send
    back) when the input is not a valid command.
    """
    if not isinstance(input, Mapping):
        raise _invalid(f"the tool input must be an object, not {type(input).__name__}", index)
    command = input.get("command")
    if command == "view":
        return None
    if command not in EDIT_COMMANDS:
        allowed = ", ".join(f"`{name}`" for name in COMMANDS)
        raise _invalid(
            f"Unrecognized command {command!r}. The allowed commands for the "
            f"{TOOL_NAME} tool are: {allowed}",
            index,
        )
    path = _text(input, "path", index, command)
    if not path.strip():
        raise _invalid(f"Parameter `path` is required for command: {command}", index)
    if command == "str_replace":
        old = _text(input, "old_str", index, command)
        if not old:
            raise _invalid(
                "Parameter `old_str` must not be empty for command: str_replace", index, path
            )
        new = _text(input, "new_str", index, command, default="")
        return Edit(
            path=path, kind="replace", old=old, new=new, origin=ORIGIN_TEXT_EDITOR, index=index
        )
    if command == "create":
        text = _text(input, "file_text", index, command)
        return Edit(path=path, kind="create", new=text, origin=ORIGIN_TEXT_EDITOR, index=index)
    line = input.get("insert_line")
    if isinstance(line, bool) or not isinstance(line, int):
        raise _invalid(
            "Parameter `insert_line` is required for command: insert and must be "
            f"a whole number, not {line!r}",
            index,
            path,
        )
    if line < 0:
        raise _invalid(
            f"Invalid `insert_line` parameter: {line}. It must be 0 or more", index, path
        )
    key = "insert_text" if "insert_text" in input else "new_str"
    text = _text(input, key, index, command)
    return Edit(
        path=path, kind="insert", new=text, insert_line=line, origin=ORIGIN_TEXT_EDITOR, index=index
    )


_MISSING = object()


def _text(
    input: Mapping[str, Any], key: str, index: int, command: str, default: object = _MISSING
) -> str:
    value = input.get(key)
    if value is None:
        if default is _MISSING:
            name = "insert_text" if command == "insert" else key
            raise _invalid(f"Parameter `{name}` is required for command: {command}", index)
        value = default
    if not isinstance(value, str):
        raise _invalid(f"Parameter `{key}` must be a string, not {type(value).__name__}", index)
    return value


def numbered(text: str, view_range: tuple[int, int] | None, path: str) -> str:
    """A ``view`` result as Anthropic documents it: each line led by its
    1-based number (``1: def f():``), only ``view_range`` when given
    (``[start, end]``, both included, ``end`` -1 for the end of the file).
    A range outside the file, or ending before it starts, is an EditError
    whose text goes back to the model as an error result."""
    lines = text.splitlines()
    first, last = 1, len(lines)
    if view_range is not None:
        start, end = view_range
        shown = f"[{start}, {end}]"
        if not 1 <= start <= max(len(lines), 1):
            raise _view_error(
                f"Invalid `view_range` parameter: {shown}. Its first element `{start}` should be "
                f"within the file's lines: [1, {len(lines)}]",
                path,
            )
        if end != -1 and end < start:
            raise _view_error(
                f"Invalid `view_range` parameter: {shown}. Its second element `{end}` should be "
                f"at least its first `{start}` (or -1 for the end of the file)",
                path,
            )
        if end > len(lines):
            raise _view_error(
                f"Invalid `view_range` parameter: {shown}. Its second element `{end}` should be "
                f"at most the number of lines in the file: {len(lines)}",
                path,
            )
        first, last = start, (len(lines) if end == -1 else end)
    return "\n".join(f"{n}: {lines[n - 1]}" for n in range(first, last + 1))


def listing(path: str, entries: list[str]) -> str:
    """A ``view`` of a directory: its non-hidden files and folders, two levels deep."""
    head = f"Here are the files and directories up to 2 levels deep in {path or '.'}, "
    head += "excluding hidden items:"
    return "\n".join([head, *entries])


def bad_view_range(shown: str, path: str) -> EditError:
    return _view_error(
        f"Invalid `view_range` parameter: {shown}. It should be a list of two integers",
        path,
    )


def _view_error(message: str, path: str) -> EditError:
    return EditError(message, path=path, for_model=f"Error: {message}")


def _invalid(message: str, index: int, path: str | None = None) -> EditError:
    return EditError(message, path=path, for_model=message, index=index)
