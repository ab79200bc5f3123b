"""The replay provider, the recording format, the fallback provider and the
factory: recorded sessions replay the same events with their timing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback import Loopback, NetworkGuard, Reply, chat_stream, only_loopback

from app.providers.base import (
    STOP_CANCELLED,
    EditFailed,
    EditReady,
    Event,
    FallbackUsed,
    Finished,
    GenerationRequest,
    ProviderError,
    StreamFailed,
    TextDelta,
    Usage,
)
from app.providers.factory import ProviderSettings, create_provider
from app.providers.fallback import FallbackProvider
from app.providers.openai_compat import OpenAICompatProvider
from app.providers.recording import (
    Recording,
    RecordingError,
    RecordingProvider,
    Turn,
    entry_to_json,
    load_recording,
    record,
    save_recording,
)
from app.providers.replay import ReplayProvider, turn_edits

REPLY = (
    "Two blocks.\n\na.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n\n"
    "b.py\n<<<<<<< SEARCH\n=======\nnew file\n>>>>>>> REPLACE\n"
    "c.py\n<<<<<<< SEARCH\nno divider\n>>>>>>> REPLACE\n"
)
REQUEST = GenerationRequest(user_prompt="Bump x")


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    return NetworkGuard(monkeypatch)


def as_json(events: list[Event]) -> list[dict[str, object]]:
    """Events compared by content (EditError compares by identity)."""
    return [{k: v for k, v in entry_to_json(0.0, e).items() if k != "t"} for e in events]


def timed_turn(*entries: tuple[float, Event]) -> Recording:
    return Recording(model="recorded-model", turns=[Turn(prompt="Bump x", events=list(entries))])


def test_record_a_live_session_and_replay_the_same_events(
    tmp_path: Path, guard: NetworkGuard
) -> None:
    path = tmp_path / "session.jsonl"
    pieces = [REPLY[i : i + 11] for i in range(0, len(REPLY), 11)]
    with Loopback([Reply(events=chat_stream(pieces), delay=0.01)]) as server:
        live = record(
            OpenAICompatProvider(model="qwen", base_url=server.url + "/v1"), REQUEST, path
        )
    assert [type(e) for e in live if not isinstance(e, TextDelta)] == [
        EditReady,
        EditReady,
        EditFailed,
        Usage,
        Finished,
    ]
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["format"] == "tether-recording" and lines[0]["provider"] == "openai-compatible"
    assert lines[1] == {"turn": 0, "prompt": "Bump x"}
    times = [line["t"] for line in lines[2:]]
    assert times == sorted(times) and times[-1] > 0.05  # the original timing
    replayed = list(ReplayProvider(path, speed=0).stream(REQUEST))
    assert as_json(replayed) == as_json(live)
    assert isinstance(replayed[-1], Finished) and replayed[-1].transcript is not None
    only_loopback(guard)


class Scheduled(ReplayProvider):
    """The replay provider, telling when it would wait (seconds after the
    stream's start) and what it yielded in between, without waiting: the
    schedule is checked, not the machine's speed."""

    def __init__(self, recording: Recording, **options: Any) -> None:
        super().__init__(recording, **options)
        self.log: list[object] = []
        self._start = 0.0

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        self._start = time.monotonic()
        for event in super().stream(request):
            self.log.append(event)
            yield event

    def _wait_until(self, deadline: float) -> bool:
        self.log.append(round(max(0.0, deadline - self._start), 3) if self.speed else 0.0)
        return self._cancel.is_set()


def waits(provider: Scheduled) -> list[float]:
    list(provider.stream(REQUEST))
    return [x for x in provider.log if isinstance(x, float)]


def test_timing_is_kept_and_scaled() -> None:
    recording = timed_turn(
        (0.0, TextDelta("a")), (0.15, TextDelta("b")), (0.3, Finished("end_turn"))
    )
    assert waits(Scheduled(recording, speed=1.0)) == [0.0, 0.15, 0.3]
    assert waits(Scheduled(recording, speed=2.0)) == [0.0, 0.075, 0.15]
    assert waits(Scheduled(recording, speed=0)) == [0.0, 0.0, 0.0]
    # Paced by tokens instead: each text delta is one token, 20 a second.
    assert waits(Scheduled(recording, tokens_per_second=20)) == [0.0, 0.05, 0.1]


def test_edits_are_yielded_at_their_recorded_time() -> None:
    from app.edits.model import Edit

    edit = Edit(path="a.py", kind="replace", old="x\n", new="y\n")
    recording = timed_turn((0.0, EditReady(edit, "block-1")), (0.2, Finished("end_turn")))
    provider = Scheduled(recording)
    list(provider.stream(REQUEST))
    # The edit comes out as soon as its time (0) is reached, before the wait for the end.
    assert [type(x).__name__ if not isinstance(x, float) else x for x in provider.log] == [
        0.0,
        "EditReady",
        0.2,
        "Finished",
    ]


def test_json_form_and_hand_written_text_turns(tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    path.write_text(
        json.dumps(
            {
                "format": "tether-recording",
                "version": 1,
                "provider": "anthropic",
                "model": "demo",
                "turns": [
                    {
                        "prompt": "Bump x",
                        "parse": "search_replace",
                        "events": [
                            {"t": 0.0, "type": "text", "text": REPLY[:40]},
                            {"t": 0.01, "type": "text", "text": REPLY[40:]},
                            {"t": 0.02, "type": "usage", "input_tokens": 10, "output_tokens": 30},
                            {"t": 0.03, "type": "finished", "stop_reason": "end_turn"},
                        ],
                    }
                ],
            }
        )
    )
    provider = ReplayProvider(path, speed=0)
    assert provider.model == "demo"
    events = list(provider.stream(REQUEST))
    edits = [e for e in events if isinstance(e, EditReady | EditFailed)]
    assert [type(e) for e in edits] == [EditReady, EditReady, EditFailed]
    assert [e.call_id for e in edits] == ["block-1", "block-2", "block-3"]
    assert events.index(edits[0]) < events.index(Usage(10, 30))
    assert turn_edits(provider.recording.turns[0])[1].edit.kind == "create"  # type: ignore[union-attr]
    # JSON round trip keeps everything.
    save_recording(provider.recording, tmp_path / "copy.json")
    again = list(ReplayProvider(tmp_path / "copy.json", speed=0).stream(REQUEST))
    assert as_json(again) == as_json(events)


def test_turns_play_by_prompt_then_in_order() -> None:
    recording = Recording(
        turns=[
            Turn(prompt="first", events=[(0.0, TextDelta("1")), (0.0, Finished("end_turn"))]),
            Turn(prompt="second", events=[(0.0, TextDelta("2")), (0.0, Finished("end_turn"))]),
            Turn(prompt="", events=[(0.0, TextDelta("3")), (0.0, Finished("end_turn"))]),
        ]
    )
    provider = ReplayProvider(recording, speed=0)

    def play(prompt: str) -> str:
        return "".join(
            e.text for e in provider.stream(GenerationRequest(prompt)) if isinstance(e, TextDelta)
        )

    assert play("second") == "2"
    assert play("anything") == "3"  # a turn without a prompt answers anything
    assert play("anything") == "3"  # ... and keeps answering once played
    assert play("second") == "2"
    assert play("first: with details") == "1"  # a recorded prompt matches as a prefix


def test_unmatched_prompts_go_round_when_every_turn_has_a_prompt() -> None:
    recording = Recording(
        turns=[
            Turn(prompt="a", events=[(0.0, TextDelta("1")), (0.0, Finished("end_turn"))]),
            Turn(prompt="b", events=[(0.0, TextDelta("2")), (0.0, Finished("end_turn"))]),
        ]
    )
    provider = ReplayProvider(recording, speed=0)
    texts = [
        "".join(
            e.text for e in provider.stream(GenerationRequest("zzz")) if isinstance(e, TextDelta)
        )
        for _ in range(3)
    ]
    assert texts == ["1", "2", "1"]


def test_recorded_failures_replay_as_failures(tmp_path: Path) -> None:
    failing = timed_turn(
        (0.0, ProviderError("HTTP 500", provider="anthropic", status=500, retryable=True))
    )
    path = tmp_path / "fail.jsonl"
    save_recording(failing, path)
    with pytest.raises(ProviderError) as caught:
        list(ReplayProvider(path, speed=0).stream(REQUEST))
    assert str(caught.value) == "anthropic: HTTP 500" and caught.value.status == 500
    dropped = timed_turn((0.0, TextDelta("a")), (0.0, StreamFailed("lost", retryable=True)))
    assert list(ReplayProvider(dropped, speed=0).stream(REQUEST))[-1] == StreamFailed("lost", True)


def test_invalid_recordings_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"format": "tether-recording", "version": 1}\n{"t": 0, "type": "nope"}\n')
    with pytest.raises(RecordingError) as caught:
        load_recording(path)
    assert str(caught.value).startswith(f"{path}:2: invalid event")
    path.write_text('{"format": "something-else"}\n')
    with pytest.raises(RecordingError, match="not a Tether recording"):
        load_recording(path)
    path.write_text('{"format": "tether-recording", "version": 1}\n{oops\n')
    with pytest.raises(RecordingError, match=r"bad.jsonl:2: invalid JSON"):
        load_recording(path)


def test_cancel_stops_a_replay_at_once() -> None:
    """The gap before the second delta is a day: only a cancel that interrupts
    the wait ends the stream (the deadline merely stops a hung test)."""
    recording = timed_turn(
        (0.0, TextDelta("a")), (86_400.0, TextDelta("late")), (86_400.0, Finished("end_turn"))
    )
    provider = ReplayProvider(recording)
    events: list[Event] = []

    def consume() -> None:
        for event in provider.stream(REQUEST):
            events.append(event)
            if event == TextDelta("a"):
                provider.cancel()

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    reader.join(60)
    assert not reader.is_alive(), "the cancel did not interrupt the wait"
    assert events == [TextDelta("a"), Finished(STOP_CANCELLED)]


def test_recording_provider_wraps_any_provider(tmp_path: Path) -> None:
    inner = ReplayProvider(timed_turn((0.0, TextDelta("hi")), (0.0, Finished("end_turn"))), speed=0)
    wrapper = RecordingProvider(inner, tmp_path / "out.jsonl")
    assert wrapper.name == "replay" and wrapper.model == "recorded-model"
    assert list(wrapper.stream(REQUEST))[0] == TextDelta("hi")
    assert load_recording(tmp_path / "out.jsonl").turns[0].prompt == "Bump x"


# -- fallback ------------------------------------------------------------------------------


def replay(*events: Event) -> ReplayProvider:
    return ReplayProvider(timed_turn(*((0.0, e) for e in events)), speed=0)


def test_fallback_takes_over_when_the_first_is_down(guard: NetworkGuard) -> None:
    error = {"error": {"message": "model overloaded"}}
    with Loopback([Reply(503, {"retry-after": "0.01"}, error)] * 2) as server:
        primary = OpenAICompatProvider(model="qwen", base_url=server.url + "/v1", max_retries=1)
        backup = replay(TextDelta("from replay"), Finished("end_turn"))
        fallback = FallbackProvider(primary, backup)
        events = list(fallback.stream(REQUEST))
    assert len(server.requests) == 2
    notice = events[0]
    assert isinstance(notice, FallbackUsed) and notice.provider == "replay"
    assert "HTTP 503" in notice.reason and server.url in notice.reason
    assert events[1:] == [TextDelta("from replay"), Finished("end_turn")]
    assert fallback.name == "replay"
    only_loopback(guard)


def test_fallback_after_text_but_before_any_edit() -> None:
    first = replay(TextDelta("thinking"), StreamFailed("lost", retryable=True))
    events = list(FallbackProvider(first, replay(Finished("end_turn"))).stream(REQUEST))
    assert events == [
        TextDelta("thinking"),
        FallbackUsed("replay", "replay", "recorded-model", "lost"),
        Finished("end_turn"),
    ]


def test_no_fallback_once_an_edit_arrived() -> None:
    from app.edits.model import Edit

    edit = EditReady(Edit(path="a.py", kind="create", new="x\n"), "block-1")
    first = replay(edit, StreamFailed("lost", retryable=True))
    events = list(FallbackProvider(first, replay(Finished("end_turn"))).stream(REQUEST))
    assert [type(e) for e in events] == [EditReady, StreamFailed]


# -- factory -------------------------------------------------------------------------------


def test_factory_builds_providers_and_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "r.jsonl"
    save_recording(timed_turn((0.0, Finished("end_turn"))), path)
    assert isinstance(create_provider(ProviderSettings(recording=str(path))), ReplayProvider)
    local = create_provider(ProviderSettings(provider="ollama", model="qwen2.5-coder"))
    assert isinstance(local, OpenAICompatProvider)
    assert local.base_url == "http://localhost:11434/v1" and local.key_env is None
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ProviderError, match="set the environment variable ANTHROPIC_API_KEY"):
        create_provider(ProviderSettings(provider="anthropic", model="claude-test"))
    monkeypatch.setenv("MY_KEY", "sk-secret-value")
    built = create_provider(
        ProviderSettings(provider="anthropic", model="claude-test", api_key_env="MY_KEY")
    )
    assert "sk-secret-value" not in repr(built)
    with pytest.raises(ProviderError, match="no model"):
        create_provider(ProviderSettings(provider="openai"))
    with pytest.raises(ProviderError, match="unknown provider"):
        create_provider(ProviderSettings(provider="nope", model="m"))
    both = create_provider(
        ProviderSettings(
            provider="ollama", model="m", fallback=ProviderSettings(recording=str(path))
        )
    )
    assert isinstance(both, FallbackProvider)
