"""Selecting part of a diff, as a pure transform (nothing is mutated).

A selection maps a hunk's index to the indices of its selected lines; a hunk
missing from the map is not selected at all. Applying a selection to the
old text moves it toward the new one:

- a selected ``-`` line is removed, a selected ``+`` line is added;
- an unselected ``-`` line stays (it becomes context);
- an unselected ``+`` line is dropped.

Reversing swaps the roles, which turns "revert these lines of the new text"
into the same operation on reversed hunks.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.core.errors import ApplyError
from app.core.model import (
    ADDED,
    CONTEXT,
    REMOVED,
    DiffLine,
    FilePatch,
    FileStatus,
    Hunk,
    side_by_side,
)
from app.core.text import strip_eol

Selection = Mapping[int, frozenset[int] | set[int]]


def old_index(hunk: Hunk) -> int:
    """0-based index in the old text where the hunk's old side begins."""
    return hunk.old_start if hunk.old_len == 0 else hunk.old_start - 1


def new_index(hunk: Hunk) -> int:
    return hunk.new_start if hunk.new_len == 0 else hunk.new_start - 1


def reverse_hunk(hunk: Hunk) -> Hunk:
    swap = {ADDED: REMOVED, REMOVED: ADDED, CONTEXT: CONTEXT}
    return Hunk(
        old_start=hunk.new_start,
        old_len=hunk.new_len,
        new_start=hunk.old_start,
        new_len=hunk.old_len,
        lines=[DiffLine(swap[ln.kind], ln.raw, ln.new_no, ln.old_no) for ln in hunk.lines],
        section=hunk.section,
        id=hunk.id,
    )


def apply_selection(
    lines: list[str], hunks: list[Hunk], selection: Selection, *, path: str = "<text>"
) -> list[str]:
    """The old text ``lines`` with the selected changes of ``hunks`` applied.

    The hunks named by ``selection`` must describe ``lines`` exactly (as from
    a fresh diff); their old side is checked, and a mismatch raises
    ApplyError rather than guessing. Hunks the selection does not name are
    left as they are without being visited, so the cost is the decided hunks'
    lines plus copying the text (C-level slices), not every hunk's lines.
    """
    out: list[str] = []
    pos = 0
    loose: list[int] = []  # where lines without a newline landed in ``out``
    for hi in _named(selection, hunks):
        hunk = hunks[hi]
        start = old_index(hunk)
        if start < pos:
            raise ApplyError(
                f"hunk {hi + 1} ({hunk.header()}) overlaps the previous hunk", path=path
            )
        if start > pos:
            out.extend(lines[pos:start])
            if not out[-1].endswith("\n"):
                loose.append(len(out) - 1)
        pos = start
        chosen = selection[hi]
        for li in placement_order(hunk):
            line = hunk.lines[li]
            if line.kind != ADDED:
                if pos >= len(lines) or lines[pos] != line.raw:
                    raise ApplyError(
                        f"hunk {hi + 1} ({hunk.header()}) does not match line {pos + 1}: "
                        f"expected {strip_eol(line.raw)!r}",
                        path=path,
                        line=pos + 1,
                    )
                pos += 1
            # Context and unchosen removals stay; chosen additions come in.
            if (line.kind == ADDED) == (li in chosen) or line.kind == CONTEXT:
                if not line.raw.endswith("\n"):
                    loose.append(len(out))
                out.append(line.raw)
    out.extend(lines[pos:])
    return _mend_final_newlines(out, loose)


def placement_order(hunk: Hunk) -> list[int]:
    """Line indices in the order a partial selection places them.

    Within a run of changes the i-th removed line is paired with the i-th
    added line, so a chosen replacement lands where the line it replaces was,
    not after every line kept from the run (which would scramble code).
    """
    order: list[int] = []
    for left, right in side_by_side(hunk):
        order.extend(x for x in ((left,) if left == right else (left, right)) if x >= 0)
    return order


def revert_selection(
    lines: list[str], hunks: list[Hunk], selection: Selection, *, path: str = "<text>"
) -> list[str]:
    """The new text ``lines`` with the selected changes of ``hunks`` undone."""
    return apply_selection(lines, _reversed(hunks, selection), selection, path=path)


def _reversed(hunks: list[Hunk], selection: Selection) -> list[Hunk]:
    """``hunks`` with the selected ones reversed (the others are never visited)."""
    out = list(hunks)
    for hi in _named(selection, hunks):
        out[hi] = reverse_hunk(hunks[hi])
    return out


def _named(selection: Selection, hunks: list[Hunk]) -> list[int]:
    """The hunk indices the selection names, in order (others are ignored)."""
    return sorted(i for i in selection if 0 <= i < len(hunks))


