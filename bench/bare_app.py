"""The floor: the smallest Textual app that paints (run as a script).

``python bench/bare_app.py`` imports Textual, starts the app and draws two
``Static`` widgets, one on the top row and one on the bottom row (the same
"top and bottom of the screen" markers the Tether runs wait for). Its first
paint is the start-up cost every Textual app pays.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

TOP = "tether-bench: bare Textual app, top row"
BOTTOM = "tether-bench: bare Textual app, bottom row"


class BareApp(App[None]):
    CSS = "#bottom { dock: bottom; }"

    def compose(self) -> ComposeResult:
        yield Static(TOP)
        yield Static(BOTTOM, id="bottom")


if __name__ == "__main__":
    BareApp().run()
