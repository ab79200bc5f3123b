"""``tether gate``: the hook command each agent runs before it edits a file.

It reads the agent's hook input from stdin, sends the proposal to the Tether
running for the repository, waits for the human's per-hunk decisions and
prints the agent's answer (``app.gate.answers``). It always answers before
its own time limit: an agent whose hook times out goes on through its own
permission flow, so a stalled gate would be no gate. What happens when no
Tether is running is the ``fallback``: ``ask`` (the default) prints nothing,
so the agent asks its own prompt, and says so on stderr; ``deny`` refuses.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from app.core.gitrepo import find_root
from app.core.locations import state_dir_for
from app.gate.after_notes import save_note, take_note
from app.gate.answers import answer, refusal
from app.gate.calls import (
    AGENT_NAMES,
    EDIT_TOOLS,
    GEMINI,
    GateRefusal,
    NotAnEdit,
    Reader,
    detect_agent,
    read_call,
)
from app.gate.endpoint import GateProtocolError, GateUnavailable, propose

# Each agent's default hook timeout (seconds): Claude Code and Codex 600,
# Gemini CLI 60. The gate answers MARGIN seconds before it.
DEFAULT_TIMEOUT = {"claude": 600.0, "codex": 600.0, "gemini": 60.0}
MARGIN = 5.0
FALLBACKS = ("ask", "deny")


@dataclass(frozen=True)
class GateRun:
    stdout: str
    stderr: str
    exit_code: int = 0


def run_gate(
    raw: str,
    *,
    agent: str | None = None,
    timeout: float | None = None,
    fallback: str = "ask",
    cwd: Path | None = None,
) -> GateRun:
    """One hook call, start to answer (no exceptions: an agent's hook must
    always get an answer it understands)."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return GateRun("", "tether gate: the hook input on stdin is not JSON\n", 1)
    if not isinstance(payload, dict):
        return GateRun("", "tether gate: the hook input must be a JSON object\n", 1)
    agent = agent or detect_agent(payload)
    if agent not in AGENT_NAMES:
        return GateRun("", f"tether gate: unknown agent {agent!r}\n", 1)
    start = Path(str(payload.get("cwd") or cwd or Path.cwd()))
    if not start.is_dir():
        return _deny(agent, f"the hook's cwd {start} is not a folder")
    root = find_root(start) or start.resolve()
    if payload.get("hook_event_name") == "AfterTool":
        return _after_tool(payload, root, start)
    try:
        call = read_call(payload, root, agent)
    except NotAnEdit:
        return GateRun("", "")  # not an edit: no opinion
    except GateRefusal as exc:
        return _deny(agent, str(exc))
    limit = (timeout or DEFAULT_TIMEOUT[agent]) - MARGIN
    deadline = time.time() + max(1.0, limit)
    try:
        verdict = propose(state_dir_for(root), call.origin, call.files, deadline=deadline)
    except GateUnavailable:
        name = AGENT_NAMES[agent]
        if fallback == "deny":
            return _deny(agent, "no Tether review is running for this repository (start `tether`)")
        return GateRun("", f"tether gate: no Tether review is running here; {name} asks as usual\n")
    except TimeoutError:
        return _deny(agent, "the Tether review did not decide in time; nothing was written")
    except GateProtocolError as exc:
        return _deny(
            agent, f"the Tether review ended without a decision ({exc}); nothing was written"
        )
    except OSError as exc:
        return _deny(agent, f"the Tether review could not be reached: {exc.strerror or exc}")
    # The human decided on what the file held then; refuse what changed since.
    stale = tuple(f.path for f in call.files if _now(root, f.moved_from or f.path) != f.before)
    if stale:
        verdict = type(verdict)(
            verdict.texts, verdict.hunks, tuple(set(stale) | set(verdict.stale))
        )
    out = answer(call, verdict)
    if agent == GEMINI and out.notes:
        # Gemini hears these words from the AfterTool hook, once the tool ran.
        try:
            save_note(
                state_dir_for(root),
                call.origin.session_id,
                call.tool_name,
                call.files[0].path,
                "\n".join(out.notes),
            )
        except OSError as exc:
            return GateRun(
                json.dumps(out.output) + "\n",
                f"tether gate: the reasons for the agent could not be kept: {exc.strerror}\n",
            )
    return GateRun(json.dumps(out.output) + "\n" if out.output else "", "")


def _after_tool(payload: dict[str, object], root: Path, cwd: Path) -> GateRun:
    """Gemini CLI's AfterTool: the words a BeforeTool answer kept for the
    model (rejected hunks and why, notes), appended to the tool's result."""
    tool = str(payload.get("tool_name") or "")
    tool_input = payload.get("tool_input")
    if tool not in EDIT_TOOLS[GEMINI] or not isinstance(tool_input, dict):
        return GateRun("", "")  # not an edit the gate answered: no opinion
    try:
        path = Reader(root, cwd).rel(tool_input.get("file_path"), tool)
        note = take_note(state_dir_for(root), str(payload.get("session_id") or ""), tool, path)
    except (GateRefusal, OSError):
        return GateRun("", "")
    if note is None:
        return GateRun("", "")
    out = {"hookSpecificOutput": {"hookEventName": "AfterTool", "additionalContext": note}}
    return GateRun(json.dumps(out) + "\n", "")


def _now(root: Path, rel: str) -> str | None:
    try:
        return (root / rel).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return "\0unreadable"


def _deny(agent: str, reason: str) -> GateRun:
    out = refusal(agent, reason)
    return GateRun(json.dumps(out.output) + "\n", f"tether gate: {reason}\n")