def _mend_final_newlines(out: list[str], loose: list[int] | None = None) -> list[str]:
    # A line that had no newline only because it was last gains one when a
    # selection puts lines after it; otherwise two lines would be joined.
    # ``loose`` says where such lines can be (only those are looked at).
    candidates = range(len(out) - 1) if loose is None else loose
    last = len(out) - 1
    for i in candidates:
        if i < last and not out[i].endswith("\n"):
            out[i] = out[i] + _eol_before(out[i + 1])
    return out


def _eol_before(following: str) -> str:
    """The line ending for a mended line: that of the line after it.

    The next line, not the previous one: a hunk always holds the line after a
    mended one but not always the line before it, and the patch-level mend
    (``_mend_hunk_lines``) must choose exactly as the text-level one does.
    """
    return "\r\n" if following.endswith("\r\n") else "\n"


def _mend_hunk_lines(lines: list[DiffLine]) -> list[DiffLine]:
    """The patch-level twin of ``_mend_final_newlines``: on the new side, a
    line without a newline that is followed by more lines gains one (a kept
    line becomes a removal of the old line and an addition of the mended one)."""
    new_side = [i for i, ln in enumerate(lines) if ln.kind != REMOVED]
    following = {i: lines[j].raw for i, j in zip(new_side, new_side[1:], strict=False)}
    needs = {i for i in following if not lines[i].raw.endswith("\n")}
    if not needs:
        return lines
    out: list[DiffLine] = []
    for i, line in enumerate(lines):
        if i in needs:
            if line.kind == CONTEXT:
                out.append(DiffLine(REMOVED, line.raw))
            out.append(DiffLine(ADDED, line.raw + _eol_before(following[i])))
            continue
        out.append(line)
    return out


def filter_hunk(hunk: Hunk, chosen: frozenset[int] | set[int]) -> Hunk | None:
    """The hunk with only the chosen change lines; None if nothing is left."""
    lines: list[DiffLine] = []
    for li in placement_order(hunk):
        line = hunk.lines[li]
        if line.kind == CONTEXT:
            lines.append(DiffLine(CONTEXT, line.raw))
        elif line.kind == REMOVED:
            lines.append(DiffLine(REMOVED if li in chosen else CONTEXT, line.raw))
        elif li in chosen:
            lines.append(DiffLine(ADDED, line.raw))
    if all(line.kind == CONTEXT for line in lines):
        return None
    return Hunk(hunk.old_start, 0, hunk.new_start, 0, _mend_hunk_lines(lines), hunk.section)


def _context_counts(lines: list[DiffLine]) -> tuple[int, int]:
    """Lines of context before the first change and after the last."""
    changes = [i for i, line in enumerate(lines) if line.kind != CONTEXT]
    if not changes:
        return len(lines), len(lines)
    return changes[0], len(lines) - 1 - changes[-1]


def _ends_file(hunk: Hunk, widest: int, line_count: int | None) -> bool:
    """Whether the hunk's old side runs to the end of the text.

    Known exactly from the text's line count. Without it, the shape tells:
    a hunk with less trailing context than the patch's ``widest`` context was
    cut short by the end. A patch without any context (``-U0``, or a whole
    file rewritten) says nothing; its first-line hunk is taken to end the file
    (a rewrite), which is wrong for a ``-U0`` change at the top of a longer
    file: callers filtering ``-U0`` patches must pass ``line_count`` (the
    session always does).
    """
    if line_count is not None:
        return old_index(hunk) + hunk.old_len >= line_count
    if widest == 0:
        return hunk.old_start <= 1
    return _context_counts(hunk.lines)[1] < widest


def _excess_leading(filtered: Hunk, ends_file: bool) -> int:
    """How many leading context lines to drop from a filtered hunk.

    An unselected ``-`` line becomes context, which can leave a hunk with
    more leading than trailing context. Appliers read that shape as "this
    hunk ends the file" (GNU patch always; git when no trailing context is
    left), so the extra leading context goes: down to the trailing context,
    or, with none left, all of it unless the hunk really does end the file.
    """
    lead, trail = _context_counts(filtered.lines)
    if lead <= trail:
        return 0
    if trail:
        return lead - trail
    return 0 if ends_file else lead


