"""anchor.find_match: four levels of leniency, and ambiguity is always an error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.core.errors import ApplyError
from app.core.text import split_lines
from app.edits.anchor import (
    EXACT,
    PUNCTUATION,
    RSTRIP,
    STRIP,
    find_all,
    find_match,
    indent_shift,
    normalise_punctuation,
    reindent,
)
from app.edits.model import EditError

FILE = split_lines(
    "import os\n"
    "\n"
    "def greet(name):\n"
    "    print(\u201chello\u201d, name)   \n"
    "    return name \u2014 1\n"
    "\n"
    "def other():\n"
    "    pass\n"
)


@pytest.mark.parametrize(
    ("name", "needle", "start", "level"),
    [
        ("exact", ["def other():\n", "    pass\n"], 6, EXACT),
        ("without terminators", ["def other():", "    pass"], 6, EXACT),
        ("crlf needle", ["def other():\r\n", "    pass\r\n"], 6, EXACT),
        ("trailing whitespace", ["    print(\u201chello\u201d, name)"], 3, RSTRIP),
        ("indentation", ["def greet(name):", "print(\u201chello\u201d, name)"], 2, STRIP),
        ("more indentation", ["        return name \u2014 1"], 4, STRIP),
        ("curly quotes", ['    print("hello", name)'], 3, PUNCTUATION),
        ("em dash", ["    return name - 1"], 4, PUNCTUATION),
        ("nbsp", ["def\u00a0other():"], 6, PUNCTUATION),
    ],
)
def test_levels(name: str, needle: list[str], start: int, level: int) -> None:
    assert find_match(FILE, needle, path="a.py") == (start, level)
    assert first_match(FILE, needle, path="a.py") == start


def first_match(haystack: list[str], needle: list[str], **options: Any) -> int:
    """Where ``find_match`` places the needle (the start index)."""
    return find_match(haystack, needle, **options)[0]


def test_ascii_file_matches_typographic_needle() -> None:
    hay = ['say("hi") - now\n']
    assert first_match(hay, ["say(\u201chi\u201d) \u2013 now"], path="a") == 0


def test_first_level_with_matches_decides() -> None:
    # An exact match wins over a second place that only matches loosely.
    hay = ["x = 1\n", "    x = 1\n", "x = 1   \n"]
    assert find_match(hay, ["x = 1"], path="a") == (0, EXACT)
    # With no exact match, two places match ignoring indentation: ambiguous.
    with pytest.raises(EditError, match=r"matches 2 places \(lines 1, 2\)"):
        first_match(["  y\n", "    y\n"], ["y"], path="a")


def test_ambiguity_lists_lines_and_asks_for_context() -> None:
    hay = split_lines("a\nb\na\nb\nc\na\nb\n")
    with pytest.raises(EditError) as info:
        first_match(hay, ["a", "b"], path="src/x.py")
    error = info.value
    assert str(error) == (
        "src/x.py: the search text matches 3 places (lines 1, 3, 6); add more context"
    )
    assert error.path == "src/x.py"
    assert error.for_model == str(error)


def test_ambiguity_list_is_capped() -> None:
    with pytest.raises(EditError, match=r"matches 12 places \(lines 1, 2, .*, 10, …\)"):
        first_match(["z\n"] * 12, ["z"], path="a")


def test_no_match_names_path_and_first_line() -> None:
    with pytest.raises(EditError) as info:
        first_match(FILE, ["", "def missing():", "    pass"], path="pkg/mod.py")
    message = str(info.value)
    assert message.startswith("pkg/mod.py: no match")
    assert "'def missing():'" in message
    assert "3 lines" in message
    assert isinstance(info.value, ApplyError)
    assert info.value.title == "Edit does not match"


@pytest.mark.parametrize(
    ("hay", "needle", "kwargs", "expected"),
    [
        (["a", "b", "a", "b"], ["a"], {"start": 1}, 2),
        (["a", "b", "a", "b"], ["a", "b"], {"start": 2}, 2),
        (["a", "b", "a", "b"], ["b"], {"at_end": True}, 3),
        (["a", "b", "c"], ["b", "c"], {"at_end": True}, 1),
    ],
)
def test_start_and_at_end(hay: list[str], needle: list[str], kwargs: dict, expected: int) -> None:
    assert first_match(hay, needle, path="a", **kwargs) == expected


def test_at_end_refuses_an_earlier_match() -> None:
    with pytest.raises(EditError, match="at the end of the file"):
        first_match(["a", "b", "c"], ["a"], path="f", at_end=True)
    with pytest.raises(EditError, match="after line 2"):
        first_match(["a", "b", "c"], ["a"], path="f", start=2)


@pytest.mark.parametrize(
    ("hay", "needle"),
    [([], ["a"]), (["a"], ["a", "b"]), (["a", "b"], ["c"])],
)
def test_find_all_without_match(hay: list[str], needle: list[str]) -> None:
    assert find_all(hay, needle) == (-1, [])


def test_empty_needle_is_an_error() -> None:
    with pytest.raises(EditError, match="empty"):
        first_match(["a"], [], path="f")


def test_normalise_punctuation() -> None:
    text = "  \u2018a\u2019 \u201cb\u201d \u2212 c\u3000d "
    assert normalise_punctuation(text) == "'a' \"b\" - c d"


@pytest.mark.parametrize(
    ("file_lines", "needle", "shift"),
    [
        (["    a\n", "\n", "        b\n"], ["a", "", "    b"], ("", "    ")),
        (["a\n", "  b\n"], ["    a", "      b"], ("    ", "")),
        (["  a\n", "    b\n"], ["a", "a b"], None),
        (["  a\n", "   b\n"], ["a", "b"], None),
        (["a\n"], ["a"], ("", "")),
    ],
)
def test_indent_shift(file_lines: list[str], needle: list[str], shift: tuple | None) -> None:
    assert indent_shift(file_lines, needle) == shift


def test_reindent() -> None:
    assert reindent("x = 1\n", ("", "    ")) == "    x = 1\n"
    assert reindent("    x = 1\n", ("    ", "")) == "x = 1\n"
    assert reindent("\n", ("", "    ")) == "\n"


def test_edits_package_is_ui_free() -> None:
    code = (
        "import sys, app.edits\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == ""
