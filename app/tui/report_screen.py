"""`tether report` in the terminal: the report's figures and charts (plotext).

The data is ``app.review.report``'s, the same the HTML page and ``--json``
show; this module only draws it.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from app.review.report import Report
from app.tui.screens import HelpScreen
from themes import ALIASES, THEMES

BINDINGS = [
    Binding("question_mark", "help", "Help", key_display="?", tooltip="Show all keys"),
    Binding("q,escape", "quit", "Quit", key_display="q", tooltip="Close the report (q or esc)"),
]


class ReportApp(App[None]):
    """The report: totals, four charts, the reject reasons and failed checks."""

    TITLE = "tether report"
    BINDINGS = BINDINGS  # type: ignore[assignment]
    CSS = """
    #charts { grid-size: 2 2; height: 34; }
    PlotextPlot { height: 17; }
    #summary, #tables { padding: 0 1; height: auto; }
    """

    def __init__(self, report: Report, *, theme: str = "dark") -> None:
        super().__init__()
        self.report = report
        self._theme_name = ALIASES.get(theme, theme)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll():
            yield Static(self._summary(), id="summary")
            with Grid(id="charts"):
                yield PlotextPlot(id="by-file")
                yield PlotextPlot(id="gaps")
                yield PlotextPlot(id="sizes")
                yield PlotextPlot(id="by-source")
            yield Static(self._tables(), id="tables")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = self._theme_name if self._theme_name in THEMES else "tether-dark"
        report = self.report
        files = sorted(report.groups["file"].items(), key=lambda kv: -kv[1].decisions)[:8]
        names = [name.rsplit("/", 1)[-1][:18] for name, _ in files]
        plot = self.query_one("#by-file", PlotextPlot).plt
        if files:
            plot.stacked_bar(
                names,
                [[m.accepted for _, m in files], [m.rejected for _, m in files]],
                labels=["accepted", "rejected"],  # type: ignore[call-arg]  # (its stub says label)
                orientation="horizontal",
            )
        plot.title("Decisions per file")
        gaps = self.query_one("#gaps", PlotextPlot).plt
        gaps.bar([b for b, _ in report.gaps], [n for _, n in report.gaps])
        gaps.title("Time per decision")
        sizes = self.query_one("#sizes", PlotextPlot).plt
        sizes.bar([b for b, _ in report.sizes], [n for _, n in report.sizes])
        leash = ", ".join(f"{k} {v}" for k, v in report.leash.items())
        sizes.title(f"Hunk sizes (leash: {leash})")
        sources = list(report.groups["source"].items())
        by_source = self.query_one("#by-source", PlotextPlot).plt
        if sources:
            by_source.stacked_bar(
                [name for name, _ in sources],
                [[m.accepted for _, m in sources], [m.rejected for _, m in sources]],
                labels=["accepted", "rejected"],  # type: ignore[call-arg]  # (its stub says label)
            )
        by_source.title("Decisions per source")

    def _summary(self) -> Text:
        report = self.report
        period = f"{report.first[:19]} – {report.last[:19]}" if report.first else "no decisions"
        text = Text()
        text.append("Review report", style="bold")
        text.append(f"  {period}\n")
        text.append(report.totals.line())
        if report.totals.auto:
            text.append(f" · {report.totals.auto} auto-accepted")
        return text

    def _tables(self) -> Table:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for name in ("provider", "seat"):
            table = self.report.groups[name]
            grid.add_row(
                f"per {name}",
                ", ".join(f"{k}: {m.accepted}/{m.rejected}" for k, m in table.items()) or "-",
            )
        reasons = "; ".join(f"{r} (×{n})" for r, n in self.report.reasons[:8]) or "none given"
        grid.add_row("reject reasons", Text(reasons))
        failed = "; ".join(f"{f.path}: {f.message}" for f in self.report.failed_checks[:8])
        grid.add_row("failed checks", Text(failed or "none"))
        return grid

    def action_help(self) -> None:
        self.push_screen(HelpScreen.of(BINDINGS))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Show all keys", "key: ?", self.action_help)


def run_report_tui(report: Report, *, theme: str = "dark") -> int:
    app = ReportApp(report, theme=theme)
    app.run()
    return 0 if not app.return_code else 1
