"""The replay provider: streams a recorded session with its original timing.

The offline default, for the demo and for tests: no key, no network. Each
call of :meth:`ReplayProvider.stream` plays one turn of the recording (see
:mod:`app.providers.recording` for the format): the turn whose prompt is the
request's prompt, else the next one in order (going round again after the
last). ``speed`` scales the timing (2 = twice as fast; 0 = no delay).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

from app.providers.base import (
    STOP_CANCELLED,
    EditFailed,
    EditReady,
    Event,
    Finished,
    GenerationRequest,
    ProviderError,
    TextDelta,
    Transcript,
)
from app.providers.prompts import Sequencer, TextEdits
from app.providers.recording import Recording, Turn, load_recording


class ReplayProvider:
    kind = "replay"

    def __init__(
        self,
        recording: Recording | Path | str,
        *,
        speed: float = 1.0,
    ) -> None:
        if speed < 0:
            raise ValueError("speed must be 0 (no delay) or more")
        self.recording = (recording if isinstance(recording, Recording)
                          else load_recording(Path(recording)))
        self.speed = speed
        self.name = "replay"
        self.model = self.recording.model
        self._next = 0
        self._played: set[int] = set()
        self._cancel = threading.Event()

    def __repr__(self) -> str:
        return f"<ReplayProvider model={self.model!r} turns={len(self.recording.turns)}>"

    def cancel(self) -> None:
        """End the current stream at once (from any thread), after the edits
        already yielded, with ``Finished("cancelled")``."""
        self._cancel.set()

    def _pick(self, request: GenerationRequest) -> int:
        turns = self.recording.turns
        if not turns:
            raise ProviderError("the recording has no turns", provider=self.name)
        same = [i for i, turn in enumerate(turns) if turn.prompt and
                turn.prompt == request.user_prompt]
        fresh = [i for i in same if i not in self._played]
        index = (fresh or same or [self._next % len(turns)])[0]
        self._played.add(index)
        self._next = index + 1
        return index

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        self._cancel.clear()
        index = self._pick(request)
        turn = self.recording.turns[index]
        start = time.monotonic()
        parser = TextEdits(turn.parse, Sequencer()) if turn.parse else None
        for t, entry in turn.events:
            if self._wait_until(start + t / self.speed if self.speed else 0.0):
                yield Finished(STOP_CANCELLED)
                return
            if isinstance(entry, ProviderError):
                raise entry
            if isinstance(entry, Finished):
                if parser is not None:
                    yield from parser.close()
                yield Finished(entry.stop_reason, Transcript(self.kind, {"turn": index}))
                continue
            yield entry
            if parser is not None and isinstance(entry, TextDelta):
                yield from parser.feed(entry.text)
        if self._cancel.is_set():
            yield Finished(STOP_CANCELLED)

    def _wait_until(self, deadline: float) -> bool:
        """Sleep until ``deadline`` (by ``clock``); True if cancelled meanwhile."""
        delay = deadline - time.monotonic() if self.speed else 0.0
        if delay > 0:
            return self._cancel.wait(delay)
        return self._cancel.is_set()


def turn_edits(turn: Turn) -> list[EditReady | EditFailed]:
    """The edit events a turn yields when replayed (for checks and benchmarks)."""
    provider = ReplayProvider(Recording(turns=[turn]), speed=0)
    return [e for e in provider.stream(GenerationRequest(user_prompt=turn.prompt))
            if isinstance(e, EditReady | EditFailed)]
