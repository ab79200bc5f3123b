"""Settings from TOML: the user config dir, then ``.tether.toml`` in the repo.

Later files override earlier ones; flags override both. Errors name the file
and the line, as tomllib reports them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from app.core.errors import ConfigError
from app.core.locations import user_config_dir


@dataclass
class Config:
    theme: str = "dark"
    context: int = 3
    # The [provider] table, kept raw: app.providers.factory reads it, so the
    # config module stays independent of the provider layer.
    provider: dict[str, object] = field(default_factory=dict)
    # The [leash] table: level name -> maximum changed lines per proposal.
    leash: dict[str, int] = field(default_factory=dict)


def load_config(root: Path | None) -> Config:
    config = Config()
    candidates = [user_config_dir() / "config.toml"]
    if root is not None:
        candidates.append(root / ".tether.toml")
    for path in candidates:
        if path.is_file():
            _merge(config, path)
    return config


def _merge(config: Config, path: Path) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from None
    known = {f.name: f.type for f in fields(config) if f.name not in ("provider", "leash")}
    provider = data.get("provider", {})
    if not isinstance(provider, dict):
        raise ConfigError("[provider] must be a table", path=str(path))
    if "api_key" in provider:
        raise ConfigError(
            "API keys are never read from files; put the key in an environment variable "
            "and name it with api_key_env",
            path=str(path),
        )
    config.provider.update(provider)
    leash = data.get("leash", {})
    levels = ("line", "chunk", "file", "repo")
    for name, value in leash.items() if isinstance(leash, dict) else ():
        if name not in levels or not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(
                f"[leash] {name} = {value!r}: use line/chunk/file/repo = a number", path=str(path)
            )
        config.leash[name] = value
    for key, value in data.get("review", data).items():
        if isinstance(value, dict):
            continue
        if key not in known:
            raise ConfigError(
                f"unknown setting {key!r} (known: {', '.join(known)})", path=str(path)
            )
        expected = type(getattr(config, key))
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise ConfigError(f"{key} must be a {expected.__name__}, not {value!r}", path=str(path))
        setattr(config, key, value)
    if config.theme not in ("dark", "light", "tether-dark", "tether-light"):
        raise ConfigError(f"theme must be 'dark' or 'light', not {config.theme!r}", path=str(path))