def filter_file_patch(
    fp: FilePatch,
    selection: Selection,
    *,
    reverse: bool = False,
    line_count: int | None = None,
) -> FilePatch:
    """A new FilePatch holding only the selected lines, headers recomputed.

    With ``reverse`` the result undoes the selection when applied to the new
    text. ``line_count`` is the number of lines of the text the result
    applies to, when known: it tells which hunks end the file (see
    ``_excess_leading``). The input is not modified.
    """
    hunks = _reversed(fp.hunks, selection) if reverse else fp.hunks
    out: list[Hunk] = []
    delta = 0
    widest = 0
    if line_count is None:  # only then is the shape of every hunk needed
        widest = max(
            (max(_context_counts(h.lines)) for h in hunks if h.change_indices()), default=0
        )
    for hi in _named(selection, hunks):
        hunk = hunks[hi]
        filtered = filter_hunk(hunk, selection[hi])
        if filtered is None:
            continue
        cut = _excess_leading(filtered, _ends_file(hunk, widest, line_count))
        del filtered.lines[:cut]
        filtered.recount()
        start = old_index(hunk) + cut
        filtered.old_start = start if filtered.old_len == 0 else start + 1
        new_start0 = start + delta
        filtered.new_start = new_start0 if filtered.new_len == 0 else new_start0 + 1
        filtered.recount()
        delta += filtered.new_len - filtered.old_len
        out.append(filtered)
    old_path, new_path = (fp.new_path, fp.old_path) if reverse else (fp.old_path, fp.new_path)
    status = fp.status
    chosen = [i for i in _named(selection, hunks) if selection[i]]
    partial = len(chosen) < len(hunks) or any(
        set(selection[i]) != set(hunks[i].change_indices()) for i in chosen
    )
    deletes = (status is FileStatus.DELETED and not reverse) or (
        status is FileStatus.ADDED and reverse
    )
    if deletes and partial:
        # Removing only some lines of a file leaves it in place: a modification.
        status, new_path = FileStatus.MODIFIED, old_path
    elif reverse and status in (FileStatus.ADDED, FileStatus.DELETED):
        status = FileStatus.DELETED if status is FileStatus.ADDED else FileStatus.ADDED
    result = FilePatch(
        old_path=old_path,
        new_path=new_path,
        hunks=out,
        status=status,
        old_mode=fp.new_mode if reverse else fp.old_mode,
        new_mode=fp.old_mode if reverse else fp.new_mode,
    )
    result.assign_ids()
    return result


def remaining_hunks(op: str, hunks: list[Hunk], selection: Selection) -> list[Hunk] | None:
    """The hunks left after accepting (or rejecting) whole hunks, shifted;
    None if a hunk was decided only in part (then the file must be diffed
    again). Hunks never share context, so the others are unchanged."""
    chosen = {i for i, lines in selection.items() if lines}
    for i in chosen:
        if set(selection[i]) != set(hunks[i].change_indices()):
            return None
    out: list[Hunk] = []
    shift = 0
    for i, hunk in enumerate(hunks):
        if i in chosen:
            shift += hunk.new_len - hunk.old_len
            continue
        if shift == 0:
            out.append(hunk)  # before any decided hunk: nothing moves
            continue
        # New lines, not the shown hunk's: a failed write must leave those as they were.
        lines = [DiffLine(ln.kind, ln.raw) for ln in hunk.lines]
        moved = Hunk(
            hunk.old_start, hunk.old_len, hunk.new_start, hunk.new_len, lines, hunk.section
        )
        # The same changed lines: no need to hash them again.
        moved.fingerprint, moved.fingerprint_of = hunk.fingerprint, hunk.fingerprint_of
        if op == "accept":
            moved.old_start += shift  # the accepted side now holds the decided hunks
        else:
            moved.new_start -= shift  # the proposed side lost the decided hunks
        moved.recount()
        out.append(moved)
    return out


def reanchor_hunks(new_lines: list[str], hunks: list[Hunk]) -> tuple[list[str], list[Hunk]]:
    """Apply ``hunks`` to a changed version of their old text: each hunk's old
    side (context and removed lines) must match exactly once and not overlap
    another. Returns the new lines and the hunks that could not be placed."""
    placed: list[tuple[int, Hunk]] = []
    lost: list[Hunk] = []
    for hunk in hunks:
        needle = [ln.raw for ln in hunk.lines if ln.kind != ADDED]
        spots = _find_all(new_lines, needle)
        if len(spots) == 1:
            placed.append((spots[0], hunk))
        else:
            lost.append(hunk)
    placed.sort(key=lambda item: item[0])
    for (a, ha), (b, _hb) in zip(placed, placed[1:], strict=False):
        if a + sum(1 for ln in ha.lines if ln.kind != ADDED) > b:
            lost.append(ha)
    out: list[str] = []
    prev = 0
    for pos, hunk in placed:
        if hunk in lost:
            continue
        out.extend(new_lines[prev:pos])
        out.extend(ln.raw for ln in hunk.lines if ln.kind != REMOVED)
        prev = pos + sum(1 for ln in hunk.lines if ln.kind != ADDED)
    out.extend(new_lines[prev:])
    return out, lost


def _find_all(lines: list[str], needle: list[str]) -> list[int]:
    if not needle:
        return list(range(len(lines) + 1)) if lines else [0]
    first = needle[0]
    size = len(needle)
    return [
        i
        for i in range(len(lines) - size + 1)
        if lines[i] == first and lines[i : i + size] == needle
    ]
