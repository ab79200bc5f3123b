"""OpenAI's Responses API with the built-in ``apply_patch`` tool.

Each ``apply_patch_call`` output item carries one file operation
(``{"type": "create_file" | "update_file" | "delete_file", "path", "diff"}``,
the diff in V4A) and becomes an edit when its ``response.output_item.done``
event arrives, while the response goes on. A model that writes the patch as
plain text instead (``*** Begin Patch`` …) is parsed with ``V4AStream``.

Wire format (``POST {base_url}/responses`` with ``stream: true``): SSE
events ``response.created``, ``response.output_item.added``,
``response.output_text.delta`` (``delta``), ``response.output_item.done``
(``item``), then ``response.completed`` / ``response.incomplete`` (with
``response.usage.input_tokens`` / ``output_tokens``) or ``response.failed``
/ ``error``. Other events (reasoning, ``response.apply_patch_call_operation_diff.*``)
are ignored: an edit is used only once its item is done.

A follow-up turn sends ``apply_patch_call_output`` items (``status``
``completed`` or ``failed``, with ``output`` text) and
``previous_response_id``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.core.secrets import redact as redact_secrets
from app.edits.model import EditError
from app.edits.v4a import edit_from_apply_patch_operation
from app.providers.base import (
    FORMAT_APPLY_PATCH,
    FORMAT_SEARCH_REPLACE,
    FORMAT_V4A,
    STOP_END,
    STOP_MAX_TOKENS,
    STOP_TOOL_USE,
    EditFailed,
    EditReady,
    Event,
    Finished,
    GenerationRequest,
    ProviderError,
    StreamFailed,
    TextDelta,
    ToolOutcome,
    Transcript,
    Usage,
    api_key_from_env,
)
from app.providers.openai_compat import OPENAI_URL, OpenAISDKProvider
from app.providers.prompts import Sequencer, TextEdits, outcomes_text, system_text, user_text
from app.providers.sdk import Translator, as_dict

FORMATS = (FORMAT_APPLY_PATCH, FORMAT_V4A, FORMAT_SEARCH_REPLACE)
APPLY_PATCH_TOOL = {"type": "apply_patch"}


def apply_patch_outputs_for(outcomes: Iterable[ToolOutcome]) -> list[dict[str, Any]]:
    """``apply_patch_call_output`` input items reporting each call's outcome."""
    return [
        {
            "type": "apply_patch_call_output",
            "call_id": outcome.call_id,
            "status": "completed" if outcome.ok else "failed",
            "output": outcome.output,
        }
        for outcome in outcomes
    ]


class OpenAIResponsesProvider(OpenAISDKProvider):
    kind = "openai-responses"
    formats = FORMATS

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        name: str = "openai",
        **options: Any,
    ) -> None:
        url = (base_url or OPENAI_URL).rstrip("/")
        key = api_key_from_env(api_key_env, provider=name, base_url=url)
        super().__init__(
            name=name, model=model, base_url=url, api_key=key, key_env=api_key_env, **options
        )

    def request_body(self, request: GenerationRequest) -> dict[str, Any]:
        """The arguments of ``responses.create`` for this turn."""
        edit_format = self._edit_format(request)
        body: dict[str, Any] = {
            "model": request.model or self.model,
            "instructions": system_text(request, edit_format),
            "max_output_tokens": request.max_tokens,
        }
        if edit_format == FORMAT_APPLY_PATCH:
            body["tools"] = [APPLY_PATCH_TOOL]
        follow_up = request.follow_up
        if follow_up is None:
            body["input"] = user_text(request)
            return body
        if follow_up.transcript.kind != self.kind:
            raise ProviderError(
                f"cannot continue a {follow_up.transcript.kind} conversation",
                provider=self.name,
                base_url=self.base_url,
            )
        calls = set(follow_up.transcript.data.get("call_ids", ()))
        tool = [outcome for outcome in follow_up.outcomes if outcome.call_id in calls]
        text = [outcome for outcome in follow_up.outcomes if outcome.call_id not in calls]
        note = "\n\n".join(part for part in (outcomes_text(text), request.user_prompt) if part)
        items: list[dict[str, Any]] = apply_patch_outputs_for(tool)
        if note:
            items.append({"role": "user", "content": note})
        body["previous_response_id"] = follow_up.transcript.data["response_id"]
        body["input"] = items
        return body

    def _open(self, client: Any, request: GenerationRequest) -> Any:
        return client.responses.create(stream=True, **self.request_body(request))

    def _translator(self, request: GenerationRequest) -> Translator:
        self.request_body(request)  # validate before any request is sent
        return _ResponsesTranslator(self, self._edit_format(request))


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else getattr(value, key, None)


