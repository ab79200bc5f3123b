"""``tether replay``: step through a recorded session for a class, read-only.

A thin client of ``app.teaching.session``: the frames (prompts, the context
sent, what the model streamed, each edit and decision with its reason) are
read once; keys move between them, space plays them at the recorded pace
times ``--speed``. Nothing is written: no file of the repository, nothing
in Tether's state.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header, Static

from app.core.names import safe_text
from app.teaching.session import Frame, Session
from app.tui.screens import HelpScreen
from themes import ALIASES, CSS_PATH, THEMES

# A pause longer than this (a coffee break in a journal) is played as this.
MAX_PAUSE = 3.0

BINDINGS = [
    Binding("right,n,l", "step(1)", "Next", key_display="→/n", tooltip="The next step"),
    Binding("left,p,h", "step(-1)", "Back", key_display="←/p", tooltip="The step before"),
    Binding("g", "first", "First", show=False, tooltip="The first step"),
    Binding("G", "last", "Last", key_display="G", show=False, tooltip="The last step"),
    Binding("space", "play", "Play/pause", tooltip="Play from here at the speed, or pause"),
    Binding(
        "plus,equals_sign", "speed(2)", "Faster", key_display="+", tooltip="Play twice as fast"
    ),
    Binding("minus", "speed(-2)", "Slower", key_display="-", tooltip="Play half as fast"),
    Binding("question_mark", "help", "Keys", key_display="?", tooltip="Every key"),
    Binding("q", "quit", "Quit", tooltip="Quit the replay"),
]


class ReplayApp(App[None]):
    CSS_PATH = str(CSS_PATH)
    TITLE = "tether replay"
    CSS = """
    #frame-head { height: auto; padding: 0 1; background: $panel; }
    #frame-scroll { height: 1fr; padding: 0 1; }
    """
    BINDINGS = BINDINGS  # type: ignore[assignment]

    def __init__(self, session: Session, *, speed: float = 1.0, theme: str = "dark") -> None:
        super().__init__()
        self.session = session
        self.speed = speed
        self.index = 0
        self._theme_name = ALIASES.get(theme, theme)
        self._timer: Timer | None = None
        self._playing = False

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(id="frame-head")
        with VerticalScroll(id="frame-scroll"):
            yield Static(id="frame")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = self._theme_name if self._theme_name in THEMES else "tether-dark"
        self.sub_title = f"{self.session.kind}: {self.session.source}"
        self.show(0)
        # ↑↓, page keys, home and end scroll a long step.
        self.query_one("#frame-scroll", VerticalScroll).focus()

    @property
    def frame(self) -> Frame:
        return self.session.frames[self.index]

    @property
    def playing(self) -> bool:
        return self._playing

    def show(self, index: int) -> None:
        self.index = max(0, min(len(self.session.frames) - 1, index))
        frame = self.frame
        state = (
            f"playing ×{self.speed:g}" if self.playing else f"paused (space plays ×{self.speed:g})"
        )
        head = f"step {self.index + 1} of {len(self.session.frames)} · {_clock(frame.at)} · {state}"
        self.query_one("#frame-head", Static).update(Text(head))
        self.query_one("#frame", Static).update(render_frame(frame))
        self.query_one("#frame-scroll", VerticalScroll).scroll_home(animate=False)

    # -- keys ---------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        self._pause()
        self.show(self.index + delta)

    def action_first(self) -> None:
        self._pause()
        self.show(0)

    def action_last(self) -> None:
        self._pause()
        self.show(len(self.session.frames) - 1)

    def action_play(self) -> None:
        if self.playing:
            self._pause()
            self.show(self.index)
            return
        self._playing = True
        if self.index >= len(self.session.frames) - 1:
            self.index = -1  # at the end: play from the start
            self._advance()
            return
        self._schedule()
        self.show(self.index)

    def action_speed(self, factor: int) -> None:
        self.speed = self.speed * factor if factor > 0 else self.speed / -factor
        self.speed = max(1 / 64, min(64.0, self.speed)) if self.speed else 0.0
        self.show(self.index)

    def action_help(self) -> None:
        self.push_screen(HelpScreen.of(BINDINGS))

    # -- playing --------------------------------------------------------------------

    def _schedule(self) -> None:
        frames = self.session.frames
        if self.index + 1 >= len(frames):
            self._pause()
            self.show(self.index)
            return
        gap = max(0.0, frames[self.index + 1].at - frames[self.index].at)
        delay = min(MAX_PAUSE, gap / self.speed) if self.speed else 0.0
        if delay > 0:
            self._timer = self.set_timer(delay, self._advance)
        else:
            self.call_later(self._advance)  # speed 0 or no gap: the next one at once

    def _advance(self) -> None:
        self._timer = None
        if not self._playing:
            return
        self.index += 1
        self._schedule()
        self.show(self.index)

    def _pause(self) -> None:
        self._playing = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in BINDINGS:
            name, _, arg = binding.action.partition("(")
            method = getattr(self, f"action_{name}")
            key = binding.key_display or binding.key
            if arg:
                value = int(arg.rstrip(")"))
                yield SystemCommand(binding.tooltip, f"key: {key}", lambda m=method, v=value: m(v))
            else:
                yield SystemCommand(binding.tooltip, f"key: {key}", method)


def render_frame(frame: Frame) -> Text:
    """A frame as the screen shows it: the title, the text, the diff in colour."""
    out = Text()
    out.append(safe_text(frame.title) + "\n\n", style="bold")
    if frame.kind == "decision":  # the reason first: it is what a class discusses
        why = "Reason: " + _visible(frame.reason) if frame.reason else "No reason given."
        out.append(why + "\n\n", style="italic")
    if frame.body:
        label = {"prompt": "Prompt:\n", "stream": ""}.get(frame.kind, "")
        out.append(label, style="italic")
        out.append(_visible(frame.body) + "\n\n")
    if frame.kind == "prompt" and frame.reason:
        out.append("Context sent:\n", style="italic")
        out.append(_visible(frame.reason) + "\n\n")
    for line in frame.diff.split("\n") if frame.diff else ():
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        style = "cyan" if line.startswith("@@") else style
        out.append(_visible(line) + "\n", style=style)
    return out


def _visible(text: str) -> str:
    return "\n".join(safe_text(line) for line in text.split("\n"))


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
