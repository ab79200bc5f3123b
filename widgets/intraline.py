"""Word-level spans that differ between a removed line and its added partner."""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

_WORD = re.compile(r"\w+|\s+|[^\w\s]")

Spans = tuple[tuple[int, int], ...]


@lru_cache(maxsize=4096)
def word_spans(old: str, new: str) -> tuple[Spans, Spans]:
    """Character spans changed in ``old`` and in ``new``; empty when the lines
    differ so much that highlighting words would only add noise."""
    if old == new or len(old) > 2000 or len(new) > 2000:
        return (), ()
    a = _WORD.findall(old)
    b = _WORD.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < 0.4:
        return (), ()
    a_pos = _offsets(a)
    b_pos = _offsets(b)
    old_spans: list[tuple[int, int]] = []
    new_spans: list[tuple[int, int]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            old_spans.append((a_pos[i1], a_pos[i2]))
        if j2 > j1:
            new_spans.append((b_pos[j1], b_pos[j2]))
    return tuple(old_spans), tuple(new_spans)


def _offsets(tokens: list[str]) -> list[int]:
    pos = [0]
    for tok in tokens:
        pos.append(pos[-1] + len(tok))
    return pos
