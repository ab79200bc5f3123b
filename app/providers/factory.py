"""Building a provider from settings (config file or flags).

``provider`` is one of :data:`KINDS`, or the name of a local server in
:data:`LOCAL_SERVERS` (an OpenAI-compatible server at its usual address).
API keys are never settings: only the *name* of the environment variable
that holds one (``api_key_env``) is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.providers.base import Provider, ProviderError

KINDS = ("replay", "anthropic", "openai", "openai-compatible")
LOCAL_SERVERS = {
    "ollama": "http://localhost:11434/v1",
    "llama.cpp": "http://localhost:8080/v1",
    "vllm": "http://localhost:8000/v1",
    "lmstudio": "http://localhost:1234/v1",
}


@dataclass
class ProviderSettings:
    provider: str = "replay"
    model: str = ""
    base_url: str | None = None
    api_key_env: str | None = None
    max_retries: int = 2
    read_timeout: float = 120.0
    connect_timeout: float = 10.0
    recording: str | None = None  # replay: the recording file
    speed: float = 1.0  # replay: timing factor, 0 = no delay
    fallback: ProviderSettings | None = None


def create_provider(settings: ProviderSettings) -> Provider:
    """The provider ``settings`` describe (wrapped with its fallback, if any).

    Raises :class:`ProviderError` saying what to set when something is missing.
    """
    provider = _create(settings)
    if settings.fallback is not None:
        from app.providers.fallback import FallbackProvider

        return FallbackProvider(provider, _create(settings.fallback))
    return provider


def _create(settings: ProviderSettings) -> Provider:
    kind = settings.provider
    if kind == "replay":
        if not settings.recording:
            raise ProviderError(
                'no recording file: set recording = "path.jsonl"', provider="replay"
            )
        from app.providers.replay import ReplayProvider

        return ReplayProvider(Path(settings.recording), speed=settings.speed)
    if kind not in KINDS and kind not in LOCAL_SERVERS:
        known = ", ".join([*KINDS, *LOCAL_SERVERS])
        raise ProviderError(f"unknown provider {kind!r}; known: {known}", provider=kind)
    if not settings.model:
        raise ProviderError('no model: set model = "..." for this provider', provider=kind)
    options: dict[str, Any] = {
        "model": settings.model,
        "max_retries": settings.max_retries,
        "read_timeout": settings.read_timeout,
        "connect_timeout": settings.connect_timeout,
    }
    if settings.api_key_env:
        options["api_key_env"] = settings.api_key_env
    if kind == "anthropic":
        from app.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(base_url=settings.base_url, **options)
    if kind == "openai":
        from app.providers.openai_responses import OpenAIResponsesProvider

        return OpenAIResponsesProvider(base_url=settings.base_url, **options)
    from app.providers.openai_compat import OpenAICompatProvider

    base_url = settings.base_url or LOCAL_SERVERS.get(kind)
    if base_url is None:
        raise ProviderError('no base URL: set base_url = "http://host:port/v1"', provider=kind)
    return OpenAICompatProvider(base_url=base_url, name=kind, **options)


def settings_from_config(table: dict[str, Any]) -> ProviderSettings:
    """ProviderSettings from a ``[provider]`` TOML table (``fallback`` nests one)."""
    known = {f for f in ProviderSettings.__dataclass_fields__ if f != "fallback"}
    unknown = sorted(set(table) - known - {"fallback"})
    if unknown:
        raise ProviderError(
            f"unknown [provider] setting(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})",
            provider=str(table.get("provider", "?")),
        )
    values = {k: v for k, v in table.items() if k in known}
    fallback = table.get("fallback")
    settings = ProviderSettings(**values)
    if isinstance(fallback, dict):
        settings.fallback = settings_from_config(fallback)
    return settings


def settings_for(provider: dict[str, object], flags: dict[str, object]) -> ProviderSettings | None:
    """The settings the loop runs with: the config's [provider] table (a
    repository's routing keys already dropped unless trusted, see
    ``app.core.config``) under the command-line flags; None when neither
    names a provider."""
    table = dict(provider)
    table.update({k: v for k, v in flags.items() if v is not None})
    if not table.get("provider"):
        return None
    return settings_from_config(table)