class _ResponsesTranslator(Translator):
    def __init__(self, provider: OpenAIResponsesProvider, edit_format: str) -> None:
        self.where = f"{provider.name} at {provider.base_url}"
        self.sequencer = Sequencer()
        text_format = FORMAT_SEARCH_REPLACE if edit_format == FORMAT_SEARCH_REPLACE else FORMAT_V4A
        self.text = TextEdits(text_format, self.sequencer)
        self.response_id: str | None = None
        self.call_ids: list[str] = []
        self.stop: str | None = None
        self.failed = False

    def on(self, raw: Any) -> Iterable[Event]:
        kind = _get(raw, "type")
        if kind == "response.output_text.delta":
            delta = _get(raw, "delta") or ""
            return [TextDelta(delta), *self.text.feed(delta)] if delta else []
        if kind == "response.output_item.done":
            return self._item(as_dict(_get(raw, "item")))
        if kind in ("response.created", "response.in_progress"):
            self.response_id = _get(_get(raw, "response"), "id") or self.response_id
        elif kind in ("response.completed", "response.incomplete"):
            return self._end(_get(raw, "response"), complete=kind == "response.completed")
        elif kind in ("response.failed", "error"):
            self.failed = True
            error = _get(_get(raw, "response"), "error") if kind == "response.failed" else raw
            code = _get(error, "code") or ""
            # A server may quote the request (and the key) back: never show a key.
            message = redact_secrets(str(_get(error, "message") or "the response failed"))
            retryable = code in ("server_error", "rate_limit_exceeded")
            return [
                StreamFailed(
                    f"{self.where}: the server reported an error mid-stream: "
                    f"{code + ': ' if code else ''}{message}",
                    retryable,
                )
            ]
        return []

    def _item(self, item: dict[str, Any]) -> list[Event]:
        if item.get("type") != "apply_patch_call":
            return []
        call_id = str(item.get("call_id") or item.get("id") or "")
        self.call_ids.append(call_id)
        index = self.sequencer.take()
        operation = item.get("operation")
        try:
            if not isinstance(operation, dict):
                raise EditError(
                    "apply_patch call has no operation",
                    index=index,
                    for_model="The apply_patch call has no operation.",
                )
            edit = edit_from_apply_patch_operation(operation, index)
        except EditError as error:
            return [EditFailed(error, call_id)]
        return [EditReady(edit, call_id)]

    def _end(self, response: Any, *, complete: bool) -> list[Event]:
        self.response_id = _get(response, "id") or self.response_id
        if complete:
            self.stop = STOP_TOOL_USE if self.call_ids else STOP_END
        else:
            reason = _get(_get(response, "incomplete_details"), "reason") or "incomplete"
            self.stop = STOP_MAX_TOKENS if reason == "max_output_tokens" else reason
        usage = _get(response, "usage")
        if usage is None:
            return []
        return [Usage(_get(usage, "input_tokens") or 0, _get(usage, "output_tokens") or 0)]

    def finish(self) -> Iterable[Event]:
        if self.failed:
            return []
        out = self.text.close()
        if self.stop is None:
            out.append(
                StreamFailed(
                    f"{self.where}: the stream ended without response.completed", retryable=True
                )
            )
            return out
        data = {"response_id": self.response_id, "call_ids": self.call_ids}
        out.append(Finished(self.stop, Transcript(OpenAIResponsesProvider.kind, data)))
        return out
