"""A session as Markdown for a course page: prompts, the context each sent,
what the model streamed, each diff in a ```diff fence, each decision and its
reason. Pure: a Session in, text out (``tether export --markdown``)."""

from __future__ import annotations

import re

from app.core.names import safe_text
from app.teaching.session import Frame, Session

_TICKS = re.compile(r"`{3,}")


def session_markdown(
    session: Session, *, title: str = "A Tether session", plan: str | None = None
) -> str:
    """``plan``: the plan file's text, shown at the end as the course's artifact."""
    out = [f"# {title}", "", _summary(session), ""]
    number = 0
    for frame in session.frames:
        if frame.kind == "section":
            out += [f"## {frame.title[:1].upper()}{frame.title[1:]}", ""]
            continue
        if frame.kind == "prompt":
            number += 1
            out += [f"## {number}. {frame.title.capitalize()}", "", *_quote(frame.body), ""]
            if frame.reason:
                out += ["Context sent:", "", *_fenced(frame.reason, ""), ""]
            continue
        out += [f"### {_heading(frame)}", ""]
        if frame.body:
            out += [*_fenced(frame.body, ""), ""] if frame.kind == "stream" else [frame.body, ""]
        if frame.diff:
            out += [*_fenced(frame.diff, "diff"), ""]
        if frame.kind == "decision":
            out += [f"Reason: {frame.reason}" if frame.reason else "No reason given.", ""]
    if plan:
        out += ["## The plan", "", *_fenced(plan, "markdown"), ""]
    text = "\n".join(out)
    return "\n".join(_safe(line) for line in text.split("\n")).rstrip() + "\n"


def _safe(line: str) -> str:
    """Terminal escapes and other controls made visible (a page may be cat'ed); tabs stay."""
    if safe_text(line) == line:
        return line
    return "\t".join(safe_text(part) for part in line.split("\t"))


def _summary(session: Session) -> str:
    if session.kind == "recording":
        edits = sum(f.kind == "edit" for f in session.frames)
        return f"A recording: {session.prompts} turns, {edits} edits streamed."
    decided = sum(f.kind == "decision" for f in session.frames)
    return (
        f"{decided} decisions ({session.count('accepted')} accepted, "
        f"{session.count('rejected')} rejected) on {session.prompts} prompts."
    )


def _heading(frame: Frame) -> str:
    marks = {"decision": "", "undo": "↶ ", "failed": "⚠ ", "note": "· "}
    return f"{marks.get(frame.kind, '')}{frame.title[:1].upper()}{frame.title[1:]}"


def _quote(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in text.split("\n")] if text else ["> (empty)"]


def _fenced(text: str, lang: str) -> list[str]:
    """A fence longer than any run of backticks inside, so nothing escapes it."""
    longest = max((len(m.group()) for m in _TICKS.finditer(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence + lang, *text.rstrip("\n").split("\n"), fence]
