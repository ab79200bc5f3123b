"""The reviewer's own figures, from the journal: pure functions of its entries.

From the journal, so they survive restarts and cover every source (loop,
watch, gate, patch) the same way. What counts:

- a *decision* is an accept or reject entry that no ``abort`` took back (its
  write never happened); an undone one still took the reviewer's time, so it
  counts, and ``undone`` says how many were taken back;
- its *lines* are the changed (``+``/``-``) lines of the decided patch;
- *seconds per decision* is the median gap between consecutive decisions,
  and *active time* the sum of those gaps, where a gap over ``BREAK`` is a
  pause, not reviewing (counted as ``BREAK`` at most would still inflate the
  time of someone who went for lunch; a pause counts zero);
- the *review rate* is lines decided per active hour; above ``FAST`` (the
  SmartBear/Cisco figure: past about 1,000 lines an hour the reviewer is not
  really looking) the live figures say so gently.

Time to first hunk is not in the journal (it records decisions, not when a
hunk appeared): the loop's status line shows it from its own clock.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.core.journal import Entry, Op

BREAK = 600.0  # seconds between decisions over which the reviewer paused
FAST = 1000.0  # lines per hour past which a review is not really a review
WINDOW = 900.0  # the live rate: the decisions of the last 15 minutes
MIN_SPAN = 60.0  # ... over at least a minute of reviewing, else no rate yet


def when(entry: Entry) -> datetime | None:
    try:
        return datetime.fromisoformat(entry.ts)
    except ValueError:
        return None


def changed_lines(patch: str) -> int:
    """The + and - lines of a journaled patch (not its ---/+++ header)."""
    count = 0
    for line in patch.splitlines():
        if line.startswith(("+++ ", "--- ")):
            continue
        if line[:1] in ("+", "-"):
            count += 1
    return count


def decisions(entries: Iterable[Entry]) -> list[Entry]:
    """The accept and reject entries whose write happened, in order."""
    entries = list(entries)
    aborted = {e.target for e in entries if e.op is Op.ABORT and e.aborted == "decision"}
    return [e for e in entries if e.op in (Op.ACCEPT, Op.REJECT) and e.seq not in aborted]


@dataclass(frozen=True, slots=True)
class Metrics:
    decisions: int = 0
    accepted: int = 0
    rejected: int = 0
    undone: int = 0
    auto: int = 0  # accepted by the auto-accept rule, not by a person
    lines_accepted: int = 0
    lines_rejected: int = 0
    seconds_per_decision: float | None = None
    active_seconds: float = 0.0
    reasons: tuple[str, ...] = field(default=())

    @property
    def lines(self) -> int:
        return self.lines_accepted + self.lines_rejected

    @property
    def accept_rate(self) -> float | None:
        return self.accepted / self.decisions if self.decisions else None

    @property
    def lines_per_hour(self) -> float | None:
        if self.active_seconds < MIN_SPAN:
            return None
        return self.lines / self.active_seconds * 3600

    @property
    def kept_per_minute(self) -> float | None:
        if self.active_seconds < MIN_SPAN:
            return None
        return self.lines_accepted / self.active_seconds * 60

    @property
    def warning(self) -> str:
        rate = self.lines_per_hour
        if rate is None or rate <= FAST:
            return ""
        return f"≈{round(rate, -2):,.0f} lines/hour: slow down?"

    def line(self) -> str:
        """The figures in one line, as the status line and the panel show them."""
        if not self.decisions:
            return "no decisions yet"
        parts = [f"{self.decisions} decided", f"{self.accept_rate:.0%} accepted"]
        if self.seconds_per_decision is not None:
            parts.append(f"{self.seconds_per_decision:.0f} s/decision")
        if self.kept_per_minute is not None:
            parts.append(f"{self.kept_per_minute:.0f} lines kept/min")
        if self.warning:
            parts.append(self.warning)
        elif self.lines_per_hour is not None:
            parts.append(f"{self.lines_per_hour:,.0f} lines/hour")
        return " · ".join(parts)

    def to_json(self) -> dict[str, object]:
        return {
            "decisions": self.decisions,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "undone": self.undone,
            "auto_accepted": self.auto,
            "lines_accepted": self.lines_accepted,
            "lines_rejected": self.lines_rejected,
            "accept_rate": self.accept_rate,
            "seconds_per_decision": self.seconds_per_decision,
            "active_seconds": round(self.active_seconds, 3),
            "lines_per_hour": self.lines_per_hour,
            "lines_kept_per_minute": self.kept_per_minute,
            "warning": self.warning,
        }


def measure(entries: Sequence[Entry], *, all_entries: Sequence[Entry] | None = None) -> Metrics:
    """The figures of ``entries`` (already filtered: a window, a file, a source).
    ``all_entries`` (default: the same) is where undos and aborts are looked up."""
    everything = entries if all_entries is None else all_entries
    done = decisions(everything)
    wanted = {e.seq for e in entries}
    done = [e for e in done if e.seq in wanted]
    undone_targets = {e.target for e in everything if e.op is Op.UNDO}
    accepted = [e for e in done if e.op is Op.ACCEPT]
    rejected = [e for e in done if e.op is Op.REJECT]
    # Consecutive decisions of one file at the same instant are one key
    # (``a`` accepts the rest of a file as one entry per file, at once).
    times = [t for e in done if (t := when(e)) is not None]
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False) if b >= a]
    working = [g for g in gaps if 0 < g <= BREAK]
    return Metrics(
        decisions=len(done),
        accepted=len(accepted),
        rejected=len(rejected),
        undone=sum(1 for e in done if e.seq in undone_targets),
        auto=sum(1 for e in accepted if e.extra.get("auto")),
        lines_accepted=sum(changed_lines(e.hunk) for e in accepted),
        lines_rejected=sum(changed_lines(e.hunk) for e in rejected),
        seconds_per_decision=statistics.median(working) if working else None,
        active_seconds=sum(working),
        reasons=tuple(str(e.extra["reason"]) for e in rejected if e.extra.get("reason")),
    )


def since(entries: Sequence[Entry], start: datetime) -> list[Entry]:
    return [e for e in entries if (t := when(e)) is not None and t >= start]


def live(entries: Sequence[Entry], *, now: datetime | None = None) -> Metrics:
    """The figures of the last ``WINDOW`` of reviewing (the status line's)."""
    if not entries:
        return Metrics()
    end = now or when(entries[-1]) or datetime.now().astimezone()
    start = end - timedelta(seconds=WINDOW)
    recent: list[Entry] = []
    for entry in reversed(entries):  # the journal is in time order: stop early
        t = when(entry)
        if t is not None and t < start:
            break
        recent.append(entry)
    recent.reverse()
    return measure(recent)


def group(entries: Sequence[Entry], key: Callable[[Entry], str]) -> dict[str, Metrics]:
    """The figures per value of ``key`` (file, source, provider, seat)."""
    done = decisions(entries)
    buckets: dict[str, list[Entry]] = defaultdict(list)
    for entry in done:
        buckets[key(entry) or "?"].append(entry)
    return {name: measure(rows, all_entries=entries) for name, rows in sorted(buckets.items())}
