"""The checks in an app: start the runner, badges for the pane, `r`'s message.

A mixin for ReviewApp and the apps built on it, so that the review app's
own file only calls in: the rules (what runs, whose fault) are in
``app.review.checks``, the background work in ``app.review.check_runner``.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.review.check_runner import CheckRunner
from app.review.checks import ChecksConfig
from app.review.service import FileView, ReviewService
from widgets.diff_pane import DiffPane


class ChecksMixin:
    service: ReviewService
    checks_config: ChecksConfig | None
    _checks: CheckRunner | None = None

    def start_checks(self) -> None:
        """Run the configured checks on every hunk that arrives (none: off)."""
        config = self.checks_config
        if config is not None and config.specs and self._checks is None:
            self._checks = CheckRunner(self.service, config).start()

    def stop_checks(self) -> None:
        if self._checks is not None:
            self._checks.close()

    def check_file(self, path: str) -> None:
        """The file on show: check it (files arriving are checked as they come)."""
        if self._checks is not None and path:
            self._checks.schedule(path)

    def show_badges(self, pane: DiffPane) -> None:
        """A check result for the file on show: redraw the headers' badges
        only (the hunks are the same ones; a re-show would lay out the file)."""
        view = self.service.view(pane.path)
        if [h.id for h in view.hunks] == [h.id for h in pane.hunks]:
            pane.set_badges(self.badges(view))
        else:
            self._reshow()  # type: ignore[attr-defined]

    @staticmethod
    def badges(view: FileView) -> Mapping[str, str]:
        return {hunk_id: check.badge for hunk_id, check in view.checks.items()}

    def check_reason(self, path: str, hunk_id: str) -> str:
        """A failing check's message for the reject reason ("" for none)."""
        check = self.service.view(path).checks.get(hunk_id)
        return check.reason if check is not None else ""
