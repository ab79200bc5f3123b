"""Laying a file's hunks out as display rows (no Textual here: pure data).

A hunk's rows (its header and lines, or side-by-side pairs) are built once
per hunk id and reused: they name their hunk by id and hold no line numbers
(those are read from the hunk when a row is drawn), so a decision that
shifts every later hunk re-lays the file out by splicing cached blocks, not
by building thousands of rows again. Unchanged stretches between hunks fold
into one row; an expanded fold shows its lines as context. A fold is named
by the hunk after it (``END`` for the stretch after the last), so which folds
are open survives decisions that remove hunks before them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from app.core.model import ADDED, CONTEXT, REMOVED, DiffLine, Hunk, side_by_side
from app.core.text import strip_eol

HUNK = "hunk"
FOLD = "fold"
NOTE = "note"
END = "$end"  # the fold after the last hunk

_serial = itertools.count(1)


@dataclass(slots=True)
class Row:
    """One screen row. ``kind`` is a line kind (" ", "-", "+"), "pair",
    "hunk", "fold" or "note". ``hunk`` is the hunk's id ("" outside hunks);
    ``line`` and ``right`` index its lines (left and right for "pair" rows).
    Fold and expanded-fold rows carry their own line numbers; hunk rows read
    theirs from the hunk. ``key`` tells rows apart for render caches."""

    kind: str
    hunk: str = ""
    line: int = -1
    right: int = -1
    text: str = ""
    right_text: str = ""
    right_kind: str = ""
    left_kind: str = ""
    fold: str = ""
    count: int = 0
    old_no: int | None = None
    new_no: int | None = None
    key: int = field(default_factory=lambda: next(_serial))
    # Soft wrap: the n-th continuation of a line too long for the pane (0: the line itself).
    part: int = 0


@dataclass(slots=True)
class Layout:
    """A file's rows, where each hunk's header row is, and the widest text."""

    rows: list[Row]
    headers: dict[str, int]
    width: int


class BlockCache:
    """Rows of each hunk, by (hunk id, view), kept while the hunk is pending;
    and fold rows, by where they are, so a re-layout reuses both.

    An id names the changed lines; a re-diff can give the same hunk other
    context lines, so a block is reused only for the same lines (the same
    list, as a shifted hunk keeps, or equal ones)."""

    def __init__(self) -> None:
        self._blocks: dict[tuple[str, bool], tuple[list[DiffLine], list[Row], int]] = {}
        self._folds: dict[tuple[str, int, int], Row] = {}

    def rows(self, hunk: Hunk, split_view: bool) -> tuple[list[Row], int]:
        """The hunk's rows and the length of its longest text."""
        key = (hunk.id, split_view)
        found = self._blocks.get(key)
        if found is not None:
            lines, rows, width = found
            if lines is hunk.lines:
                return rows, width
            if _same_lines(lines, hunk.lines):
                self._blocks[key] = (hunk.lines, rows, width)
                return rows, width
        rows = _block(hunk, split_view)
        width = max((max(len(r.text), len(r.right_text)) for r in rows), default=0)
        self._blocks[key] = (hunk.lines, rows, width)
        return rows, width

    def fold(self, fold: str, start: int, count: int) -> Row:
        key = (fold, start, count)
        row = self._folds.get(key)
        if row is None:
            row = self._folds[key] = Row(FOLD, fold=fold, count=count, old_no=start + 1)
        return row

    def keep_only(self, ids: Iterable[str]) -> None:
        wanted = set(ids)
        for key in [k for k in self._blocks if k[0] not in wanted]:
            del self._blocks[key]
        if len(self._folds) > 4 * len(wanted) + 16:
            self._folds.clear()

    def clear(self) -> None:
        self._blocks.clear()
        self._folds.clear()


def _same_lines(a: list[DiffLine], b: list[DiffLine]) -> bool:
    return len(a) == len(b) and all(
        x.kind == y.kind and x.raw == y.raw for x, y in zip(a, b, strict=True)
    )


def build_rows(
    hunks: Sequence[Hunk],
    old_lines: Sequence[str],
    *,
    split_view: bool,
    expanded: set[str] | frozenset[str] = frozenset(),
    note: str = "",
    blocks: BlockCache | None = None,
    banner: str = "",
) -> list[Row]:
    """Rows for one file; ``expanded`` names the open folds (see the module doc)."""
    return layout(
        hunks,
        old_lines,
        split_view=split_view,
        expanded=expanded,
        note=note,
        blocks=blocks,
        banner=banner,
    ).rows


