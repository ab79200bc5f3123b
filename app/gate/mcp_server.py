"""``tether mcp``: an MCP server (stdio) whose edit tools wait for the human.

Each tool call is read as the files it would change, with the gate's rules
(``calls.Reader``: inside the repository, never ``.git``, never a secret
file), sent to the Tether review running for the repository (``tether
inbox``) through the endpoint, and waits — sending progress notifications
meanwhile, so a client's idle timeout does not fire — until every hunk is
decided. Then the server writes the accepted hunks itself (``mcp_apply``)
and returns per-hunk results as structured content plus a text rendering.

Resources: ``tether://review/status`` (counts) and ``tether://review/pending``
(the files waiting), from the running review's ``status`` answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp_types import CallToolResult, TextContent
from typing_extensions import TypedDict  # pydantic needs it for schemas on 3.11

from app.core.locations import state_dir_for
from app.gate.answers import Verdict
from app.gate.calls import GateRefusal, Origin, ProposedFile, Reader
from app.gate.endpoint import GateProtocolError, GateUnavailable, propose, review_status
from app.gate.mcp_apply import Applied, Writer

AGENT = "mcp"
# How often a waiting call tells the client it is still alive (Claude Code
# drops a stdio call silent for 30 minutes; others are shorter).
HEARTBEAT = 15.0
DEFAULT_TIMEOUT = 3600.0
NOT_RUNNING = (
    "no Tether review is running for {root}: start `tether inbox` in the repository, "
    "then propose again; nothing was written"
)


class HunkResult(TypedDict):
    id: str
    path: str
    header: str
    decision: str  # accepted | rejected | stale
    reason: str
    note: str


class ReviewResult(TypedDict):
    hunks: list[HunkResult]
    applied: list[str]
    notes: list[str]


Result = Annotated[CallToolResult, ReviewResult]


def build_server(root: Path, *, timeout: float = DEFAULT_TIMEOUT) -> MCPServer:
    """The server for the repository at ``root``; ``timeout`` seconds is the
    longest a call waits for the human."""
    gate = _Gate(root.resolve(), timeout)
    server: MCPServer = MCPServer(
        "tether",
        # The SDK logs every refused call at INFO on stderr; the agent gets
        # the message as the tool's error already.
        log_level="WARNING",
        instructions=(
            "Edit files through these tools: a human reviews every hunk in Tether before it "
            "is written. A call blocks until they decide; the result lists each hunk's "
            "decision and reason, and which files were written. Rejected hunks were not "
            "written: read the reasons, re-read the file, and propose again if needed."
        ),
    )

    @server.tool()
    async def propose_edit(
        path: str, old: str, new: str, ctx: Context, replace_all: bool = False
    ) -> Result:
        """Replace the text `old` with `new` in the file at `path` (relative to the
        repository, or absolute inside it). `old` must occur exactly once unless
        `replace_all`. Blocks until the human decides each hunk; writes only the
        accepted ones."""
        edit = {"old_string": old, "new_string": new}
        count = None if replace_all else 1
        return await gate.run(
            "propose_edit", ctx, lambda r: [r.edit(path, edit, "propose_edit", count=count)]
        )

    @server.tool()
    async def propose_write(path: str, content: str, ctx: Context) -> Result:
        """Write `content` as the whole file at `path` (created if missing). Blocks
        until the human decides each hunk; writes only the accepted ones."""
        return await gate.run(
            "propose_write", ctx, lambda r: [r.write(path, content, "propose_write")]
        )

    @server.tool()
    async def propose_patch(patch: str, ctx: Context) -> Result:
        """Apply a patch: a unified diff (`--- a/x` / `+++ b/x` / `@@`) or a V4A patch
        (`*** Begin Patch` … `*** End Patch`), paths relative to the repository.
        Blocks until the human decides each hunk; writes only the accepted ones."""
        v4a = patch.lstrip().startswith("*** Begin Patch")
        return await gate.run(
            "propose_patch", ctx, lambda r: r.patch(patch) if v4a else r.unified(patch)
        )

    @server.resource("tether://review/status", name="review_status", mime_type="application/json")
    def status() -> str:
        """Hunks pending and decided in the running Tether review."""
        report = gate.status()
        return json.dumps({k: report.get(k) for k in ("pending", "decided")})

    @server.resource("tether://review/pending", name="pending_queue", mime_type="application/json")
    def pending() -> str:
        """The files with hunks waiting for the human: path, origin, hunks pending."""
        return json.dumps(gate.status().get("queue", []))

    return server


class _Gate:
    def __init__(self, root: Path, timeout: float) -> None:
        self.root = root
        self.timeout = timeout
        self.writer = Writer(root)
        self.calls = 0

    def status(self) -> dict[str, Any]:
        try:
            return review_status(state_dir_for(self.root))
        except GateUnavailable:
            raise ResourceError(NOT_RUNNING.format(root=self.root)) from None
        except (GateProtocolError, OSError) as exc:
            raise ResourceError(f"the Tether review did not answer: {exc}") from None

    async def run(
        self, tool: str, ctx: Context, read: Callable[[Reader], list[ProposedFile]]
    ) -> CallToolResult:
        try:
            files = read(Reader(self.root, self.root))
        except GateRefusal as exc:
            raise ToolError(f"refused: {exc}; nothing was written") from None
        self.calls += 1
        origin = Origin(AGENT, "", f"{tool}-{self.calls}", tool)
        verdict = await self._decided(files, origin, ctx)
        # The human decided on what the files held then; what changed since is stale.
        applied = await asyncio.to_thread(self.writer.apply, files, verdict, origin)
        return _result(verdict, applied)

    async def _decided(self, files: list[ProposedFile], origin: Origin, ctx: Context) -> Verdict:
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        held: list[socket.socket] = []
        lock = threading.Lock()

        def on_connect(sock: socket.socket) -> None:
            with lock:
                held.append(sock)

        def on_event(event: dict[str, Any]) -> None:
            loop.call_soon_threadsafe(events.put_nowait, event)

        def wait() -> Verdict:
            return propose(
                state_dir_for(self.root),
                origin,
                files,
                deadline=time.time() + self.timeout,
                on_event=on_event,
                on_connect=on_connect,
            )

        call = asyncio.ensure_future(asyncio.to_thread(wait))
        # A call given up still ends (its connection closed, below): collect
        # its error so it is not reported as never retrieved.
        call.add_done_callback(lambda done: done.cancelled() or done.exception())
        beats = 0
        message = "sent to the Tether review"
        try:
            while not call.done():
                getter = asyncio.ensure_future(events.get())
                done, _ = await asyncio.wait({call, getter}, timeout=HEARTBEAT)
                if getter in done:
                    event = getter.result()
                    if event.get("type") == "queued":
                        message = f"{event.get('hunks', 0)} hunk(s) waiting for review in Tether"
                else:
                    getter.cancel()
                beats += 1
                await ctx.report_progress(beats, None, message)
            return call.result()
        except GateUnavailable:
            raise ToolError(NOT_RUNNING.format(root=self.root)) from None
        except TimeoutError:
            raise ToolError(
                f"the Tether review did not decide within {self.timeout:g} s; nothing was written"
            ) from None
        except GateProtocolError as exc:
            raise ToolError(
                f"the Tether review ended without a decision ({exc}); nothing was written"
            ) from None
        except OSError as exc:
            raise ToolError(
                f"the Tether review could not be reached: {exc.strerror or exc}"
            ) from None
        finally:
            # The client gave the call up (cancelled): close the connection, so
            # the review withdraws the proposal instead of waiting for no one.
            if not call.done():
                with lock:
                    for sock in held:
                        with contextlib.suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)


def _result(verdict: Verdict, applied: Applied) -> CallToolResult:
    stale = set(applied.stale)
    hunks: list[HunkResult] = []
    for h in verdict.hunks:
        decision = "accepted" if h.accepted else "rejected"
        reason = h.reason
        if h.accepted and h.path in stale:
            decision, reason = "stale", "the file changed on disk since the proposal"
        hunks.append(
            HunkResult(
                id=h.hunk_id,
                path=h.path,
                header=h.header,
                decision=decision,
                reason=reason,
                note=h.note,
            )
        )
    result = ReviewResult(hunks=hunks, applied=applied.applied, notes=applied.notes)
    return CallToolResult(
        content=[TextContent(type="text", text=_render(result))],
        structured_content=dict(result),
    )


def _render(result: ReviewResult) -> str:
    lines = []
    for h in result["hunks"]:
        words = h["reason"] or h["note"]
        lines.append(
            f"{h['path']} {h['header']} ({h['id']}): {h['decision']}"
            + (f" — {words}" if words else "")
        )
    written = ", ".join(result["applied"]) or "nothing"
    lines.append(f"written: {written}")
    lines += result["notes"]
    return "\n".join(lines)


def serve(root: Path, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Run the server on stdin/stdout until the client goes away."""
    build_server(root, timeout=timeout).run()
