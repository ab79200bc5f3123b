"""The real ``anthropic`` SDK against the loopback server: Messages streaming
with the text editor tool, each tool_use block an edit at its content_block_stop."""

from __future__ import annotations

import json
import logging
import time

import pytest
from loopback import Loopback, NetworkGuard, Reply, anthropic_stream, only_loopback, sse

from app.edits.apply import apply_edit
from app.edits.model import EditError
from app.providers.anthropic_provider import (
    TEXT_EDITOR_TOOL,
    UNANSWERED,
    AnthropicProvider,
    tool_results_for,
)
from app.providers.base import (
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
    ViewRequested,
)

SECRET = "sk-ant-test-5b2e-NEVER-SHOW"
STOCK = "def total(items):\n    return sum(items)\n\n\ndef count(items):\n    return len(items)\n"

REPLACE = {
    "command": "str_replace",
    "path": "inventory/stock.py",
    "old_str": "    return sum(items)\n",
    "new_str": "    return sum(item.count for item in items)\n",
}
CREATE = {"command": "create", "path": "inventory/NOTES.md", "file_text": "Counts are summed.\n"}
INSERT = {
    "command": "insert",
    "path": "inventory/stock.py",
    "insert_line": 0,
    "insert_text": '"""Stock."""\n',
}
BLOCKS = [
    ("text", ["I'll ", "fix the ", "total."]),
    ("tool", "toolu_01", REPLACE),
    ("text", ["And note it."]),
    ("tool", "toolu_02", CREATE),
    ("tool", "toolu_03", INSERT),
]

REQUEST = GenerationRequest(
    user_prompt="Count items properly",
    system_prompt="Be brief.",
    context_files={"inventory/stock.py": STOCK},
)


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    return NetworkGuard(monkeypatch)


def provider(server: Loopback, **options: object) -> AnthropicProvider:
    return AnthropicProvider(model="claude-test", base_url=server.url, **options)  # type: ignore[arg-type]


def not_text(events: list[Event]) -> list[Event]:
    return [e for e in events if not isinstance(e, TextDelta)]


def test_clean_session_yields_each_tool_use_at_its_block_stop(guard: NetworkGuard) -> None:
    stream = anthropic_stream(BLOCKS, input_tokens=900, output_tokens=150)
    with Loopback([Reply(events=stream), Reply(events=stream, delay=0.01)]) as server:
        p = provider(server)
        list(p.stream(REQUEST))  # warm up: the SDK builds its event types on first use
        got = [(time.monotonic(), e) for e in p.stream(REQUEST)]
    events = [e for _, e in got]
    edits = [e for e in events if isinstance(e, EditReady)]
    assert [(e.call_id, e.edit.kind, e.edit.path) for e in edits] == [
        ("toolu_01", "replace", "inventory/stock.py"),
        ("toolu_02", "create", "inventory/NOTES.md"),
        ("toolu_03", "insert", "inventory/stock.py"),
    ]
    assert [e.edit.index for e in edits] == [0, 1, 2]
    assert edits[0].edit.old == REPLACE["old_str"] and edits[2].edit.new == '"""Stock."""\n'
    # The first edit is out before the later blocks were sent; text follows it.
    first = events.index(edits[0])
    assert got[first][0] < server.requests[1].sent[-1]
    assert TextDelta("And note it.") in events[first:]
    # Usage in message_delta is cumulative: 150 output tokens in all, not 151.
    usages = [e for e in events if isinstance(e, Usage)]
    assert usages[0] == Usage(900, 1) and usages[-1] == Usage(900, 150)
    finished = events[-1]
    assert finished == Finished("tool_use")
    # What went over the wire.
    seen = server.requests[1]
    assert seen.path == "/v1/messages"
    assert SECRET in (
        seen.headers.get("x-api-key", ""),
        seen.headers.get("authorization", "").removeprefix("Bearer "),
    )
    assert "anthropic-version" in seen.headers
    body = seen.body
    assert body["tools"] == [
        {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}
    ]
    assert body["stream"] is True and body["model"] == "claude-test"
    assert body["system"].startswith("Be brief.") and "str_replace" in body["system"]
    assert body["messages"] == [{"role": "user", "content": body["messages"][0]["content"]}]
    assert body["messages"][0]["content"].endswith("Count items properly")
    only_loopback(guard)


