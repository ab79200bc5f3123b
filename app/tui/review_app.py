"""The review workbench: file list, diff pane, status line and the keys.

A thin client of the review service: keys become commands addressed by hunk
id (``app.review.commands``), the screen is redrawn from the service's state
when its events arrive, and no rule is computed here. Keys follow
``git add -p`` and lazygit.

The app is composed of mixins, one per responsibility: ``review_bindings``
(the table of keys), ``review_keys`` (which apply, moving), ``review_events``
(the review's events), ``file_showing`` (the file on show, the list, the
progress), ``deciding`` (the commands keys send), ``hunk_edit`` ($EDITOR),
and the views of checks, metrics, auto-accept, finding and room.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import rich
from rich.segment import Segments
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer, Header

from app.core.errors import TetherError
from app.core.model import FileReview
from app.core.names import safe_text
from app.review.checks import ChecksConfig
from app.review.events import ReviewEvent
from app.review.service import ReviewService
from app.review.session import ReviewSession
from app.tui.autoaccept_view import AutoAcceptMixin
from app.tui.checks_view import ChecksMixin
from app.tui.deciding import DecidingMixin
from app.tui.file_showing import ShowingMixin
from app.tui.finding import FindingMixin
from app.tui.hunk_edit import HunkEditMixin
from app.tui.metrics_view import MetricsMixin
from app.tui.review_bindings import BINDINGS, MOVE, UNDO, help_rows
from app.tui.review_events import ReviewEventsMixin, ServiceEvent
from app.tui.review_keys import ReviewKeysMixin
from app.tui.room import RoomMixin
from app.tui.screens import SummaryScreen
from themes import ALIASES, CSS_PATH, THEMES
from widgets.diff_pane import DiffPane
from widgets.file_header import FileHeader
from widgets.file_list import FileList
from widgets.status_line import StatusLine

__all__ = ["BINDINGS", "MOVE", "UNDO", "ReviewApp", "ServiceEvent", "help_rows"]


# The new mixins come first: their methods were this class's own, so they
# still win over the older mixins' (and a subclass's still win over them).
class ReviewApp(
    ReviewKeysMixin,
    DecidingMixin,
    HunkEditMixin,
    ShowingMixin,
    ReviewEventsMixin,
    ChecksMixin,
    MetricsMixin,
    AutoAcceptMixin,
    FindingMixin,
    RoomMixin,
    App[dict],
):
    """Review one source hunk by hunk."""

    CSS_PATH = str(CSS_PATH)
    TITLE = "tether"
    BINDINGS = BINDINGS  # type: ignore[assignment]
    # What the diff pane says while the review has no files.
    EMPTY = "Nothing to review: no changes found."
    # A decision's write waits for the frame that shows it, so keys feel
    # instant; an app whose decisions someone waits on (an agent, in the
    # gate) writes at once instead.
    WRITE_AFTER_FRAME = True

    def __init__(
        self,
        service: ReviewService,
        *,
        label: str,
        theme: str = "dark",
        checks: ChecksConfig | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.checks_config = checks
        self.label = label
        self.index = 0
        self._theme_name = ALIASES.get(theme, theme)
        self._applicable: tuple[bool, ...] | None = None
        self._ui_thread = threading.get_ident()
        self._unsubscribe: Callable[[], None] | None = None
        self._listed = 0
        self._screen_up = False
        self._main_screen: Screen | None = None
        self._indices: dict[str, int] = {}
        self._batched = False
        self._arrived: list[ReviewEvent] = []  # events from other threads, not handled yet
        self._arrived_lock = threading.Lock()
        self._progress_due = False

    @property
    def session(self) -> ReviewSession:
        """The engine under the service (read it, never drive it from here)."""
        return self.service.session

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            yield FileList(id="files")
            with Vertical(id="diff-box"):
                yield FileHeader(id="file-header")
                yield DiffPane(id="diff")
        yield StatusLine(id="status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._ui_thread = threading.get_ident()
        for theme in THEMES.values():
            self.register_theme(theme)
        self.theme = self._theme_name if self._theme_name in THEMES else "tether-dark"
        self.theme_changed_signal.subscribe(self, lambda _theme: self.pane.refresh_palette())
        self.sub_title = safe_text(self.label)
        self.status.source = self.label
        self._main_screen = self.screen
        self._screen_up = True
        self.apply_room()
        self._unsubscribe = self.service.subscribe(self._deliver)
        self.start_checks()
        self.start_auto_accept()
        self.metrics_started()
        self._sync_file_list()
        self.show_file(self._first_pending(0))
        self.pane.focus()
        self._prefetch()
        # What start-up made lives for the whole session: keep it out of the
        # collector's scans (they were 15% of a key press's time).
        self.call_after_refresh(gc.freeze)

    def on_unmount(self) -> None:
        self._screen_up = False
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.stop_auto_accept()
        self.stop_checks()
        self.service.close()  # every decision already shown is written before exit

    @property
    def pane(self) -> DiffPane:
        return self.query_one(DiffPane)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def current(self) -> FileReview:
        return self.service.files[self.index]

    def _error(self, exc: TetherError) -> None:
        self.status.say(str(exc), error=True)
        self.notify(str(exc), title=exc.title, severity="error")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Textual's notify, but plain text with escapes made visible by
        default: messages name files, and a name may hold "[" or ESC."""
        if not markup:
            message, title = safe_text(message), safe_text(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _fatal_error(self) -> None:
        """Textual's crash report without local variables: its pretty traceback
        shows them, and a decision's locals hold file bytes (and could hold a
        secret file's)."""
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def action_quit_review(self) -> None:
        self.service.flush()  # decisions on their way are part of the summary
        summary = {**self.service.summary(), "source": self.label}

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.exit(summary)

        self.push_screen(SummaryScreen(summary), done)
