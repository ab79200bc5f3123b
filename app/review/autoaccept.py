"""Earned autonomy: the opt-in rule that accepts a hunk without a key press.

Off by default, and per slider level: in the user's config (or a trusted
``.tether.toml``)::

    [autonomy.auto_accept]
    file = 10     # at level 3, hunks under 10 changed lines
    repo = 20

A hunk is accepted by the rule only when every one of these holds, and
``refusal`` says which did not: the rule is on at the slider's level; the
hunk changes fewer lines than the level's number (long lines weigh by their
length, ``autonomy.changed_lines``); the file has not changed on disk since
the proposal (not stale, no watcher event since; the write's compare-and-swap
refuses a change made in the last instant too); the review's own guard (scope, leash) allows it;
at least one check ran on it and every check passed; and it carries no risk
flag (``app.review.risks``). The decision goes through the review service,
journaled with ``auto: true`` and the rule that allowed it, so it is undone
like any other, listed in the app's auto-accepted view, and counted apart in
the figures. A hunk the rule accepted and the user undid is never accepted
by the rule again: it came back for the user to decide.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from app.core.autonomy import LEVEL_NAMES, Level, changed_lines
from app.core.config import load_config, origin_of
from app.core.errors import ConfigError, TetherError
from app.core.model import Hunk
from app.review.checks import HunkCheck
from app.review.commands import Decide
from app.review.events import ChecksChanged, HunksChanged, ReviewEvent
from app.review.risks import Risk, describe
from app.review.service import ReviewService
from app.review.session import Outcome

_BY_NAME = {name: level for level, name in LEVEL_NAMES.items() if level is not Level.OFF}


@dataclass(frozen=True, slots=True)
class AutoRule:
    """Level -> accept hunks under this many changed lines (absent: off)."""

    limits: Mapping[Level, int] = field(default_factory=dict)

    @classmethod
    def from_config(cls, autonomy: Mapping[str, object], *, where: str = "") -> AutoRule:
        table = autonomy.get("auto_accept", {})
        if not isinstance(table, dict):
            raise ConfigError("[autonomy.auto_accept] must be a table", path=where)
        limits: dict[Level, int] = {}
        for name, value in table.items():
            level = _BY_NAME.get(name)
            if level is None or isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(
                    f"[autonomy.auto_accept] {name} = {value!r}: use line/chunk/file/repo = "
                    "a number of changed lines",
                    path=where,
                )
            if value:
                limits[level] = value
        return cls(limits)

    def describe(self, level: Level) -> str:
        limit = self.limits.get(level)
        if not limit:
            return f"off at level {LEVEL_NAMES[level]}"
        return (
            f"level {LEVEL_NAMES[level]}: under {limit} changed lines, checks passed, no risk flag"
        )


def load_auto_rule(root: Path | None) -> AutoRule:
    """The rule as configured for ``root`` (off unless the user turned it on)."""
    autonomy = load_config(root).autonomy
    where = origin_of(root, "autonomy", "auto_accept") if autonomy else None
    return AutoRule.from_config(autonomy, where=str(where or ""))


def refusal(
    rule: AutoRule,
    level: Level,
    hunk: Hunk,
    *,
    check: HunkCheck | None,
    risks: tuple[Risk, ...],
    blocked: str | None,
    stale: str,
    user_changed: bool = False,
) -> str | None:
    """Why the rule does not accept ``hunk`` now, or None when it does."""
    limit = rule.limits.get(level)
    if not limit:
        return f"auto-accept is off at level {LEVEL_NAMES[level]}"
    size = changed_lines([hunk])
    if size >= limit:
        return f"it changes {size} lines, not under {limit}"
    if stale:
        return f"the file changed on disk: {stale}"
    if user_changed:
        return "the file was changed on disk since the proposal"
    if blocked:
        return blocked
    if check is None:
        return "no check ran on it"
    if check.state == "running":
        return "its checks are still running"
    if check.state != "pass":
        return f"a check did not pass: {check.message}"
    if risks:
        return f"it is flagged: {describe(risks)}"
    return None


class AutoAccepter:
    """Applies the rule whenever a file's checks finish (on the checks' thread,
    so the write never runs on the UI thread)."""

    def __init__(
        self,
        service: ReviewService,
        rule: AutoRule,
        level: Callable[[], Level | None],
        *,
        on_accept: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.service = service
        self.rule = rule
        self.level = level
        self.on_accept = on_accept
        # Re-entrant: a decision's events come back on this thread while it is held.
        self._lock = threading.RLock()
        # Files changed on disk (by the user) since their proposal: hands off
        # until a new proposal, made on what the user left there.
        self._touched: set[str] = set()
        # Hunks the rule accepted once: one the user undid is theirs to decide.
        self._accepted: set[tuple[str, str]] = set()
        self._unsubscribe = service.subscribe(self._on_event)

    def close(self) -> None:
        self._unsubscribe()

    def _on_event(self, event: ReviewEvent) -> None:
        if isinstance(event, HunksChanged) and event.why in ("disk", "proposal"):
            with self._lock:
                if event.why == "disk":
                    self._touched.add(event.path)
                else:
                    self._touched.discard(event.path)
        elif isinstance(event, ChecksChanged):
            self.apply(event.path)

    def apply(self, path: str) -> list[Outcome]:
        """Accept every hunk of ``path`` the rule allows now; their outcomes."""
        level = self.level()
        if level is None or not self.rule.limits.get(level):
            return []
        done = []
        with self._lock:
            try:
                view = self.service.view(path)
            except KeyError:
                return []
            for hunk in view.hunks:
                if (path, hunk.id) in self._accepted:
                    continue
                why = refusal(
                    self.rule,
                    level,
                    hunk,
                    check=view.checks.get(hunk.id),
                    risks=view.risks.get(hunk.id, ()),
                    blocked=view.blocked.get(hunk.id),
                    stale=view.stale,
                    user_changed=path in self._touched,
                )
                if why is not None:
                    continue
                extra: dict[str, object] = {"auto": True, "rule": self.rule.describe(level)}
                try:
                    outcome = self.service.execute(Decide("accept", path, (hunk.id,), extra=extra))
                except TetherError:
                    continue  # refused (changed meanwhile): it stays for the reviewer
                self._accepted.add((path, hunk.id))
                done.append(outcome)
                if self.on_accept is not None:
                    self.on_accept(outcome)
        return done
