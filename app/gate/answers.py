"""The human's per-hunk decisions on a hook call, in the agent's own output.

One rule for all three agents: every hunk accepted → allow; none → deny,
with each rejected hunk's reason (the agent sees a deny's reason); some →
allow with the tool's input rewritten to carry only the accepted hunks,
plus context naming each rejected hunk, its reason, and that the file now
differs from what the agent proposed. A file changed on disk since the
proposal is never written over: its part of the call is refused as stale.

Where each agent takes what (research §1.3, §2.1, §2.2):

- Claude Code: ``hookSpecificOutput.permissionDecision`` allow/deny,
  ``permissionDecisionReason`` (shown to Claude on deny), ``updatedInput``
  (replaces the whole input), ``additionalContext`` (shown to Claude).
- Codex: the same fields; ``allow`` is honoured only with ``updatedInput``,
  so an accept sends the input back unchanged; a partial accept rewrites the
  V4A patch in ``command``.
- Gemini CLI: top-level ``decision`` allow/deny and ``reason`` (sent to the
  agent as a tool error); ``hookSpecificOutput.tool_input`` merges over the
  model's arguments; ``systemMessage`` is shown to the user. What a partial
  accept (or a note) tells the model goes in the ``AfterTool`` answer
  (``hookSpecificOutput.additionalContext``; ``app.gate.after_notes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.text import split_lines, strip_eol
from app.gate.calls import CODEX, GEMINI, HookCall, ProposedFile

# Claude Code caps hook output strings at 10,000 characters.
MAX_TEXT = 9_500
CONTEXT = 3


@dataclass(frozen=True)
class HunkVerdict:
    """One hunk's decision; ``reason`` is the reject reason (``r``), ``note``
    a "yes, and…" note on an accept."""

    path: str
    hunk_id: str
    header: str
    accepted: bool
    reason: str = ""
    note: str = ""


@dataclass(frozen=True)
class Verdict:
    """What the review decided for one call: for each file, the text the
    accepted hunks make (``None``: the file is absent), every hunk's
    decision, and the files that changed on disk meanwhile."""

    texts: Mapping[str, str | None]
    hunks: tuple[HunkVerdict, ...] = ()
    stale: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    """The hook's stdout (as JSON), exit code, and a line for stderr."""

    output: dict[str, Any] | None
    exit_code: int = 0
    message: str = ""
    kind: str = ""  # "allow", "deny" or "partial"
    notes: list[str] = field(default_factory=list)


def answer(call: HookCall, verdict: Verdict) -> Answer:
    """The agent's answer for ``call`` given the review's ``verdict``."""
    live = [f for f in call.files if f.path not in verdict.stale]
    stale = [f for f in call.files if f.path in verdict.stale]
    accepted = [f for f in live if verdict.texts.get(f.path, f.before) != f.before]
    whole = bool(live) and all(verdict.texts.get(f.path, f.before) == f.after for f in live)
    rejected = [h for h in verdict.hunks if not h.accepted]
    if whole and not stale and not rejected:
        return _allow(call, verdict)
    if not accepted:
        return _deny(call, verdict, stale)
    return _partial(call, verdict, live, stale)


# -- the three outcomes -----------------------------------------------------------------------


def _allow(call: HookCall, verdict: Verdict) -> Answer:
    notes = _notes(verdict)
    summary = f"accepted in Tether review ({_count(verdict.hunks, 'hunk')})"
    if call.agent == GEMINI:
        out: dict[str, Any] = {"decision": "allow", "systemMessage": summary}
        # Gemini takes words for the model only after the tool ran (AfterTool).
        return Answer(out, message=summary, kind="allow", notes=[notes] if notes else [])
    else:
        out = _pre_tool("allow", summary)
        if call.agent == CODEX:  # Codex honours allow only with a rewrite
            out["hookSpecificOutput"]["updatedInput"] = dict(call.tool_input)
        if notes:
            out["hookSpecificOutput"]["additionalContext"] = _cap(notes)
    return Answer(out, message=summary, kind="allow")


def _deny(call: HookCall, verdict: Verdict, stale: list[ProposedFile]) -> Answer:
    lines = ["The user rejected this edit in Tether's review."]
    lines += _rejections(verdict)
    lines += [_stale_line(f.path) for f in stale]
    reason = _cap("\n".join(lines))
    if call.agent == GEMINI:
        out: dict[str, Any] = {"decision": "deny", "reason": reason}
    else:
        out = _pre_tool("deny", reason)
    return Answer(out, message=reason, kind="deny")


def _partial(
    call: HookCall, verdict: Verdict, live: list[ProposedFile], stale: list[ProposedFile]
) -> Answer:
    kept = [(f, verdict.texts.get(f.path, f.before)) for f in live]
    changed = [(f, text) for f, text in kept if text != f.before]
    done = sum(1 for h in verdict.hunks if h.accepted)
    paths = ", ".join(f.path for f, _ in changed)
    lines = [
        f"The user accepted {done} of {_count(verdict.hunks, 'hunk')} of this edit in "
        f"Tether's review; only the accepted hunks will be written, so {paths} will differ "
        "from what you proposed: read the file again before editing it further.",
        *_rejections(verdict),
        *(_stale_line(f.path) for f in stale),
        *_notes(verdict).splitlines(),
    ]
    context = _cap("\n".join(line for line in lines if line))
    rewritten = rewrite_input(call, changed)
    summary = f"partly accepted in Tether review ({done} of {_count(verdict.hunks, 'hunk')})"
    if call.agent == GEMINI:
        out: dict[str, Any] = {
            "decision": "allow",
            "hookSpecificOutput": {"hookEventName": "BeforeTool", "tool_input": rewritten},
            "systemMessage": summary,
        }
    else:
        out = _pre_tool("allow", summary)
        out["hookSpecificOutput"]["updatedInput"] = rewritten
        out["hookSpecificOutput"]["additionalContext"] = context
    return Answer(out, message=summary, kind="partial", notes=[context])


