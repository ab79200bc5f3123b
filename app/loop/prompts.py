"""The loop's prompts: the system prompt, the plan request, a plan step, and
the regeneration of a rejected hunk with the user's reason."""

from __future__ import annotations

SYSTEM_PROMPT = """You are a careful coding assistant working inside Tether, where a human \
reviews every change hunk by hunk. Make one concrete, small change at a time. Change only \
what you are allowed to change (the context says what); everything else is read-only."""


def plan_prompt(size: int, limit: int, goal: str) -> str:
    """Ask for a numbered plan instead of a proposal that was over the leash."""
    return (
        f"Do not edit yet. Your proposal changed {size} lines, over the limit of {limit}. "
        f"Reply with a short numbered plan of small steps, each changing at most {limit} "
        f"lines.\n\nThe task: {goal}"
    )


def step_prompt(number: int, steps: list[str], goal: str) -> str:
    """Carry out step ``number`` (1-based) of the plan, and only that step."""
    plan_text = "\n".join(f"{i + 1}. {s}" for i, s in enumerate(steps))
    return (
        f"Carry out step {number} of the plan only: {steps[number - 1]}\n\n"
        f"The plan:\n{plan_text}\n\nThe task: {goal}"
    )


def reason_prompt(path: str, hunk_text: str, first: int, last: int, reason: str) -> str:
    """Propose a replacement for a rejected hunk, told why it was rejected."""
    return (
        f"The user rejected your change to {path} (lines {first}–{last}):\n```diff\n"
        f"{hunk_text}\n```\nReason: {reason}\n"
        "Propose a replacement for only that part."
    )
