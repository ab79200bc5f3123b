"""Settings from TOML: the user config dir, then ``.tether.toml`` in the repo.

Later files override earlier ones; flags override both. Errors name the file
and the line, as tomllib reports them.

A repository's ``.tether.toml`` comes with the clone, so it is not trusted
the way the user's own config is: it may set the look, the diff context, the
leash and how the model is asked (``model``, timeouts), never where requests
go or which environment variable's value is sent (``provider``, ``base_url``,
``api_key_env``, ``recording``, ``fallback``). Those keys are ignored, with a
note saying so, unless the user trusted that exact file (``tether trust``:
by path and content hash, so an edit to the file ends the trust).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from app.core.atomic import atomic_write
from app.core.errors import ConfigError
from app.core.locations import user_config_dir
from app.core.theme_names import THEME_NAMES

REPO_CONFIG = ".tether.toml"
# [provider] keys that only shape the request; a repository may set them.
REQUEST_KEYS = frozenset({"model", "max_retries", "read_timeout", "connect_timeout", "speed"})


@dataclass
class Config:
    theme: str = "dark"
    context: int = 3
    # Who you are in a review several seats drive (journaled with each
    # decision); "" is the OS user. Only your own or a trusted config sets it.
    seat: str = ""
    # What this seat does when attached (both, driver, verifier; "" is both);
    # checked by app.review.seats.seat_role. Like seat, never a repository's say.
    role: str = ""
    # The [provider] table, kept raw: app.providers.factory reads it, so the
    # config module stays independent of the provider layer.
    provider: dict[str, object] = field(default_factory=dict)
    # The [leash] table: level name -> maximum changed lines per proposal.
    leash: dict[str, int] = field(default_factory=dict)
    # The [loop] table: where the plan file is (inside the repository), coaching on.
    plan: str = ".tether/plan.md"
    coach: bool = False
    # The [checks] table, kept raw (app.review.checks reads it); from an
    # untrusted repository config without the checks that name a command.
    checks: dict[str, object] = field(default_factory=dict)
    # The [autonomy] table, kept raw (app.review.autoaccept reads it).
    autonomy: dict[str, object] = field(default_factory=dict)
    # [agent] command: the ACP agent ``tether agent`` starts (argv, no shell).
    agent_command: list[str] = field(default_factory=list)
    # What was not applied, and why (shown to the user).
    notes: list[str] = field(default_factory=list)


def load_config(root: Path | None) -> Config:
    config = Config()
    user = user_config_dir() / "config.toml"
    if user.is_file():
        _merge(config, user, trusted=True)
    if root is not None:
        repo = root / REPO_CONFIG
        if repo.is_file():
            _merge(config, repo, trusted=is_trusted(repo))
    return config


def host_of(url: object) -> str:
    """The host (and port) a URL sends requests to, for showing the user."""
    if not isinstance(url, str):
        return "?"
    parts = urlsplit(url)
    return parts.netloc or url


def routing_keys(provider: dict[str, object]) -> list[str]:
    """The keys of a [provider] table that say where requests go or which key is sent."""
    return sorted(k for k in provider if k not in REQUEST_KEYS)


def _merge(config: Config, path: Path, *, trusted: bool) -> None:
    data = _read(path)
    known = {
        f.name
        for f in fields(config)
        if f.name
        not in ("provider", "leash", "notes", "plan", "checks", "autonomy", "agent_command")
    }
    provider = data.get("provider", {})
    if not isinstance(provider, dict):
        raise ConfigError("[provider] must be a table", path=str(path))
    if "api_key" in provider:
        raise ConfigError(
            "API keys are never read from files; put the key in an environment variable "
            "and name it with api_key_env",
            path=str(path),
        )
    routing = routing_keys(provider)
    if routing and not trusted:
        where = f" (it sends requests to {host_of(provider['base_url'])})"
        config.notes.append(
            f"ignored [provider] {', '.join(routing)} in {path}: a repository's config may "
            "not choose where requests go or which key is sent"
            + (where if "base_url" in provider else "")
            + "; if you wrote it, `tether trust` allows this exact file"
        )
        provider = {k: v for k, v in provider.items() if k not in routing}
    config.provider.update(provider)
    _merge_agent(config, data, path, trusted=trusted)
    leash = data.get("leash", {})
    levels = ("line", "chunk", "file", "repo")
    for name, value in leash.items() if isinstance(leash, dict) else ():
        if name not in levels or not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(
                f"[leash] {name} = {value!r}: use line/chunk/file/repo = a number", path=str(path)
            )
        config.leash[name] = value
    _merge_loop(config, data.get("loop", {}), path)
    _merge_checks(config, path, data.get("checks", {}), trusted=trusted)
    autonomy = data.get("autonomy", {})
    if not isinstance(autonomy, dict):
        raise ConfigError("[autonomy] must be a table", path=str(path))
    if autonomy and not trusted:
        # Accepting without a key press is the user's to allow, not a clone's.
        config.notes.append(
            f"ignored [autonomy] in {path}: a repository's config may not turn on "
            "auto-accept; if you wrote it, `tether trust` allows this exact file"
        )
        autonomy = {}
    config.autonomy.update(autonomy)
    review = data.get("review", data)
    if not isinstance(review, dict):
        raise ConfigError("[review] must be a table", path=str(path))
    for key, value in review.items():
        if isinstance(value, dict):
            continue
        if key not in known:
            raise ConfigError(
                f"unknown setting {key!r} (known: {', '.join(sorted(known))})", path=str(path)
            )
        if key in ("seat", "role") and not trusted:
            # A repository may not choose whose name your decisions carry, nor
            # what your seat may do.
            what = "name your seat" if key == "seat" else "choose your seat's role"
            config.notes.append(
                f"ignored {key} in {path}: a repository's config may not {what};"
                " set it in your own config, or `tether trust` this exact file"
            )
            continue
        expected = type(getattr(config, key))
        if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
            raise ConfigError(
                f"{key} must be {KIND_NAMES.get(expected, expected.__name__)} (got {value!r})",
                path=str(path),
                line=line_of(path, key),
            )
        setattr(config, key, value)
    if config.theme not in THEME_NAMES and config.theme not in {f"tether-{t}" for t in THEME_NAMES}:
        names = ", ".join(repr(t) for t in THEME_NAMES)
        raise ConfigError(f"theme must be one of {names}, not {config.theme!r}", path=str(path))


def _merge_loop(config: Config, loop: object, path: Path) -> None:
    if not isinstance(loop, dict):
        raise ConfigError("[loop] must be a table", path=str(path))
    for key, value in loop.items():
        if key == "plan" and isinstance(value, str) and value.strip():
            config.plan = value.strip()
        elif key == "coach" and isinstance(value, bool):
            config.coach = value
        else:
            raise ConfigError(
                f'[loop] {key} = {value!r}: use plan = "a path in the repository" '
                "or coach = true/false",
                path=str(path),
                line=line_of(path, key),
            )


def _merge_checks(config: Config, path: Path, checks: object, *, trusted: bool) -> None:
    """A check names a command to run: like a routing key, a repository's
    config may set one only when the user trusted that exact file."""
    if not isinstance(checks, dict):
        raise ConfigError("[checks] must be a table", path=str(path))
    # Running the project's tests runs the repository's code: the same rule.
    commands = sorted(k for k, v in checks.items() if isinstance(v, dict) or k == "tests")
    if commands and not trusted:
        config.notes.append(
            f"ignored [checks] {', '.join(commands)} in {path}: a repository's config may not "
            "name a command to run; if you wrote it, `tether trust` allows this exact file"
        )
        checks = {k: v for k, v in checks.items() if k not in commands}
    config.checks.update(checks)


def _merge_agent(config: Config, data: dict[str, object], path: Path, *, trusted: bool) -> None:
    """``[agent] command = [...]``: a program Tether would run, so, like where
    requests go, a repository's config may choose it only once trusted."""
    agent = data.get("agent", {})
    if not isinstance(agent, dict):
        raise ConfigError("[agent] must be a table", path=str(path))
    if "command" not in agent:
        return
    command = agent["command"]
    if (
        not isinstance(command, list)
        or not command
        or not all(isinstance(part, str) and part for part in command)
    ):
        raise ConfigError(
            '[agent] command must be a list of words, e.g. ["gemini", "--acp"]',
            path=str(path),
            line=line_of(path, "command"),
        )
    if not trusted:
        config.notes.append(
            f"ignored [agent] command in {path}: a repository's config may not choose a "
            "program to run; if you wrote it, `tether trust` allows this exact file"
        )
        return
    config.agent_command = list(command)


