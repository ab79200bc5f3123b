"""The coach: gathers the facts its rules measure, and keeps dismissed hints quiet.

Front ends feed it what happened (a prompt sent, the proposal's size, hunks
shown, a decision); it answers with the hint to show, if any. A dismissed
rule stays quiet for the rest of the session, and a hint is not shown twice
for the same measurement (a held proposal does not re-nag on every redraw).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from app.core.errors import TetherError
from app.core.gitrepo import run_git
from app.core.outline import outline
from app.core.secrets import is_secret_path
from app.teaching.coach import Hint, over_leash, rejection_run, review_rate, vague_prompt

# Bound the work of listing symbols in a big repository (it runs off the UI thread).
_MAX_FILES = 400
_MAX_BYTES = 200_000


def repo_names(root: Path) -> set[str]:
    """The tracked files' names, stems, folders and (for the first files) the
    symbols they define: what a specific prompt would name. Secret files'
    contents are never read."""
    try:
        out = run_git(root, "ls-files", "-z", check=False)
    except TetherError:
        return set()
    names: set[str] = set()
    files = [f for f in out.decode("utf-8", "surrogateescape").split("\0") if f]
    for index, path in enumerate(files):
        parts = path.split("/")
        names.update(parts)
        names.add(parts[-1].rsplit(".", 1)[0])
        if index >= _MAX_FILES or is_secret_path(path):
            continue
        try:
            data = (root / path).read_bytes()[:_MAX_BYTES]
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        names.update(item.name for item in outline(path, text))
    return names


class Coach:
    def __init__(
        self, names: Iterable[str] = (), *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.names: set[str] = set(names)
        self.clock = clock
        self.current: Hint | None = None
        self.dismissed: set[str] = set()
        self._seen: set[tuple[str, str]] = set()
        self._decisions: list[tuple[int, float]] = []
        self._verdicts: list[tuple[str, str]] = []
        self._shown_at: float | None = None

    def _offer(self, hint: Hint | None) -> Hint | None:
        if hint is None or hint.rule in self.dismissed:
            return None
        key = (hint.rule, hint.measured)
        if key in self._seen:
            return None
        self._seen.add(key)
        self.current = hint
        return hint

    def dismiss(self) -> Hint | None:
        """Dismiss the hint on show; its rule stays quiet from now on."""
        hint, self.current = self.current, None
        if hint is not None:
            self.dismissed.add(hint.rule)
        return hint

    def withdraw(self, rule: str) -> bool:
        """The hint on show of ``rule`` no longer holds (the proposal is no
        longer held): take it down without muting the rule."""
        if self.current is not None and self.current.rule == rule:
            self.current = None
            return True
        return False

    # -- facts ----------------------------------------------------------------

    def prompt_sent(self, prompt: str) -> Hint | None:
        return self._offer(vague_prompt(prompt, self.names))

    def proposal(self, size: int, limit: int) -> Hint | None:
        return self._offer(over_leash(size, limit))

    def hunks_shown(self) -> None:
        """Hunks came on screen: the review of them starts now (if not already)."""
        if self._shown_at is None:
            self._shown_at = self.clock()

    def decided(self, op: str, lines: int, reason: str = "") -> Hint | None:
        """A decision: ``lines`` changed lines, after the time since hunks were
        shown or the decision before (whichever is later)."""
        now = self.clock()
        shown = now - self._shown_at if self._shown_at is not None else 0.0
        self._shown_at = now
        self._decisions.append((lines, shown))
        self._verdicts.append((op, reason))
        del self._decisions[:-50], self._verdicts[:-50]
        return self._offer(rejection_run(self._verdicts)) or self._offer(
            review_rate(self._decisions)
        )

    def idle(self) -> None:
        """Nothing is pending: the next hunks start a new review clock."""
        self._shown_at = None
