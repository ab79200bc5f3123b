"""What a front end reads of the review: each file as a ``FileView``, its
pending hunks (but those being decided), their risks and checks, the counts
(a base of ``ReviewService``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.core.autonomy import Scope
from app.core.controls import control_flag
from app.core.journal import Journal
from app.core.model import FileReview, Hunk
from app.core.text import split_lines
from app.review.checks import HunkCheck
from app.review.risks import Risk, hunk_risks, scope_risk
from app.review.service_events import ServiceEvents


class Policy(Protocol):
    """What may be accepted beyond the file being fresh (the loop's leash)."""

    def blocked(self, fr: FileReview, hunk: Hunk) -> str | None: ...
    def widen(self, fr: FileReview, hunk: Hunk) -> bool: ...


@dataclass(frozen=True, slots=True)
class FileView:
    """What a front end shows of one file: a snapshot, safe to keep."""

    path: str
    status: str
    revision: int
    hunks: tuple[Hunk, ...]
    old_lines: list[str]
    note: str = ""
    stale: str = ""
    blocked: Mapping[str, str] = field(default_factory=dict)
    # Set when the file controls a tool (git, CI, hooks, Tether's config).
    flag: str = ""
    # Where the proposal came from (an agent's tool call), when known.
    origin: str = ""
    # Each hunk's risk flags (``app.review.risks``), by hunk id; none: absent.
    risks: Mapping[str, tuple[Risk, ...]] = field(default_factory=dict)
    # What the checks say of each hunk (``app.review.check_runner``), by hunk id.
    checks: Mapping[str, HunkCheck] = field(default_factory=dict)

    @property
    def banner(self) -> str:
        """The line a front end shows above the file's hunks ("" for none)."""
        parts = [
            f"from {self.origin}" if self.origin else "",
            f"⚑ {self.flag}" if self.flag else "",
        ]
        return " · ".join(p for p in parts if p)

    def index_of(self, hunk_id: str) -> int:
        return next((i for i, h in enumerate(self.hunks) if h.id == hunk_id), -1)


class ServiceViews(ServiceEvents):
    """The review's state as front ends read it."""

    policy: Policy | None
    # Set by a CheckRunner: each hunk's check verdict, by path.
    check_results: Callable[[str], Mapping[str, HunkCheck]] | None
    # Hunk ids submitted and not yet written, by path: left out of the view.
    _deciding: dict[str, set[str]]
    _risk_cache: dict[tuple[str, str], tuple[Risk, ...]]
    _lines_cache: dict[str, tuple[str | None, list[str]]]
    _id_sets: dict[str, tuple[int, frozenset[str]]]

    # -- state ---------------------------------------------------------------

    @property
    def files(self) -> list[FileReview]:
        return self.session.files

    @property
    def journal(self) -> Journal:
        return self.session.journal

    @property
    def root(self) -> Path:
        return self.session.backend.root

    @property
    def folder(self) -> str:
        """The folder of ``root`` this review is limited to ("" for all of it)."""
        return str(getattr(self.session.backend, "folder", ""))

    def file(self, path: str) -> FileReview:
        return self.session.file(path)

    def load(self, fr: FileReview) -> FileReview:
        """Diff ``fr`` if it is not yet (the background prefetch calls this too)."""
        if fr.loaded:
            return fr
        with self._locked():
            self.session.ensure_loaded(fr)
        return fr

    def is_large(self, fr: FileReview) -> bool:
        return self.session.is_large(fr)

    def view(self, path: str) -> FileView:
        """The file as a front end shows it: pending hunks (but those being
        decided), the accepted lines, and why each hunk may not be accepted."""
        fr = self.load(self.session.file(path))
        deciding = self._deciding.get(path, set())
        hunks = tuple(h for h in fr.hunks if h.id not in deciding)
        return FileView(
            path=fr.path,
            status=str(fr.status),
            revision=fr.revision,
            hunks=hunks,
            old_lines=self._accepted_lines(fr),
            note=fr.note,
            stale=fr.stale,
            blocked=self.session.blocked(fr),
            flag=control_flag(fr.path) or (control_flag(fr.old_path) if fr.old_path else ""),
            origin=fr.origin,
            risks=self._risks(fr, hunks),
            checks=self.check_results(fr.path) if self.check_results is not None else {},
        )

    def texts(self, path: str) -> tuple[int, str | None, str | None, tuple[Hunk, ...]]:
        """The file's revision, accepted and proposed texts and pending hunks,
        read together (what a check runs on)."""
        with self._locked():
            fr = self.session.file(path)
            if not fr.loaded:
                return fr.revision, None, None, ()
            return fr.revision, fr.accepted, fr.proposed, tuple(fr.hunks)

    def _risks(self, fr: FileReview, hunks: tuple[Hunk, ...]) -> dict[str, tuple[Risk, ...]]:
        # A hunk's flags depend only on its path and lines, and its id hashes
        # those: computed once per hunk, not once per redraw.
        out: dict[str, tuple[Risk, ...]] = {}
        for hunk in hunks:
            key = (fr.path, hunk.id)
            found = self._risk_cache.get(key)
            if found is None:
                found = self._risk_cache[key] = hunk_risks(fr.path, hunk)
            scope = getattr(self.policy, "scope", None)
            if isinstance(scope, Scope):  # the loop's: outside it is a flag too
                outside = scope_risk(fr.path, hunk, scope)
                found = (*found, outside) if outside is not None else found
            if found:
                out[hunk.id] = found
        return out

    def _accepted_lines(self, fr: FileReview) -> list[str]:
        # Split once per accepted text, not once per key press.
        cached = self._lines_cache.get(fr.path)
        if cached is not None and cached[0] is fr.accepted:
            return cached[1]
        lines = split_lines(fr.accepted or "")
        self._lines_cache[fr.path] = (fr.accepted, lines)
        return lines

    def blocked(self, path: str, hunk_id: str) -> str | None:
        fr = self.load(self.session.file(path))
        return self.session.blocked(fr).get(hunk_id)

    def all_hunks(self, path: str) -> tuple[str, ...]:
        """The ids of every pending hunk of ``path`` shown now ("the rest of the file")."""
        deciding = self._deciding.get(path, set())
        return tuple(h.id for h in self.load(self.session.file(path)).hunks if h.id not in deciding)

    def pending_in(self, fr: FileReview) -> int:
        """Pending hunks of ``fr`` that are not being decided."""
        deciding = self._deciding.get(fr.path)
        if not deciding:
            return fr.pending
        return fr.pending - len(deciding & self._ids(fr))

    def _ids(self, fr: FileReview) -> frozenset[str]:
        """The ids of ``fr``'s pending hunks (kept per revision)."""
        cached = self._id_sets.get(fr.path)
        if cached is None or cached[0] != fr.revision:
            cached = self._id_sets[fr.path] = (fr.revision, frozenset(h.id for h in fr.hunks))
        return cached[1]

    @property
    def pending(self) -> int:
        return sum(self.pending_in(fr) for fr in self.session.files if fr.loaded)

    @property
    def decided(self) -> int:
        return self.session.decided

    def can_undo(self) -> bool:
        return self.session.can_undo()

    def can_redo(self) -> bool:
        return self.session.can_redo()

    def summary(self) -> dict[str, object]:
        return self.session.summary()

    @property
    def seat(self) -> str:
        """This review's own seat (what its entries record when a command names none)."""
        return self.session.history.seat

    @seat.setter
    def seat(self, name: str) -> None:
        self.session.history.seat = name
