"""Coaching rules: each a pure function of measured facts, returning a Hint or None.

A hint says what to do and the measurement behind it, so a learner can see
why it fired. The rules know nothing of the loop or the UI; ``Coach``
(app/teaching/coaching.py) gathers the facts and keeps dismissed hints quiet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Research §8.2: reviews find fewer defects above 400-500 lines an hour.
REVIEW_RATE = 500  # lines per hour
# A rate over fewer lines than this says little (one small hunk read quickly).
RATE_MIN_LINES = 20
REJECTION_RUN = 3

# Tokens that name code: a path or file name, a call, snake_case, CamelCase, `quoted`.
_CODE = re.compile(
    r"`[^`]+`|\b\w+\(\)|\b\w+\.\w{1,5}\b|\b[a-z]+_[a-z0-9_]+\b|\b[a-z]+[A-Z]\w*\b|\b[A-Z][a-z]+[A-Z]\w*\b"
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Hint:
    """One coaching hint: ``rule`` (its key), what to do, and what was measured."""

    rule: str
    message: str
    measured: str

    def text(self) -> str:
        return f"{self.message} ({self.measured})"


def vague_prompt(prompt: str, names: Iterable[str]) -> Hint | None:
    """A prompt naming no file, function or code token of the repository.

    ``names`` are the repository's file names, their stems and its symbols
    (functions, classes); a word of the prompt that equals one of them (case
    insensitive), or a code-shaped token (``foo()``, ``a_b``, ``x.py``,
    `` `quoted` ``), makes the prompt specific."""
    text = prompt.strip()
    if not text:
        return None
    if _CODE.search(text):
        return None
    known = {n.lower() for n in names if len(n) > 2}
    words = [w.lower() for w in _WORD.findall(text)]
    if any(w in known for w in words):
        return None
    return Hint(
        "vague",
        "vague: name what should change (a file, a function, a behaviour)",
        f"the prompt names none of the repository's {len(known)} files and symbols",
    )


def over_leash(size: int, limit: int) -> Hint | None:
    """A proposal larger than the leash: split it into steps."""
    if size <= limit or size <= 0:
        return None
    return Hint(
        "leash",
        f"this is {size} lines; the leash is {limit}: split it (p)",
        f"{size} changed lines > leash {limit}",
    )


def review_rate(
    decisions: Sequence[tuple[int, float]],
    *,
    rate: int = REVIEW_RATE,
    min_lines: int = RATE_MIN_LINES,
) -> Hint | None:
    """Deciding faster than ``rate`` lines an hour.

    ``decisions`` are (lines decided, seconds they were on screen before the
    decision), most recent last; the latest decisions totalling at least
    ``min_lines`` lines are measured together."""
    lines = 0
    seconds = 0.0
    for count, shown in reversed(decisions):
        lines += max(0, count)
        seconds += max(0.0, shown)
        if lines >= min_lines:
            break
    if lines < min_lines:
        return None
    measured = lines * 3600 / seconds if seconds > 0 else float("inf")
    if measured <= rate:
        return None
    speed = "at once" if seconds <= 0 else f"in {seconds:.0f}s, {measured:.0f} lines/hour"
    return Hint(
        "rate",
        f"slow down: careful review runs at most {rate} lines an hour",
        f"{lines} lines decided {speed}",
    )


def rejection_run(decisions: Sequence[tuple[str, str]], *, run: int = REJECTION_RUN) -> Hint | None:
    """Many rejections in a row without a reason. ``decisions`` are (op, reason),
    most recent last; a reasoned rejection or an accept ends the run."""
    count = 0
    for op, reason in reversed(decisions):
        if op != "reject" or reason.strip():
            break
        count += 1
    if count < run:
        return None
    return Hint(
        "reasons",
        "reject with a reason (r) so the model learns",
        f"{count} rejections in a row without a reason",
    )
