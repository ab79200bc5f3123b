"""``tether mcp`` writes what the human accepted: through a review session.

The MCP server owns the write (an agent calling ``propose_edit`` has no tool
of its own that would). It writes through a ``ReviewSession`` over a
``ProposalBackend`` (accepted side: the working tree), the same path every
accepted hunk in Tether takes, so the write is preflighted, atomic and
compare-and-swap (``atomic_write``/``atomic_delete`` with the text the file
held when it was read), and journaled first — an ``accept`` on
``Side.WORKTREE`` from this server's own source, with the proposal's origin —
so it can be undone and survives a crash. The review host journaled the
human's decisions already; this entry records the write they led to.

A file that no longer holds what the human reviewed is *stale*: it is not
written, and the result says so.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from app.core.backends import ProposalBackend
from app.core.blobs import BlobStore
from app.core.errors import StaleFileError, TetherError
from app.core.journal import Journal
from app.core.locations import state_dir_for
from app.gate.answers import Verdict
from app.gate.calls import Origin, ProposedFile
from app.review.session import ReviewSession


@dataclass
class Applied:
    """What became of a verdict's accepted texts on disk."""

    applied: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Writer:
    """Writes verdicts for one ``tether mcp`` process (one journal source)."""

    def __init__(self, root: Path, *, kind: str = "mcp", written_by: str = "tether mcp") -> None:
        self.root = root
        # Who writes (``tether agent`` reuses this writer): the journal's source and note.
        self.kind, self.written_by = kind, written_by
        self._session: ReviewSession | None = None
        self._lock = threading.Lock()  # tool calls run on worker threads

    def session(self) -> ReviewSession:
        if self._session is None:
            state = state_dir_for(self.root)
            self._session = ReviewSession(
                ProposalBackend(self.root),
                journal=Journal(state / "journal.jsonl"),
                blobs=BlobStore(state / "blobs"),
                source=f"{self.kind}:{time.strftime('%Y%m%dT%H%M%S')}:{os.getpid()}",
            )
        return self._session

    def apply(self, files: list[ProposedFile], verdict: Verdict, origin: Origin) -> Applied:
        out = Applied(stale=sorted(set(verdict.stale)))
        with self._lock:
            for proposed in files:
                if proposed.path in out.stale:
                    continue
                accepted = [h for h in verdict.hunks if h.path == proposed.path]
                if accepted and not any(h.accepted for h in accepted):
                    continue  # every hunk rejected: nothing to write
                text = verdict.texts.get(proposed.path, proposed.before)
                self._apply_file(proposed, text, origin, out)
        return out

    def _apply_file(
        self, proposed: ProposedFile, text: str | None, origin: Origin, out: Applied
    ) -> None:
        # A move writes the target and deletes the source: (path, new text, text reviewed).
        steps = [(proposed.path, text, None if proposed.moved_from else proposed.before)]
        if proposed.moved_from:
            steps.append((proposed.moved_from, None, proposed.before))
        try:
            session = self.session()
            loaded = [session.propose(path, new) for path, new, _ in steps]
            changed = [
                path
                for (path, _, reviewed), fr in zip(steps, loaded, strict=True)
                if fr.note or fr.accepted != reviewed
            ]
            if changed:
                out.stale.append(proposed.path)
                out.notes.append(
                    f"{changed[0]} changed on disk since you proposed this edit; nothing was "
                    "written to it: read it again and propose again"
                )
                return
            extra: dict[str, object] = {"origin": origin.label(), "written_by": self.written_by}
            for (path, _, _), fr in zip(steps, loaded, strict=True):
                if fr.hunks:
                    session.accept(path, session.all_hunks(path), extra=extra)
        except StaleFileError as exc:
            out.stale.append(proposed.path)
            out.notes.append(f"{exc}: read it again and propose again")
            return
        except TetherError as exc:
            out.notes.append(f"not written: {exc}")
            return
        except OSError as exc:
            out.notes.append(f"{proposed.path}: not written: {exc.strerror or exc}")
            return
        out.applied.append(proposed.path)
