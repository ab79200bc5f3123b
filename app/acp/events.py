"""What an ACP agent session tells a front end (delivered on the runner's thread).

Like the review's events they are notifications: a front end renders them
and reads the review for the hunks themselves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AgentReady:
    """The agent answered ``initialize`` and ``session/new``."""

    name: str
    session_id: str


@dataclass(frozen=True)
class AgentText:
    """A chunk of the agent's message (``thought``: of its reasoning)."""

    text: str
    thought: bool = False


@dataclass(frozen=True)
class PlanShown:
    """The agent's whole plan, as (status, entry) pairs."""

    entries: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ToolCallShown:
    """A tool call started or changed."""

    tool_call_id: str
    title: str
    kind: str
    status: str


@dataclass(frozen=True)
class EditArrived:
    """An edit of the agent's is waiting for review (its hunks are in the review)."""

    paths: tuple[str, ...]
    via: str  # "fs/write_text_file" or "session/request_permission"


@dataclass(frozen=True)
class EditAnswered:
    """What Tether answered for one edit, in words."""

    summary: str
    refused: bool = False


@dataclass(frozen=True)
class TurnStarted:
    text: str


@dataclass(frozen=True)
class TurnEnded:
    """``session/prompt`` returned (``stop_reason``: end_turn, cancelled, …)."""

    stop_reason: str


@dataclass(frozen=True)
class AgentExited:
    """The agent's process ended; ``stderr`` is the tail of what it wrote there."""

    returncode: int | None
    stderr: str
    expected: bool = False


@dataclass(frozen=True)
class AgentFailed:
    """Something went wrong talking to the agent; the session may go on."""

    message: str


AcpEvent = (
    AgentReady
    | AgentText
    | PlanShown
    | ToolCallShown
    | EditArrived
    | EditAnswered
    | TurnStarted
    | TurnEnded
    | AgentExited
    | AgentFailed
)
