"""An ACP agent's edits as proposals, and the answers a verdict makes.

Two ways an agent edits (research §3.4): it writes through the client
(``fs/write_text_file``: Gemini CLI, Qwen Code), or it asks permission for a
tool call whose content is a ``diff`` (``path``, ``oldText``, ``newText``) and
writes itself (Claude's and Codex's adapters). ACP v1 has no partial accept
and no reason on a permission answer, so what the human decided beyond
"all accepted" goes back as words: the error of the write, or the text of
the next prompt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.core.autonomy import LEVEL_NAMES, Level
from app.gate.answers import HunkVerdict, Verdict
from app.gate.calls import GateRefusal, ProposedFile, Reader, replace
from app.gate.mcp_apply import Applied

VIA_WRITE = "fs/write_text_file"
VIA_PERMISSION = "session/request_permission"


def level_refusal(level: Level) -> str:
    """Why the slider lets the agent change nothing ("" when it may)."""
    if level is Level.OFF:
        return (
            "Tether's autonomy slider is at 0 (off): the agent may read files but change "
            "nothing; nothing was written"
        )
    return ""


def diffs_of(content: Iterable[Any] | None) -> list[Any]:
    """The ``diff`` items of a tool call's content (empty: not an edit)."""
    return [c for c in content or () if getattr(c, "type", None) == "diff"]


def proposed_from_diffs(reader: Reader, diffs: Sequence[Any]) -> list[ProposedFile]:
    """The files a permission request's ``diff`` contents would change.

    ``oldText`` may be the whole file (Codex) or a snippet of it (Claude's
    Edit), and is null for a new file or a whole-file write: a snippet must
    occur exactly once, as the agent's own tool requires. Several diffs of one
    file apply in order.
    """
    files: dict[str, ProposedFile] = {}
    for diff in diffs:
        path = reader.rel(diff.path, VIA_PERMISSION)
        if path in files:
            before, current = files[path].before, files[path].after
        else:
            before = reader.text(path)
            current = before
        old, new = diff.old_text, diff.new_text
        if old is None or old == current:
            after = new
        elif current is None:
            raise GateRefusal("does not exist, so the diff cannot change it", path=path)
        else:
            after = replace(current, {"old_string": old, "new_string": new}, path, count=1)
        files[path] = ProposedFile(path, before, after)
    return list(files.values())


def option_for(options: Sequence[Any], verdict: Verdict, level: Level) -> tuple[str | None, bool]:
    """(option id, allowed) to answer a permission request with.

    Every hunk accepted → allow once. Anything else → reject once. "Always"
    is chosen only when the agent offers nothing else, and "allow always"
    never below level 4; no fitting option → None (the answer is
    ``cancelled``).
    """
    kinds = {o.kind: o.option_id for o in reversed(options)}
    if everything_accepted(verdict):
        if "allow_once" in kinds:
            return kinds["allow_once"], True
        if level is Level.REPO and "allow_always" in kinds:
            return kinds["allow_always"], True
    return kinds.get("reject_once"), False


def everything_accepted(verdict: Verdict) -> bool:
    return bool(verdict.hunks) and all(h.accepted for h in verdict.hunks) and not verdict.stale


def write_answer(path: str, verdict: Verdict, applied: Applied) -> str:
    """The error ``fs/write_text_file`` answers with ("" when all was written)."""
    if path in applied.applied and everything_accepted(verdict):
        return ""
    done = [h for h in verdict.hunks if h.accepted]
    if path in applied.stale:
        head = f"Nothing was written to {path}: it changed on disk during the review."
    elif path not in applied.applied or not done:
        head = f"The user rejected this write in Tether's review; nothing was written to {path}."
    else:
        head = (
            f"Only part of this write was written: the user accepted {len(done)} of "
            f"{_hunks(verdict.hunks)} in Tether's review, so {path} now differs from the "
            "content you sent: read it again before editing it further."
        )
    return "\n".join([head, *_decisions(verdict), *applied.notes])


def permission_feedback(
    label: str, verdict: Verdict, applied: Applied | None, *, allowed: bool, cancelled: bool = False
) -> str:
    """What the next prompt tells the agent of a permission it was refused
    ("" when it was allowed: the agent wrote its edit and knows)."""
    if allowed:
        return ""
    answered = "'cancelled' (the turn was cancelled)" if cancelled else "'reject once'"
    lines = [f"Tether's review of your edit ({label}) — you were answered {answered}:"]
    if applied is not None and applied.applied:
        paths = ", ".join(applied.applied)
        lines.append(
            f"The accepted hunks were written by Tether itself to {paths}: read the file "
            "again; do not apply them a second time."
        )
    lines += _decisions(verdict)
    if applied is not None:
        lines += applied.notes
    return "\n".join(lines)


def _decisions(verdict: Verdict) -> list[str]:
    out = []
    for h in verdict.hunks:
        out.append(_decision(h))
    return out


def _decision(h: HunkVerdict) -> str:
    if h.accepted:
        note = f", and: {h.note}" if h.note else ""
        return f"- accepted {h.path} {h.header}{note}"
    why = f": {h.reason}" if h.reason else " (no reason given)"
    return f"- rejected {h.path} {h.header}{why}"


def _hunks(hunks: Sequence[HunkVerdict]) -> str:
    return f"{len(hunks)} hunk{'' if len(hunks) == 1 else 's'}"


def level_words(level: Level) -> str:
    return f"{int(level)} ({LEVEL_NAMES[level]})"
