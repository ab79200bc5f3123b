"""Checks in the background: a file's hunks get a badge as soon as they arrive.

The runner listens to the review: when a file's hunks change it notes the
path and returns (the event may be on the UI thread); its dispatcher thread
reads the file's texts, cancels a run for an older text of that file, marks
the hunks ``running`` and hands the run to a bounded pool. Each check's
result is cached by (check, path, text hash), so the accepted text is checked
once and a proposal seen before is not checked again. Results reach front
ends as ``ChecksChanged`` through the service; ``results(path)`` is what the
service's ``view`` shows. A key press never waits for any of it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from app.core.model import Hunk
from app.core.secrets import is_secret_file, secret_text
from app.review.checks import (
    Cancel,
    CheckResult,
    ChecksConfig,
    CheckSpec,
    HunkCheck,
    applicable,
    run_check,
    text_key,
    verdicts,
)
from app.review.events import ChecksChanged, HunksChanged, ReviewEvent
from app.review.service import ReviewService

_CACHE = 512  # check results kept (per text, so a few per file)


@dataclass
class _Job:
    key: tuple[str, str, str]  # path, accepted hash, proposed hash
    hunks: tuple[Hunk, ...]
    cancel: Cancel = field(default_factory=Cancel)


class CheckRunner:
    def __init__(
        self,
        service: ReviewService,
        config: ChecksConfig,
        *,
        workers: int = 2,
        run: Callable[..., CheckResult | None] = run_check,
    ) -> None:
        self.service = service
        self.config = config
        self.root: Path = service.root
        self._run = run
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="check")
        self._lock = threading.Lock()
        self._wanted: list[str] = []
        self._wake = threading.Condition(self._lock)
        self._jobs: dict[str, _Job] = {}
        self._results: dict[str, dict[str, HunkCheck]] = {}
        self._cache: OrderedDict[tuple[str, str, str], CheckResult] = OrderedDict()
        self._closed = False
        self._unsubscribe: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._dispatch, name="checks", daemon=True)

    def start(self) -> CheckRunner:
        """Check every file's hunks now and whenever they change."""
        self.service.check_results = self.results
        self._unsubscribe = self.service.subscribe(self._on_event)
        self._thread.start()
        for fr in self.service.files:
            if fr.loaded:
                self.schedule(fr.path)
        return self

    def close(self) -> None:
        """Cancel every run and stop (the processes are killed)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                job.cancel.set()
            self._wake.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # -- what front ends read --------------------------------------------------

    def results(self, path: str) -> Mapping[str, HunkCheck]:
        with self._lock:
            return dict(self._results.get(path, {}))

    def specs_for(self, path: str) -> list[CheckSpec]:
        return applicable(path, self.config.specs)

    # -- scheduling ----------------------------------------------------------------

    def _on_event(self, event: ReviewEvent) -> None:
        if isinstance(event, HunksChanged) and event.why != "deciding":
            self.schedule(event.path)

    def schedule(self, path: str) -> None:
        """Check ``path`` again soon (cheap: the dispatcher does the work)."""
        with self._lock:
            if path not in self._wanted:
                self._wanted.append(path)
            self._wake.notify()

    def _dispatch(self) -> None:
        while True:
            with self._lock:
                while not self._wanted and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                path = self._wanted.pop(0)
            self._start(path)

    def _start(self, path: str) -> None:
        specs = self.specs_for(path)
        try:
            _revision, accepted, proposed, hunks = self.service.texts(path)
        except KeyError:
            hunks, proposed, accepted = (), None, None
        if not specs or proposed is None or not hunks or self._secret(path, accepted, proposed):
            self._set(path, {}, None)
            return
        key = (path, text_key(accepted or ""), text_key(proposed))
        with self._lock:
            old = self._jobs.get(path)
            same = old is not None and old.key == key and not old.cancel.is_set()
            if same and old is not None and {h.id for h in old.hunks} == {h.id for h in hunks}:
                return  # that run is on its way (or done) for these hunks
            if old is not None:
                old.cancel.set()
            job = self._jobs[path] = _Job(key, hunks)
        self._set(path, {h.id: HunkCheck("running") for h in hunks}, job)
        try:
            self._pool.submit(self._work, job, specs, accepted, proposed)
        except RuntimeError:  # shut down meanwhile
            return

    def _secret(self, path: str, accepted: str | None, proposed: str) -> bool:
        """A secret file (its name, a link to one, or key-shaped text in either
        side) is never checked: its text goes to no process."""
        return is_secret_file(self.root, path, proposed) or bool(secret_text(accepted))

    def _work(self, job: _Job, specs: list[CheckSpec], accepted: str | None, proposed: str) -> None:
        path = job.key[0]
        pairs: list[tuple[CheckResult | None, CheckResult]] = []
        for spec in specs:
            after = self._cached(spec, path, proposed, job)
            if job.cancel.is_set() or after is None:
                return
            # The accepted text's findings only tell a failure's new findings
            # from old ones (``new_findings``): a passing proposal needs no
            # second run, which halves the processes a burst of edits starts.
            before = None
            if accepted is not None and after.state == "fail":
                before = self._cached(spec, path, accepted, job)
                if job.cancel.is_set() or before is None:
                    return
            pairs.append((before, after))
        self._set(path, verdicts(job.hunks, pairs), job)

    def _cached(self, spec: CheckSpec, path: str, text: str, job: _Job) -> CheckResult | None:
        key = (spec.name, path, text_key(text))
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        if job.cancel.is_set():
            return None
        result = self._run(
            spec, path, text, root=self.root, timeout=self.config.timeout, cancel=job.cancel
        )
        if result is None:
            return None
        if result.state != "error":  # a timeout may pass when the machine is idle
            with self._lock:
                self._cache[key] = result
                if len(self._cache) > _CACHE:
                    self._cache.popitem(last=False)
        return result

    def _set(self, path: str, results: dict[str, HunkCheck], job: _Job | None) -> None:
        with self._lock:
            if self._closed or (job is not None and self._jobs.get(path) is not job):
                return  # a newer run owns the file
            if job is None:
                self._jobs.pop(path, None)
            if self._results.get(path, {}) == results:
                return
            self._results[path] = results
        self.service.publish(ChecksChanged(path))