# What a setting's type is called in a message (not Python's "a int").
KIND_NAMES = {int: "a whole number", str: "text in quotes", bool: "true or false"}


def line_of(path: Path, key: str) -> int | None:
    """The line of ``path`` that sets ``key`` (its first), for a message; tomllib
    says where a syntax error is, not where a wrong value was set."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, text in enumerate(lines, start=1):
        name, equals, _ = text.partition("=")
        if equals and name.strip().strip("\"'") == key:
            return number
    return None


def origin_of(root: Path | None, table: str, key: str) -> Path | None:
    """The config file whose ``[table] key`` is in effect (the last one read
    that sets it), to name it in an error about the value."""
    found = None
    for path in _files(root):
        ignored = path.name == REPO_CONFIG and key not in REQUEST_KEYS and not is_trusted(path)
        if table == "provider" and ignored:
            continue  # an untrusted repository's routing key was not applied
        section = _read(path).get(table)
        if isinstance(section, dict) and key in section:
            found = path
    return found


def _files(root: Path | None) -> list[Path]:
    """The config files load_config reads, in order, those that exist."""
    paths = [user_config_dir() / "config.toml"]
    if root is not None:
        paths.append(root / REPO_CONFIG)
    return [path for path in paths if path.is_file()]


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", path=str(path)) from None


# -- trust: a repository config the user vouched for ----------------------------------------


def _trust_file() -> Path:
    return user_config_dir() / "trusted.json"


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None


def _trusted() -> dict[str, str]:
    """Resolved path -> sha256 of the content the user trusted."""
    store = _trust_file()
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the trusted configs: {exc}", path=str(store)) from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ConfigError("the trusted configs must be a JSON object of hashes", path=str(store))
    return data


def is_trusted(path: Path) -> bool:
    """Whether the user trusted this file, as it is now."""
    wanted = _trusted().get(str(path.resolve()))
    return wanted is not None and wanted == _digest(path)


def trust(path: Path) -> dict[str, object]:
    """Trust ``path`` as it is now; returns its [provider] table (to show the user)."""
    provider = _read(path).get("provider", {})
    table = dict(provider) if isinstance(provider, dict) else {}
    store = _trusted()
    store[str(path.resolve())] = _digest(path)
    _save(store)
    return table


def untrust(path: Path) -> bool:
    """Stop trusting ``path``; whether it was trusted."""
    store = _trusted()
    if store.pop(str(path.resolve()), None) is None:
        return False
    _save(store)
    return True


def _save(store: dict[str, str]) -> None:
    target = _trust_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (json.dumps(store, indent=2, sort_keys=True) + "\n").encode()
        atomic_write(target.parent, target.name, data, mode=0o600)
    except OSError as exc:
        raise ConfigError(f"cannot save: {exc.strerror or exc}", path=str(target)) from None
