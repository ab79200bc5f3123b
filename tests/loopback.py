"""A small threaded HTTP server on 127.0.0.1 that replays scripted responses,
the SSE builders for each protocol, and a guard that keeps tests off the network.

Each request takes the next :class:`Reply`: a status with headers and a JSON
body, or an SSE stream sent with chunked transfer encoding (one flush per
event, optionally paced), which can be cut off mid-stream (``drop_after``:
the connection closes without the final empty chunk, as a real drop does).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

LOOPBACK = "127.0.0.1"


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON (or bytes) sent whole
    events: list[bytes] | None = None  # an SSE stream, one chunk per event
    delay: float = 0.0  # seconds between two events
    drop_after: int | None = None  # close the connection after this many events
    stall: float = 0.0  # wait this long before the events after ``drop_after``


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float
    sent: list[float] = field(default_factory=list)  # when each event went out


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        seen = Seen(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            time.monotonic(),
        )
        loop = self.server.loopback
        with loop.lock:
            loop.requests.append(seen)
            reply = (
                loop.replies.pop(0)
                if loop.replies
                else Reply(
                    599, {"x-should-retry": "false"}, {"error": {"message": "no scripted reply"}}
                )
            )
        self.close_connection = True
        if reply.events is None:
            self._whole(reply)
        else:
            self._stream(reply, seen)

    do_GET = do_POST

    def _whole(self, reply: Reply) -> None:
        data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("content-type", "application/json")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply, seen: Seen) -> None:
        self.send_response(reply.status)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.send_header("transfer-encoding", "chunked")
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.flush()
        try:
            for number, event in enumerate(reply.events or []):
                if reply.drop_after is not None and number == reply.drop_after:
                    time.sleep(reply.stall)
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if number and reply.delay:
                    time.sleep(reply.delay)
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
                seen.sent.append(time.monotonic())
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:  # the client went away (a cancel or a timeout)
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    loopback: Loopback


class Loopback:
    """``with Loopback([Reply(...), ...]) as server:`` then use ``server.url``."""

    def __init__(self, replies: Iterable[Reply] = ()) -> None:
        self.replies = list(replies)
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self._server = _Server((LOOPBACK, 0), _Handler)
        self._server.loopback = self
        self.port = self._server.server_address[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    def __enter__(self) -> Loopback:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


# -- SSE in each protocol -------------------------------------------------------------


def sse(data: Any, event: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {text}\n\n".encode()


def chat_stream(
    pieces: Iterable[str], *, finish_reason: str = "stop", usage: tuple[int, int] = (120, 48)
) -> list[bytes]:
    """OpenAI Chat Completions chunks, a usage chunk, then ``[DONE]``."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
        return sse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": [
                    {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
                ],
            }
        )

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": piece}) for piece in pieces]
    out.append(chunk({}, finish_reason))
    out.append(
        sse(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": "m",
                "choices": [],
                "usage": {
                    "prompt_tokens": usage[0],
                    "completion_tokens": usage[1],
                    "total_tokens": sum(usage),
                },
            }
        )
    )
    out.append(sse("[DONE]"))
    return out


