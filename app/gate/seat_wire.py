"""The seat protocol's messages: a review's files and hunks as JSON, and back.

The owning process sends what its review shows (``FileView``: the pending
hunks with their lines and ids, the accepted text, why a hunk may not be
accepted); a seat rebuilds the same objects, so the review app draws a
mirrored file exactly as it draws its own. Risk flags are not sent: each
side computes them with the one rule (``app.review.risks``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.model import DiffLine, Hunk
from app.review.events import CommentAdded
from app.review.service import FileView
from app.review.session import Outcome


def hunk_message(hunk: Hunk) -> dict[str, Any]:
    return {
        "id": hunk.id,
        "old_start": hunk.old_start,
        "old_len": hunk.old_len,
        "new_start": hunk.new_start,
        "new_len": hunk.new_len,
        "section": hunk.section,
        "lines": [[line.kind, line.raw, line.old_no, line.new_no] for line in hunk.lines],
    }


def parse_hunk(message: Mapping[str, Any]) -> Hunk:
    return Hunk(
        int(message["old_start"]),
        int(message["old_len"]),
        int(message["new_start"]),
        int(message["new_len"]),
        [DiffLine(str(k), str(raw), old, new) for k, raw, old, new in message["lines"]],
        section=str(message.get("section", "")),
        id=str(message["id"]),
    )


def file_message(
    view: FileView | None,
    *,
    path: str,
    status: str,
    accepted_count: int,
    rejected_count: int,
    note: str = "",
) -> dict[str, Any]:
    """One file as the owner shows it; ``view`` None: listed, not diffed yet."""
    out: dict[str, Any] = {
        "path": path,
        "status": status,
        "accepted_count": accepted_count,
        "rejected_count": rejected_count,
        "note": note,
        "loaded": view is not None,
    }
    if view is not None:
        out.update(
            revision=view.revision,
            hunks=[hunk_message(h) for h in view.hunks],
            old_lines=view.old_lines,
            note=view.note,
            stale=view.stale,
            blocked=dict(view.blocked),
            flag=view.flag,
            origin=view.origin,
        )
    return out


def outcome_message(outcome: Outcome) -> dict[str, Any]:
    return {
        "op": outcome.op,
        "path": outcome.path,
        "lines": outcome.lines,
        "seq": outcome.seq,
        "hunk_ids": list(outcome.hunk_ids),
    }


def parse_outcome(message: Mapping[str, Any]) -> Outcome:
    return Outcome(
        str(message["op"]),
        str(message["path"]),
        int(message["lines"]),
        int(message["seq"]),
        tuple(message.get("hunk_ids", ())),
    )


def comment_message(comment: CommentAdded) -> dict[str, Any]:
    return {
        "path": comment.path,
        "hunk": comment.hunk_id,
        "seat": comment.seat,
        "text": comment.text,
        "line": comment.line,
    }


def parse_comment(message: Mapping[str, Any]) -> CommentAdded:
    return CommentAdded(
        str(message["path"]),
        str(message.get("hunk", "")),
        str(message.get("seat", "")),
        str(message.get("text", "")),
        str(message.get("line", "")),
    )
