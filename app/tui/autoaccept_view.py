"""Auto-accept in an app: the rule at the slider's level, and the view of what
it accepted (`A`), where any of them can be undone.

The rule is ``app.review.autoaccept``'s; its decisions are journaled like a
key press's, with ``auto: true``. Undo takes back the newest decision first
(the one undo rule, which keeps the history consistent), so undoing an older
auto-accepted hunk undoes the decisions after it too — each of which ``U``
redoes — and the view says how many before it does so.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from app.core.autonomy import Level
from app.core.journal import Entry
from app.core.names import quote_name
from app.review.autoaccept import AutoAccepter, AutoRule
from app.review.metrics import changed_lines
from app.review.service import ReviewService
from app.review.session import Outcome


def auto_accepted(service: ReviewService) -> list[tuple[Entry, int]]:
    """Each auto-accepted decision still in force, newest first, with how many
    decisions after it an undo of it takes back too."""
    done, _ = service.journal.undo_stack(service.session.source)
    out = []
    for depth, entry in enumerate(reversed(done)):
        if entry.extra.get("auto"):
            out.append((entry, depth))
    return out


class AutoAcceptedScreen(ModalScreen[int | None]):
    """The auto-accepted hunks; enter undoes the one chosen (and what came after)."""

    BINDINGS = [Binding("escape,A,q", "dismiss_none", "Close")]

    DEFAULT_CSS = """
    AutoAcceptedScreen { align: center middle; }
    AutoAcceptedScreen > VerticalScroll {
        width: 90; height: auto; max-height: 90%;
        background: $surface; border: round $primary; padding: 1 2;
    }
    AutoAcceptedScreen OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, rows: list[tuple[Entry, int]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text("Auto-accepted hunks (newest first)", style="bold"))
            if not self.rows:
                yield Static(
                    Text("None: the rule accepted nothing (or all were undone).", style="dim")
                )
            else:
                options = []
                for entry, depth in self.rows:
                    after = f" · undoing it undoes {depth} later decision(s) too" if depth else ""
                    label = (
                        f"#{entry.seq} {quote_name(entry.path)} · {changed_lines(entry.hunk)} lines"
                        f" · {entry.ts[11:19]}{after}"
                    )
                    options.append(Option(Text(label), id=str(entry.seq)))
                yield OptionList(*options, id="auto-list")
            yield Static(Text("\nenter: undo it (U redoes) · esc: close", style="dim"))

    def on_mount(self) -> None:
        if self.rows:
            options = self.query_one(OptionList)
            options.highlighted = 0
            options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class AutoAcceptMixin:
    service: ReviewService
    auto_rule: AutoRule | None = None
    _auto: AutoAccepter | None = None

    def autonomy_level(self) -> Level | None:
        """The slider's level (the loop's); None where there is no slider."""
        loop = getattr(self, "loop", None)
        level = getattr(loop, "level", None)
        return level if isinstance(level, Level) else None

    def start_auto_accept(self) -> None:
        if self.auto_rule is not None and self.auto_rule.limits and self._auto is None:
            self._auto = AutoAccepter(
                self.service, self.auto_rule, self.autonomy_level, on_accept=self._auto_accepted
            )

    def stop_auto_accept(self) -> None:
        if self._auto is not None:
            self._auto.close()

    def _auto_accepted(self, outcome: Outcome) -> None:
        # On the checks' thread: a posted callback, run on the UI thread.
        self.call_later(self._say_auto, outcome)  # type: ignore[attr-defined]

    def _say_auto(self, outcome: Outcome) -> None:
        self.status.say(  # type: ignore[attr-defined]
            f"auto-accepted {outcome.lines} line(s) of {quote_name(outcome.path)} "
            f"(#{outcome.seq}; A lists them, u undoes)"
        )

    def action_auto_accepted(self) -> None:
        rows = auto_accepted(self.service)

        def chosen(seq: int | None) -> None:
            if seq is None:
                return
            depth = next((d for e, d in rows if e.seq == seq), None)
            if depth is None:
                return
            from app.review.commands import Undo

            for _ in range(depth + 1):
                if self._run(Undo()) is None:  # type: ignore[attr-defined]
                    return  # the error is on the status line; nothing more is undone
            later = f" and {depth} later" if depth else ""
            self.status.say(f"undid auto-accepted #{seq}{later}")  # type: ignore[attr-defined]

        self.push_screen(AutoAcceptedScreen(rows), chosen)  # type: ignore[attr-defined]
