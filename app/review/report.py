"""A session report from the journal: what was decided, where, how fast.

Pure: journal entries -> a ``Report`` (plain data, ``to_json``), which the
command prints as JSON, the HTML page draws (``app.review.report_html``) and
the terminal screen charts (``app.tui.report_screen``). Every figure is
``app.review.metrics``'s, so the report and the live ``M`` panel agree.

Where a grouping comes from: the *file* and the *source* are in every entry;
the *kind of source* is the source's name up to its first ``:`` (``gate``,
``proposal``, ``worktree``, …); the *provider* is the entry's ``provider``
or, for an agent's proposal through the gate, the agent its ``origin`` names
(first word), else ``-``; the *seat* is the entry's ``seat`` (a second seat's
decisions carry one), else ``local``. Proposal sizes are the sizes of the
decided hunks (the journal records decisions, not proposals), shown against
the leash of each level.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.core.autonomy import DEFAULT_LEASH, LEVEL_NAMES, Level
from app.core.journal import Entry, Op
from app.review.metrics import BREAK, Metrics, changed_lines, decisions, group, measure, when

GAP_BUCKETS = ((5, "< 5 s"), (15, "5–15 s"), (60, "15–60 s"), (300, "1–5 min"), (BREAK, "5–10 min"))
SIZE_BUCKETS = ((5, "1–5"), (10, "6–10"), (40, "11–40"), (200, "41–200"), (400, "201–400"))


def provider_of(entry: Entry) -> str:
    provider = entry.extra.get("provider")
    if isinstance(provider, str) and provider:
        return provider
    origin = entry.extra.get("origin")
    if isinstance(origin, str) and origin.strip():
        return origin.split()[0]
    return "-"


def seat_of(entry: Entry) -> str:
    seat = entry.seat or entry.extra.get("seat")  # extra: before seats were a field
    return seat if isinstance(seat, str) and seat else "local"


def kind_of(entry: Entry) -> str:
    return entry.source.partition(":")[0] or "-"


GROUPS: dict[str, Callable[[Entry], str]] = {
    "file": lambda e: e.path,
    "source": kind_of,
    "provider": provider_of,
    "seat": seat_of,
}


@dataclass(frozen=True, slots=True)
class FailedCheck:
    seq: int
    path: str
    op: str
    message: str


@dataclass(frozen=True, slots=True)
class Report:
    since: str
    first: str
    last: str
    totals: Metrics
    groups: dict[str, dict[str, Metrics]]
    reasons: list[tuple[str, int]]  # (reason, times), most given first
    gaps: list[tuple[str, int]]  # time per decision, bucketed
    sizes: list[tuple[str, int]]  # decided hunk sizes, bucketed
    leash: dict[str, int]
    failed_checks: list[FailedCheck]
    timeline: list[tuple[str, int, int]] = field(default_factory=list)  # (hour, accepted, rejected)

    def to_json(self) -> dict[str, object]:
        return {
            "since": self.since or None,
            "first": self.first or None,
            "last": self.last or None,
            "totals": self.totals.to_json(),
            **{
                f"by_{name}": {key: m.to_json() for key, m in table.items()}
                for name, table in self.groups.items()
            },
            "reject_reasons": [{"reason": r, "times": n} for r, n in self.reasons],
            "time_per_decision": [{"bucket": b, "decisions": n} for b, n in self.gaps],
            "decision_sizes": [{"lines": b, "decisions": n} for b, n in self.sizes],
            "leash": self.leash,
            "failed_checks": [
                {"seq": f.seq, "path": f.path, "decision": f.op, "message": f.message}
                for f in self.failed_checks
            ],
            "timeline": [{"hour": h, "accepted": a, "rejected": r} for h, a, r in self.timeline],
        }


def _bucket(value: float, buckets: Sequence[tuple[float, str]], last: str) -> str:
    for bound, label in buckets:
        if value <= bound:
            return label
    return last


def build(
    entries: Sequence[Entry], *, since: datetime | None = None, leash: dict[str, int] | None = None
) -> Report:
    """The report of ``entries`` (decisions at ``since`` or later, when given)."""
    chosen = [e for e in entries if since is None or ((t := when(e)) is not None and t >= since)]
    done = decisions(chosen)
    totals = measure(chosen, all_entries=entries)
    groups = {name: group(chosen, key) for name, key in GROUPS.items()}
    reasons = Counter(
        str(e.extra["reason"]) for e in done if e.op is Op.REJECT and e.extra.get("reason")
    )
    times = [t for e in done if (t := when(e)) is not None]
    gaps = Counter(
        _bucket(g, GAP_BUCKETS, "pause")
        for a, b in zip(times, times[1:], strict=False)
        if (g := (b - a).total_seconds()) > 0
    )
    sizes = Counter(_bucket(changed_lines(e.hunk), SIZE_BUCKETS, "> 400") for e in done)
    failed = [
        FailedCheck(e.seq, e.path, str(e.op), message.removeprefix("fail: "))
        for e in done
        for message in (e.extra.get("checks") or {}).values()
        if isinstance(message, str) and message.startswith("fail")
    ]
    hours: dict[str, list[int]] = {}
    for e in done:
        t = when(e)
        if t is None:
            continue
        hour = t - timedelta(minutes=t.minute, seconds=t.second, microseconds=t.microsecond)
        row = hours.setdefault(hour.isoformat(timespec="minutes"), [0, 0])
        row[0 if e.op is Op.ACCEPT else 1] += 1
    default = {
        LEVEL_NAMES[level]: n for level, n in DEFAULT_LEASH.items() if level is not Level.OFF
    }
    return Report(
        since=since.isoformat() if since else "",
        first=done[0].ts if done else "",
        last=done[-1].ts if done else "",
        totals=totals,
        groups=groups,
        reasons=reasons.most_common(),
        gaps=[(label, gaps[label]) for _, label in GAP_BUCKETS] + [("pause", gaps["pause"])],
        sizes=[(label, sizes[label]) for _, label in SIZE_BUCKETS] + [("> 400", sizes["> 400"])],
        leash={**default, **(leash or {})},
        failed_checks=failed,
        timeline=[(h, a, r) for h, (a, r) in sorted(hours.items())],
    )


def parse_since(text: str, *, now: datetime) -> datetime:
    """``--since``: an ISO date or time (``2026-12-02``, ``2026-12-02T09:00``),
    ``today``, or an age (``30m``, ``2h``, ``1d``, ``1w``). ValueError otherwise."""
    text = text.strip()
    if text == "today":
        return now.replace(hour=0, minute=0, second=0, microsecond=0)
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    if text[-1:] in units and text[:-1].isdigit():
        return now - timedelta(seconds=int(text[:-1]) * units[text[-1]])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--since {text!r}: use a date (2026-12-02), a time (2026-12-02T09:00), "
            "today, or an age (30m, 2h, 1d)"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=now.tzinfo)
