"""The reviewer's figures in an app: the `M` panel and the status line's warning.

The figures are ``app.review.metrics``'s, from the journal (so they cover
every source and survive restarts); this module only shows them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from app.review.metrics import Metrics, live, measure, since
from app.review.service import ReviewService

ROWS = (
    ("decisions (acc./rej.)", lambda m: f"{m.decisions} ({m.accepted}/{m.rejected})"),
    ("accept rate", lambda m: "–" if m.accept_rate is None else f"{m.accept_rate:.0%}"),
    (
        "seconds per decision",
        lambda m: "–" if m.seconds_per_decision is None else f"{m.seconds_per_decision:.0f}",
    ),
    (
        "lines kept per minute",
        lambda m: "–" if m.kept_per_minute is None else f"{m.kept_per_minute:.0f}",
    ),
    ("lines per hour", lambda m: "–" if m.lines_per_hour is None else f"{m.lines_per_hour:,.0f}"),
    ("undone", lambda m: str(m.undone)),
    ("auto-accepted", lambda m: str(m.auto)),
)


class MetricsScreen(ModalScreen[None]):
    """The figures of the last 15 minutes, of this session and of the repository."""

    BINDINGS = [Binding("escape,M,q", "dismiss", "Close")]

    DEFAULT_CSS = """
    MetricsScreen { align: center middle; }
    MetricsScreen > VerticalScroll {
        width: 76; height: auto; max-height: 90%;
        background: $surface; border: round $primary; padding: 1 2;
    }
    """

    def __init__(self, columns: list[tuple[str, Metrics]]) -> None:
        super().__init__()
        self.columns = columns

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        for name, _ in self.columns:
            table.add_column(justify="right", header=name)
        table.add_row("", *(Text(name, style="bold") for name, _ in self.columns))
        for label, show in ROWS:
            table.add_row(label, *(show(m) for _, m in self.columns))
        warning = self.columns[0][1].warning if self.columns else ""
        with VerticalScroll():
            yield Static(Text("Your review, from the journal", style="bold"))
            yield Static(table)
            if warning:
                yield Static(
                    Text(
                        f"\n{warning} Past about 1,000 lines an hour a reviewer is not really looking.",
                        style="bold",
                    )
                )
            yield Static(
                Text(
                    "\nSeconds per decision: the median gap between decisions; a gap over 10 minutes is a pause. tether report has more.",
                    style="dim",
                )
            )


class MetricsMixin:
    service: ReviewService
    _started_at: datetime | None = None

    def metrics_started(self) -> None:
        self._started_at = datetime.now(UTC)

    def metrics_columns(self) -> list[tuple[str, Metrics]]:
        entries = self.service.journal.entries()
        start = self._started_at or datetime.now(UTC)
        return [
            ("last 15 min", live(entries, now=datetime.now(UTC))),
            ("this session", measure(since(entries, start), all_entries=entries)),
            ("all", measure(entries)),
        ]

    def metrics_warning(self) -> str:
        """ "≈1,300 lines/hour: slow down?" when the live rate is too fast, else ""."""
        return live(self.service.journal.entries(), now=datetime.now(UTC)).warning

    def action_metrics(self) -> None:
        self.push_screen(MetricsScreen(self.metrics_columns()))  # type: ignore[attr-defined]
