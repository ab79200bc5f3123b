"""Apply parsed patches to text, strictly.

Each hunk's old side (context and removed lines) must match the file byte
for byte, terminators included, at its stated line or at the nearest offset,
searched outward in both directions as GNU patch does with fuzz 0. Like GNU
patch, a hunk with less trailing than leading context was cut short by the
end of the file and may only apply there, and one starting at line 1 with
less leading context may only apply at the top. Hunks apply in order; a
hunk may share unchanged context with the hunk before it but never touch a
line that hunk changed. Anything else is refused with an ApplyError rather
than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from app.core.errors import ApplyError
from app.core.model import ADDED, REMOVED, FilePatch, FileStatus, Hunk
from app.core.text import join_lines, split_lines, strip_eol


def _candidates(guess: int, low: int, high: int) -> Iterator[int]:
    """Positions in [low, high], nearest to guess first, later before earlier.

    A stated line far outside the file (``@@ -98765432109876543210``) is
    clamped to it first, which keeps the order and makes the walk as long as
    the window, not the stated number."""
    guess = min(max(guess, low), high)
    for distance in range(max(guess - low, high - guess) + 1):
        if low <= guess + distance <= high:
            yield guess + distance
        if distance and low <= guess - distance <= high:
            yield guess - distance


def _show(line: str) -> str:
    shown = repr(strip_eol(line))
    return shown if line.endswith("\n") else f"{shown} (no newline at end of file)"


class _Applier:
    """Applies the hunks of one file in order, as GNU patch's apply loop does."""

    def __init__(self, lines: list[str], name: str) -> None:
        self.lines = lines
        self.name = name
        self.out: list[str] = []
        self.frozen = 0  # lines of the input already copied out or replaced
        self.offset = 0  # how far the previous hunk landed from its stated line

    def fail(self, number: int, hunk: Hunk, problem: str, line: int | None = None) -> ApplyError:
        return ApplyError(f"hunk {number} ({hunk.header()}) {problem}", path=self.name, line=line)

    def apply(self, number: int, hunk: Hunk) -> None:
        old = [line.raw for line in hunk.lines if line.kind != ADDED]
        pos = self.locate(number, hunk, old)
        new = [line for line in hunk.lines if line.kind != REMOVED]
        if new and new[-1].no_newline and pos + len(old) != len(self.lines):
            raise self.fail(number, hunk, "ends the file without a newline, but the file goes on")
        self.offset = pos - _stated(hunk)
        # Emit up to the last change only: the trailing context stays unfrozen
        # so the next hunk's leading context may overlap it.
        changes = hunk.change_indices()
        last = changes[-1] if changes else -1
        consumed = sum(1 for line in hunk.lines[: last + 1] if line.kind != ADDED)
        mark = len(self.out)
        self.out += self.lines[self.frozen : pos]
        self.out += [line.raw for line in hunk.lines[: last + 1] if line.kind != REMOVED]
        self.frozen = max(self.frozen, pos + consumed)
        for line in self.out[max(mark - 1, 0) : -1]:
            if not line.endswith("\n"):  # e.g. lines added after a last line with no newline
                raise self.fail(number, hunk, f"would join {_show(line)} to the line after it")

    def locate(self, number: int, hunk: Hunk, old: list[str]) -> int:
        """The 0-based index where the hunk's old side starts."""
        size = len(self.lines)
        guess = _stated(hunk) + self.offset
        if not old:  # a pure insertion has nothing to match; it goes where it says
            if not self.frozen <= guess <= size:
                raise self.fail(number, hunk, f"inserts after line {guess}, outside the file")
            return guess
        prefix, suffix = _context(hunk)
        last_start = size - len(old)
        # GNU patch's anchoring: a hunk with less context on one side was cut
        # short by that end of the file, so it may only apply there.
        anchor: int | None = None
        rule = ""
        if prefix < suffix and hunk.old_start <= 1:
            anchor, rule = (
                0,
                "it has less leading than trailing context, so it must apply at line 1",
            )
        elif suffix < prefix:
            anchor, rule = (
                last_start,
                "it has less trailing than leading context, so it must end the file",
            )
        if anchor is None:
            where: Iterable[int] = _candidates(guess, 0, last_start)
        else:
            where = [anchor] if last_start >= 0 else []
        for pos in where:
            if self.lines[pos] == old[0] and self.lines[pos : pos + len(old)] == old:
                if pos < self.frozen:
                    problem = (
                        f"matches nearest at line {pos + 1}, among lines an earlier hunk "
                        "already changed (hunks out of order or overlapping)"
                    )
                    raise self.fail(number, hunk, problem, line=pos + 1)
                return pos
        # Report the first difference where the hunk should have gone.
        if anchor is None or anchor < 0:
            anchor = max(0, min(guess, last_start if last_start >= 0 else size))
        raise self.mismatch(number, hunk, old, anchor, rule)

    def mismatch(
        self, number: int, hunk: Hunk, old: list[str], start: int, rule: str
    ) -> ApplyError:
        """Describe the first line that differs where the hunk belongs."""
        why = f"; {rule}" if rule else ""
        for at, want in enumerate(old, start):
            if at >= len(self.lines) or self.lines[at] != want:
                found = _show(self.lines[at]) if at < len(self.lines) else "the end of the file"
                problem = f"does not match: expected {_show(want)} at line {at + 1}, found {found}"
                return self.fail(number, hunk, problem + why, line=at + 1)
        return self.fail(number, hunk, f"does not match anywhere in the file{why}", line=start + 1)

    def finish(self) -> list[str]:
        return self.out + self.lines[self.frozen :]