def layout(
    hunks: Sequence[Hunk],
    old_lines: Sequence[str],
    *,
    split_view: bool,
    expanded: set[str] | frozenset[str] = frozenset(),
    note: str = "",
    blocks: BlockCache | None = None,
    banner: str = "",
) -> Layout:
    """``build_rows``, with where each hunk starts and the widest text: what a
    re-layout after a decision costs is one pass over the hunks, reusing every
    row of the hunks that stayed. A ``banner`` (a flag on the whole file) is
    a note row above the first hunk."""
    if note:
        return Layout([Row(NOTE, text=note)], {}, len(note))
    if not hunks:
        return Layout([Row(NOTE, text="No pending changes in this file.")], {}, 0)
    cache = blocks if blocks is not None else BlockCache()
    rows: list[Row] = [Row(NOTE, text=banner)] if banner else []
    headers: dict[str, int] = {}
    width = 0
    prev_end = 0  # 0-based old line after the previous hunk
    delta = 0  # new-line number minus old-line number so far
    for hunk in hunks:
        start = hunk.old_start - 1 if hunk.old_len else hunk.old_start
        _gap(rows, cache, hunk.id, prev_end, start, delta, old_lines, expanded, split_view)
        headers[hunk.id] = len(rows)
        block, block_width = cache.rows(hunk, split_view)
        rows.extend(block)
        width = max(width, block_width)
        prev_end = start + hunk.old_len
        delta = (hunk.new_start + hunk.new_len) - (hunk.old_start + hunk.old_len)
    _gap(rows, cache, END, prev_end, len(old_lines), delta, old_lines, expanded, split_view)
    if expanded:
        width = max([width, *(len(r.text) for r in rows if r.fold and r.kind != FOLD)])
    return Layout(rows, headers, width)


def _block(hunk: Hunk, split_view: bool) -> list[Row]:
    rows = [Row(HUNK, hunk=hunk.id)]
    if split_view:
        _pair_rows(rows, hunk)
    else:
        rows.extend(
            Row(line.kind, hunk=hunk.id, line=li, text=strip_eol(line.raw))
            for li, line in enumerate(hunk.lines)
        )
    return rows


def _gap(
    rows: list[Row],
    cache: BlockCache,
    fold: str,
    start: int,
    end: int,
    delta: int,
    old_lines: Sequence[str],
    expanded: set[str] | frozenset[str],
    split_view: bool,
) -> None:
    count = end - start
    if count <= 0:
        return
    if fold not in expanded:
        rows.append(cache.fold(fold, start, count))
        return
    for i in range(start, end):
        text = strip_eol(old_lines[i])
        if split_view:
            rows.append(
                Row(
                    "pair",
                    old_no=i + 1,
                    new_no=i + 1 + delta,
                    text=text,
                    right_text=text,
                    right_kind=CONTEXT,
                    left_kind=CONTEXT,
                    fold=fold,
                )
            )
        else:
            rows.append(Row(CONTEXT, old_no=i + 1, new_no=i + 1 + delta, text=text, fold=fold))


def _pair_rows(rows: list[Row], hunk: Hunk) -> None:
    lines = hunk.lines
    for left, right in side_by_side(hunk):
        if left == right:  # context: the same line on both sides
            text = strip_eol(lines[left].raw)
            rows.append(
                Row(
                    "pair",
                    hunk=hunk.id,
                    line=left,
                    right=right,
                    text=text,
                    right_text=text,
                    right_kind=CONTEXT,
                    left_kind=CONTEXT,
                )
            )
            continue
        rows.append(
            Row(
                "pair",
                hunk=hunk.id,
                line=left,
                right=right,
                text=strip_eol(lines[left].raw) if left >= 0 else "",
                right_text=strip_eol(lines[right].raw) if right >= 0 else "",
                right_kind=ADDED if right >= 0 else "",
                left_kind=REMOVED if left >= 0 else "",
            )
        )


def pairs_in_hunk(hunk: Hunk) -> dict[int, int]:
    """For intraline highlights: each removed line's index mapped to the added
    line at the same position of its change run (and back)."""
    pairs: dict[int, int] = {}
    for left, right in side_by_side(hunk):
        if left != right and left >= 0 and right >= 0:
            pairs[left] = right
            pairs[right] = left
    return pairs


def row_is_change(row: Row) -> bool:
    return row.kind in (ADDED, REMOVED) or row.right_kind == ADDED or row.left_kind == REMOVED


def wrap_rows(
    rows: list[Row], headers: dict[str, int], room: int, *, split_view: bool
) -> tuple[list[Row], dict[str, int]]:
    """``rows`` with a continuation row after each line row for every
    ``room`` characters past the first (soft wrap); hunk headers re-indexed."""
    out: list[Row] = []
    new_headers: dict[str, int] = {}
    room = max(1, room)
    for row in rows:
        if row.kind == HUNK:
            new_headers[row.hunk] = len(out)
        out.append(row)
        if row.kind in (HUNK, FOLD, NOTE):
            continue
        longest = max(len(row.text), len(row.right_text)) if split_view else len(row.text)
        for part in range(1, (longest - 1) // room + 1 if longest else 1):
            out.append(replace(row, key=next(_serial), part=part))
    return out, new_headers
