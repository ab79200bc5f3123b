"""The skeleton every SDK-backed provider shares: a lazily built client with
retries and timeouts, the stream loop, cancellation, and turning SDK errors
into messages that say what happened and where (never the API key).

The SDKs retry the *initial* request themselves (``max_retries``, with
exponential backoff that honours ``retry-after`` / ``retry-after-ms``); once
the stream has started, a failure is reported as :class:`StreamFailed` after
every edit already complete has been yielded.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterable, Iterator
from http import HTTPStatus
from typing import Any

from app.core.secrets import redact
from app.providers.base import (
    STOP_CANCELLED,
    Event,
    Finished,
    GenerationRequest,
    ProviderError,
    StreamFailed,
)

DEFAULT_MAX_RETRIES = 2
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 120.0  # the longest silence tolerated between two chunks

_RETRYABLE_STATUS = {408, 409, 429}
_RETRYABLE_STREAM_ERRORS = {
    "overloaded_error",
    "api_error",
    "rate_limit_error",
    "server_error",
    "rate_limit_exceeded",
}


class Translator:
    """Turns one response's raw SDK events into provider-neutral events."""

    def on(self, raw: Any) -> Iterable[Event]:
        raise NotImplementedError

    def finish(self) -> Iterable[Event]:
        """The stream ended normally: last edits, usage, ``Finished``."""
        raise NotImplementedError


