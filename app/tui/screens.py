"""Modal screens: key help and the summary shown on quit."""

from __future__ import annotations

from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from app.core.names import quote_name, safe_text


class HelpScreen(ModalScreen[None]):
    """Every key, what it does, and that the palette (ctrl+p) has them all."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close help"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; height: auto; max-height: 90%;
        background: $surface; border: round $primary; padding: 1 2;
    }
    """

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, description in self.rows:
            table.add_row(key, description)
        with VerticalScroll():
            yield Static(Text("Tether keys", style="bold"))
            yield Static(table)
            yield Static(
                Text(
                    "\nEvery action is also in the command palette (ctrl+p). "
                    "With lines marked by space, y/n act on those lines only.",
                    style="dim",
                )
            )


class SummaryScreen(ModalScreen[bool]):
    """What was decided; confirm to quit or go back to reviewing."""

    BINDINGS = [
        Binding("q,enter,y", "confirm", "Quit"),
        Binding("escape,n", "cancel", "Back to review"),
    ]

    DEFAULT_CSS = """
    SummaryScreen { align: center middle; }
    SummaryScreen > VerticalScroll {
        width: 80; height: auto; max-height: 90%;
        background: $surface; border: round $primary; padding: 1 2;
    }
    """

    def __init__(self, summary: dict[str, object]) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(summary_text(self.summary)))
            yield Static(Text("\nenter/q quit · esc back to the review", style="dim"))

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def summary_text(summary: dict[str, object]) -> str:
    files = summary.get("files", [])
    assert isinstance(files, list)
    pending = sum(f["pending"] or 0 for f in files)
    lines = [
        f"Review of {safe_text(str(summary['source']))}: {summary['accepted']} accepted, "
        f"{summary['rejected']} rejected, {pending} pending",
    ]
    for f in files:
        if f["accepted"] or f["rejected"] or f["pending"]:
            lines.append(
                f"  {quote_name(f['path'])}: {f['accepted']} accepted, {f['rejected']} rejected, "
                f"{f['pending'] if f['pending'] is not None else '?'} pending"
            )
    return "\n".join(lines)


class ReasonScreen(ModalScreen[str | None]):
    """Ask why a hunk is rejected; the reason goes to the model."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    ReasonScreen { align: center middle; }
    ReasonScreen > VerticalScroll {
        width: 80; height: auto; background: $surface; border: round $primary; padding: 1 2;
    }
    """

    def __init__(
        self,
        question: str,
        *,
        hint: str = "enter: reject and regenerate only this part · esc: cancel",
        placeholder: str = "e.g. keep the old error message; callers match on it",
        value: str = "",
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value  # pre-filled (a failing check's message): enter sends it
        self.hint = hint
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(safe_text(self.question), style="bold"))
            yield Input(self.value, placeholder=self.placeholder, id="reason")
            yield Static(Text(self.hint, style="dim"))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskLine(ModalScreen[str | None]):
    """One line of input at the bottom of the screen (search, file filter);
    the screen behind stays visible, and ``live`` hears every change."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    AskLine { align: left bottom; background: $background 0%; }
    AskLine > VerticalScroll {
        width: 100%; height: auto; background: $surface; border-top: solid $primary;
        padding: 0 1;
    }
    AskLine #line { border: none; height: 1; padding: 0 1; background: $panel; }
    AskLine #line:focus { border: none; }
    """

    def __init__(
        self,
        question: str,
        *,
        value: str = "",
        hint: str = "",
        live: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.hint = hint
        self.live = live

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(f"{self.question}:  {self.hint}", style="dim"))
            yield Input(value=self.value, placeholder=self.question, id="line")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.live is not None:
            self.live(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
