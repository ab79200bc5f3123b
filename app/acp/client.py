"""Tether as the ACP client: the methods an agent calls on it.

``fs/read_text_file`` and ``fs/write_text_file`` and edit permissions go to
the ``AcpReview`` (on a worker thread: a review waits for the human while
the connection keeps streaming the agent's updates); ``session/update``
becomes the events a front end shows. Terminals and elicitation are not
offered (the capabilities say so), so the SDK answers "method not found".
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from acp import RequestError
from acp.schema import (
    AgentMessageChunk,
    AgentPlanUpdate,
    AgentThoughtChunk,
    AllowedOutcome,
    DeniedOutcome,
    ReadTextFileResponse,
    RequestPermissionResponse,
    ToolCallProgress,
    ToolCallStart,
    WriteTextFileResponse,
)

from app.acp.edits import VIA_PERMISSION, VIA_WRITE, diffs_of, option_for
from app.acp.events import (
    AcpEvent,
    AgentText,
    EditAnswered,
    PlanShown,
    ToolCallShown,
)
from app.acp.review import AcpReview
from app.core.autonomy import Level
from app.core.errors import TetherError
from app.gate.answers import Verdict
from app.gate.calls import Origin

# JSON-RPC "invalid params": what the agent asked for is refused; the
# message says why, in words the agent's model reads.
REFUSED = -32602


def refused(message: str) -> RequestError:
    return RequestError(REFUSED, message)


class TetherClient:
    """The ``acp.Client`` of one agent session."""

    def __init__(
        self,
        review: AcpReview,
        emit: Callable[[AcpEvent], None],
        *,
        ask: Callable[[str, list[Any]], str | None] | None = None,
    ) -> None:
        self.review = review
        self.emit = emit
        # A permission that is not an edit (run a command, fetch a URL): the
        # front end asks the human (option id, or None: cancelled).
        self.ask = ask
        self.titles: dict[str, str] = {}
        # A tool call's diffs may come with its start, before the permission.
        self.diffs: dict[str, list[Any]] = {}
        self._cancels: list[tuple[threading.Event, asyncio.Event]] = []

    def _origin(self, session_id: str, tool_call_id: str, tool: str) -> Origin:
        return Origin(self.review.agent, session_id, tool_call_id, tool)

    # -- files ---------------------------------------------------------------------

    async def read_text_file(
        self,
        session_id: str,
        path: str,
        line: int | None = None,
        limit: int | None = None,
        **_kw: Any,
    ) -> ReadTextFileResponse:
        try:
            text = await asyncio.to_thread(self.review.read, path, line, limit)
        except TetherError as exc:
            self.emit(EditAnswered(f"read refused: {exc}", refused=True))
            raise refused(str(exc)) from None
        return ReadTextFileResponse(content=text)

    async def write_text_file(
        self, session_id: str, path: str, content: str, **_kw: Any
    ) -> WriteTextFileResponse | None:
        origin = self._origin(session_id, "", VIA_WRITE)
        try:
            error = await asyncio.to_thread(self.review.write, origin, path, content)
        except TetherError as exc:
            self.emit(EditAnswered(f"write refused: {exc}", refused=True))
            raise refused(str(exc)) from None
        if error:
            self.emit(EditAnswered(error.splitlines()[0], refused=True))
            raise refused(error)
        self.emit(EditAnswered(f"wrote {path}"))
        return None

    # -- permissions -----------------------------------------------------------------

    async def request_permission(
        self, session_id: str, tool_call: Any, options: list[Any], **_kw: Any
    ) -> RequestPermissionResponse:
        diffs = diffs_of(tool_call.content) or self.diffs.get(tool_call.tool_call_id, [])
        title = tool_call.title or self.titles.get(tool_call.tool_call_id, "")
        if not diffs:
            return await self._ask(title or tool_call.tool_call_id, options)
        tool = title or VIA_PERMISSION
        origin = self._origin(session_id, tool_call.tool_call_id, tool)
        turn_cancelled = threading.Event()  # seen by the review's thread
        cancelled = asyncio.Event()
        self._cancels.append((turn_cancelled, cancelled))
        review = asyncio.ensure_future(
            asyncio.to_thread(self.review.permission, origin, diffs, options, turn_cancelled)
        )
        review.add_done_callback(_settled)
        waiting = asyncio.ensure_future(cancelled.wait())
        try:
            await asyncio.wait({review, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            self._cancels.remove((turn_cancelled, cancelled))
        if not review.done():
            # ACP: a cancelled turn's permission is answered "cancelled" at once.
            # The hunks stay for review; Tether writes what is accepted of them.
            self.emit(EditAnswered(f"{tool}: cancelled with the turn; its hunks stay for review"))
            return _outcome(None)
        try:
            answer = review.result()
        except TetherError as exc:  # Tether is closing: the edit was never decided
            self.emit(EditAnswered(f"{tool}: cancelled: {exc}", refused=True))
            return _outcome(None)
        self.emit(EditAnswered(f"{tool}: {answer.summary}", refused=not answer.allowed))
        return _outcome(answer.option_id)

    def cancel_turn(self) -> None:
        """The turn is being cancelled (on the event loop): permissions still
        waiting are answered "cancelled"."""
        for turn_cancelled, cancelled in list(self._cancels):
            turn_cancelled.set()
            cancelled.set()

    async def _ask(self, title: str, options: list[Any]) -> RequestPermissionResponse:
        if self.review.level is Level.OFF:
            option, _ = option_for(options, Verdict({}), self.review.level)
            self.emit(EditAnswered(f"{title}: rejected (the slider is at 0)", refused=True))
            return _outcome(option)
        if self.ask is None:
            option, _ = option_for(options, Verdict({}), self.review.level)
            return _outcome(option)
        chosen = await asyncio.to_thread(self.ask, title, options)
        return _outcome(chosen)

    # -- what the agent is doing -------------------------------------------------------

    async def session_update(self, session_id: str, update: Any, **_kw: Any) -> None:
        if isinstance(update, AgentMessageChunk | AgentThoughtChunk):
            text = getattr(update.content, "text", None)
            if text:
                self.emit(AgentText(text, thought=isinstance(update, AgentThoughtChunk)))
        elif isinstance(update, AgentPlanUpdate):
            self.emit(PlanShown(tuple((e.status, e.content) for e in update.entries)))
        elif isinstance(update, ToolCallStart | ToolCallProgress):
            if update.title:
                self.titles[update.tool_call_id] = update.title
            if diffs_of(update.content):
                self.diffs[update.tool_call_id] = diffs_of(update.content)
            self.emit(
                ToolCallShown(
                    update.tool_call_id,
                    self.titles.get(update.tool_call_id, ""),
                    str(update.kind or ""),
                    str(update.status or ""),
                )
            )

    def on_connect(self, conn: Any) -> None:
        return None


def _settled(task: asyncio.Future[Any]) -> None:
    """A review that outlived its answer: its error is not lost in asyncio's log."""
    if not task.cancelled():
        task.exception()


def _outcome(option_id: str | None) -> RequestPermissionResponse:
    if option_id is None:
        return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
    return RequestPermissionResponse(
        outcome=AllowedOutcome(outcome="selected", option_id=option_id)
    )
