"""One line at the bottom: where you are, what is decided, the last message."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from app.core.names import safe_text


class StatusLine(Static):
    """Shows review progress and the outcome of the last action."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    StatusLine.-error { background: $error 40%; }
    """

    source: reactive[str] = reactive("")
    # A state that must stay in sight (the loop's "HELD: … > leash"): shown
    # first and never dropped to make room, as the source is.
    flag: reactive[str] = reactive("")
    progress: reactive[str] = reactive("")
    message: reactive[str] = reactive("")
    is_error: reactive[bool] = reactive(False)

    def render(self) -> Content:
        # Plain text, never markup, escapes made visible: a file name in a
        # message may hold "[" or a terminal escape sequence.
        parts = [safe_text(p) for p in (self.source, self.progress, self.message) if p]
        width = max(1, self.size.width - 2) if self.size.width else 10**6
        if not self.flag:
            return Content(fit_status(parts, width))
        flag = fit_status([safe_text(self.flag)], width)
        rest = width - cell_len(flag) - len("  ·  ")
        if rest < 8 or not parts:
            return Content(flag)
        return Content(f"{flag}  ·  {fit_status(parts, rest)}")

    def watch_is_error(self, value: bool) -> None:
        self.set_class(value, "-error")

    def say(self, message: str, *, error: bool = False) -> None:
        self.message = message
        self.is_error = error


def fit_status(parts: Sequence[str], width: int) -> str:
    """The parts joined, in ``width`` cells: when they do not fit, the source
    (what the screen's title says too) goes first, then the progress, and
    what is still too long ends in ``…`` rather than mid-word."""
    kept = [p for p in parts if p]
    while len(kept) > 1 and cell_len("  ·  ".join(kept)) > width:
        kept.pop(0)
    text = "  ·  ".join(kept)
    if cell_len(text) <= width:
        return text
    cut = text[: max(0, width - 1)]
    if " " in cut[width // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut + "…"
