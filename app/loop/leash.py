"""The loop's policy for the review: what the current proposal may change
(its ``Scope``) and how much (the leash at the slider's level).

One size for a proposal, everywhere: ``autonomy.changed_lines`` over every
pending hunk, where a long line weighs by its length, so a reply with one
10 MB line cannot slip under a 5-line leash. The review service asks this
policy before every accept, the pane shows its verdicts, the status line
says when the proposal is held, and tests install the same object.
"""

from __future__ import annotations

from app.core.autonomy import DEFAULT_LEASH, Level, Scope, changed_lines
from app.core.model import FileReview, Hunk
from app.review.service import ReviewService


class LeashPolicy:
    def __init__(
        self,
        service: ReviewService,
        *,
        level: Level | int = Level.FILE,
        leash: dict[Level, int] | None = None,
        scope: Scope | None = None,
    ) -> None:
        self.service = service
        self.leash = dict(leash) if leash else dict(scope.leash if scope else DEFAULT_LEASH)
        self.level = Level(level)
        self.scope = scope if scope is not None else Scope(level=self.level, leash=self.leash)
        # Per file, what asked for its hunks (the prompt, the context's summary,
        # the plan step): journaled with each decision on them.
        self.notes: dict[str, dict[str, object]] = {}
        self._size_key: tuple[object, ...] = ()
        self._size = 0

    @classmethod
    def for_scope(cls, service: ReviewService, scope: Scope) -> LeashPolicy:
        """The policy with the slider at the scope's own level (tests, one-shot use)."""
        return cls(service, level=scope.level, leash=scope.leash, scope=scope)

    @property
    def limit(self) -> int:
        """The leash at the slider's level: the most a proposal may change."""
        return self.leash.get(self.level, 0)

    def proposal_size(self) -> int:
        """Changed lines in everything pending (long lines weigh by their
        length). Cached until a file's hunks change."""
        files = [fr for fr in self.service.files if fr.loaded and fr.patch]
        key = tuple((fr.path, fr.revision) for fr in files)
        if key != self._size_key:
            self._size_key, self._size = key, sum(changed_lines(fr.hunks) for fr in files)
        return self._size

    @property
    def held(self) -> bool:
        size = self.proposal_size()
        return bool(size) and size > self.limit

    def blocked(self, fr: FileReview, hunk: Hunk) -> str | None:
        """Why this hunk may not be accepted now, or None."""
        return self.scope.blocked(
            fr.path, hunk, self.proposal_size(), limit=self.limit, level=self.level
        )

    def widen(self, fr: FileReview, hunk: Hunk) -> bool:
        """Allow this one hunk; False when it was not blocked."""
        if self.blocked(fr, hunk) is None:
            return False
        self.scope.widened.add(hunk.id)
        return True

    def journal_extra(self, fr: FileReview) -> dict[str, object]:
        """What goes into the journal entry of a decision on ``fr``'s hunks."""
        return dict(self.notes.get(fr.path, {}))