def test_429_then_success_respects_retry_after(retry_waits: list[float]) -> None:
    error = {"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}
    replies = [Reply(429, {"retry-after": "0.05"}, error), Reply(events=anthropic_stream(BLOCKS))]
    with Loopback(replies) as server:
        events = list(provider(server).stream(REQUEST))
    first, second = server.requests
    assert retry_waits == [0.05]  # retry-after, not the SDK's 375 ms+ backoff
    assert second.at - first.at >= 0.05
    assert second.headers["x-stainless-retry-count"] == "1"
    assert len([e for e in events if isinstance(e, EditReady)]) == 3


def test_500_exhausts_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    error = {"type": "error", "error": {"type": "api_error", "message": "Internal error"}}
    with (
        Loopback([Reply(500, {"retry-after": "0.01"}, error)] * 3) as server,
        pytest.raises(ProviderError) as caught,
    ):
        list(provider(server).stream(REQUEST))
    assert len(server.requests) == 3
    message = str(caught.value)
    assert message == (
        f"anthropic at {server.url}: HTTP 500 Internal Server Error (tried 3 times): Internal error"
    )
    assert caught.value.status == 500 and caught.value.retryable
    assert SECRET not in caplog.text


def test_overloaded_mid_stream_keeps_complete_edits() -> None:
    stream = anthropic_stream(BLOCKS)
    cut = next(i for i, e in enumerate(stream) if b"toolu_02" in e)
    overloaded = sse(
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error"
    )
    with Loopback([Reply(events=[*stream[:cut], overloaded])]) as server:
        events = not_text(list(provider(server).stream(REQUEST)))
    assert [type(e) for e in events] == [Usage, EditReady, StreamFailed]
    failure = events[-1]
    assert isinstance(failure, StreamFailed) and failure.retryable
    assert failure.message == (
        f"anthropic at {server.url}: the server reported an error "
        "mid-stream: overloaded_error: Overloaded"
    )


def test_connection_dropped_inside_a_tool_call() -> None:
    stream = anthropic_stream(BLOCKS)
    start = next(i for i, e in enumerate(stream) if b"toolu_02" in e)
    with Loopback([Reply(events=stream, drop_after=start + 2)]) as server:
        events = not_text(list(provider(server).stream(REQUEST)))
    assert [type(e) for e in events] == [Usage, EditReady, StreamFailed]
    assert isinstance(events[1], EditReady) and events[1].call_id == "toolu_01"
    failure = events[-1]
    assert isinstance(failure, StreamFailed) and failure.retryable
    assert "connection was lost mid-stream" in failure.message


def test_invalid_json_in_the_stream() -> None:
    stream = anthropic_stream(BLOCKS)
    cut = next(i for i, e in enumerate(stream) if b"toolu_02" in e)
    stream.insert(cut, b'event: content_block_delta\ndata: {"type": "content_block_delta",\n\n')
    with Loopback([Reply(events=stream)]) as server:
        events = not_text(list(provider(server).stream(REQUEST)))
    assert [type(e) for e in events] == [Usage, EditReady, StreamFailed]
    assert "invalid JSON" in events[-1].message  # type: ignore[union-attr]


def test_malformed_tool_calls_are_edit_failed_and_view_is_a_request() -> None:
    blocks = [
        ("tool", "toolu_bad_json", ['{"command": "str_replace", "path": ']),
        ("tool", "toolu_no_old", {"command": "str_replace", "path": "a.py", "new_str": "x"}),
        ("tool", "toolu_unknown", {"command": "undo_edit", "path": "a.py"}),
        ("tool", "toolu_view", {"command": "view", "path": "a.py", "view_range": [1, 5]}),
        ("tool", "toolu_ok", CREATE),
    ]
    with Loopback([Reply(events=anthropic_stream(blocks))]) as server:
        events = not_text(list(provider(server).stream(REQUEST)))
    kinds = [(type(e).__name__, getattr(e, "call_id", None)) for e in events[1:-2]]
    assert kinds == [
        ("EditFailed", "toolu_bad_json"),
        ("EditFailed", "toolu_no_old"),
        ("EditFailed", "toolu_unknown"),
        ("ViewRequested", "toolu_view"),
        ("EditReady", "toolu_ok"),
    ]
    assert events[4] == ViewRequested("toolu_view", "a.py", (1, 5))
    bad_json, no_old, unknown = (e for e in events[1:4] if isinstance(e, EditFailed))
    assert "not valid JSON" in str(bad_json.error)
    assert "old_str" in no_old.error.for_model
    assert "undo_edit" in unknown.error.for_model


def test_tool_results_carry_the_documented_errors() -> None:
    one = EditReady(apply_edit_input(REPLACE), "toolu_01")
    zero = EditReady(apply_edit_input({**REPLACE, "old_str": "missing\n"}), "toolu_02")
    many = EditReady(apply_edit_input({**REPLACE, "old_str": "    return "}), "toolu_03")
    outcomes = []
    for event in (one, zero, many):
        try:
            apply_edit(STOCK, event.edit)
            outcomes.append(ToolOutcome.applied(event.call_id or "", event.edit))
        except EditError as error:
            outcomes.append(ToolOutcome.failed(event.call_id or "", error))
    outcomes.append(ToolOutcome.rejected("toolu_04", "keep the old name"))
    assert tool_results_for(outcomes) == [
        {
            "type": "tool_result",
            "tool_use_id": "toolu_01",
            "content": "Successfully replaced text at exactly one location.",
        },
        {
            "type": "tool_result",
            "tool_use_id": "toolu_02",
            "is_error": True,
            "content": "Error: No match found for replacement. Please check your text and try "
            "again.",
        },
        {
            "type": "tool_result",
            "tool_use_id": "toolu_03",
            "is_error": True,
            "content": "Error: Found 2 matches for replacement text. Please provide more context "
            "to make a unique match.",
        },
        {
            "type": "tool_result",
            "tool_use_id": "toolu_04",
            "is_error": True,
            "content": "The user rejected this edit; it was not applied. Reason: keep the old name",
        },
    ]


def apply_edit_input(tool_input: dict[str, object]):  # type: ignore[no-untyped-def]
    from app.edits.str_replace import edit_from_tool_input

    edit = edit_from_tool_input(tool_input, 0)
    assert edit is not None
    return edit


def test_follow_up_turn_sends_tool_results_first() -> None:
    replies = [
        Reply(events=anthropic_stream(BLOCKS)),
        Reply(events=anthropic_stream([("text", ["Fixed."])], stop_reason="end_turn")),
    ]
    with Loopback(replies) as server:
        p = provider(server)
        finished = list(p.stream(REQUEST))[-1]
        assert isinstance(finished, Finished) and finished.transcript is not None
        error = EditError(
            "x", for_model="No match found for replacement. Please check your text and try again."
        )
        outcomes = (ToolOutcome.applied("toolu_01"), ToolOutcome.failed("toolu_02", error))
        follow = GenerationRequest(
            "Now fix the note", follow_up=FollowUp(finished.transcript, outcomes)
        )
        last = list(p.stream(follow))[-1]
    assert last == Finished("end_turn")
    messages = server.requests[1].body["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assistant = messages[1]["content"]
    assert [b["type"] for b in assistant] == ["text", "tool_use", "text", "tool_use", "tool_use"]
    assert assistant[1] == {
        "type": "tool_use",
        "id": "toolu_01",
        "name": TEXT_EDITOR_TOOL["name"],
        "input": REPLACE,
    }
    reply = messages[2]["content"]
    assert [b.get("tool_use_id") for b in reply] == ["toolu_01", "toolu_02", "toolu_03", None]
    assert reply[1]["is_error"] is True and reply[1]["content"].startswith("Error: No match")
    assert reply[2] == {
        "type": "tool_result",
        "tool_use_id": "toolu_03",
        "content": UNANSWERED,
        "is_error": True,
    }
    assert reply[3] == {"type": "text", "text": "Now fix the note"}


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    with pytest.raises(ProviderError) as caught:
        AnthropicProvider(model="claude-test", base_url="http://127.0.0.1:9")
    assert "set the environment variable ANTHROPIC_API_KEY" in str(caught.value)


def test_key_never_in_repr_or_events() -> None:
    with Loopback([Reply(events=anthropic_stream(BLOCKS))]) as server:
        p = provider(server)
        events = list(p.stream(REQUEST))
    assert SECRET not in repr(p)
    dumped = json.dumps([repr(e) for e in events])
    assert SECRET not in dumped
