"""The review service's lock and its events: a change made under the lock
queues its events, delivered once the outermost holder lets go, on the
thread that made the change (a base of ``ReviewService``)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from app.review.events import HistoryChanged, HunksChanged, ReviewEvent
from app.review.session import ReviewSession

Listener = Callable[[ReviewEvent], None]


class ServiceEvents:
    """Subscribing, the lock, and the events a change queues under it."""

    session: ReviewSession
    _lock: threading.RLock
    _depth: threading.local  # how deep this thread is in ``_locked``
    _outbox: list[ReviewEvent]
    _listeners: list[Listener]

    # -- events --------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every event from now on; returns an unsubscribe."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            depth = getattr(self._depth, "n", 0)
            self._depth.n = depth + 1
            try:
                yield
            finally:
                self._depth.n = depth
                events = []
                if depth == 0:
                    events, self._outbox = self._outbox, []
        for event in events:
            for listener in list(self._listeners):
                listener(event)

    def _emit(self, event: ReviewEvent) -> None:
        self._outbox.append(event)

    def _changed(self, path: str, why: str) -> None:
        try:
            revision = self.session.file(path).revision
        except KeyError:
            revision = 0
        self._emit(HunksChanged(path, revision, why))

    def _history(self) -> None:
        self._emit(HistoryChanged(self.session.can_undo(), self.session.can_redo()))

    def _emit_now(self, event: ReviewEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def publish(self, event: ReviewEvent) -> None:
        """Deliver an event about the review made outside it (a check's result)."""
        with self._locked():
            self._emit(event)

    def notify_changed(self, path: str, why: str) -> None:
        """Tell front ends that what they show of ``path`` changed though its
        hunks did not (the policy's verdicts, after the slider moved)."""
        with self._locked():
            self._changed(path, why)
