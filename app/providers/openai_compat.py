"""Any OpenAI-compatible server (Ollama ``:11434/v1``, llama.cpp ``:8080/v1``,
vLLM ``:8000/v1``, LM Studio ``:1234/v1``, or OpenAI itself) through the
official ``openai`` SDK's Chat Completions streaming.

The model writes SEARCH/REPLACE blocks (or a V4A patch) in its text; each
block is parsed from the deltas as they arrive and becomes an
:class:`EditReady` at its ``>>>>>>> REPLACE`` line.

Wire format (``POST {base_url}/chat/completions`` with ``stream: true``):
``data: {"choices": [{"index": 0, "delta": {"content": "..."},
"finish_reason": null}]}`` lines, a last chunk with ``"choices": []`` and
``"usage": {"prompt_tokens", "completion_tokens"}`` when
``stream_options.include_usage`` is set, then ``data: [DONE]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.providers.base import (
    STOP_END,
    STOP_MAX_TOKENS,
    STOP_TOOL_USE,
    TEXT_FORMATS,
    Event,
    Finished,
    GenerationRequest,
    ProviderError,
    StreamFailed,
    TextDelta,
    Transcript,
    Usage,
    api_key_from_env,
)
from app.providers.prompts import Sequencer, TextEdits, outcomes_text, system_text, user_text
from app.providers.sdk import SDKProvider, Translator

OPENAI_URL = "https://api.openai.com/v1"
NO_KEY = "no-key"  # local servers need none; never send a real key to them by default

_STOP = {"stop": STOP_END, "length": STOP_MAX_TOKENS, "tool_calls": STOP_TOOL_USE}


class OpenAISDKProvider(SDKProvider):
    """A provider speaking through the official openai SDK."""

    def _make_client(self, api_key: str) -> Any:
        import openai

        return openai.OpenAI(
            api_key=api_key,
            base_url=self.base_url,
            max_retries=self.max_retries,
            timeout=openai.Timeout(self.read_timeout, connect=self.connect_timeout),
        )

    def _sdk_errors(self) -> tuple[type[BaseException], ...]:
        import httpx2
        import openai

        return (openai.OpenAIError, httpx2.HTTPError, httpx2.StreamError)


class OpenAICompatProvider(OpenAISDKProvider):
    """Chat Completions with edits in text.

    ``api_key_env`` names the environment variable holding the key. It
    defaults to ``OPENAI_API_KEY`` only for OpenAI itself (no ``base_url``):
    a local or third-party server gets no key unless one is configured, so
    an OpenAI key is never sent somewhere else by accident.
    """

    kind = "openai-chat"
    formats = TEXT_FORMATS
    other_formats = "needs tools this API lacks"

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key_env: str | None = None,
        name: str = "openai-compatible",
        include_usage: bool = True,
        **options: Any,
    ) -> None:
        if base_url is None:
            api_key_env = api_key_env or "OPENAI_API_KEY"
        url = (base_url or OPENAI_URL).rstrip("/")
        key = api_key_from_env(api_key_env, provider=name, base_url=url) if api_key_env else NO_KEY
        super().__init__(
            name=name, model=model, base_url=url, api_key=key, key_env=api_key_env, **options
        )
        self.include_usage = include_usage

    def messages(self, request: GenerationRequest) -> list[dict[str, Any]]:
        """The conversation to send: the transcript so far, then this turn."""
        follow_up = request.follow_up
        if follow_up is None:
            system = system_text(request, self._edit_format(request))
            head = [{"role": "system", "content": system}] if system else []
            return [*head, {"role": "user", "content": user_text(request)}]
        if follow_up.transcript.kind != self.kind:
            raise ProviderError(
                f"cannot continue a {follow_up.transcript.kind} conversation",
                provider=self.name,
                base_url=self.base_url,
            )
        text = "\n\n".join(
            part for part in (outcomes_text(follow_up.outcomes), request.user_prompt) if part
        )
        return [*follow_up.transcript.data, {"role": "user", "content": text}]

    def _open(self, client: Any, request: GenerationRequest) -> Any:
        extra: dict[str, Any] = {}
        if self.include_usage:
            extra["stream_options"] = {"include_usage": True}
        return client.chat.completions.create(
            model=request.model or self.model,
            messages=self.messages(request),
            max_tokens=request.max_tokens,
            stream=True,
            **extra,
        )

    def _translator(self, request: GenerationRequest) -> Translator:
        return _ChatTranslator(
            f"{self.name} at {self.base_url}", self.messages(request), self._edit_format(request)
        )


class _ChatTranslator(Translator):
    def __init__(self, where: str, messages: list[dict[str, Any]], edit_format: str) -> None:
        self.where = where
        self.messages = messages
        self.text = TextEdits(edit_format, Sequencer())
        self.parts: list[str] = []
        self.finish_reason: str | None = None

    def on(self, raw: Any) -> Iterable[Event]:
        out: list[Event] = []
        for choice in getattr(raw, "choices", None) or []:
            if getattr(choice, "index", 0) != 0:
                continue
            delta = getattr(choice, "delta", None)
            content = getattr(delta, "content", None)
            if content:
                self.parts.append(content)
                out.append(TextDelta(content))
                out.extend(self.text.feed(content))
            if getattr(choice, "finish_reason", None):
                self.finish_reason = choice.finish_reason
        usage = getattr(raw, "usage", None)
        if usage is not None:
            out.append(
                Usage(
                    getattr(usage, "prompt_tokens", 0) or 0,
                    getattr(usage, "completion_tokens", 0) or 0,
                )
            )
        return out

    def finish(self) -> Iterable[Event]:
        if self.finish_reason is None:
            return [
                StreamFailed(
                    f"{self.where}: the stream ended before the model finished (no finish_reason)",
                    retryable=True,
                )
            ]
        out = self.text.close()
        reply = {"role": "assistant", "content": "".join(self.parts)}
        reason = self.finish_reason
        out.append(
            Finished(
                _STOP.get(reason, reason),
                Transcript(OpenAICompatProvider.kind, [*self.messages, reply]),
            )
        )
        return out
