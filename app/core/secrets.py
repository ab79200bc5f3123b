"""What counts as a secret, in one place: secret file names and key-like text.

Every rule about secrets calls this module: the context packager (never sent
to a model), the session (never journaled or copied into the state dir), the
baseline scan (never snapshotted), the generation (never edited by a model)
and every message that might quote a key (``redact``).
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

# File names (matched case-insensitively) whose contents are never sent to a
# model, journaled, or copied into Tether's state.
SECRET_PATTERNS: tuple[str, ...] = (
    ".env",
    ".env.*",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_ed25519*",
    "id_ecdsa*",
    "*.p12",
    "*.pfx",
    ".netrc",
    ".npmrc",
    ".pypirc",
    "credentials.json",
    "secrets.*",
)

REDACTED = "[redacted]"

# API keys that are recognisable by shape: OpenAI and Anthropic keys, AWS
# access key ids. Anything else is masked only when its exact value is known.
_KEY_SHAPES = re.compile(
    r"(?<![A-Za-z0-9])sk-(?:ant-)?[A-Za-z0-9_-]{16,}|(?<![A-Z0-9])AKIA[0-9A-Z]{16}(?![0-9A-Z])"
)
# Values shorter than this are not masked by value: masking "ab" everywhere
# would destroy the message and protect nothing.
_MIN_KNOWN = 4


def is_secret_path(rel: str) -> bool:
    """Whether ``rel`` names a file that likely holds credentials (by file name)."""
    name = rel.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].casefold()
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in SECRET_PATTERNS)


def is_secret_file(root: Path, rel: str) -> bool:
    """``is_secret_path`` for the name and, for a symlink, for what it points to."""
    if is_secret_path(rel):
        return True
    try:
        real = (root / rel).resolve()
        target = real.relative_to(root.resolve()).as_posix()
    except (OSError, ValueError):
        return False
    return is_secret_path(target) or is_secret_path(real.name)


def redact(text: str, *known: str | None) -> str:
    """``text`` with key-shaped strings and every ``known`` secret value masked."""
    for value in known:
        if value and len(value) >= _MIN_KNOWN:
            text = text.replace(value, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, text)
