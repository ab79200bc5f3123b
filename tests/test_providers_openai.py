"""The real ``openai`` SDK against the loopback server: Chat Completions with
SEARCH/REPLACE in text, and the Responses API with the apply_patch tool."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from loopback import (
    Loopback,
    NetworkGuard,
    Reply,
    chat_stream,
    only_loopback,
    responses_stream,
    sse,
)

from app.providers.base import (
    STOP_CANCELLED,
    EditFailed,
    EditReady,
    Event,
    Finished,
    FollowUp,
    GenerationRequest,
    ProviderError,
    StreamFailed,
    TextDelta,
    ToolOutcome,
    Usage,
)
from app.providers.openai_compat import OpenAICompatProvider
from app.providers.openai_responses import OpenAIResponsesProvider

SECRET = "sk-test-7c1d0e9f-NEVER-SHOW"

REPLY = """I'll make two small changes.

inventory/stock.py
```python
<<<<<<< SEARCH
def total(items):
    return sum(items)
=======
def total(items):
    return sum(item.count for item in items)
>>>>>>> REPLACE
```

inventory/report.py
```python
<<<<<<< SEARCH
    print(total)
=======
    print(f"total: {total}")
>>>>>>> REPLACE
```
Done.
"""


def pieces(text: str, size: int = 9) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    monkeypatch.setenv("TETHER_TEST_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    return NetworkGuard(monkeypatch)


def chat(server: Loopback, **options: object) -> OpenAICompatProvider:
    return OpenAICompatProvider(
        model="qwen2.5-coder", base_url=server.url + "/v1", api_key_env="TETHER_TEST_KEY", **options
    )  # type: ignore[arg-type]


def responses(server: Loopback, **options: object) -> OpenAIResponsesProvider:
    return OpenAIResponsesProvider(model="gpt-test", base_url=server.url + "/v1", **options)  # type: ignore[arg-type]


REQUEST = GenerationRequest(
    user_prompt="Count items properly",
    system_prompt="Be brief.",
    context_files={"inventory/stock.py": "def total(items):\n"},
)


def timed(events: object) -> list[tuple[float, Event]]:
    return [(time.monotonic(), event) for event in events]  # type: ignore[attr-defined]


# -- Chat Completions --------------------------------------------------------------------


def test_chat_clean_session_yields_edits_while_streaming(guard: NetworkGuard) -> None:
    stream = chat_stream(pieces(REPLY))
    with Loopback([Reply(events=stream), Reply(events=stream, delay=0.01)]) as server:
        provider = chat(server)
        list(provider.stream(REQUEST))  # warm up: the SDK builds its event types on first use
        got = timed(provider.stream(REQUEST))
    seen = server.requests[1]
    events = [event for _, event in got]
    edits = [e for e in events if isinstance(e, EditReady)]
    assert [e.edit.path for e in edits] == ["inventory/stock.py", "inventory/report.py"]
    assert edits[0].edit.new == "def total(items):\n    return sum(item.count for item in items)\n"
    assert [e.call_id for e in edits] == ["block-1", "block-2"]
    # Edits arrive as events while the stream goes on: text follows the first
    # edit, and the first edit was out before the server sent its last event.
    first = events.index(edits[0])
    assert any(isinstance(e, TextDelta) for e in events[first + 1 :])
    assert got[first][0] < seen.sent[-1]
    assert events[-2:] == [Usage(120, 48), Finished("end_turn")]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == REPLY
    # What went over the wire.
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == f"Bearer {SECRET}"
    body = seen.body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["model"] == "qwen2.5-coder" and body["max_tokens"] == 4096
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][0]["content"].startswith("Be brief.")
    assert "<<<<<<< SEARCH" in body["messages"][0]["content"]
    assert body["messages"][1]["content"].startswith("inventory/stock.py\n```\ndef total")
    only_loopback(guard)


def test_chat_local_server_gets_no_key_by_default(guard: NetworkGuard) -> None:
    with Loopback([Reply(events=chat_stream(["hi"]))]) as server:
        provider = OpenAICompatProvider(model="llama3", base_url=server.url + "/v1")
        list(provider.stream(REQUEST))
    assert server.requests[0].headers["authorization"] == "Bearer no-key"


def test_chat_429_then_success_respects_retry_after(retry_waits: list[float]) -> None:
    replies = [
        Reply(429, {"retry-after": "0.05"}, {"error": {"message": "slow down"}}),
        Reply(events=chat_stream(pieces(REPLY))),
    ]
    with Loopback(replies) as server:
        events = list(chat(server).stream(REQUEST))
    first, second = server.requests
    assert second.headers["x-stainless-retry-count"] == "1"
    # retry-after (50 ms) was used, not the SDK's own backoff (at least 375 ms).
    assert retry_waits == [0.05]
    assert second.at - first.at >= 0.05
    assert len([e for e in events if isinstance(e, EditReady)]) == 2


def test_chat_500_exhausts_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    error = {"error": {"message": f"upstream crashed (key {SECRET})", "type": "server_error"}}
    with (
        Loopback([Reply(500, {"retry-after": "0.01"}, error)] * 3) as server,
        pytest.raises(ProviderError) as caught,
    ):
        list(chat(server).stream(REQUEST))
    assert len(server.requests) == 3
    message = str(caught.value)
    assert message.startswith(f"openai-compatible at {server.url}/v1: HTTP 500")
    assert "tried 3 times" in message and "upstream crashed" in message
    assert caught.value.status == 500 and caught.value.retryable
    assert caught.value.title == "Provider failed"
    assert SECRET not in message and SECRET not in caplog.text


def test_chat_401_names_the_variable_never_the_key() -> None:
    with (
        Loopback([Reply(401, {}, {"error": {"message": "Incorrect API key"}})]) as server,
        pytest.raises(ProviderError) as caught,
    ):
        list(chat(server).stream(REQUEST))
    assert len(server.requests) == 1  # not retried
    assert "HTTP 401" in str(caught.value) and "TETHER_TEST_KEY" in str(caught.value)
    assert SECRET not in str(caught.value) and not caught.value.retryable


def test_chat_connection_dropped_mid_stream_keeps_complete_edits() -> None:
    events = chat_stream(pieces(REPLY))
    cut = next(i for i, e in enumerate(events) if b"report.py" in e) + 3
    with Loopback([Reply(events=events, drop_after=cut)]) as server:
        got = list(chat(server).stream(REQUEST))
    assert [type(e) for e in got if not isinstance(e, TextDelta)] == [EditReady, StreamFailed]
    failure = got[-1]
    assert isinstance(failure, StreamFailed) and failure.retryable
    assert "connection was lost mid-stream" in failure.message and server.url in failure.message


def test_chat_invalid_json_mid_stream() -> None:
    events = chat_stream(pieces(REPLY))
    cut = next(i for i, e in enumerate(events) if b"report.py" in e)
    events.insert(cut, sse("{not json"))
    with Loopback([Reply(events=events)]) as server:
        got = list(chat(server).stream(REQUEST))
    assert [type(e) for e in got if not isinstance(e, TextDelta)] == [EditReady, StreamFailed]
    assert isinstance(got[-1], StreamFailed) and "invalid JSON" in got[-1].message
    assert not got[-1].retryable


def test_chat_malformed_blocks_become_edit_failed() -> None:
    text = (
        "a.py\n<<<<<<< SEARCH\nx\n>>>>>>> REPLACE\n"  # no =======
        "<<<<<<< SEARCH\ny\n=======\nz\n>>>>>>> REPLACE\n"  # no file name before it
        "b.py\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n"
        "c.py\n<<<<<<< SEARCH\nunfinished\n"
    )
    with Loopback([Reply(events=chat_stream(pieces(text, 5)))]) as server:
        got = [e for e in chat(server).stream(REQUEST) if isinstance(e, EditReady | EditFailed)]
    assert [type(e) for e in got] == [EditFailed, EditFailed, EditReady, EditFailed]
    assert [e.call_id for e in got] == ["block-1", "block-2", "block-3", "block-4"]
    first = got[0]
    assert isinstance(first, EditFailed) and first.error.line == 2
    assert "=======" in first.error.for_model
    assert isinstance(got[3], EditFailed) and "incomplete block" in str(got[3].error)


def test_chat_stream_ending_without_finish_reason_is_a_failure() -> None:
    events = chat_stream(pieces(REPLY))
    cut = next(i for i, e in enumerate(events) if b"report.py" in e)
    with Loopback([Reply(events=events[:cut])]) as server:  # a clean end, but too early
        got = [e for e in chat(server).stream(REQUEST) if not isinstance(e, TextDelta)]
    assert [type(e) for e in got] == [EditReady, StreamFailed]
    assert "before the model finished" in got[-1].message  # type: ignore[union-attr]


def test_chat_stalled_stream_times_out() -> None:
    events = chat_stream(pieces(REPLY))
    with Loopback([Reply(events=events, drop_after=len(events) // 2, stall=1.0)]) as server:
        got = list(chat(server, read_timeout=0.3).stream(REQUEST))
    assert isinstance(got[-1], StreamFailed) and "stalled" in got[-1].message
    assert got[-1].retryable


def test_chat_cancel_interrupts_a_silent_stream_and_keeps_complete_edits() -> None:
    events = chat_stream(pieces(REPLY, 30))
    cut = next(i for i, e in enumerate(events) if b"report.py" in e)
    # After the first edit the server goes silent for a minute, then drops the
    # connection: only a cancel that interrupts the read ends the stream with
    # Finished("cancelled") rather than a lost connection.
    with Loopback([Reply(events=events, drop_after=cut, stall=60.0)]) as server:
        provider = chat(server)
        got: list[Event] = []
        for event in provider.stream(REQUEST):
            got.append(event)
            if isinstance(event, EditReady):
                threading.Timer(0.1, provider.cancel).start()
    assert [type(e) for e in got if not isinstance(e, TextDelta)] == [EditReady, Finished]
    assert got[-1] == Finished(STOP_CANCELLED)


def test_chat_follow_up_sends_transcript_and_outcomes() -> None:
    replies = [Reply(events=chat_stream(pieces(REPLY))), Reply(events=chat_stream(["ok"]))]
    with Loopback(replies) as server:
        provider = chat(server)
        first = list(provider.stream(REQUEST))
        finished = first[-1]
        assert isinstance(finished, Finished) and finished.transcript is not None
        outcomes = (ToolOutcome.applied("block-1"), ToolOutcome.rejected("block-2", "keep print"))
        follow = GenerationRequest(
            "Try the second again", follow_up=FollowUp(finished.transcript, outcomes)
        )
        list(provider.stream(follow))
    messages = server.requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == REPLY
    assert "- block-2: The user rejected this edit" in messages[3]["content"]
    assert messages[3]["content"].endswith("Try the second again")


def test_a_single_try_says_once() -> None:
    error = {"error": {"message": "upstream crashed", "type": "server_error"}}
    with Loopback([Reply(500, {}, error)]) as server, pytest.raises(ProviderError) as caught:
        provider = OpenAICompatProvider(model="m", base_url=f"{server.url}/v1", max_retries=0)
        list(provider.stream(REQUEST))
    assert len(server.requests) == 1
    assert "HTTP 500 Internal Server Error (tried once)" in str(caught.value)


def test_connection_refused_says_so() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here
    provider = OpenAICompatProvider(
        model="m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0
    )
    with pytest.raises(ProviderError) as caught:
        list(provider.stream(REQUEST))
    assert "cannot connect" in str(caught.value) and "is the server running" in str(caught.value)
    assert f"127.0.0.1:{port}" in str(caught.value)


def test_network_guard_blocks_everything_but_loopback(guard: NetworkGuard) -> None:
    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)
    provider = OpenAIResponsesProvider(model="gpt-test", max_retries=0)  # api.openai.com
    with pytest.raises(ProviderError) as caught:
        list(provider.stream(REQUEST))
    assert "https://api.openai.com/v1" in str(caught.value)
    assert "api.openai.com" in guard.attempts  # refused before any packet left


# -- Responses API ----------------------------------------------------------------------

UPDATE = (
    "@@ def total(items):\n-    return sum(items)\n+    return sum(item.count for item in items)\n"
)
PATCH_TEXT = (
    "Here it is:\n*** Begin Patch\n*** Update File: inventory/stock.py\n"
    + UPDATE
    + "*** Add File: inventory/NOTES.md\n+counted\n*** End Patch\n"
)


def test_responses_apply_patch_calls_become_edits_while_streaming(guard: NetworkGuard) -> None:
    parts = [
        ("text", pieces("Two files to change.")),
        ("patch", "call_a", {"type": "update_file", "path": "inventory/stock.py", "diff": UPDATE}),
        (
            "patch",
            "call_b",
            {"type": "create_file", "path": "inventory/NOTES.md", "diff": "+counted\n"},
        ),
        ("patch", "call_c", {"type": "delete_file", "path": "old.txt"}),
    ]
    stream = responses_stream(parts)
    with Loopback([Reply(events=stream), Reply(events=stream, delay=0.01)]) as server:
        provider = responses(server)
        list(provider.stream(REQUEST))  # warm up: the SDK builds its event types on first use
        got = timed(provider.stream(REQUEST))
    events = [event for _, event in got]
    edits = [e for e in events if isinstance(e, EditReady)]
    assert [(e.call_id, e.edit.kind, e.edit.path) for e in edits] == [
        ("call_a", "replace", "inventory/stock.py"),
        ("call_b", "create", "inventory/NOTES.md"),
        ("call_c", "delete", "old.txt"),
    ]
    assert edits[0].edit.chunks[0].contexts == ["def total(items):"]
    assert edits[1].edit.new == "counted\n"
    assert got[events.index(edits[0])][0] < server.requests[1].sent[-1]
    assert events[-2:] == [Usage(300, 90), Finished("tool_use")]
    body = server.requests[1].body
    assert server.requests[1].path == "/v1/responses"
    assert body["tools"] == [{"type": "apply_patch"}] and body["stream"] is True
    assert body["instructions"].startswith("Be brief.") and "apply_patch" in body["instructions"]
    assert body["input"].endswith("Count items properly")
    assert body["max_output_tokens"] == 4096
    only_loopback(guard)


def test_responses_plain_text_v4a_fallback() -> None:
    with Loopback([Reply(events=responses_stream([("text", pieces(PATCH_TEXT, 6))]))]) as server:
        got = list(responses(server).stream(REQUEST))
    edits = [e for e in got if isinstance(e, EditReady)]
    assert [(e.edit.kind, e.edit.path) for e in edits] == [
        ("replace", "inventory/stock.py"),
        ("create", "inventory/NOTES.md"),
    ]
    assert got[-1] == Finished("end_turn")


def test_responses_malformed_patch_is_edit_failed() -> None:
    bad = {"type": "update_file", "path": "a.py", "diff": "@@\n-x\n+y\nnot a diff line\n"}
    good = {"type": "create_file", "path": "b.py", "diff": "+b\n"}
    parts = [("patch", "call_1", bad), ("patch", "call_2", good)]
    with Loopback([Reply(events=responses_stream(parts))]) as server:
        got = [
            e for e in responses(server).stream(REQUEST) if isinstance(e, EditReady | EditFailed)
        ]
    assert [type(e) for e in got] == [EditFailed, EditReady]
    assert got[0].call_id == "call_1" and "unexpected line" in str(got[0].error)  # type: ignore[union-attr]


def test_responses_failed_event_is_stream_failed() -> None:
    events = responses_stream(
        [("patch", "call_1", {"type": "create_file", "path": "b.py", "diff": "+b\n"})]
    )[:-1]
    events.append(
        sse(
            {
                "type": "response.failed",
                "sequence_number": 99,
                "response": {
                    "id": "resp_1",
                    "status": "failed",
                    "error": {"code": "server_error", "message": "The model crashed"},
                },
            },
            "response.failed",
        )
    )
    with Loopback([Reply(events=events)]) as server:
        got = [e for e in responses(server).stream(REQUEST) if not isinstance(e, TextDelta)]
    assert [type(e) for e in got] == [EditReady, StreamFailed]
    assert "server_error: The model crashed" in got[-1].message  # type: ignore[union-attr]
    assert got[-1].retryable  # type: ignore[union-attr]


def test_responses_incomplete_and_error_events() -> None:
    part = [("patch", "c", {"type": "create_file", "path": "b.py", "diff": "+b\n"})]
    error = sse(
        {
            "type": "error",
            "sequence_number": 9,
            "code": "rate_limit_exceeded",
            "message": "Slow down",
            "param": None,
        },
        "error",
    )
    replies = [
        Reply(events=responses_stream(part, end="response.incomplete")),
        Reply(events=[*responses_stream(part)[:-1], error]),
    ]
    with Loopback(replies) as server:
        incomplete = list(responses(server).stream(REQUEST))
        failed = list(responses(server).stream(REQUEST))
    assert incomplete[-2:] == [Usage(300, 90), Finished("max_tokens")]
    assert failed[-1] == StreamFailed(
        f"openai at {server.url}/v1: the server reported an error "
        "mid-stream: rate_limit_exceeded: Slow down",
        True,
    )


def test_responses_429_then_success(retry_waits: list[float]) -> None:
    parts = [("patch", "c", {"type": "create_file", "path": "b.py", "diff": "+b\n"})]
    replies = [
        Reply(429, {"retry-after": "0.05"}, {"error": {"message": "rate limited"}}),
        Reply(events=responses_stream(parts)),
    ]
    with Loopback(replies) as server:
        got = list(responses(server).stream(REQUEST))
    assert retry_waits == [0.05]
    assert server.requests[1].at - server.requests[0].at >= 0.05
    assert isinstance(got[-1], Finished)


def test_responses_follow_up_sends_apply_patch_outputs() -> None:
    parts = [("patch", "call_a", {"type": "update_file", "path": "a.py", "diff": UPDATE})]
    replies = [Reply(events=responses_stream(parts)), Reply(events=responses_stream([]))]
    with Loopback(replies) as server:
        provider = responses(server)
        finished = list(provider.stream(REQUEST))[-1]
        assert isinstance(finished, Finished) and finished.transcript is not None
        from app.edits.model import EditError

        outcome = ToolOutcome.failed("call_a", EditError("no match", for_model="No match found."))
        list(
            provider.stream(
                GenerationRequest("", follow_up=FollowUp(finished.transcript, (outcome,)))
            )
        )
    body = server.requests[1].body
    assert body["previous_response_id"] == "resp_1"
    assert body["input"] == [
        {
            "type": "apply_patch_call_output",
            "call_id": "call_a",
            "status": "failed",
            "output": "Error: No match found.",
        }
    ]
