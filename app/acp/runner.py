"""One ACP agent, run as a subprocess: its own thread and event loop.

``AgentRunner`` starts the agent with the SDK (``spawn_agent_process``: no
shell, stdio JSON-RPC), initialises it with Tether's capabilities (reads and
writes through the client; no terminals), opens a session in the root, and
then sends each prompt as ``session/prompt``. A front end calls it from any
thread and hears ``AcpEvent``s on the runner's thread (subscribe).
The agent's stderr is drained (the SDK leaves it unread, and a full pipe
would stall the agent) and its tail kept for when it exits.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any, cast

from app.acp.client import TetherClient
from app.acp.events import (
    AcpEvent,
    AgentExited,
    AgentFailed,
    AgentReady,
    EditArrived,
    TurnEnded,
    TurnStarted,
)
from app.acp.review import AcpReview
from app.core.secrets import redact

STDERR_LINES = 20
# What one JSON-RPC line may be (a whole file's text in a write): the SDK's agent side uses 50 MB.
LINE_LIMIT = 50 * 1024 * 1024


class AgentRunner:
    def __init__(
        self,
        review: AcpReview,
        command: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        ask: Callable[[str, list[Any]], str | None] | None = None,
    ) -> None:
        if not command:
            raise ValueError("no agent command")
        self.review = review
        self.command = list(command)
        # The agent is the user's own program: it gets the user's environment
        # (its API keys); nothing of it passes through Tether's review or journal.
        self.env = dict(os.environ if env is None else env)
        self.client = TetherClient(review, self._emit, ask=ask)
        review.on_arrival = lambda paths, via: self._emit(EditArrived(paths, via))
        self.session_id = ""
        self.agent_name = os.path.basename(self.command[0])
        self.stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._subscribers: list[Callable[[AcpEvent], None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._prompts: asyncio.Queue[str | None] | None = None
        self._conn: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.turn_running = False
        self.exited = False
        self._closing = False

    # -- what a front end calls --------------------------------------------------------

    def subscribe(self, callback: Callable[[AcpEvent], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="acp-agent", daemon=True)
        self._thread.start()

    def prompt(self, text: str) -> str:
        """Send a prompt (with the review's pending decisions first). Why not,
        or "" when it was sent."""
        if self.exited:
            return "the agent is not running"
        if not self._ready.is_set() or self._loop is None or self._prompts is None:
            return "the agent is still starting"
        if self.turn_running:
            return "the agent is still working on the last prompt; esc cancels it"
        feedback = self.review.take_feedback()
        text = "\n\n".join(part for part in (feedback, text.strip()) if part)
        if not text:
            return "nothing to send"
        self.turn_running = True
        self._loop.call_soon_threadsafe(self._prompts.put_nowait, text)
        return ""

    def cancel(self) -> bool:
        """``session/cancel`` for the running turn (False: none runs)."""
        if not self.turn_running or self._loop is None or self._conn is None:
            return False
        asyncio.run_coroutine_threadsafe(self._cancel(), self._loop)
        return True

    async def _cancel(self) -> None:
        self.client.cancel_turn()
        await self._conn.cancel(session_id=self.session_id)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the agent (stdin closed, then terminate, then kill: the SDK's
        shutdown) and answer any waiting edit at once."""
        self._closing = True
        self.review.close()
        if self._loop is not None and self._prompts is not None:
            with contextlib.suppress(RuntimeError):  # the loop already ended
                self._loop.call_soon_threadsafe(self._prompts.put_nowait, None)
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    # -- the runner's thread ------------------------------------------------------------

    def _emit(self, event: AcpEvent) -> None:
        for callback in list(self._subscribers):
            callback(event)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except Exception as exc:  # a front end must hear it, whatever it was
            self._emit(AgentFailed(f"the agent connection failed: {exc}"))

    async def _main(self) -> None:
        from acp import PROTOCOL_VERSION, spawn_agent_process
        from acp.schema import ClientCapabilities, FileSystemCapabilities, Implementation

        self._loop = asyncio.get_running_loop()
        self._prompts = asyncio.Queue()
        kwargs = {"stderr": asyncio.subprocess.PIPE, "limit": LINE_LIMIT}
        try:
            spawned = spawn_agent_process(
                # The client implements what it advertises; the SDK answers
                # "method not found" for the rest (terminals, elicitation).
                cast(Any, self.client),
                self.command[0],
                *self.command[1:],
                env=self.env,
                cwd=self.review.root,
                transport_kwargs=kwargs,
            )
            conn, process = await spawned.__aenter__()
        except OSError as exc:
            self.exited = True
            self._emit(AgentExited(None, f"cannot start {self.command[0]}: {exc.strerror or exc}"))
            return
        drain = asyncio.create_task(self._drain(process.stderr))
        exit_wait = asyncio.create_task(process.wait())
        try:
            self._conn = conn
            init = await self._until_exit(
                conn.initialize(
                    protocol_version=PROTOCOL_VERSION,
                    client_capabilities=ClientCapabilities(
                        fs=FileSystemCapabilities(read_text_file=True, write_text_file=True),
                        terminal=False,
                    ),
                    client_info=Implementation(name="tether", version=version("tether")),
                ),
                exit_wait,
            )
            if init is not None:
                info = getattr(init, "agent_info", None)
                if info is not None and info.name:
                    self.agent_name = info.name
                self.review.agent = self.agent_name
                session = await self._until_exit(
                    conn.new_session(cwd=str(self.review.root), mcp_servers=[]), exit_wait
                )
                if session is not None:
                    self.session_id = session.session_id
                    self._ready.set()
                    self._emit(AgentReady(self.agent_name, self.session_id))
                    await self._turns(conn, exit_wait)
        finally:
            self._ready.set()
            with contextlib.suppress(Exception):
                await spawned.__aexit__(None, None, None)
            await asyncio.wait_for(asyncio.shield(exit_wait), 10)
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(drain, 2)
            self.exited = True
            self.turn_running = False
            self._emit(
                AgentExited(process.returncode, "\n".join(self.stderr), expected=self._closing)
            )

    async def _until_exit(self, call: Any, exit_wait: asyncio.Task[int]) -> Any:
        """``call``'s result, or None when the agent exits first (or fails it)."""
        task = asyncio.ensure_future(call)
        await asyncio.wait({task, exit_wait}, return_when=asyncio.FIRST_COMPLETED)
        if not task.done():
            task.cancel()
            return None
        try:
            return task.result()
        except Exception as exc:
            self._emit(AgentFailed(_words(exc)))
            return None

    async def _turns(self, conn: Any, exit_wait: asyncio.Task[int]) -> None:
        from acp import text_block

        assert self._prompts is not None
        while True:
            getting = asyncio.ensure_future(self._prompts.get())
            await asyncio.wait({getting, exit_wait}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                return
            text = getting.result()
            if text is None:
                return
            self._emit(TurnStarted(text))
            reply = await self._until_exit(
                conn.prompt(session_id=self.session_id, prompt=[text_block(text)]), exit_wait
            )
            self.turn_running = False
            if reply is None:
                if exit_wait.done():
                    return
                self._emit(TurnEnded("failed"))
            else:
                self._emit(TurnEnded(str(reply.stop_reason)))

    async def _drain(self, stream: asyncio.StreamReader | None) -> None:
        if stream is None:
            return
        while True:
            line = await stream.readline()
            if not line:
                return
            # Shown on screen: a key the agent printed is masked there too.
            self.stderr.append(redact(line.decode("utf-8", "replace").rstrip("\n")))


def _words(exc: BaseException) -> str:
    """An agent's error as one line: JSON-RPC's message and details."""
    data = getattr(exc, "data", None)
    details = f" ({data})" if data else ""
    return f"the agent answered with an error: {exc}{details}"
