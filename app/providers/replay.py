"""The replay provider: streams a recorded session with its original timing.

The offline default, for the demo and for tests: no key, no network. Each
call of :meth:`ReplayProvider.stream` plays one turn of the recording (see
:mod:`app.providers.recording` for the format): the turn whose prompt is the
request's prompt (or a prefix of it, the longest first), else the next one
in order (going round again after the last). ``speed`` scales the timing (2 = twice as fast; 0 = no delay);
``tokens_per_second`` instead paces the turn as one token per text delta
(for benchmarks). :func:`record` and :class:`RecordingProvider` make
recordings from any provider.
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
from app.providers.recording import (
    Entry,
    Recorder,
    Recording,
    RecordingProvider,
    Turn,
    load_recording,
    record,
    save_recording,
)

__all__ = [
    "ReplayProvider",
    "Recorder",
    "Recording",
    "RecordingProvider",
    "Turn",
    "load_recording",
    "record",
    "save_recording",
    "turn_edits",
]


class ReplayProvider:
    kind = "replay"

    def __init__(
        self,
        recording: Recording | Path | str,
        *,
        speed: float = 1.0,
        tokens_per_second: float | None = None,
    ) -> None:
        if speed < 0 or (tokens_per_second is not None and tokens_per_second <= 0):
            raise ValueError("speed must be 0 (no delay) or more; tokens_per_second above 0")
        self.tokens_per_second = tokens_per_second
        self.recording = (
            recording if isinstance(recording, Recording) else load_recording(Path(recording))
        )
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
        prompt = request.user_prompt
        same = [i for i, turn in enumerate(turns) if turn.prompt and turn.prompt == prompt]
        # A recorded prompt that starts the request's prompt matches follow-ups
        # whose text varies (errors, reasons), the longest first (the most
        # specific: one hunk's reject before any reject); turns without a
        # prompt answer whatever the user typed, in order.
        prefix = sorted(
            (i for i, turn in enumerate(turns) if turn.prompt and prompt.startswith(turn.prompt)),
            key=lambda i: -len(turns[i].prompt),
        )
        free = [i for i, turn in enumerate(turns) if not turn.prompt]
        fresh = [i for i in same + prefix if i not in self._played]
        fresh_free = [i for i in free if i not in self._played]
        index = (fresh or same or prefix or fresh_free or free or [self._next % len(turns)])[0]
        self._played.add(index)
        self._next = index + 1
        return index

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        self._cancel.clear()
        index = self._pick(request)
        turn = self.recording.turns[index]
        start = time.monotonic()
        parser = TextEdits(turn.parse, Sequencer()) if turn.parse else None
        for t, entry in self._timed(turn):
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

    def _timed(self, turn: Turn) -> list[tuple[float, Entry]]:
        """The turn's entries with their recorded times, or paced by
        ``tokens_per_second`` (each text delta one token)."""
        if self.tokens_per_second is None:
            return turn.events
        out: list[tuple[float, Entry]] = []
        tokens = 0
        for _, entry in turn.events:
            out.append((tokens / self.tokens_per_second, entry))
            tokens += 1 if isinstance(entry, TextDelta) else 0
        return out

    def _wait_until(self, deadline: float) -> bool:
        """Sleep until ``deadline`` (monotonic); True if cancelled meanwhile."""
        delay = deadline - time.monotonic() if self.speed else 0.0
        if delay > 0:
            return self._cancel.wait(delay)
        return self._cancel.is_set()


def turn_edits(turn: Turn) -> list[EditReady | EditFailed]:
    """The edit events a turn yields when replayed (for checks and benchmarks)."""
    provider = ReplayProvider(Recording(turns=[turn]), speed=0)
    return [
        e
        for e in provider.stream(GenerationRequest(user_prompt=turn.prompt))
        if isinstance(e, EditReady | EditFailed)
    ]
