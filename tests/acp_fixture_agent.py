"""A small ACP agent for the tests, written with the SDK's agent side and
speaking the real protocol over stdio (``python tests/acp_fixture_agent.py``).

On a prompt whose last paragraph holds "edit" it does what real agents do, in order, and
reports each answer as a message: it reads ``app.py`` through the client
(``fs/read_text_file``), rewrites two places of it through the client
(``fs/write_text_file``, as Gemini CLI does), asks permission for a two-hunk
edit of ``lib.py`` with a ``diff`` content and writes it itself when allowed
(as Claude's and Codex's adapters do), then tries to write outside the
root. "ask" only asks the lib.py permission. "run" asks permission to run a command (no diff). "die" asks to write app.py and exits before the answer. "wait" holds the turn until ``session/cancel``; "crash" writes to
stderr and exits 3; anything else is echoed back ("received: …"), which is
how a test sees what the next prompt carried.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from acp import (
    PROTOCOL_VERSION,
    plan_entry,
    run_agent,
    start_edit_tool_call,
    tool_diff_content,
    update_agent_message_text,
    update_plan,
)
from acp.schema import (
    AgentCapabilities,
    Implementation,
    InitializeResponse,
    NewSessionResponse,
    PermissionOption,
    PromptResponse,
    ToolCallUpdate,
)


def edited_app(text: str) -> str:
    lines = text.splitlines(keepends=True)
    lines[1] = "TOP = 'changed by the agent'\n"
    lines[-2] = "BOTTOM = 'changed by the agent'\n"
    return "".join(lines)


def edited_lib(text: str) -> str:
    return text.replace("def first():", "def first_renamed():").replace("return 99", "return 100")


class FixtureAgent:
    def __init__(self) -> None:
        self.conn: Any = None
        self.cwd = Path.cwd()
        self.cancelled = asyncio.Event()

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    async def initialize(self, protocol_version: int, **_kw: Any) -> InitializeResponse:
        return InitializeResponse(
            protocol_version=PROTOCOL_VERSION,
            agent_capabilities=AgentCapabilities(),
            agent_info=Implementation(name="fixture-agent", version="1.0"),
        )

    async def new_session(self, cwd: str, **_kw: Any) -> NewSessionResponse:
        self.cwd = Path(cwd)
        return NewSessionResponse(session_id="fixture-session")

    async def cancel(self, session_id: str, **_kw: Any) -> None:
        self.cancelled.set()

    async def say(self, session_id: str, text: str) -> None:
        await self.conn.session_update(session_id, update_agent_message_text(text + "\n"))

    async def prompt(self, prompt: list[Any], session_id: str, **_kw: Any) -> PromptResponse:
        text = "".join(getattr(block, "text", "") for block in prompt)
        # The user's words are the last paragraph (Tether puts its feedback first).
        words = text.rsplit("\n\n", 1)[-1]
        if words.startswith("Tether"):  # only Tether's feedback: nothing to do but echo
            words = ""
        if "crash" in words:
            print("fixture agent: crashing on purpose", file=sys.stderr, flush=True)
            os._exit(3)  # at once, as a crash does (no cleanup, no traceback)
        if "die" in words:
            await self.die_mid_write(session_id)
        if "wait" in words:
            self.cancelled.clear()
            await self.say(session_id, "waiting for session/cancel")
            await self.cancelled.wait()
            return PromptResponse(stop_reason="cancelled")
        if "ask" in words:
            chosen = await self.ask_lib(session_id)
            return PromptResponse(stop_reason="cancelled" if chosen == "cancelled" else "end_turn")
        if "run" in words:
            await self.run_command(session_id)
            return PromptResponse(stop_reason="end_turn")
        if "edit" not in words:
            await self.say(session_id, f"received: {text}")
            return PromptResponse(stop_reason="end_turn")
        await self.conn.session_update(
            session_id, update_plan([plan_entry("edit app.py"), plan_entry("edit lib.py")])
        )
        await self.edit(session_id)
        return PromptResponse(stop_reason="end_turn")

    async def die_mid_write(self, session_id: str) -> None:
        """Ask to write app.py, then exit before the answer comes."""
        app = self.cwd / "app.py"
        content = edited_app(app.read_text(encoding="utf-8"))
        asyncio.ensure_future(
            self.conn.write_text_file(session_id=session_id, path=str(app), content=content)
        )
        await asyncio.sleep(0)  # the request is on its way (written before the next message)
        await self.say(session_id, "dying with a write in review")
        print("fixture agent: died mid-write", file=sys.stderr, flush=True)
        os._exit(4)

    async def run_command(self, session_id: str) -> None:
        """A permission that is not an edit: no diff content."""
        asked = ToolCallUpdate(tool_call_id="call-run", title="Run make test", kind="execute")
        options = [
            PermissionOption(option_id="run-once", name="Run it", kind="allow_once"),
            PermissionOption(option_id="no-run", name="Do not run it", kind="reject_once"),
        ]
        answer = await self.conn.request_permission(
            session_id=session_id, tool_call=asked, options=options
        )
        chosen = getattr(answer.outcome, "option_id", None) or answer.outcome.outcome
        await self.say(session_id, f"permission run: {chosen}")

    async def ask_lib(self, session_id: str) -> str:
        """Permission for a two-hunk edit of lib.py (a ``diff`` content); the
        agent writes it itself when allowed. The option chosen."""
        lib = self.cwd / "lib.py"
        old = lib.read_text(encoding="utf-8")
        new = edited_lib(old)
        diff = tool_diff_content(str(lib), new, old)
        call = start_edit_tool_call("call-lib", "Edit lib.py", str(lib), new)
        await self.conn.session_update(session_id, call)
        options = [
            PermissionOption(option_id="allow", name="Allow", kind="allow_once"),
            PermissionOption(option_id="always", name="Always allow", kind="allow_always"),
            PermissionOption(option_id="reject", name="Reject", kind="reject_once"),
        ]
        asked = ToolCallUpdate(
            tool_call_id="call-lib", title="Edit lib.py", kind="edit", content=[diff]
        )
        answer = await self.conn.request_permission(
            session_id=session_id, tool_call=asked, options=options
        )
        outcome = answer.outcome
        chosen = str(getattr(outcome, "option_id", None) or outcome.outcome)
        await self.say(session_id, f"permission lib.py: {chosen}")
        if chosen in ("allow", "always"):
            lib.write_text(new, encoding="utf-8")  # the agent's own tool writes
        return chosen

    async def edit(self, session_id: str) -> None:
        app = str(self.cwd / "app.py")
        read = await self.conn.read_text_file(session_id=session_id, path=app)
        await self.say(session_id, f"read app.py: {len(read.content.splitlines())} lines")
        try:
            await self.conn.write_text_file(
                session_id=session_id, path=app, content=edited_app(read.content)
            )
            await self.say(session_id, "write app.py: ok")
        except Exception as exc:
            await self.say(session_id, f"write app.py: error: {exc}")

        await self.ask_lib(session_id)

        outside = self.cwd.parent / "outside.txt"
        try:
            await self.conn.write_text_file(session_id=session_id, path=str(outside), content="x\n")
            await self.say(session_id, "write outside: ok")
        except Exception as exc:
            await self.say(session_id, f"write outside: error: {exc}")


if __name__ == "__main__":
    asyncio.run(run_agent(FixtureAgent()))