def _pre_tool(decision: str, reason: str) -> dict[str, Any]:
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }
    }


# -- rewriting the tool input to carry only the accepted hunks --------------------------------


def rewrite_input(call: HookCall, changed: list[tuple[ProposedFile, str | None]]) -> dict[str, Any]:
    """The tool input that makes the agent's own tool write exactly the
    accepted text of each file in ``changed``."""
    tool_input = dict(call.tool_input)
    if call.agent == CODEX:
        return {**tool_input, "command": render_v4a(changed)}
    ((proposed, text),) = changed  # Claude's and Gemini's tools edit one file
    assert text is not None  # their tools never delete
    if call.tool_name in ("Write", "write_file"):
        return {**tool_input, "content": text}
    before = proposed.before or ""
    if call.tool_name == "Edit" and not tool_input.get("replace_all"):
        middle = _middle(before, str(tool_input["old_string"]), text)
        if middle is not None:
            return {**tool_input, "new_string": middle}
    # Every occurrence, several edits, or a diff that strays outside the
    # old_string: one edit of the whole file says exactly the accepted text.
    whole = {"old_string": before, "new_string": text}
    if call.tool_name == "MultiEdit":
        return {**tool_input, "edits": [whole]}
    if call.agent == GEMINI:
        return {**tool_input, **whole, "expected_replacements": 1}
    return {**tool_input, **whole, "replace_all": False}


def _middle(before: str, old: str, accepted: str) -> str | None:
    """The ``new_string`` that turns ``before`` into ``accepted`` when only
    the span of ``old`` changes (None when the accepted text differs outside it)."""
    start = before.find(old)
    head, tail = before[:start], before[start + len(old) :]
    if len(accepted) < len(head) + len(tail):
        return None
    if not (accepted.startswith(head) and accepted.endswith(tail)):
        return None
    return accepted[len(head) : len(accepted) - len(tail)]


def render_v4a(changed: list[tuple[ProposedFile, str | None]]) -> str:
    """A V4A patch (Codex's ``apply_patch``) that makes each file hold its text."""
    out = ["*** Begin Patch"]
    for proposed, text in changed:
        if proposed.before is None and text is not None:
            out.append(f"*** Add File: {proposed.path}")
            out += [f"+{strip_eol(line)}" for line in split_lines(text)]
        elif text is None:
            out.append(f"*** Delete File: {proposed.moved_from or proposed.path}")
        else:
            out.append(f"*** Update File: {proposed.moved_from or proposed.path}")
            if proposed.moved_from:
                out.append(f"*** Move to: {proposed.path}")
            out += _v4a_chunks(proposed.before or "", text)
    out.append("*** End Patch")
    return "\n".join(out) + "\n"


def _v4a_chunks(before: str, after: str) -> list[str]:
    from app.core.textdiff import diff_lines  # only a partial accept of a patch diffs

    old, new = split_lines(before), split_lines(after)
    blocks = diff_lines(old, new)
    out: list[str] = []
    i = 0
    while i < len(blocks):
        # Blocks closer than two contexts share one chunk, as in a unified diff.
        j = i
        while j + 1 < len(blocks) and (
            blocks[j + 1].old_start - (blocks[j].old_start + blocks[j].old_count) <= 2 * CONTEXT
        ):
            j += 1
        first, last = blocks[i], blocks[j]
        lo = max(0, first.old_start - CONTEXT)
        hi = min(len(old), last.old_start + last.old_count + CONTEXT)
        out.append("@@")
        pos = lo
        for block in blocks[i : j + 1]:
            out += [f" {strip_eol(line)}" for line in old[pos : block.old_start]]
            out += [
                f"-{strip_eol(line)}"
                for line in old[block.old_start : block.old_start + block.old_count]
            ]
            out += [
                f"+{strip_eol(line)}"
                for line in new[block.new_start : block.new_start + block.new_count]
            ]
            pos = block.old_start + block.old_count
        out += [f" {strip_eol(line)}" for line in old[pos:hi]]
        if hi == len(old):
            out.append("*** End of File")
        i = j + 1
    return out


# -- words ------------------------------------------------------------------------------------


def _rejections(verdict: Verdict) -> list[str]:
    lines = []
    for h in verdict.hunks:
        if not h.accepted:
            why = f": {h.reason}" if h.reason else " (no reason given)"
            lines.append(f"- rejected {h.path} {h.header} (hunk {h.hunk_id}){why}")
    return lines


def _notes(verdict: Verdict) -> str:
    return "\n".join(
        f"- accepted {h.path} {h.header}, and: {h.note}"
        for h in verdict.hunks
        if h.accepted and h.note
    )


def _stale_line(path: str) -> str:
    return (
        f"- refused {path}: it changed on disk since you proposed this edit, and Tether never "
        "writes over someone else's change; read it again"
    )


def _count(hunks: tuple[HunkVerdict, ...], word: str) -> str:
    return f"{len(hunks)} {word}{'' if len(hunks) == 1 else 's'}"


def _cap(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    return text[:MAX_TEXT] + f"\n… ({len(text) - MAX_TEXT} more characters left out)"


def refusal(agent: str, reason: str) -> Answer:
    """A deny, in ``agent``'s format, that Tether decided without a review
    (a refused path, a review that timed out or ended)."""
    reason = _cap(reason)
    if agent == GEMINI:
        return Answer({"decision": "deny", "reason": reason}, message=reason, kind="deny")
    return Answer(_pre_tool("deny", reason), message=reason, kind="deny")
