"""The agents ``tether gate`` answers, and the hook command's own arguments.

Standard library only: the hook process imports this before anything else
(``app.gate.hook_client``), and every hook call pays for what it imports.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any

CLAUDE, CODEX, GEMINI = "claude", "codex", "gemini"
AGENT_NAMES = {CLAUDE: "Claude Code", CODEX: "Codex", GEMINI: "Gemini CLI"}

# The tools each agent edits files with (what ``tether hooks install`` matches).
EDIT_TOOLS = {
    CLAUDE: ("Edit", "Write", "MultiEdit"),
    CODEX: ("apply_patch",),
    GEMINI: ("write_file", "replace"),
}

# Each agent's default hook timeout (seconds): Claude Code and Codex 600,
# Gemini CLI 60. The gate answers MARGIN seconds before it.
DEFAULT_TIMEOUT = {CLAUDE: 600.0, CODEX: 600.0, GEMINI: 60.0}
MARGIN = 5.0
FALLBACKS = ("ask", "deny")


def detect_agent(payload: Mapping[str, Any]) -> str:
    """Which agent sent ``payload`` (their inputs share most field names)."""
    if payload.get("hook_event_name") in ("BeforeTool", "AfterTool"):
        return GEMINI
    if payload.get("tool_name") == "apply_patch":
        return CODEX
    return CLAUDE


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    """``tether gate``'s options (its subcommand and its fast entry share them)."""
    parser.add_argument("--agent", choices=list(AGENT_NAMES), help="default: detected")
    parser.add_argument(
        "--timeout",
        type=float,
        help="the hook's time limit in seconds (the gate answers before it)",
    )
    parser.add_argument(
        "--fallback",
        choices=list(FALLBACKS),
        default="ask",
        help="when no Tether is running: let the agent ask (default) or deny",
    )
