"""Provider-neutral requests, stream events and errors.

A provider turns a :class:`GenerationRequest` into an iterator of events:

``TextDelta``     prose (and, for text formats, the edit blocks) as it arrives
``EditReady``     one complete edit, emitted as soon as it is complete, while
                  the stream goes on
``EditFailed``    a malformed edit block (its :class:`EditError` says where)
``ViewRequested`` the model asked to see a file (a tool call to answer in the
                  follow-up turn)
``Usage``         token counts so far (cumulative totals: replace, never add)
``FallbackUsed``  the first provider failed before any edit; discard its text,
                  the next events come from another provider
``Finished``      the stream ended normally; ``transcript`` continues the
                  conversation in a follow-up request
``StreamFailed``  the stream broke after it had started; every complete edit
                  was already yielded

A request that fails before the stream starts (after the SDK's own retries)
raises :class:`ProviderError` from the iterator instead.

Nothing here imports an SDK, so this module is cheap to import.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.errors import TetherError
from app.edits.model import Edit, EditError

# Edit formats (GenerationRequest.edit_format).
FORMAT_SEARCH_REPLACE = "search_replace"  # aider's SEARCH/REPLACE blocks in text
FORMAT_V4A = "v4a"  # OpenAI's apply_patch format, as plain text
FORMAT_APPLY_PATCH = "apply_patch"  # the Responses API's built-in apply_patch tool
FORMAT_TEXT_EDITOR = "text_editor"  # Anthropic's str_replace_based_edit_tool
TEXT_FORMATS = (FORMAT_SEARCH_REPLACE, FORMAT_V4A)

# Normalised stop reasons (Finished.stop_reason); others pass through as sent.
STOP_END = "end_turn"
STOP_MAX_TOKENS = "max_tokens"
STOP_TOOL_USE = "tool_use"
STOP_CANCELLED = "cancelled"


class ProviderError(TetherError):
    """A request to a model provider failed before its stream started.

    The message says what happened and where (provider, base URL, HTTP
    status); it never contains the API key.
    """

    title = "Provider failed"

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        base_url: str | None = None,
        status: int | None = None,
        retryable: bool = False,
    ) -> None:
        self.detail = message  # what happened, without the "where"
        self.provider = provider
        self.base_url = base_url
        self.status = status
        self.retryable = retryable
        where = f"{provider} at {base_url}" if base_url else provider
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Transcript:
    """Opaque conversation state a provider hands back in :class:`Finished`,
    so that a follow-up request continues the same conversation. ``kind``
    names the provider that made it; ``data`` is JSON-like."""

    kind: str
    data: Any


@dataclass(frozen=True)
class ToolOutcome:
    """What became of one tool call (an edit or a view), to tell the model.

    ``call_id`` is the ``call_id`` of the :class:`EditReady` /
    :class:`EditFailed` / :class:`ViewRequested` event it answers.
    """

    call_id: str
    ok: bool
    output: str

    @classmethod
    def applied(cls, call_id: str, edit: Edit | None = None) -> ToolOutcome:
        return cls(call_id, True, _applied_text(edit))

    @classmethod
    def failed(cls, call_id: str, error: EditError) -> ToolOutcome:
        """The edit did not apply; ``error.for_model`` is the exact text the
        model sees (the documented texts for 0 or many matches), after
        ``Error: `` as the text editor tool's documentation shows them."""
        text = error.for_model
        return cls(call_id, False, text if text.startswith("Error") else f"Error: {text}")

    @classmethod
    def rejected(cls, call_id: str, reason: str = "") -> ToolOutcome:
        text = "The user rejected this edit; it was not applied."
        return cls(call_id, False, f"{text} Reason: {reason}" if reason else text)

    @classmethod
    def viewed(cls, call_id: str, text: str, *, ok: bool = True) -> ToolOutcome:
        """A view's answer; ``ok=False`` sends it as an error (``is_error``)."""
        return cls(call_id, ok, text)


def _applied_text(edit: Edit | None) -> str:
    if edit is None:
        return "Edit applied successfully."
    if edit.kind == "replace" and not edit.chunks:
        return "Successfully replaced text at exactly one location."
    return {
        "create": f"File created successfully at: {edit.path}",
        "insert": f"Text inserted into {edit.path} successfully.",
        "delete": f"{edit.path} deleted successfully.",
        "move": f"{edit.path} moved to {edit.move_to} successfully.",
        "write": f"{edit.path} written successfully.",
    }.get(edit.kind, f"{edit.path} updated successfully.")


@dataclass(frozen=True)
class FollowUp:
    """Continue a conversation: the transcript of the previous turn and what
    became of each of its tool calls (every call must be answered)."""

    transcript: Transcript
    outcomes: tuple[ToolOutcome, ...] = ()


@dataclass(frozen=True)
class GenerationRequest:
    """One turn: what to ask, with which context, in which edit format.

    ``edit_format`` None means the provider's native format.
    ``context_files`` maps repo-relative paths to their text.
    """

    user_prompt: str
    system_prompt: str = ""
    context_files: Mapping[str, str] = field(default_factory=dict)
    # Context already rendered (the autonomy slider's packet), sent before the
    # prompt; kept apart so the prompt alone says what was asked.
    context: str = ""
    model: str | None = None  # overrides the provider's model for this request
    max_tokens: int = 4096
    edit_format: str | None = None
    follow_up: FollowUp | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class EditReady:
    edit: Edit
    call_id: str | None = None  # the tool call it came from, if any


@dataclass(frozen=True)
class EditFailed:
    error: EditError
    call_id: str | None = None


@dataclass(frozen=True)
class ViewRequested:
    call_id: str
    path: str
    view_range: tuple[int, int] | None = None
    # A view_range that is not two whole numbers, as the model sent it: the
    # view is answered with an error naming it, not with the whole file.
    invalid_range: str = ""


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class FallbackUsed:
    failed_provider: str
    provider: str
    model: str
    reason: str


@dataclass(frozen=True)
class Finished:
    stop_reason: str
    transcript: Transcript | None = field(default=None, compare=False)


@dataclass(frozen=True)
class StreamFailed:
    message: str
    retryable: bool


Event = (
    TextDelta
    | EditReady
    | EditFailed
    | ViewRequested
    | Usage
    | FallbackUsed
    | Finished
    | StreamFailed
)


class Provider(Protocol):
    """Anything that streams events for a request."""

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    def stream(self, request: GenerationRequest) -> Iterator[Event]: ...

    def cancel(self) -> None:
        """End the current stream from any thread: it stops at once with
        ``Finished("cancelled")``, keeping the edits already yielded."""
        ...


def api_key_from_env(env_var: str, *, provider: str, base_url: str | None = None) -> str:
    """The API key in ``env_var``; a ProviderError naming the variable (never a
    value) when it is unset."""
    value = os.environ.get(env_var, "").strip()
    if not value:
        raise ProviderError(
            f"no API key: set the environment variable {env_var}",
            provider=provider,
            base_url=base_url,
        )
    return value
