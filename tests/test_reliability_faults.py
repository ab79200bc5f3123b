"""Provider faults against the loopback server: what is kept, what is said, and
whether the UI stays responsive.

Each fault is played by the real SDK of each of the three wire formats (Chat
Completions with SEARCH/REPLACE, the Responses API with apply_patch, Anthropic
Messages with the text editor tool) into a ``Generation`` on a proposal review,
as the loop runs it. The model proposes two edits, to ``f.py`` then ``g.py``;
mid-stream faults strike after the first is complete:

- read timeout (the server goes silent), a dropped connection (a truncated
  stream), invalid JSON mid-stream: the first edit's hunk is kept and
  reviewable, the second is not applied, and the message names the server and
  says what happened;
- 429 with ``retry-after``: retried after the time the server asked for, both
  edits arrive;
- 5xx on every try: a ProviderError saying the status and how often it was
  tried; nothing is proposed.

The last test drives ``LoopApp`` with Textual's Pilot while the model's stream
stalls: key presses are handled at once while the generation runs, and when
the read timeout ends it, the status line says so and the complete hunk stays.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import decide_all
from loopback import (
    Loopback,
    NetworkGuard,
    Reply,
    anthropic_stream,
    chat_stream,
    only_loopback,
    responses_stream,
    sse,
)

from app.core.autonomy import Level, Scope
from app.core.backends import ProposalBackend
from app.core.blobs import BlobStore
from app.core.journal import Journal
from app.loop.generation import Generation
from app.providers.anthropic_provider import AnthropicProvider
from app.providers.base import GenerationRequest, ProviderError
from app.providers.openai_compat import OpenAICompatProvider
from app.providers.openai_responses import OpenAIResponsesProvider
from app.providers.sdk import SDKProvider
from app.review.service import ReviewService
from app.review.session import ReviewSession

KEY = "sk-test-faults-1234567890abcdef"
F_OLD, F_NEW = "def f():\n    return 1\n", "def f():\n    return 2\n"
G_OLD, G_NEW = "def g():\n    return 1\n", "def g():\n    return 3\n"
READ_TIMEOUT = 0.5
GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false")


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> NetworkGuard:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("TETHER_FAULTS_KEY", KEY)
    return NetworkGuard(monkeypatch)


@pytest.fixture
def repo(tmp_path: Path, guard: NetworkGuard) -> Path:
    import subprocess

    root = tmp_path / "repo"
    root.mkdir()
    (root / "f.py").write_text(F_OLD)
    (root / "g.py").write_text(G_OLD)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-qm", "base")):
        subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True, timeout=30)
    return root


def _session(repo: Path, tmp_path: Path) -> ReviewService:
    state = tmp_path / "state"
    return ReviewService(
        ReviewSession(
            ProposalBackend(repo),
            journal=Journal(state / "journal.jsonl"),
            blobs=BlobStore(state / "blobs"),
            source="proposal:faults",
        )
    )


# -- each wire format: a stream of two edits, and where the first one is complete -------------


def _sr(path: str, old: str, new: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE\n\n"


def _pieces(text: str, size: int = 16) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _chat() -> tuple[list[bytes], int]:
    events = chat_stream(
        _pieces("Two changes.\n\n" + _sr("f.py", F_OLD, F_NEW) + _sr("g.py", G_OLD, G_NEW))
    )
    # The first block ends with the piece holding its REPLACE line; cut after it.
    text = ""
    for index, event in enumerate(events):
        data = (
            json.loads(event.decode().removeprefix("data: ").strip() or "{}")
            if event.startswith(b"data: {")
            else {}
        )
        for choice in data.get("choices", []):
            text += choice.get("delta", {}).get("content") or ""
        if ">>>>>>> REPLACE\n" in text:
            return events, index + 1
    raise AssertionError("no complete block")


def _v4a(path: str, old: str, new: str) -> str:
    minus = "".join(f"-{line}\n" for line in old.splitlines())
    plus = "".join(f"+{line}\n" for line in new.splitlines())
    return f"@@\n{minus}{plus}"


def _responses() -> tuple[list[bytes], int]:
    events = responses_stream(
        [
            ("text", ["Two changes."]),
            (
                "patch",
                "call_f",
                {"type": "update_file", "path": "f.py", "diff": _v4a("f.py", F_OLD, F_NEW)},
            ),
            (
                "patch",
                "call_g",
                {"type": "update_file", "path": "g.py", "diff": _v4a("g.py", G_OLD, G_NEW)},
            ),
        ]
    )
    done = [i for i, e in enumerate(events) if b"response.output_item.done" in e]
    return events, done[1] + 1


def _anthropic() -> tuple[list[bytes], int]:
    events = anthropic_stream(
        [
            ("text", ["Two changes."]),
            (
                "tool",
                "toolu_f",
                {"command": "str_replace", "path": "f.py", "old_str": F_OLD, "new_str": F_NEW},
            ),
            (
                "tool",
                "toolu_g",
                {"command": "str_replace", "path": "g.py", "old_str": G_OLD, "new_str": G_NEW},
            ),
        ]
    )
    stops = [i for i, e in enumerate(events) if b"content_block_stop" in e]
    return events, stops[1] + 1


WIRES: dict[str, Callable[[], tuple[list[bytes], int]]] = {
    "chat": _chat,
    "responses": _responses,
    "anthropic": _anthropic,
}


def _provider(wire: str, url: str, **options: Any) -> SDKProvider:
    options = {"read_timeout": READ_TIMEOUT, **options}
    if wire == "anthropic":
        return AnthropicProvider(model="claude-test", base_url=url, **options)
    if wire == "responses":
        return OpenAIResponsesProvider(model="gpt-test", base_url=url + "/v1", **options)
    return OpenAICompatProvider(
        model="local", base_url=url + "/v1", api_key_env="TETHER_FAULTS_KEY", **options
    )


def _run(
    wire: str, replies: list[Reply], repo: Path, tmp_path: Path, **options: Any
) -> tuple[Generation, ProviderError | None, Loopback, float]:
    session = _session(repo, tmp_path)
    request = GenerationRequest(user_prompt="change both", system_prompt="Be brief.")
    generation = Generation(session, Scope(level=Level.REPO), request)
    error = None
    started = time.monotonic()
    with Loopback(replies) as server:
        provider = _provider(wire, server.url, **options)
        try:
            for event in provider.stream(request):
                generation.handle(event)
        except ProviderError as exc:
            error = exc
    return generation, error, server, time.monotonic() - started


def _proposed(generation: Generation) -> dict[str, str | None]:
    return {fr.path: fr.proposed for fr in generation.service.files}


# A named event (Anthropic's SDK skips unnamed ones) whose data is cut inside the JSON.
BROKEN_JSON = b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": tru\n\n'

# name -> (how to break the stream, what the message must say)
MID_STREAM: dict[str, tuple[Callable[[list[bytes], int], Reply], str]] = {
    "read-timeout": (
        lambda events, cut: Reply(events=events, drop_after=cut, stall=3.0),
        f"the stream stalled: no data for {READ_TIMEOUT:g} s",
    ),
    "truncated": (
        lambda events, cut: Reply(events=events, drop_after=cut),
        "the connection was lost mid-stream",
    ),
    "invalid-json": (
        lambda events, cut: Reply(events=[*events[:cut], BROKEN_JSON, *events[cut:]]),
        "invalid JSON mid-stream",
    ),
}


@pytest.mark.parametrize("fault", sorted(MID_STREAM))
@pytest.mark.parametrize("wire", sorted(WIRES))
def test_mid_stream_fault_keeps_complete_hunks_and_says_what_happened(
    wire: str, fault: str, repo: Path, tmp_path: Path, guard: NetworkGuard
) -> None:
    events, cut = WIRES[wire]()
    make, said = MID_STREAM[fault]
    generation, error, server, elapsed = _run(wire, [make(events, cut)], repo, tmp_path)
    only_loopback(guard)
    assert error is None
    assert generation.failed is not None, "the fault was not reported"
    assert said in generation.failed and server.url in generation.failed, generation.failed
    assert KEY not in generation.failed
    # The complete edit is a reviewable hunk; the unfinished one was not applied.
    assert _proposed(generation) == {"f.py": F_NEW}
    fr = generation.service.file("f.py")
    assert fr.patch is not None and len(fr.patch.hunks) == 1
    decide_all(generation.service, "accept", fr)
    assert (repo / "f.py").read_text() == F_NEW and (repo / "g.py").read_text() == G_OLD
    # For the read timeout, the message above says it fired (not the server's 3 s
    # silence ending): g.py, sent after the silence, never arrived.


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_429_with_retry_after_is_retried_when_the_server_says(
    wire: str, repo: Path, tmp_path: Path, guard: NetworkGuard, retry_waits: list[float]
) -> None:
    events, _cut = WIRES[wire]()
    busy = {"error": {"message": "rate limited, slow down", "type": "rate_limit_error"}}
    replies = [Reply(429, {"retry-after": "0.3"}, busy), Reply(events=events)]
    generation, error, server, _elapsed = _run(wire, replies, repo, tmp_path)
    assert error is None and generation.failed is None
    first, second = server.requests
    # retry-after (0.3 s) was honoured: the SDK chose to wait exactly that (its own
    # backoff would be 0.5 s less jitter), and the retry did not come sooner.
    assert retry_waits == [0.3]
    assert second.at - first.at >= 0.3
    assert _proposed(generation) == {"f.py": F_NEW, "g.py": G_NEW}


@pytest.mark.parametrize("status", [500, 503])
@pytest.mark.parametrize("wire", sorted(WIRES))
def test_5xx_on_every_try_is_a_clear_error_and_nothing_is_proposed(
    wire: str, status: int, repo: Path, tmp_path: Path, guard: NetworkGuard
) -> None:
    body = {"error": {"message": "upstream is down", "type": "server_error"}}
    replies = [Reply(status, {"retry-after": "0.01"}, body) for _ in range(3)]
    generation, error, server, _elapsed = _run(wire, replies, repo, tmp_path)
    assert error is not None
    message = str(error)
    assert f"HTTP {status}" in message and "tried 3 times" in message, message
    assert "upstream is down" in message and server.url in message
    assert error.retryable and KEY not in message
    assert len(server.requests) == 3
    assert generation.service.files == []


@pytest.mark.parametrize("wire", sorted(WIRES))
def test_error_event_mid_stream_keeps_complete_hunks(
    wire: str, repo: Path, tmp_path: Path, guard: NetworkGuard
) -> None:
    """A 5xx-like error reported inside the stream (overloaded, server_error)."""
    events, cut = WIRES[wire]()
    if wire == "anthropic":
        error = sse(
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "error",
        )
    elif wire == "responses":
        error = sse(
            {
                "type": "error",
                "code": "server_error",
                "message": "Overloaded",
                "param": None,
                "sequence_number": 99,
            },
            "error",
        )
    else:
        error = sse({"error": {"message": "Overloaded", "type": "server_error"}})
    generation, exc, _server, _elapsed = _run(
        wire, [Reply(events=[*events[:cut], error])], repo, tmp_path
    )
    assert exc is None and generation.failed is not None
    assert "Overloaded" in generation.failed and "mid-stream" in generation.failed
    assert _proposed(generation) == {"f.py": F_NEW}


# -- the UI stays responsive -----------------------------------------------------------------


async def test_keys_are_handled_while_the_stream_stalls(
    repo: Path, tmp_path: Path, guard: NetworkGuard
) -> None:
    from textual.widgets import Input

    from app.tui.loop_app import LoopApp
    from widgets.autonomy_slider import AutonomySlider

    events, cut = _chat()
    session = _session(repo, tmp_path)
    with Loopback([Reply(events=events, drop_after=cut, stall=5.0)]) as server:
        provider = _provider("chat", server.url, read_timeout=2.0)
        app = LoopApp(
            session,
            provider=provider,
            provider_label="loopback",
            start_file="f.py",
            level=int(Level.REPO),
        )
        async with app.run_test(size=(140, 40)) as pilot:

            async def until(condition: Callable[[], object], what: str) -> None:
                # Waits for an event; the deadline only stops a hung test.
                deadline = time.monotonic() + 60
                while not condition():
                    assert time.monotonic() < deadline, f"timed out: {what}"
                    await pilot.pause(0.01)

            await pilot.press("i", *"go", "enter")
            await until(lambda: session.pending == 1, "the first hunk")
            assert app.loop.generating  # the stream is stalled, the generation still waits
            slider = app.query_one(AutonomySlider)
            for key, check in (
                ("minus", lambda: slider.level == 3),
                ("c", lambda: app.query_one("#context").display),
                ("plus", lambda: slider.level == 4),
            ):
                await pilot.press(key)
                await until(check, f"key {key}")
                # Handled while the model still generates: nothing waits for the stream.
                assert app.loop.generating, f"{key} was handled only after the stream ended"
            await until(lambda: not app.loop.generating, "the read timeout")
            await pilot.pause(0.1)
            assert "the stream failed" in app.status.message
            assert (
                "stalled" in app.status.message and "complete hunks are kept" in app.status.message
            )
            assert session.pending == 1 and session.file("f.py").proposed == F_NEW
            assert not app.query_one("#prompt", Input).has_focus
            await pilot.press("y")
            await pilot.pause(0.1)
    assert (repo / "f.py").read_text() == F_NEW
