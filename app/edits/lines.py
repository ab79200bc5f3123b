"""Splitting a model's streamed output into whole lines."""

from __future__ import annotations


class LineBuffer:
    """Takes deltas of any size; gives back each line once it has ended.

    The pieces of an unfinished line are kept in a list and joined once, when
    its newline arrives: joining at every delta makes one very long line
    quadratic.
    """

    def __init__(self) -> None:
        self._pending: list[str] = []

    def feed(self, delta: str) -> list[str]:
        """The lines ``delta`` completes, each with its ``\\n``."""
        if "\n" not in delta:
            self._pending.append(delta)
            return []
        pieces = ("".join(self._pending) + delta).split("\n")
        rest = pieces.pop()
        self._pending = [rest] if rest else []
        return [piece + "\n" for piece in pieces]

    def close(self) -> str:
        """The last line, if it had no newline ("" otherwise)."""
        rest = "".join(self._pending)
        self._pending = []
        return rest
