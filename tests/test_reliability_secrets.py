"""Secrets: planted fake API keys and a planted .env never leave where they are.

Planted: ``OPENAI_API_KEY=sk-test-…`` and ``ANTHROPIC_API_KEY=sk-ant-test-…``
in the environment, and a tracked ``.env`` (plus ``.env.local``, a symlink to
``.env`` and an ignored file) holding another key. Checked:

- what each provider sends (the loopback server records every request) at
  autonomy levels 1–4, context built by ``build_context`` as the loop builds
  it, also when the model asks for ``.env`` at level 4: no planted secret in any
  body, and the environment's keys only in the auth header of the provider
  they belong to (a local OpenAI-compatible server gets none);
- the journal and the blob store after decisions on ``.env`` in a
  working-tree review;
- logs (every logger at DEBUG, the SDKs' included) and crash output (the
  messages of provider errors and stream failures, the providers' repr).
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import zlib
from collections.abc import Iterator
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

from app.core.context import build_context
from app.core.locations import state_dir_for
from app.providers.anthropic_provider import AnthropicProvider
from app.providers.base import Event, GenerationRequest, ProviderError, StreamFailed
from app.providers.openai_compat import OpenAICompatProvider
from app.providers.openai_responses import OpenAIResponsesProvider
from app.providers.sdk import SDKProvider
from app.review.commands import Decide, Redo, Undo
from app.review.sources import open_review, open_source

OPENAI_KEY = "sk-test-planted-openai-7f3a9c1e5b2d4f60"
ANTHROPIC_KEY = "sk-ant-test-planted-anthropic-0e1d2c3b4a59"
DOTENV_KEY = "sk-test-planted-dotenv-a1b2c3d4e5f60718"
LOCAL_KEY = "sk-test-planted-local-99887766554433"
ENV_LINE = f"OPENAI_API_KEY={DOTENV_KEY}\nDATABASE_PASSWORD=hunter2-planted\n"
SECRETS = (OPENAI_KEY, ANTHROPIC_KEY, DOTENV_KEY, LOCAL_KEY, "hunter2-planted")
GIT = ("git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false")
APP = "".join(
    [
        "import os\n",
        "from settings import load\n",
        "\n",
        "\n",
        "def main():\n",
        "    key = os.environ['OPENAI_API_KEY']  # read at run time, never hard-coded\n",
        "    return load(key)\n",
        "\n",
        "\n",
        "def helper(x):\n",
        "    return x + 1\n",
    ]
)


def git(repo: Path, *args: str) -> bytes:
    return subprocess.run(
        [*GIT, *args], cwd=repo, capture_output=True, check=True, timeout=30
    ).stdout


@pytest.fixture
def guard(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> NetworkGuard:
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    return NetworkGuard(monkeypatch)


@pytest.fixture
def repo(tmp_path: Path, guard: NetworkGuard) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "app.py").write_text(APP)
    (root / "settings.py").write_text("def load(key):\n    return {'key': key}\n")
    (root / ".env").write_text(ENV_LINE)  # tracked: the worst case
    (root / ".env.local").write_text(f"ANTHROPIC_API_KEY={DOTENV_KEY}\n")
    (root / "config.txt").symlink_to(".env")
    (root / ".gitignore").write_text("local.cfg\n")
    (root / "local.cfg").write_text(f"token = {LOCAL_KEY}\n")
    git(
        root, "add", "-f", "app.py", "settings.py", ".env", ".env.local", "config.txt", ".gitignore"
    )
    git(root, "commit", "-qm", "base")
    return root


def _assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into {where}"


# -- what is sent to a model -------------------------------------------------------------------

REPLIES = {
    "openai-compatible": lambda: Reply(events=chat_stream(["No change needed."])),
    "openai": lambda: Reply(events=responses_stream([("text", ["No change needed."])])),
    "anthropic": lambda: Reply(
        events=anthropic_stream([("text", ["No change needed."])], stop_reason="end_turn")
    ),
}


def _provider(kind: str, url: str) -> SDKProvider:
    if kind == "anthropic":
        return AnthropicProvider(model="claude-test", base_url=url)
    if kind == "openai":
        return OpenAIResponsesProvider(model="gpt-test", base_url=url + "/v1")
    return OpenAICompatProvider(model="local", base_url=url + "/v1")


def _context(repo: Path, level: int) -> str:
    if level == 4:  # the model asked for the secrets by name, and for app.py
        packet = build_context(
            repo, 4, extra_files=[".env", ".env.local", "config.txt", "local.cfg", "app.py"]
        )
        excluded = {path for path, _ in packet.excluded}
        assert {".env", ".env.local", "config.txt", "local.cfg"} <= excluded
    else:
        packet = build_context(repo, level, path="app.py", cursor_line=6, selection=(5, 7))
    text = packet.render()
    assert text, f"level {level} sent nothing at all"
    _assert_clean("\n".join(packet.summary()), f"the context summary at level {level}")
    return text


@pytest.mark.parametrize("kind", sorted(REPLIES))
def test_nothing_secret_is_sent_at_any_level(
    kind: str, repo: Path, guard: NetworkGuard, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with Loopback([REPLIES[kind]() for _ in range(4)]) as server:
        provider = _provider(kind, server.url)
        for level in (1, 2, 3, 4):
            request = GenerationRequest(
                user_prompt="Tidy this up",
                system_prompt="Be careful.",
                context=_context(repo, level),
            )
            list(provider.stream(request))
    only_loopback(guard)
    assert len(server.requests) == 4
    own_key = {"anthropic": ANTHROPIC_KEY, "openai": OPENAI_KEY}.get(kind)
    for level, seen in enumerate(server.requests, 1):
        body = json.dumps(seen.body)
        _assert_clean(body, f"the {kind} request body at level {level}")
        assert "app.py" in body  # the context did go out
        headers = {k: v for k, v in seen.headers.items() if k not in ("authorization", "x-api-key")}
        _assert_clean(json.dumps(headers), f"the {kind} request headers")
        auth = seen.headers.get("authorization", "") + seen.headers.get("x-api-key", "")
        for secret in SECRETS:
            if secret != own_key:
                assert secret not in auth, f"{secret!r} sent to {kind} as a credential"
    _assert_clean(caplog.text, f"the logs of the {kind} provider")


# -- the journal and the blob store ------------------------------------------------------------


def _state_bytes(repo: Path) -> Iterator[tuple[str, bytes]]:
    """Every file of Tether's state; blobs decompressed."""
    for path in sorted(state_dir_for(repo).rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if "blobs" in path.parts:
                with contextlib.suppress(zlib.error):
                    data = zlib.decompress(data)
            yield str(path.relative_to(state_dir_for(repo))), data


def _decide_on_dotenv(repo: Path) -> None:
    """A working-tree review of a changed .env: accept one hunk, reject the
    other, undo and redo, as a user reviewing an agent's edits would."""
    (repo / ".env").write_text(
        ENV_LINE.replace("hunter2-planted", "hunter2-planted-v2")
        + f"NEW_KEY={DOTENV_KEY}-rotated\n"
    )
    session = open_review(open_source(None, repo), context=0)
    fr = session.load(session.file(".env"))
    assert fr.patch is not None and fr.patch.hunks
    first = fr.hunks[0]
    session.execute(
        Decide("accept", fr.path, (first.id,), (first.line_id(first.change_indices()[0]),))
    )
    assert fr.patch is not None and fr.patch.hunks
    decide_all(session, "reject", fr)
    session.execute(Undo())
    session.execute(Redo())


def test_journal_never_holds_dotenv_content(repo: Path) -> None:
    _decide_on_dotenv(repo)
    journal = (state_dir_for(repo) / "journal.jsonl").read_text()
    assert '"path":".env"' in journal  # the decisions are journaled, by path
    _assert_clean(journal, "the journal")


def test_blob_store_never_holds_dotenv_content(repo: Path) -> None:
    _decide_on_dotenv(repo)
    for name, data in _state_bytes(repo):
        _assert_clean(data.decode("utf-8", "replace"), f"the state file {name}")


# -- logs and crash output ---------------------------------------------------------------------


OWN_KEY = {"anthropic": ANTHROPIC_KEY, "openai": OPENAI_KEY, "openai-compatible": LOCAL_KEY}


def _failures(kind: str) -> list[tuple[str, Reply]]:
    """Faults whose server text echoes the key it was sent, as some proxies do."""
    echo = f"bad key {OWN_KEY[kind]} (Bearer {OWN_KEY[kind]})"
    if kind == "anthropic":
        broken = anthropic_stream([("text", ["hi"])])[:3] + [
            sse({"type": "error", "error": {"type": "api_error", "message": echo}}, "error")
        ]
    elif kind == "openai":
        broken = responses_stream([("text", ["hi"])])[:3] + [
            sse(
                {
                    "type": "error",
                    "code": "server_error",
                    "message": echo,
                    "param": None,
                    "sequence_number": 9,
                },
                "error",
            )
        ]
    else:
        broken = chat_stream(["hi"])[:2] + [
            sse({"error": {"message": echo, "type": "server_error"}})
        ]
    body = {"error": {"message": echo, "type": "invalid_request_error"}}
    return [
        ("401", Reply(401, {}, body)),
        ("500", Reply(500, {"retry-after": "0"}, body)),
        ("mid-stream", Reply(events=broken)),
        ("bad-json", Reply(events=[*chat_stream(["x"])[:1], sse("{" + echo)])),
    ]


@pytest.mark.parametrize("kind", sorted(REPLIES))
def test_provider_errors_and_logs_never_show_a_key(
    kind: str,
    guard: NetworkGuard,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("TETHER_LOCAL_KEY", LOCAL_KEY)
    messages: list[str] = []
    for name, reply in _failures(kind):
        with Loopback([reply, reply, reply]) as server:
            if kind == "openai-compatible":  # a local server configured with a key
                provider: SDKProvider = OpenAICompatProvider(
                    model="m",
                    base_url=server.url + "/v1",
                    api_key_env="TETHER_LOCAL_KEY",
                    max_retries=0,
                )
            else:
                provider = _provider(kind, server.url)
                provider.max_retries = 0
            messages.append(repr(provider))
            events: list[Event] = []
            try:
                events = list(provider.stream(GenerationRequest(user_prompt="hi")))
            except ProviderError as exc:
                messages += [str(exc), exc.detail, exc.title]
            failed = [e for e in events if isinstance(e, StreamFailed)]
            messages += [e.message for e in failed]
            assert messages, f"{kind} {name}: no error reported"
            assert failed or name in ("401", "500"), f"{kind} {name}: {events}"
    only_loopback(guard)
    for message in messages:
        _assert_clean(message, f"a {kind} error message")
    _assert_clean(caplog.text, f"the logs of the {kind} provider")


def test_journal_redacts_keys_in_what_it_is_told(tmp_path: Path) -> None:
    """Free-text fields (an error, a reason) that quote a key are redacted."""
    from app.core.journal import Journal

    journal = Journal(tmp_path / "journal.jsonl")
    entry: dict[str, Any] = {
        "op": "reject",
        "source": "s",
        "path": "a.py",
        "side": "memory",
        "hunk": "@@ -1 +1 @@",
        "hunk_id": "x",
        "before": None,
        "after": None,
        "reason": f"the model leaked {OPENAI_KEY}",
        "note": [f"and {ANTHROPIC_KEY}"],
    }
    journal.append(entry)
    _assert_clean((tmp_path / "journal.jsonl").read_text(), "the journal")
