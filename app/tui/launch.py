"""Starting a Textual app from the command line: what ``tether review``,
``tether loop`` and the demo share (keys from the terminal when the patch
came on stdin, the summary printed after, the exit status)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import TetherError

if TYPE_CHECKING:
    from app.providers.base import Provider
    from app.review.service import ReviewService
    from app.review.sources import Source

EXIT_OK, EXIT_ERROR = 0, 1


def run_review_tui(service: ReviewService, source: Source, *, theme: str) -> int:
    if source.label == "<stdin>" and not os.isatty(0):
        # The patch came on stdin; the keys must come from the terminal, and
        # Textual reads file descriptor 0 directly.
        try:
            tty = os.open("/dev/tty", os.O_RDONLY)
        except OSError:
            raise TetherError(
                "the patch came on stdin and there is no terminal for the keys"
            ) from None
        os.dup2(tty, 0)
        os.close(tty)
    from app.tui.review_app import ReviewApp
    from app.tui.screens import summary_text

    app = ReviewApp(service, label=source.label, theme=theme)
    result = app.run()
    if result:
        print(summary_text(result))
    # Textual has already printed the traceback of a crash; the exit status says it too.
    return EXIT_OK if not app.return_code else EXIT_ERROR


def run_loop_tui(
    root: Path,
    provider: Provider,
    label: str,
    *,
    start_file: str | None,
    theme: str,
    level: int = 3,
    leash: dict | None = None,
    intro: str = "",
) -> int:
    from app.review.sources import open_proposals
    from app.tui.loop_app import LoopApp
    from app.tui.screens import summary_text

    app = LoopApp(
        open_proposals(root),
        provider=provider,
        provider_label=label,
        start_file=start_file,
        level=level,
        leash=leash or None,
        theme=theme,
        intro=intro,
    )
    result = app.run()
    if result:
        print(summary_text(result))
    return EXIT_OK if not app.return_code else EXIT_ERROR


def run_agent_tui(
    root: Path,
    command: list[str],
    *,
    level: int,
    leash: dict | None,
    focus: str | None,
    theme: str,
) -> int:
    """``tether agent``: the agent's session and its review, in the agent app."""
    from app.acp.review import AcpReview
    from app.acp.runner import AgentRunner
    from app.tui.agent_app import AgentApp
    from app.tui.screens import summary_text

    review = AcpReview(root, level=level, leash=leash or None, focus=focus)
    app = AgentApp(AgentRunner(review, command), theme=theme)
    result = app.run()
    if result:
        print(summary_text(result))
    return EXIT_OK if not app.return_code else EXIT_ERROR
