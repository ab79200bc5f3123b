"""``tether gate``'s process: a thin client of the running review.

An agent starts the hook for every edit and waits for it, so its start-up is
on the agent's path and on the way to the hunk appearing in the review. The
process therefore imports next to nothing: it finds the review's socket by
walking up to ``.git`` (no git process), hands the agent's hook input over
whole (``{"type": "hook"}``, ``docs/agents.md``) and prints the answer the
review composed. Reading the call, the refusals, the wait and the answer's
format are ``app.gate.hook_command``'s, run inside the review.

Whenever that shortcut does not apply (no socket found this way, a review
that does not take hook calls, input that is not a JSON object), the whole
gate runs here instead (``run_gate``), with the same answers as ever. Past
the hand-over, a review that dies or stalls still gets the agent an answer
before its own time limit: a deny, nothing written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from app.core.locations import state_dir_near
from app.gate.agents import AGENT_NAMES, DEFAULT_TIMEOUT, MARGIN, add_gate_arguments, detect_agent
from app.gate.socket_io import (
    VERSION,
    GateProtocolError,
    GateUnavailable,
    connect,
    read_line,
    send,
    socket_path,
)

# How long past the review's own deadline the hook still waits for the
# review's answer (the review denies at its deadline; this covers one that
# cannot), well inside the agent's limit.
GRACE = MARGIN / 2

Run = tuple[str, str, int]  # stdout, stderr, exit code


def main(argv: list[str], *, exit_now: bool = False) -> int:
    """``tether gate [--agent] [--timeout] [--fallback]``. With ``exit_now``
    (the real hook process) it leaves without the interpreter's tear-down,
    which the agent would wait ~20 ms for: nothing is left to clean up."""
    parser = argparse.ArgumentParser(
        prog="tether gate",
        description="the hook an agent runs before it edits: the running review decides per hunk",
    )
    add_gate_arguments(parser)
    args = parser.parse_args(argv)
    out, err, code = hook(
        sys.stdin.read(), agent=args.agent, timeout=args.timeout, fallback=args.fallback
    )
    try:
        sys.stdout.write(out)
        sys.stderr.write(err)
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        code = code or 1  # the agent closed our output: nothing more to say
    if exit_now:
        os._exit(code)
    return code


def hook(
    raw: str,
    *,
    agent: str | None = None,
    timeout: float | None = None,
    fallback: str = "ask",
    cwd: Path | None = None,
) -> Run:
    """One hook call: through the review when it is reachable here, else the
    whole gate in this process."""
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        start = Path(str(payload.get("cwd") or cwd or os.getcwd()))
        name = agent or detect_agent(payload)
        state = state_dir_near(start) if start.is_absolute() and name in AGENT_NAMES else None
        if state is not None:
            request = {
                "v": VERSION,
                "type": "hook",
                "input": raw,
                "agent": agent,
                "timeout": timeout,
                "fallback": fallback,
                "cwd": str(start),
            }
            limit = max(1.0, (timeout or DEFAULT_TIMEOUT[name]) - MARGIN)
            answered = _through_review(socket_path(state), request, name, limit + GRACE)
            if answered is not None:
                return answered
    from app.gate.hook_command import run_gate

    run = run_gate(raw, agent=agent, timeout=timeout, fallback=fallback, cwd=cwd)
    return run.stdout, run.stderr, run.exit_code


def _through_review(path: Path, request: dict[str, object], agent: str, wait: float) -> Run | None:
    """The review's answer; None when the call never reached a review that
    runs hook calls (the caller runs the gate itself then)."""
    queued = False
    try:
        with connect(path, timeout=wait) as sock:
            send(sock, request)
            reader = sock.makefile("rb")
            while True:
                message = read_line(reader)
                if message is None:
                    if not queued:
                        return None
                    return _denied(agent, "Tether closed the review before deciding")
                kind = message.get("type")
                if kind == "answer":
                    return (
                        str(message.get("stdout", "")),
                        str(message.get("stderr", "")),
                        int(message.get("exit", 0)),
                    )
                if kind == "error":
                    if not queued:
                        return None  # e.g. a review that takes no agents: the gate says so
                    return _denied(agent, str(message.get("message", "error")))
                queued = queued or kind == "queued"
    except GateUnavailable:
        return None
    except TimeoutError:
        from app.gate.hook_command import deny_run

        run = deny_run(agent, "the Tether review did not decide in time; nothing was written")
        return run.stdout, run.stderr, run.exit_code
    except (GateProtocolError, OSError) as exc:
        if not queued:
            return None
        return _denied(agent, str(exc))


def _denied(agent: str, why: str) -> Run:
    from app.gate.hook_command import deny_run

    run = deny_run(
        agent, f"the Tether review ended without a decision ({why}); nothing was written"
    )
    return run.stdout, run.stderr, run.exit_code
