"""Anthropic's Messages API, streaming, with Claude's built-in text editor tool
(``type: text_editor_20250728``, ``name: str_replace_based_edit_tool``).

Wire format (``POST {base_url}/v1/messages`` with ``stream: true``), SSE
events by name: ``message_start`` (``message.usage.input_tokens``),
``content_block_start`` (``index``, ``content_block`` of type ``text`` or
``tool_use`` with ``id``, ``name``, ``input: {}``), ``content_block_delta``
(``text_delta.text`` or ``input_json_delta.partial_json``),
``content_block_stop`` (``index``), ``message_delta`` (``delta.stop_reason``
and ``usage`` whose counts are cumulative), ``message_stop``; also ``ping``
and ``error`` (``{"type": "error", "error": {"type", "message"}}``).

Every edit is its own ``tool_use`` block, so each becomes an
:class:`EditReady` at its ``content_block_stop``, while the message goes on.
What became of each edit goes back in the next turn as ``tool_result``
blocks (:func:`tool_results_for`), with the documented error texts for 0 or
many matches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from app.edits.model import EditError
from app.edits.str_replace import TOOL_NAME, edit_from_tool_input
from app.providers.base import (
    FORMAT_TEXT_EDITOR,
    TEXT_FORMATS,
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
    ViewRequested,
    api_key_from_env,
)
from app.providers.prompts import Sequencer, TextEdits, outcomes_text, system_text, user_text
from app.providers.sdk import SDKProvider, Translator, as_dict

ANTHROPIC_URL = "https://api.anthropic.com"
TEXT_EDITOR_TOOL = {"type": "text_editor_20250728", "name": TOOL_NAME}
FORMATS = (FORMAT_TEXT_EDITOR, *TEXT_FORMATS)
UNANSWERED = "Error: this edit was not reviewed."


def tool_results_for(outcomes: Iterable[ToolOutcome]) -> list[dict[str, Any]]:
    """``tool_result`` content blocks, one per outcome, for the next user turn.

    A failed edit carries the text of its :class:`EditError` (``for_model``:
    ``Error: No match found for replacement. Please check your text and try
    again.`` or ``Error: Found N matches for replacement text. Please provide
    more context to make a unique match.``) with ``is_error: true``.
    """
    blocks: list[dict[str, Any]] = []
    for outcome in outcomes:
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": outcome.call_id,
            "content": outcome.output,
        }
        if not outcome.ok:
            block["is_error"] = True
        blocks.append(block)
    return blocks


class AnthropicProvider(SDKProvider):
    kind = "anthropic"
    formats = FORMATS

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "ANTHROPIC_API_KEY",
        name: str = "anthropic",
        **options: Any,
    ) -> None:
        url = (base_url or ANTHROPIC_URL).rstrip("/")
        key = api_key_from_env(api_key_env, provider=name, base_url=url)
        super().__init__(
            name=name, model=model, base_url=url, api_key=key, key_env=api_key_env, **options
        )

    def _make_client(self, api_key: str) -> Any:
        import anthropic

        return anthropic.Anthropic(
            api_key=api_key,
            base_url=self.base_url,
            max_retries=self.max_retries,
            timeout=anthropic.Timeout(self.read_timeout, connect=self.connect_timeout),
        )

    def _sdk_errors(self) -> tuple[type[BaseException], ...]:
        import anthropic
        import httpx2

        return (anthropic.AnthropicError, httpx2.HTTPError, httpx2.StreamError)

    def messages(self, request: GenerationRequest) -> list[dict[str, Any]]:
        """The conversation to send: the transcript so far, then this turn
        (``tool_result`` blocks first, as the API requires)."""
        follow_up = request.follow_up
        if follow_up is None:
            return [{"role": "user", "content": user_text(request)}]
        if follow_up.transcript.kind != self.kind:
            raise ProviderError(
                f"cannot continue a {follow_up.transcript.kind} conversation",
                provider=self.name,
                base_url=self.base_url,
            )
        history: list[dict[str, Any]] = list(follow_up.transcript.data)
        asked = (
            [block["id"] for block in history[-1]["content"] if block.get("type") == "tool_use"]
            if history
            else []
        )
        answered = {outcome.call_id: outcome for outcome in follow_up.outcomes}
        outcomes = [
            answered.get(call_id) or ToolOutcome(call_id, False, UNANSWERED) for call_id in asked
        ]
        content: list[dict[str, Any]] = tool_results_for(outcomes)
        note = outcomes_text(o for o in follow_up.outcomes if o.call_id not in set(asked))
        text = "\n\n".join(part for part in (note, request.user_prompt) if part)
        if text:
            content.append({"type": "text", "text": text})
        return [*history, {"role": "user", "content": content}]

    def _open(self, client: Any, request: GenerationRequest) -> Any:
        edit_format = self._edit_format(request)
        extra: dict[str, Any] = {}
        if edit_format == FORMAT_TEXT_EDITOR:
            extra["tools"] = [TEXT_EDITOR_TOOL]
        system = system_text(request, edit_format)
        if system:
            extra["system"] = system
        return client.messages.create(
            model=request.model or self.model,
            max_tokens=request.max_tokens,
            messages=self.messages(request),
            stream=True,
            **extra,
        )

    def _translator(self, request: GenerationRequest) -> Translator:
        edit_format = self._edit_format(request)
        return _MessagesTranslator(
            f"{self.name} at {self.base_url}",
            self.messages(request),
            edit_format if edit_format in TEXT_FORMATS else None,
        )


class _Block:
    def __init__(self, start: dict[str, Any]) -> None:
        self.type = start.get("type")
        self.id = str(start.get("id") or "")
        self.name = start.get("name")
        self.start_input = start.get("input") or {}
        self.text: list[str] = []
        self.json: list[str] = []
        self.input: Any = None

    def param(self) -> dict[str, Any] | None:
        """This block as it goes back to the API in the transcript."""
        if self.type == "text":
            text = "".join(self.text)
            return {"type": "text", "text": text} if text else None
        if self.type == "tool_use":
            value = self.input if isinstance(self.input, dict) else {}
            return {"type": "tool_use", "id": self.id, "name": self.name, "input": value}
        return None


class _MessagesTranslator(Translator):
    def __init__(self, where: str, messages: list[dict[str, Any]], text_format: str | None):
        self.where = where
        self.messages = messages
        self.sequencer = Sequencer()
        self.text = TextEdits(text_format, self.sequencer) if text_format else None
        self.blocks: dict[int, _Block] = {}
        self.input_tokens = 0
        self.output_tokens = 0
        self.stop: str | None = None

    def on(self, raw: Any) -> Iterable[Event]:
        event = as_dict(raw)
        kind = event.get("type")
        if kind == "message_start":
            usage = event.get("message", {}).get("usage") or {}
            return self._usage(usage)
        if kind == "content_block_start":
            index = event.get("index", len(self.blocks))
            self.blocks[index] = _Block(event.get("content_block") or {})
        elif kind == "content_block_delta":
            return self._delta(self.blocks.get(event.get("index", -1)), event.get("delta") or {})
        elif kind == "content_block_stop":
            block = self.blocks.get(event.get("index", -1))
            if block is not None and block.type == "tool_use":
                return self._tool_use(block)
        elif kind == "message_delta":
            self.stop = (event.get("delta") or {}).get("stop_reason") or self.stop
            return self._usage(event.get("usage") or {})
        return []

    def _usage(self, usage: dict[str, Any]) -> list[Event]:
        # message_delta counts are cumulative: they replace, never add.
        if usage.get("input_tokens") is not None:
            self.input_tokens = usage["input_tokens"]
        if usage.get("output_tokens") is not None:
            self.output_tokens = usage["output_tokens"]
        return [Usage(self.input_tokens, self.output_tokens)]

    def _delta(self, block: _Block | None, delta: dict[str, Any]) -> list[Event]:
        if block is None:
            return []
        if delta.get("type") == "text_delta":
            text = delta.get("text") or ""
            block.text.append(text)
            out: list[Event] = [TextDelta(text)] if text else []
            if self.text is not None and text:
                out.extend(self.text.feed(text))
            return out
        if delta.get("type") == "input_json_delta":
            block.json.append(delta.get("partial_json") or "")
        return []

    def _tool_use(self, block: _Block) -> list[Event]:
        index = self.sequencer.take()
        raw = "".join(block.json)
        try:
            block.input = json.loads(raw) if raw.strip() else block.start_input
        except json.JSONDecodeError as exc:
            error = EditError(
                f"the tool call's input is not valid JSON ({exc.msg})",
                index=index,
                for_model=f"Error: the tool input is not valid JSON: {exc.msg}",
            )
            return [EditFailed(error, block.id)]
        if block.name != TOOL_NAME:
            error = EditError(
                f"unknown tool {block.name!r}",
                index=index,
                for_model=f"Error: there is no tool named {block.name!r}.",
            )
            return [EditFailed(error, block.id)]
        try:
            edit = edit_from_tool_input(block.input, index)
        except EditError as error:
            return [EditFailed(error, block.id)]
        if edit is None:
            return [_view(block)]
        return [EditReady(edit, block.id)]

    def finish(self) -> Iterable[Event]:
        if self.stop is None:
            return [
                StreamFailed(
                    f"{self.where}: the stream ended before message_stop (no stop_reason)",
                    retryable=True,
                )
            ]
        out = self.text.close() if self.text is not None else []
        content = [p for p in (self.blocks[i].param() for i in sorted(self.blocks)) if p]
        reply = {"role": "assistant", "content": content}
        out.append(Finished(self.stop, Transcript(AnthropicProvider.kind, [*self.messages, reply])))
        return out


def _view(block: _Block) -> ViewRequested:
    value = block.input.get("view_range") if isinstance(block.input, dict) else None
    span = None
    invalid = ""
    items = value if isinstance(value, list) else []
    whole = [isinstance(v, int) and not isinstance(v, bool) for v in items]
    if isinstance(value, list) and len(value) == 2 and all(whole):
        span = (value[0], value[1])
    elif value is not None:
        invalid = repr(value)
    return ViewRequested(block.id, str(block.input.get("path", "")), span, invalid)
