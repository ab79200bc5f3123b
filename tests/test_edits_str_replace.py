"""Anthropic text editor tool inputs, and applying them with the documented errors."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.errors import ApplyError
from app.edits.apply import MANY_MATCHES_TEXT, NO_MATCH_TEXT, apply_edit
from app.edits.model import ORIGIN_TEXT_EDITOR, Edit, EditError
from app.edits.str_replace import edit_from_tool_input


def tool_edit(**fields: Any) -> Edit:
    return Edit(origin=ORIGIN_TEXT_EDITOR, index=3, **fields)


@pytest.mark.parametrize(
    ("input", "expected"),
    [
        ({"command": "view", "path": "a.py"}, None),
        ({"command": "view", "path": "/repo", "view_range": [1, 5]}, None),
        (
            {"command": "str_replace", "path": "a.py", "old_str": "x", "new_str": "y"},
            tool_edit(path="a.py", kind="replace", old="x", new="y"),
        ),
        (
            {"command": "str_replace", "path": "a.py", "old_str": "x"},
            tool_edit(path="a.py", kind="replace", old="x", new=""),
        ),
        (
            {"command": "create", "path": "n.py", "file_text": "print(1)\n"},
            tool_edit(path="n.py", kind="create", new="print(1)\n"),
        ),
        (
            {"command": "create", "path": "empty.txt", "file_text": ""},
            tool_edit(path="empty.txt", kind="create", new=""),
        ),
        (
            {"command": "insert", "path": "a.py", "insert_line": 2, "insert_text": "z\n"},
            tool_edit(path="a.py", kind="insert", new="z\n", insert_line=2),
        ),
        (
            {"command": "insert", "path": "a.py", "insert_line": 0, "new_str": "z\n"},
            tool_edit(path="a.py", kind="insert", new="z\n", insert_line=0),
        ),
    ],
)
def test_tool_inputs(input: dict, expected: Edit | None) -> None:
    assert edit_from_tool_input(input, 3) == expected


@pytest.mark.parametrize(
    ("input", "fragment"),
    [
        ([1, 2], "must be an object"),
        ({"path": "a"}, "Unrecognized command None"),
        ({"command": "undo_edit", "path": "a"}, "Unrecognized command 'undo_edit'"),
        ({"command": "delete", "path": "a"}, "`view`, `str_replace`, `create`, `insert`"),
        ({"command": "create", "file_text": "x"}, "Parameter `path` is required"),
        ({"command": "create", "path": " ", "file_text": "x"}, "Parameter `path` is required"),
        ({"command": "create", "path": 7, "file_text": "x"}, "`path` must be a string"),
        ({"command": "create", "path": "a"}, "Parameter `file_text` is required"),
        ({"command": "str_replace", "path": "a", "new_str": "y"}, "`old_str` is required"),
        ({"command": "str_replace", "path": "a", "old_str": ""}, "`old_str` must not be empty"),
        (
            {"command": "str_replace", "path": "a", "old_str": "x", "new_str": 3},
            "`new_str` must be a string",
        ),
        ({"command": "insert", "path": "a", "insert_text": "x"}, "`insert_line` is required"),
        (
            {"command": "insert", "path": "a", "insert_line": "2", "insert_text": "x"},
            "must be a whole number",
        ),
        (
            {"command": "insert", "path": "a", "insert_line": True, "insert_text": "x"},
            "must be a whole number",
        ),
        (
            {"command": "insert", "path": "a", "insert_line": -1, "insert_text": "x"},
            "Invalid `insert_line` parameter: -1",
        ),
        ({"command": "insert", "path": "a", "insert_line": 1}, "`insert_text` is required"),
    ],
)
def test_invalid_tool_inputs(input: Any, fragment: str) -> None:
    with pytest.raises(EditError) as info:
        edit_from_tool_input(input, 5)
    assert fragment in info.value.for_model
    assert info.value.index == 5


# -- applying -----------------------------------------------------------------


def str_replace(old: str, new: str) -> Edit:
    return tool_edit(path="a.py", kind="replace", old=old, new=new)


@pytest.mark.parametrize(
    ("current", "old", "new", "expected"),
    [
        ("x = 1\ny = 2\n", "y = 2", "y = 3", "x = 1\ny = 3\n"),
        ("def f(a, b):\n", "a, b", "a", "def f(a):\n"),  # inside a line
        ("a\nb\nc\n", "b\n", "", "a\nc\n"),
        # a model that saw a CRLF file with LF endings still matches, and CRLF stays
        ("a\r\nb\r\nc\r\n", "a\nb\n", "A\nB\nB2\n", "A\r\nB\r\nB2\r\nc\r\n"),
        ("a\r\nb\r\n", "a\r\n", "z\n", "z\r\nb\r\n"),
    ],
)
def test_apply_str_replace(current: str, old: str, new: str, expected: str) -> None:
    assert apply_edit(current, str_replace(old, new)) == expected


def test_str_replace_is_exact() -> None:
    # No whitespace leniency: the tool's contract is an exact match.
    with pytest.raises(EditError) as info:
        apply_edit("x = 1  \n", str_replace("x = 1\n", "x = 2\n"))
    assert info.value.for_model == NO_MATCH_TEXT


def test_str_replace_documented_errors() -> None:
    with pytest.raises(EditError) as info:
        apply_edit("a\n", str_replace("b", "c"))
    assert info.value.for_model == (
        "No match found for replacement. Please check your text and try again."
    )
    assert str(info.value) == "a.py: " + NO_MATCH_TEXT
    with pytest.raises(EditError) as info:
        apply_edit("v\nv\nw\nv\n", str_replace("v", "c"))
    assert info.value.for_model == (
        "Found 3 matches for replacement text. Please provide more context to make a unique match."
    )
    assert info.value.for_model == MANY_MATCHES_TEXT.format(n=3)
    assert "lines 1, 2, 4" in str(info.value)
    assert isinstance(info.value, ApplyError)
    assert info.value.title == "Edit does not match"


def test_missing_file() -> None:
    with pytest.raises(EditError) as info:
        apply_edit(None, str_replace("a", "b"))
    assert info.value.for_model == "The path a.py does not exist. Please provide a valid path."


def test_create() -> None:
    create = edit_from_tool_input({"command": "create", "path": "n.py", "file_text": "hi\n"}, 0)
    assert create is not None
    assert apply_edit(None, create) == "hi\n"
    with pytest.raises(EditError) as info:
        apply_edit("old\n", create)
    assert info.value.for_model == (
        "File already exists at: n.py. Cannot overwrite files using command `create`."
    )


@pytest.mark.parametrize(
    ("current", "line", "text", "expected"),
    [
        ("a\nb\n", 0, "z", "z\na\nb\n"),
        ("a\nb\n", 1, "z\n", "a\nz\nb\n"),
        ("a\nb\n", 2, "z\nw", "a\nb\nz\nw\n"),
        ("a\nb", 2, "z\n", "a\nb\nz\n"),
        ("a\nb", 2, "z", "a\nb\nz"),
        ("a\nb", 1, "z", "a\nz\nb"),
        ("", 0, "z\n", "z\n"),
        ("a\r\nb\r\n", 1, "z\nw\n", "a\r\nz\r\nw\r\nb\r\n"),
    ],
)
def test_apply_insert(current: str, line: int, text: str, expected: str) -> None:
    edit = tool_edit(path="a.py", kind="insert", new=text, insert_line=line)
    assert apply_edit(current, edit) == expected


@pytest.mark.parametrize(("current", "line"), [("a\nb\n", 3), ("", 1)])
def test_insert_out_of_range(current: str, line: int) -> None:
    edit = tool_edit(path="a.py", kind="insert", new="z", insert_line=line)
    size = current.count("\n")
    with pytest.raises(EditError) as info:
        apply_edit(current, edit)
    assert info.value.for_model == (
        f"Invalid `insert_line` parameter: {line}. It should be within the range of lines of "
        f"the file: [0, {size}]"
    )
    assert str(info.value).startswith("a.py: insert_line")


def test_insert_into_missing_file() -> None:
    with pytest.raises(EditError, match="does not exist"):
        apply_edit(None, tool_edit(path="a.py", kind="insert", new="z", insert_line=0))


def test_write_keeps_crlf() -> None:
    edit = Edit(path="a", kind="write", new="x\ny\n")
    assert apply_edit("old\r\n", edit) == "x\r\ny\r\n"
    assert apply_edit(None, edit) == "x\ny\n"
