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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.gitrepo import find_root
from app.core.locations import state_dir_for
from app.gate.after_notes import save_note, take_note
from app.gate.agents import AGENT_NAMES, DEFAULT_TIMEOUT, EDIT_TOOLS, GEMINI, MARGIN, detect_agent
from app.gate.answers import Verdict, answer, refusal
from app.gate.calls import GateRefusal, NotAnEdit, Origin, ProposedFile, Reader, read_call
from app.gate.endpoint import propose
from app.gate.socket_io import GateProtocolError, GateUnavailable

__all__ = ["DEFAULT_TIMEOUT", "MARGIN", "GateRun", "run_gate", "run_for_review", "deny_run"]

# How a call reaches the review: the endpoint's client (``propose``) in the
# hook's own process, or the host itself when the review runs the call.
Ask = Callable[[Path, Origin, Sequence[ProposedFile], float], Verdict]


def _ask_endpoint(
    state_dir: Path, origin: Origin, files: Sequence[ProposedFile], deadline: float
) -> Verdict:
    return propose(state_dir, origin, tuple(files), deadline=deadline)


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
    root: Path | None = None,
    state: Path | None = None,
    ask: Ask = _ask_endpoint,
) -> GateRun:
    """One hook call, start to answer (no exceptions: an agent's hook must
    always get an answer it understands). ``root`` is the repository when the
    caller knows it (the review running the call), and ``state`` its state
    folder; otherwise git says."""
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
        return deny_run(agent, f"the hook's cwd {start} is not a folder")
    root = root or find_root(start) or start.resolve()
    state = state or state_dir_for(root)
    if payload.get("hook_event_name") == "AfterTool":
        return _after_tool(payload, root, start, state)
    try:
        call = read_call(payload, root, agent)
    except NotAnEdit:
        return GateRun("", "")  # not an edit: no opinion
    except GateRefusal as exc:
        return deny_run(agent, str(exc))
    limit = (timeout or DEFAULT_TIMEOUT[agent]) - MARGIN
    deadline = time.time() + max(1.0, limit)
    try:
        verdict = ask(state, call.origin, call.files, deadline)
    except GateUnavailable:
        name = AGENT_NAMES[agent]
        if fallback == "deny":
            return deny_run(
                agent, "no Tether review is running for this repository (start `tether`)"
            )
        return GateRun("", f"tether gate: no Tether review is running here; {name} asks as usual\n")
    except TimeoutError:
        return deny_run(agent, "the Tether review did not decide in time; nothing was written")
    except GateProtocolError as exc:
        return deny_run(
            agent, f"the Tether review ended without a decision ({exc}); nothing was written"
        )
    except OSError as exc:
        return deny_run(agent, f"the Tether review could not be reached: {exc.strerror or exc}")
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
                state,
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


def run_for_review(
    request: Mapping[str, Any],
    handler: Callable[..., Verdict],
    root: Path,
    state: Path,
    say: Callable[[dict[str, Any]], None],
    alive: Callable[[], bool],
) -> GateRun:
    """A hook call the hook process handed over whole (``app.gate.hook_client``):
    the review reads the call, waits for the human and composes the answer,
    so the hook process itself imports next to nothing."""
    raw, cwd = request.get("input"), request.get("cwd")
    if not isinstance(raw, str) or not isinstance(cwd, str):
        raise GateProtocolError("a hook request needs its input and cwd as text")
    start = Path(cwd)
    if not start.resolve().is_relative_to(root.resolve()):
        raise GateProtocolError(f"{cwd} is not in this review's repository")

    def ask(
        _state: Path, origin: Origin, files: Sequence[ProposedFile], deadline: float
    ) -> Verdict:
        try:
            return handler(origin, list(files), deadline, say, alive)
        except GateProtocolError:
            if time.time() >= deadline:  # the same words as the hook's own timeout
                raise TimeoutError from None
            raise

    agent, timeout, fallback = request.get("agent"), request.get("timeout"), request.get("fallback")
    return run_gate(
        raw,
        agent=agent if isinstance(agent, str) else None,
        timeout=float(timeout) if isinstance(timeout, int | float) else None,
        fallback=fallback if fallback in ("ask", "deny") else "ask",
        cwd=start,
        root=root,
        state=state,
        ask=ask,
    )


def _after_tool(payload: dict[str, object], root: Path, cwd: Path, state: Path) -> GateRun:
    """Gemini CLI's AfterTool: the words a BeforeTool answer kept for the
    model (rejected hunks and why, notes), appended to the tool's result."""
    tool = str(payload.get("tool_name") or "")
    tool_input = payload.get("tool_input")
    if tool not in EDIT_TOOLS[GEMINI] or not isinstance(tool_input, dict):
        return GateRun("", "")  # not an edit the gate answered: no opinion
    try:
        path = Reader(root, cwd).rel(tool_input.get("file_path"), tool)
        note = take_note(state, str(payload.get("session_id") or ""), tool, path)
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


def deny_run(agent: str, reason: str) -> GateRun:
    """A deny in ``agent``'s format, with the reason on stderr too."""
    out = refusal(agent, reason)
    return GateRun(json.dumps(out.output) + "\n", f"tether gate: {reason}\n")
