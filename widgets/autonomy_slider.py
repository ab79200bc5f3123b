"""The autonomy slider: how much the model may change at once, and its leash.

Always visible; set by keys (the app binds them) or by clicking a stop.
Posts ``AutonomySlider.Changed`` when the level changes.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from app.core.autonomy import DEFAULT_LEASH, LEVEL_HELP, LEVEL_NAMES, Level

_STOP_WIDTH = 10


class AutonomySlider(Widget):
    """Five stops, off → repo, with the current leash."""

    DEFAULT_CSS = """
    AutonomySlider {
        height: 1;
        background: $surface;
        color: $foreground;
        padding: 0 1;
    }
    """

    level: reactive[int] = reactive(int(Level.FILE))
    """The current level, 0 (off) to 4 (repo)."""

    leash: reactive[dict[int, int]] = reactive(
        lambda: {int(k): v for k, v in DEFAULT_LEASH.items()}
    )
    """Maximum changed lines per proposal, per level."""

    class Changed(Message):
        """The user moved the slider."""

        def __init__(self, slider: AutonomySlider, level: int) -> None:
            super().__init__()
            self.slider = slider
            self.level = level

        @property
        def control(self) -> AutonomySlider:
            return self.slider

    def validate_level(self, value: int) -> int:
        return max(int(Level.OFF), min(int(Level.REPO), value))

    def watch_level(self, old: int, new: int) -> None:
        if old != new:
            self.post_message(self.Changed(self, new))

    def render(self) -> Text:
        text = Text("autonomy ", style="bold")
        for level in Level:
            on = level == self.level
            mark = "●" if on else "○"
            label = f"{mark} {int(level)} {LEVEL_NAMES[level]}"
            text.append(f"{label:<{_STOP_WIDTH}}", style="bold reverse" if on else "dim")
            if level is not Level.REPO:
                text.append("─", style="dim")
        current = Level(self.level)
        limit = self.leash.get(int(current), 0)
        leash = f"leash {limit} lines" if current is not Level.OFF else "no model"
        text.append(f"  {leash} · {LEVEL_HELP[current]}", style="italic")
        return text

    def on_click(self, event: events.Click) -> None:
        # Stops start after "autonomy " (9 cells) and are _STOP_WIDTH + 1 wide.
        stop = (event.x - 1 - 9) // (_STOP_WIDTH + 1)
        if 0 <= stop <= int(Level.REPO):
            self.level = stop
