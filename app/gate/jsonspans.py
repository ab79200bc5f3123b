"""JSON read with where each value sits in the text, so an edit can be textual.

``tether hooks install`` changes an agent's settings file by inserting text at
one place and ``uninstall`` by cutting exactly that text out again; every
other byte (key order, indentation, a trailing newline, Gemini CLI's
comments) stays as the user wrote it. ``json`` gives values but not places,
so this small reader gives both: a :class:`Node` per value with its span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
# The json module's own string reader (escapes, surrogates), untyped in typeshed.
scanstring = cast(Callable[[str, int, bool], tuple[str, int]], json.decoder.scanstring)  # type: ignore[attr-defined]


class JsonSpanError(ValueError):
    def __init__(self, message: str, pos: int, text: str) -> None:
        self.line = text.count("\n", 0, pos) + 1
        self.column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        super().__init__(f"{message} (line {self.line}, column {self.column})")
        self.message = message


@dataclass
class Node:
    """One value: ``text[start:end]`` is it. An object's members are
    (key, where the key starts, value); an array's items are nodes."""

    kind: str  # "object", "array" or "scalar"
    start: int
    end: int
    value: Any = None
    members: list[tuple[str, int, Node]] = field(default_factory=list)
    items: list[Node] = field(default_factory=list)

    def get(self, key: str) -> Node | None:
        found = None
        for name, _, node in self.members:
            if name == key:
                found = node  # the last one wins, as in JSON.parse
        return found

    def member_start(self, child: Node) -> int:
        for _, key_start, node in self.members:
            if node is child:
                return key_start
        raise ValueError("not a member")

    def elements(self) -> list[tuple[int, int, Node]]:
        """(start, end, value) of each member or item, in order."""
        if self.kind == "object":
            return [(start, node.end, node) for _, start, node in self.members]
        return [(node.start, node.end, node) for node in self.items]


def parse(text: str, *, comments: bool = False) -> Node:
    """The whole of ``text`` as one JSON value; ``JsonSpanError`` names the
    line and column of the first thing that is not JSON."""
    reader = _Reader(text, comments)
    pos = reader.space(0)
    node = reader.value(pos)
    end = reader.space(node.end)
    if end != len(text):
        raise JsonSpanError("unexpected text after the JSON value", end, text)
    return node


class _Reader:
    def __init__(self, text: str, comments: bool) -> None:
        self.text = text
        self.comments = comments

    def fail(self, message: str, pos: int) -> JsonSpanError:
        return JsonSpanError(message, pos, self.text)

    def space(self, pos: int) -> int:
        text = self.text
        while pos < len(text):
            char = text[pos]
            if char in " \t\r\n":
                pos += 1
            elif self.comments and text.startswith("//", pos):
                newline = text.find("\n", pos)
                pos = len(text) if newline < 0 else newline + 1
            elif self.comments and text.startswith("/*", pos):
                close = text.find("*/", pos + 2)
                if close < 0:
                    raise self.fail("unterminated comment", pos)
                pos = close + 2
            else:
                break
        return pos

    def value(self, pos: int) -> Node:
        text = self.text
        if pos >= len(text):
            raise self.fail("the file ends where a value should be", pos)
        char = text[pos]
        if char == "{":
            return self.container(pos, "}", object_=True)
        if char == "[":
            return self.container(pos, "]", object_=False)
        if char == '"':
            string, end = self.string(pos)
            return Node("scalar", pos, end, string)
        for word, literal in _LITERALS.items():
            if text.startswith(word, pos):
                return Node("scalar", pos, pos + len(word), literal)
        match = _NUMBER.match(text, pos)
        if match:
            return Node("scalar", pos, match.end(), json.loads(match.group()))
        raise self.fail(f"unexpected {text[pos]!r}", pos)

    def string(self, pos: int) -> tuple[str, int]:
        try:
            return scanstring(self.text, pos + 1, True)
        except ValueError:
            raise self.fail("a string is not closed or holds a control character", pos) from None

    def container(self, start: int, close: str, *, object_: bool) -> Node:
        node = Node("object" if object_ else "array", start, start)
        pos = self.space(start + 1)
        if self.text.startswith(close, pos):
            node.end = pos + 1
            node.value = {} if object_ else []
            return node
        while True:
            if object_:
                if not self.text.startswith('"', pos):
                    raise self.fail("expected a quoted key", pos)
                key, after = self.string(pos)
                colon = self.space(after)
                if not self.text.startswith(":", colon):
                    raise self.fail("expected ':' after the key", colon)
                child = self.value(self.space(colon + 1))
                node.members.append((key, pos, child))
            else:
                child = self.value(pos)
                node.items.append(child)
            pos = self.space(child.end)
            if self.text.startswith(",", pos):
                pos = self.space(pos + 1)
                continue
            if self.text.startswith(close, pos):
                node.end = pos + 1
                break
            raise self.fail(f"expected ',' or {close!r}", pos)
        if object_:
            node.value = {key: child.value for key, _, child in node.members}
        else:
            node.value = [child.value for child in node.items]
        return node
