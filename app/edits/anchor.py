"""Finding where a model's quoted lines are in a file — exactly once, or an error
(or, after a V4A ``@@`` line, the nearest: :func:`find_first`).

Matching is tried at four levels of leniency, as Codex's ``seek_sequence``
does: exact; ignoring trailing whitespace; ignoring leading and trailing
whitespace; and, last, also normalising typographic punctuation (curly
quotes, dashes, odd spaces) to ASCII. The first level with any match decides:
one match is the answer, several are an error listing them. Lines may be
given with or without their terminators; terminators never take part.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.text import strip_eol
from app.edits.model import EditError

EXACT, RSTRIP, STRIP, PUNCTUATION = 0, 1, 2, 3
LEVEL_NAMES = (
    "exact",
    "ignoring trailing whitespace",
    "ignoring indentation",
    "normalising punctuation",
)

# Code points Codex folds to ASCII in its last, most permissive pass.
_PUNCTUATION = str.maketrans(
    {
        **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
        **{c: "'" for c in "\u2018\u2019\u201a\u201b"},
        **{c: '"' for c in "\u201c\u201d\u201e\u201f"},
        **{
            c: " "
            for c in "\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
            "\u202f\u205f\u3000"
        },
    }
)

_MAX_LISTED = 10


def normalise_punctuation(text: str) -> str:
    return text.strip().translate(_PUNCTUATION)


_KEYS: tuple[Callable[[str], str], ...] = (
    lambda s: s,
    str.rstrip,
    str.strip,
    normalise_punctuation,
)


def find_all(
    haystack_lines: list[str], needle_lines: list[str], *, start: int = 0, at_end: bool = False
) -> tuple[int, list[int]]:
    """``(level, starts)`` for the first level with any match, or ``(-1, [])``.

    Only starts at or after ``start`` count; with ``at_end`` only a match that
    ends at the last line does.
    """
    size = len(needle_lines)
    last = len(haystack_lines) - size
    if size == 0 or last < start:
        return -1, []
    candidates = [last] if at_end else range(start, last + 1)
    hay = [strip_eol(line) for line in haystack_lines]
    needle = [strip_eol(line) for line in needle_lines]
    for level, key in enumerate(_KEYS):
        want = [key(line) for line in needle]
        keyed: dict[int, str] = {}

        def at(i: int, key: Callable[[str], str] = key, keyed: dict[int, str] = keyed) -> str:
            if i not in keyed:
                keyed[i] = key(hay[i])
            return keyed[i]

        found = [
            i
            for i in candidates
            if at(i) == want[0] and all(at(i + k) == want[k] for k in range(1, size))
        ]
        if found:
            return level, found
    return -1, []


def find_match(
    haystack_lines: list[str],
    needle_lines: list[str],
    *,
    path: str,
    start: int = 0,
    at_end: bool = False,
    what: str = "search text",
) -> tuple[int, int]:
    """``(start index, level)`` of the single match, or :class:`EditError`."""
    if not needle_lines:
        raise EditError(f"the {what} is empty", path=path)
    level, found = find_all(haystack_lines, needle_lines, start=start, at_end=at_end)
    if len(found) == 1:
        return found[0], level
    if found:
        listed = ", ".join(str(i + 1) for i in found[:_MAX_LISTED])
        if len(found) > _MAX_LISTED:
            listed += ", …"
        raise EditError(
            f"the {what} matches {len(found)} places (lines {listed}); add more context",
            path=path,
        )
    raise EditError(_no_match_message(needle_lines, what, start, at_end), path=path)


def find_first(
    haystack_lines: list[str],
    needle_lines: list[str],
    *,
    path: str,
    start: int = 0,
    at_end: bool = False,
    what: str = "search text",
) -> tuple[int, int]:
    """``(start index, level)`` of the nearest match at or after ``start``, or
    :class:`EditError`: where a V4A hunk's ``@@`` line already says which
    scope is meant, the first match in it is the one (as OpenAI's tool does)."""
    if not needle_lines:
        raise EditError(f"the {what} is empty", path=path)
    level, found = find_all(haystack_lines, needle_lines, start=start, at_end=at_end)
    if not found:
        raise EditError(_no_match_message(needle_lines, what, start, at_end), path=path)
    return found[0], level


def _no_match_message(needle_lines: list[str], what: str, start: int, at_end: bool) -> str:
    texts = [strip_eol(line) for line in needle_lines]
    first = next((t for t in texts if t.strip()), texts[0])
    where = " at the end of the file" if at_end else ""
    if start and not at_end:
        where = f" after line {start}"
    count = f"{len(texts)} line" + ("s" if len(texts) != 1 else "")
    return f"no match for the {what} ({count}, starting {first!r}){where}"


def indent_shift(file_lines: list[str], needle_lines: list[str]) -> tuple[str, str] | None:
    """How the file's indentation differs from the needle's, if uniformly.

    Returns ``(remove, add)``: every non-blank needle line becomes its file
    line by dropping the prefix ``remove`` and adding ``add`` (one of them is
    empty). None when the lines differ otherwise or not uniformly.
    """
    shifts: set[tuple[str, str]] = set()
    for have, want in zip(file_lines, needle_lines, strict=True):
        have_text, want_text = strip_eol(have).rstrip(), strip_eol(want).rstrip()
        if not want_text.strip():
            continue
        if have_text.endswith(want_text) and not have_text[: -len(want_text)].strip():
            shifts.add(("", have_text[: len(have_text) - len(want_text)]))
        elif want_text.endswith(have_text) and not want_text[: -len(have_text)].strip():
            shifts.add((want_text[: len(want_text) - len(have_text)], ""))
        else:
            return None
    if len(shifts) != 1:
        return None
    return shifts.pop()


def reindent(line: str, shift: tuple[str, str]) -> str:
    """Apply an :func:`indent_shift` to a replacement line (blank lines stay)."""
    remove, add = shift
    if not line.strip():
        return line
    if remove and line.startswith(remove):
        line = line[len(remove) :]
    return add + line
