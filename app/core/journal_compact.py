"""What a compacted journal keeps: per source, its last few done decisions and
every undone one, then a checkpoint entry of its stacks (so undo survives)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.journal_entry import Entry, Op
from app.core.journal_file import encode_line
from app.core.journal_index import Index


def compacted(index: Index, keep: int) -> tuple[list[bytes], int]:
    """The lines of ``index``'s journal compacted to ``keep`` done decisions
    per source, and how many of its entries they keep."""
    kept: dict[int, Entry] = {}
    checkpoints: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
    for source, stacks in index.sources.items():
        done = stacks.done[-keep:] if keep else []
        for entry in (*done, *stacks.undone):
            kept[entry.seq] = entry
        if done or stacks.undone:
            checkpoints.append(
                (source, tuple(e.seq for e in done), tuple(e.seq for e in stacks.undone))
            )
    lines = [encode_line(kept[seq]) for seq in sorted(kept)]
    seq = index.last_seq
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    for source, done_seqs, undone_seqs in checkpoints:
        seq += 1
        lines.append(
            encode_line(
                Entry(
                    Op.CHECKPOINT,
                    source,
                    seq=seq,
                    ts=now,
                    done=done_seqs,
                    undone=undone_seqs,
                )
            )
        )
    return lines, len(kept)