class SDKProvider:
    """Base of the OpenAI and Anthropic providers."""

    kind = "sdk"  # Transcript.kind of this provider
    # The edit formats this API can carry, the default first, and what to say
    # about any other.
    formats: tuple[str, ...] = ()
    other_formats = "is not supported here"

    def __init__(
        self,
        *,
        name: str,
        model: str,
        base_url: str | None,
        api_key: str,
        key_env: str | None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> None:
        self.name = name
        self.model = model
        self.base_url = base_url
        self.key_env = key_env
        self.max_retries = max_retries
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.__key = api_key
        self._client_obj: Any = None
        self._lock = threading.Lock()
        self._current: tuple[queue.SimpleQueue[tuple[str, Any]], threading.Event] | None = None

    def __repr__(self) -> str:  # never the key
        return (
            f"<{type(self).__name__} {self.name} model={self.model!r} base_url={self.base_url!r}>"
        )

    # -- to implement -----------------------------------------------------------

    def _make_client(self, api_key: str) -> Any:
        raise NotImplementedError

    def _open(self, client: Any, request: GenerationRequest) -> Any:
        """Start the streaming request; returns the SDK's stream."""
        raise NotImplementedError

    def _translator(self, request: GenerationRequest) -> Translator:
        raise NotImplementedError

    def _sdk_errors(self) -> tuple[type[BaseException], ...]:
        """Exception types the SDK and its HTTP library raise."""
        raise NotImplementedError

    def _edit_format(self, request: GenerationRequest) -> str:
        edit_format = request.edit_format or self.formats[0]
        if edit_format not in self.formats:
            raise ProviderError(
                f"edit format {edit_format!r} {self.other_formats}; use one "
                f"of {', '.join(self.formats)}",
                provider=self.name,
                base_url=self.base_url,
            )
        return edit_format

    # -- the stream loop ----------------------------------------------------------

    def client(self) -> Any:
        with self._lock:
            if self._client_obj is None:
                self._client_obj = self._make_client(self.__key)
            return self._client_obj

    def cancel(self) -> None:
        """Stop the current stream from any thread, at once (even while the
        server is silent): it ends with ``Finished("cancelled")`` after the
        edits already yielded."""
        current = self._current
        if current is not None:
            inbox, stop = current
            stop.set()
            inbox.put(("cancel", None))

    def stream(self, request: GenerationRequest) -> Iterator[Event]:
        """The events of one response. The HTTP request and the reading of
        the stream run on a helper thread, so that :meth:`cancel` (or
        closing this iterator) never waits for the network."""
        translator = self._translator(request)
        inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        stop = threading.Event()
        self._current = (inbox, stop)
        threading.Thread(
            target=self._pump,
            args=(self.client(), request, inbox, stop),
            name=f"tether-{self.name}-stream",
            daemon=True,
        ).start()
        try:
            while True:
                kind, value = inbox.get()
                if kind == "raw":
                    yield from translator.on(value)
                elif kind == "end":
                    break
                elif kind == "cancel":
                    yield Finished(STOP_CANCELLED)
                    return
                elif kind == "open_error":
                    raise self.request_error(value) from None
                elif kind == "error":
                    yield self.stream_failure(value)
                    return
                else:  # "crash": a bug on the helper thread, raised here
                    raise value
        finally:
            stop.set()
            self._current = None
        yield from translator.finish()

    def _pump(
        self,
        client: Any,
        request: GenerationRequest,
        inbox: queue.SimpleQueue[tuple[str, Any]],
        stop: threading.Event,
    ) -> None:
        """On the helper thread: open the stream and pass on what arrives."""
        errors = self._sdk_errors()
        try:
            try:
                sdk_stream = self._open(client, request)
            except errors as exc:
                inbox.put(("open_error", exc))
                return
            try:
                for raw in sdk_stream:
                    if stop.is_set():
                        return
                    inbox.put(("raw", raw))
            except (*errors, ValueError, OSError) as exc:  # type: ignore[misc]
                if not stop.is_set():
                    inbox.put(("error", exc))
                return
            finally:
                sdk_stream.close()
            inbox.put(("end", None))
        except BaseException as exc:  # carried over to the consumer, which raises it
            inbox.put(("crash", exc))

    # -- errors ---------------------------------------------------------------------

    def _where(self) -> str:
        return f"{self.name} at {self.base_url}" if self.base_url else self.name

    def _clean(self, text: str, limit: int = 300) -> str:
        text = redact(" ".join(str(text).split()), self.__key)
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def request_error(self, exc: BaseException) -> ProviderError:
        """A ProviderError for a request that failed before streaming."""
        status = getattr(exc, "status_code", None)
        tries = "tried once" if self.max_retries == 0 else f"tried {self.max_retries + 1} times"
        if isinstance(status, int):
            retryable = status in _RETRYABLE_STATUS or status >= 500
            try:
                phrase = HTTPStatus(status).phrase
            except ValueError:
                phrase = "error"
            message = f"HTTP {status} {phrase}"
            if status in (401, 403):
                source = f"the key in {self.key_env}" if self.key_env else "the API key"
                message += f": {source} was refused"
            elif status == 404:
                message += f": check the model name {self.model!r} and the base URL"
            elif retryable:
                message += f" ({tries})"
            detail = _server_message(getattr(exc, "body", None))
            if detail:
                message += f": {self._clean(detail)}"
            return ProviderError(
                message,
                provider=self.name,
                base_url=self.base_url,
                status=status,
                retryable=retryable,
            )
        kind = "timed out" if "timeout" in type(exc).__name__.lower() else "cannot connect"
        cause = exc.__cause__ or exc.__context__
        detail = f" ({self._clean(str(cause))})" if cause is not None and str(cause) else ""
        hint = "; is the server running?" if kind == "cannot connect" else ""
        return ProviderError(
            f"{kind}, {tries}{detail}{hint}",
            provider=self.name,
            base_url=self.base_url,
            retryable=True,
        )

    def stream_failure(self, exc: BaseException) -> StreamFailed:
        """What to report when the stream breaks after it started."""
        where = self._where()
        if isinstance(exc, json.JSONDecodeError):
            return StreamFailed(
                f"{where}: the server sent invalid JSON mid-stream ({exc.msg} "
                f"in {self._clean(exc.doc, 80)!r})",
                retryable=False,
            )
        name = type(exc).__name__.lower()
        cause = exc.__cause__ or exc.__context__
        if "timeout" in name or "timeout" in type(cause).__name__.lower():
            return StreamFailed(
                f"{where}: the stream stalled: no data for {self.read_timeout:g} s", retryable=True
            )
        body = getattr(exc, "body", None)
        if body is not None or getattr(exc, "status_code", None) is not None:
            kind = _error_type(body)
            detail = self._clean(_server_message(body) or str(exc))
            return StreamFailed(
                f"{where}: the server reported an error mid-stream: "
                f"{kind + ': ' if kind else ''}{detail}",
                retryable=kind in _RETRYABLE_STREAM_ERRORS,
            )
        detail = str(cause) if cause is not None and str(cause) else str(exc)
        return StreamFailed(
            f"{where}: the connection was lost mid-stream "
            f"({self._clean(detail or type(exc).__name__)})",
            retryable=True,
        )


def _error_object(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        inner = body.get("error")
        return inner if isinstance(inner, dict) else body
    return {}


def _server_message(body: Any) -> str:
    """The human-readable message in an error body, in either SDK's shape:
    ``{"error": {"message": ...}}`` or ``{"type": "error", "error": {...}}``."""
    if isinstance(body, str):
        return body
    message = _error_object(body).get("message")
    return message if isinstance(message, str) else ""


def _error_type(body: Any) -> str:
    error = _error_object(body)
    value = error.get("type") or error.get("code")
    return value if isinstance(value, str) and value != "error" else ""


def as_dict(value: Any) -> dict[str, Any]:
    """An SDK model (or a plain dict) as a plain dict."""
    if isinstance(value, dict):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        result = to_dict()
        if isinstance(result, dict):
            return result
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        result = dump()
        if isinstance(result, dict):
            return result
    return {}
