"""A call's hunks, and the verdict a set of per-hunk decisions makes.

The hunks are the review's own (``diff_texts``: same ids, same headers as
any other review), and the accepted text is the review's transform
(``apply_selection``), so what the agent is told to write is exactly what
accepting those hunks in any Tether review would leave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from app.core.model import Hunk
from app.core.text import join_lines, split_lines
from app.core.textdiff import diff_texts
from app.core.transform import apply_selection
from app.gate.answers import HunkVerdict, Verdict
from app.gate.calls import ProposedFile

# (accepted?, reason or note) for one hunk.
Decision = tuple[bool, str]


def hunks_of(proposed: ProposedFile, *, context: int = 3) -> list[Hunk]:
    """The review's hunks for one file of a call."""
    patch, _blocks = diff_texts(
        proposed.before,
        proposed.after,
        proposed.path,
        old_path=proposed.moved_from,
        context=context,
    )
    return list(patch.hunks)


def verdict_of(
    files: Sequence[ProposedFile],
    decide: Callable[[str, Hunk], Decision],
    *,
    stale: tuple[str, ...] = (),
) -> Verdict:
    """The verdict when ``decide(path, hunk)`` says what became of each hunk."""
    texts: dict[str, str | None] = {}
    verdicts: list[HunkVerdict] = []
    for proposed in files:
        hunks = hunks_of(proposed)
        chosen: dict[int, frozenset[int]] = {}
        for i, hunk in enumerate(hunks):
            accepted, words = decide(proposed.path, hunk)
            if accepted:
                chosen[i] = frozenset(hunk.change_indices())
            verdicts.append(
                HunkVerdict(
                    proposed.path,
                    hunk.id,
                    hunk.header(),
                    accepted,
                    reason="" if accepted else words,
                    note=words if accepted else "",
                )
            )
        texts[proposed.path] = _accepted_text(proposed, hunks, chosen)
    return Verdict(texts, tuple(verdicts), stale)


def _accepted_text(
    proposed: ProposedFile, hunks: list[Hunk], chosen: Mapping[int, frozenset[int]]
) -> str | None:
    if len(chosen) == len(hunks):
        return proposed.after
    if not chosen:
        return proposed.before
    lines = apply_selection(split_lines(proposed.before or ""), hunks, chosen, path=proposed.path)
    return join_lines(lines)
