"""Selections for the transform tests: whole hunks, by index."""

from __future__ import annotations

from collections.abc import Iterable

from app.core.model import Hunk


def select_all(hunks: Iterable[Hunk]) -> dict[int, frozenset[int]]:
    return {i: frozenset(h.change_indices()) for i, h in enumerate(hunks)}


def select_hunks(hunks: list[Hunk], indices: Iterable[int]) -> dict[int, frozenset[int]]:
    return {i: frozenset(hunks[i].change_indices()) for i in indices}
