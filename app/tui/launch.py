"""Starting a Textual app from the command line: what ``tether review``,
``tether loop`` and the demo share (keys from the terminal when the patch
came on stdin, the summary printed after, the exit status)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    from app.review.checks import load_checks
    from app.tui.review_app import ReviewApp
    from app.tui.screens import summary_text

    app = ReviewApp(service, label=source.label, theme=theme, checks=load_checks(service.root))
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
    coach: bool = False,
    plan_file: str | None = None,
) -> int:
    from app.core.config import load_config
    from app.gate.gate_scope import GateScope
    from app.review.autoaccept import load_auto_rule
    from app.review.checks import load_checks
    from app.review.seats import default_seat
    from app.review.sources import open_proposals
    from app.tui.inbox import with_inbox
    from app.tui.loop_app import LoopApp

    service = open_proposals(root)
    service.seat = default_seat(load_config(root).seat)
    app = with_inbox(LoopApp)(
        service,
        provider=provider,
        provider_label=label,
        start_file=start_file,
        level=level,
        leash=leash or None,
        theme=theme,
        intro=intro,
        coach=coach,
        plan_file=plan_file,
    )
    app.checks_config = load_checks(root)
    app.auto_rule = load_auto_rule(root)
    assert isinstance(app, LoopApp)

    def where() -> tuple[Any, Any, str | None]:
        # The slider now, and the file on the loop's screen (read, never changed).
        files = service.files
        path = files[app.index].path if files and app.index < len(files) else None
        return app.loop.level, app.loop.leash, path

    return run_owning(root, app, service, policy=GateScope(where))


def run_owning(root: Path, app: Any, service: ReviewService, *, policy: Any = None) -> int:
    """Run ``app`` (a watch or a loop over ``service``) as the owner of the
    repository's endpoint: other seats attach to its review, and agents'
    gated proposals go to its inbox (``I``), limited by ``policy``."""
    from app.gate.host import open_gate
    from app.gate.hosting import hosting
    from app.tui.screens import summary_text

    host = open_gate(root)
    host.service.seat = service.seat
    if policy is not None:
        host.service.set_policy(policy)
    app.attach_inbox(host)
    app.label += f" · seat {service.seat}"
    try:
        with hosting(root, service, label=app.label, handler=host) as unshared:
            result = app.run()
    finally:
        host.close()  # a call still waiting is answered now, never left to time out
        host.service.close()
    if result:
        print(summary_text(result))
    if unshared:
        print(f"tether: note: {unshared}", file=sys.stderr)
    return EXIT_OK if not app.return_code else EXIT_ERROR


def run_attach_tui(
    state_dir: Path, *, seat: str, read_only: bool, theme: str, role: str = "both"
) -> int:
    """``tether attach``: connect first (a clear error when nothing runs),
    then the review app over the owner's review."""
    from app.gate.remote import RemoteService
    from app.tui.attach_app import AttachApp
    from app.tui.screens import summary_text

    remote = RemoteService(state_dir, seat, read_only=read_only, role=role).open()
    app = AttachApp(remote, theme=theme)
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