def responses_stream(
    parts: Iterable[tuple[Any, ...]],
    *,
    usage: tuple[int, int] = (300, 90),
    end: str = "response.completed",
) -> list[bytes]:
    """Responses API events. Parts: ``("text", [pieces])`` or
    ``("patch", call_id, {"type": "update_file", "path", "diff"})``."""
    seq = iter(range(10_000))
    out: list[bytes] = []

    def emit(kind: str, **data: Any) -> None:
        out.append(sse({"type": kind, "sequence_number": next(seq), **data}, kind))

    response = {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "model": "m",
        "status": "in_progress",
        "output": [],
        "usage": None,
    }
    emit("response.created", response=response)
    emit("response.in_progress", response=response)
    output = []
    for index, part in enumerate(parts):
        if part[0] == "text":
            item = {
                "type": "message",
                "id": f"msg_{index}",
                "role": "assistant",
                "status": "in_progress",
                "content": [],
            }
            emit("response.output_item.added", output_index=index, item=item)
            for piece in part[1]:
                emit(
                    "response.output_text.delta",
                    item_id=item["id"],
                    output_index=index,
                    content_index=0,
                    delta=piece,
                    logprobs=[],
                )
            text = "".join(part[1])
            done = {
                **item,
                "status": "completed",
                "content": [
                    {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
                ],
            }
            emit(
                "response.output_text.done",
                item_id=item["id"],
                output_index=index,
                content_index=0,
                text=text,
                logprobs=[],
            )
        else:
            _, call_id, operation = part
            item = {
                "type": "apply_patch_call",
                "id": f"apc_{index}",
                "call_id": call_id,
                "status": "in_progress",
                "operation": {**operation, "diff": ""},
            }
            emit("response.output_item.added", output_index=index, item=item)
            diff = operation.get("diff", "")
            for start in range(0, len(diff), 40):  # not in the SDK's types: must be ignored
                emit(
                    "response.apply_patch_call_operation_diff.delta",
                    item_id=item["id"],
                    output_index=index,
                    delta=diff[start : start + 40],
                )
            done = {**item, "status": "completed", "operation": operation}
        emit("response.output_item.done", output_index=index, item=done)
        output.append(done)
    final = {
        **response,
        "status": "completed" if end == "response.completed" else "incomplete",
        "output": output,
        "usage": {
            "input_tokens": usage[0],
            "output_tokens": usage[1],
            "total_tokens": sum(usage),
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        },
    }
    if end == "response.incomplete":
        final["incomplete_details"] = {"reason": "max_output_tokens"}
    emit(end, response=final)
    return out


def anthropic_stream(
    blocks: Iterable[tuple[Any, ...]],
    *,
    stop_reason: str = "tool_use",
    input_tokens: int = 900,
    output_tokens: int = 150,
) -> list[bytes]:
    """Anthropic Messages events. Blocks: ``("text", [pieces])`` or
    ``("tool", tool_use_id, input_dict_or_json_pieces)``."""
    out: list[bytes] = []

    def emit(kind: str, **data: Any) -> None:
        out.append(sse({"type": kind, **data}, kind))

    emit(
        "message_start",
        message={
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": "claude-test",
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": 1},
        },
    )
    emit("ping")
    for index, block in enumerate(blocks):
        if block[0] == "text":
            emit("content_block_start", index=index, content_block={"type": "text", "text": ""})
            for piece in block[1]:
                emit(
                    "content_block_delta", index=index, delta={"type": "text_delta", "text": piece}
                )
        else:
            _, tool_id, tool_input = block
            emit(
                "content_block_start",
                index=index,
                content_block={
                    "type": "tool_use",
                    "id": tool_id,
                    "name": "str_replace_based_edit_tool",
                    "input": {},
                },
            )
            raw = json.dumps(tool_input) if isinstance(tool_input, dict) else None
            pieces = [raw[i : i + 25] for i in range(0, len(raw), 25)] if raw else tool_input
            for piece in pieces:
                emit(
                    "content_block_delta",
                    index=index,
                    delta={"type": "input_json_delta", "partial_json": piece},
                )
        emit("content_block_stop", index=index)
    emit(
        "message_delta",
        delta={"stop_reason": stop_reason, "stop_sequence": None},
        usage={"output_tokens": output_tokens},
    )
    emit("message_stop")
    return out


# -- keeping tests off the network ------------------------------------------------------


class NetworkGuard:
    """Refuses every connection and name lookup that is not the loopback
    address; ``attempts`` lists what was refused."""

    ALLOWED_HOSTS = (LOOPBACK, "localhost")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.attempts: list[Any] = []
        self.connected: list[Any] = []
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo

        def check(address: Any) -> None:
            if isinstance(address, tuple) and address[0] != LOOPBACK:
                self.attempts.append(address)
                raise ConnectionRefusedError(f"test network guard: {address!r} is not loopback")
            self.connected.append(address)

        def connect(sock: socket.socket, address: Any) -> None:
            check(address)
            real_connect(sock, address)

        def connect_ex(sock: socket.socket, address: Any) -> int:
            check(address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else host
            if name not in self.ALLOWED_HOSTS:
                self.attempts.append(name)
                raise socket.gaierror(f"test network guard: no lookups of {name!r}")
            return real_getaddrinfo(host, *args, **kwargs)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        for name in (
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "OPENAI_BASE_URL",
            "ANTHROPIC_BASE_URL",
        ):
            monkeypatch.delenv(name, raising=False)


def only_loopback(guard: NetworkGuard) -> None:
    """Assert that every connection made was to 127.0.0.1 and none was refused."""
    assert guard.attempts == []
    assert all(address[0] == LOOPBACK for address in guard.connected if isinstance(address, tuple))