def _stated(hunk: Hunk) -> int:
    """The 0-based index where the header says the old side starts; an
    empty old side is written as the line it follows."""
    return hunk.old_start if hunk.old_len == 0 else hunk.old_start - 1


def _context(hunk: Hunk) -> tuple[int, int]:
    """Lines of context before the first change and after the last."""
    changes = hunk.change_indices()
    if not changes:
        return len(hunk.lines), len(hunk.lines)
    return changes[0], len(hunk.lines) - 1 - changes[-1]


def apply_file_patch(lines: list[str], fp: FilePatch, *, path: str | None = None) -> list[str]:
    """Apply every hunk of ``fp`` to ``lines`` (as from split_lines) and
    return the new lines, or raise ApplyError naming the hunk that failed."""
    name = path or fp.path
    if fp.binary:
        raise ApplyError("binary changes cannot be applied as text", path=name)
    if fp.status is FileStatus.ADDED and lines:
        raise ApplyError("the patch creates this file, but it already has content", path=name)
    applier = _Applier(lines, name)
    for number, hunk in enumerate(fp.hunks, 1):
        applier.apply(number, hunk)
    result = applier.finish()
    if fp.status is FileStatus.DELETED and result:
        raise ApplyError(
            f"the patch deletes this file, but {len(result)} line(s) would remain", path=name
        )
    return result


def apply_sections(
    text: str | None, sections: Sequence[FilePatch], *, path: str, existence: bool = True
) -> str | None:
    """A file's text (None: absent) after each section of a patch that names
    it, in order, as git applies them: each to what the one before left.
    ``existence=False``: the text is what the file held before this review
    wrote it, which does not say whether it existed."""
    for n, fp in enumerate(sections):
        known = existence or n > 0
        if known and fp.status is FileStatus.ADDED and text is not None:
            raise ApplyError("the patch creates this file, but it already exists", path=path)
        if known and fp.status is not FileStatus.ADDED and text is None and not fp.may_create:
            where = fp.old_path or path
            raise ApplyError("the patch changes this file, but it does not exist", path=where)
        lines = apply_file_patch(split_lines(text or ""), fp, path=path)
        text = None if fp.status is FileStatus.DELETED else join_lines(lines)
    return text
