"""Laying a file's hunks out as display rows (no Textual here: pure data).

Unchanged stretches between hunks fold into one row; an expanded fold shows
its lines as context. The side-by-side layout pairs each removed line with
the added line at the same position in its change run.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.model import ADDED, CONTEXT, REMOVED, Hunk, side_by_side
from app.core.text import strip_eol

HUNK = "hunk"
FOLD = "fold"
NOTE = "note"


@dataclass(slots=True)
class Row:
    """One screen row. ``kind`` is a line kind (" ", "-", "+"), "pair",
    "hunk", "fold" or "note"."""

    kind: str
    hunk: int = -1
    # Index into hunk.lines (unified); for "pair" rows, left and right indices.
    line: int = -1
    right: int = -1
    old_no: int | None = None
    new_no: int | None = None
    text: str = ""
    right_text: str = ""
    right_kind: str = ""
    left_kind: str = ""
    fold: int = -1
    count: int = 0


def build_rows(
    hunks: list[Hunk],
    old_lines: list[str],
    *,
    split_view: bool,
    expanded: set[int] | frozenset[int] = frozenset(),
    note: str = "",
) -> list[Row]:
    """Rows for one file. Fold ``i`` is the gap before hunk ``i`` (``len(hunks)``
    is the gap after the last one); ``expanded`` lists open folds."""
    if note:
        return [Row(NOTE, text=note)]
    if not hunks:
        return [Row(NOTE, text="No pending changes in this file.")]
    rows: list[Row] = []
    prev_end = 0  # 0-based old line after the previous hunk
    delta = 0  # new-line number minus old-line number so far
    for hi, hunk in enumerate(hunks):
        start = hunk.old_start - 1 if hunk.old_len else hunk.old_start
        _gap(rows, hi, prev_end, start, delta, old_lines, expanded, split_view)
        rows.append(Row(HUNK, hunk=hi, text=hunk.header()))
        if split_view:
            _pair_rows(rows, hi, hunk)
        else:
            for li, line in enumerate(hunk.lines):
                rows.append(
                    Row(
                        line.kind,
                        hunk=hi,
                        line=li,
                        old_no=line.old_no,
                        new_no=line.new_no,
                        text=strip_eol(line.raw),
                    )
                )
        prev_end = start + hunk.old_len
        delta = (hunk.new_start + hunk.new_len) - (hunk.old_start + hunk.old_len)
    _gap(rows, len(hunks), prev_end, len(old_lines), delta, old_lines, expanded, split_view)
    return rows


def _gap(
    rows: list[Row],
    fold: int,
    start: int,
    end: int,
    delta: int,
    old_lines: list[str],
    expanded: set[int] | frozenset[int],
    split_view: bool,
) -> None:
    count = end - start
    if count <= 0:
        return
    if fold not in expanded:
        rows.append(Row(FOLD, fold=fold, count=count, old_no=start + 1))
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


def _pair_rows(rows: list[Row], hi: int, hunk: Hunk) -> None:
    lines = hunk.lines
    for left, right in side_by_side(hunk):
        if left == right:  # context: the same line on both sides
            line = lines[left]
            text = strip_eol(line.raw)
            rows.append(
                Row(
                    "pair",
                    hunk=hi,
                    line=left,
                    right=right,
                    old_no=line.old_no,
                    new_no=line.new_no,
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
                hunk=hi,
                line=left,
                right=right,
                old_no=lines[left].old_no if left >= 0 else None,
                new_no=lines[right].new_no if right >= 0 else None,
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
    return row.kind in (ADDED, REMOVED) or ADDED in (row.right_kind,) or row.left_kind == REMOVED
