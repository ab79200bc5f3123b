"""Modal screens: key help and the summary shown on quit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from app.core.names import quote_name, safe_text

Rows = Sequence[tuple[str, str]]

# The help's sections, in this order; a key goes to its Binding's group
# (Textual's ``Binding.Group``) where it has one, else to its action's here.
SECTIONS: dict[str, frozenset[str]] = {
    "Decide": frozenset(
        {
            "accept", "reject", "accept_file", "reject_file", "toggle_line", "split",
            "edit", "reject_reason", "select_lines", "accept_note", "comment", "decide",
            "reason",
        }
    ),
    "Move": frozenset(
        {
            "next_hunk", "prev_hunk", "next_file", "prev_file", "edge_hunk",
            "pane_cursor_by", "pane_hunk_at", "pane_page_by", "hunk",
        }
    ),
    "Undo/redo": frozenset({"undo", "redo", "restore"}),
    "View/room": frozenset(
        {
            "toggle_view", "toggle_fold", "toggle_files", "files_width", "toggle_wrap",
            "sideways", "context", "context_width", "panel", "code_view", "metrics",
            "auto_accepted", "reload",
        }
    ),
    "Find": frozenset({"search", "search_next", "filter_files"}),
    "Loop/Gate": frozenset(
        {
            "plan", "next_step", "edit_plan", "prompt", "cancel", "level", "widen",
            "walkthrough", "dismiss_hint",
        }
    ),
    "Replay": frozenset({"play", "step", "first", "last", "speed"}),
}  # fmt: skip
OTHER = "Help and quit"
PALETTE_ROW = ("ctrl+p", "Command palette: every action by name")


def key_label(binding: Binding) -> str:
    return (binding.key_display or binding.key).replace("question_mark", "?")


def help_sections(bindings: Iterable[Binding]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every binding as (key, what it does), in titled sections; the palette last."""
    listed = list(bindings)
    # A binding without a group goes with its action's grouped twin (a slider
    # key shown in the footer and its unshown partner stay together).
    grouped = {b.action.partition("(")[0]: b.group.description.strip() for b in listed if b.group}
    by_section: dict[str, list[tuple[str, str]]] = {name: [] for name in SECTIONS}
    for binding in listed:
        action = binding.action.partition("(")[0]
        section = grouped.get(action) or next(
            (name for name, actions in SECTIONS.items() if action in actions), OTHER
        )
        by_section.setdefault(section, []).append(
            (key_label(binding), binding.tooltip or binding.description)
        )
    by_section.setdefault(OTHER, []).append(PALETTE_ROW)
    other = by_section.pop(OTHER)
    return [*((name, rows) for name, rows in by_section.items() if rows), (OTHER, other)]


class HelpScreen(ModalScreen[None]):
    """Every key, what it does, in sections, and that the palette (ctrl+p) has them all."""

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

    def __init__(self, sections: Sequence[tuple[str, Rows]]) -> None:
        super().__init__()
        self.sections = sections

    @classmethod
    def of(cls, bindings: Iterable[Binding]) -> HelpScreen:
        return cls(help_sections(bindings))

    @property
    def rows(self) -> list[tuple[str, str]]:
        return [row for _title, rows in self.sections for row in rows]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for number, (title, rows) in enumerate(self.sections):
            if number:
                table.add_row("", "")
            table.add_row(Text(title, style="bold underline"), "")
            for key, description in rows:
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
