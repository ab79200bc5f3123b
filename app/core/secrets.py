"""What counts as a secret, in one place: by file name, by path, by content.

Every route that could carry a secret calls this module: the context
packager and the model's ``view`` (never sent to a model), the review's
history (never journaled or copied into the state dir), the baseline scan
(never snapshotted), the generation (never edited by a model) and every
message that might quote a key (``redact``). ``docs/reliability.md`` has the
table of what is withheld and why.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import os
import re
from pathlib import Path

# File names (matched case-insensitively) that hold credentials.
SECRET_NAMES: tuple[str, ...] = (
    ".env",
    ".env.*",
    ".env-*",
    ".env_*",
    "*.env",
    ".envrc",
    "*.pem",
    "*.key",
    "id_rsa*",
    "id_dsa*",
    "id_ed25519*",
    "id_ecdsa*",
    "*.p12",
    "*.pfx",
    "*.ppk",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    ".netrc",
    "_netrc",
    ".npmrc",
    ".pypirc",
    ".pgpass",
    ".htpasswd",
    ".vault-token",
    ".git-credentials",
    ".s3cfg",
    ".boto",
    ".my.cnf",
    ".dockercfg",
    "credentials",
    "credentials.json",
    "credentials.y*ml",
    "credentials.toml",
    "credentials.ini",
    "credentials.xml",
    "credentials.csv",
    "*_accesskeys.csv",
    "client_secret*.json",
    "*service-account*.json",
    "*service_account*.json",
    "secret.*",
    "secrets.*",
    "*.tfvars",
    "*.tfvars.json",
    "*.tfstate",
    "*.tfstate.*",
    "secring.*",
)
# Paths (any depth, case-insensitive) that hold credentials whatever their name.
SECRET_PATHS: tuple[str, ...] = (
    ".aws/*",
    ".docker/config.json",
    ".kube/config",
    ".ssh/*",
    ".gnupg/*",
    ".config/gh/hosts.yml",
    ".config/gcloud/*",
    ".azure/*",
)
# Compatibility name: the name patterns.
SECRET_PATTERNS = SECRET_NAMES

REDACTED = "[redacted]"

# Credentials recognisable by shape: a known prefix and a long random tail.
_TOKEN_SHAPES: tuple[tuple[str, str], ...] = (
    ("an OpenAI or Anthropic API key", r"sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}"),
    ("an AWS access key id", r"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"),
    ("a GitHub token", r"(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
    ("a GitLab token", r"glpat-[A-Za-z0-9_-]{20,}"),
    ("a Slack token", r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("a Google API key", r"AIza[0-9A-Za-z_-]{35}"),
    ("a Stripe key", r"(?:sk|rk)_live_[0-9A-Za-z]{24,}"),
    ("an npm token", r"npm_[A-Za-z0-9]{36}"),
    ("a PyPI token", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}"),
    ("a Hugging Face token", r"hf_[A-Za-z0-9]{34,}"),
    ("a SendGrid key", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
)
_TOKENS = re.compile(
    "|".join(f"(?<![A-Za-z0-9])(?P<t{i}>{rx})" for i, (_, rx) in enumerate(_TOKEN_SHAPES))
)
# A key's random tail has many distinct characters; "sk-xxxxxxxxxxxxxxxx"
# in documentation does not.
_MIN_DISTINCT = 8
# Private keys: PEM blocks (also inside JSON, where the line breaks are "\n"
# escapes), PGP and PuTTY keys, and PEM blocks base64-encoded once more (as
# Kubernetes secrets and CI variables hold them).
# The marker alone on its line, or followed by an escaped line break: code
# that merely mentions the marker (a parser's constant) is not a key.
_BEGIN = r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
_PRIVATE_KEY = re.compile(
    rf"(?m)^[ \t]*{_BEGIN}[ \t]*\r?$|{_BEGIN}(?:\\r)?\\n|^PuTTY-User-Key-File-\d+:"
)
_BASE64_PEM = re.compile(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{20,}")
# Cloud credential files by their fields.
_CREDENTIAL_FIELDS = re.compile(
    r"""(?ix)
    aws_secret_access_key\s*[=:]
    | "private_key"\s*:\s*"
    | "client_secret"\s*:\s*"[^"]{8,}"
    | "refresh_token"\s*:\s*"[^"]{8,}"
    | "auths"\s*:\s*\{\s*"[^"]+"\s*:\s*\{\s*"auth"\s*:
    """
)
# Values shorter than this are not masked by value: masking "ab" everywhere
# would destroy the message and protect nothing.
_MIN_KNOWN = 4


def _matches(path: str, patterns: tuple[str, ...], *, anywhere: bool) -> bool:
    for pattern in patterns:
        if fnmatch.fnmatchcase(path, pattern):
            return True
        if anywhere and fnmatch.fnmatchcase(path, "*/" + pattern):
            return True
    return False


def secret_name(rel: str) -> str:
    """Why ``rel`` names a credentials file ("" when it does not), by name or path."""
    path = rel.replace("\\", "/").strip("/").casefold()
    name = path.rsplit("/", 1)[-1]
    if _matches(name, SECRET_NAMES, anywhere=False):
        return "secret file (deny-list)"
    if _matches(path, SECRET_PATHS, anywhere=True):
        return "secret file (deny-list path)"
    return ""


def is_secret_path(rel: str) -> bool:
    """Whether ``rel`` names a file that likely holds credentials (name or path)."""
    return bool(secret_name(rel))


def secret_text(text: str | bytes | None) -> str:
    """Why this content holds a credential ("" when it does not appear to)."""
    if not text:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if _PRIVATE_KEY.search(text):
        return "holds a private key"
    for match in _BASE64_PEM.finditer(text):
        chunk = match.group(0)
        try:
            decoded = base64.b64decode(chunk[: len(chunk) // 4 * 4])
        except (binascii.Error, ValueError):
            continue
        if b"PRIVATE KEY" in decoded:
            return "holds a private key (base64)"
    if _CREDENTIAL_FIELDS.search(text):
        return "holds cloud credentials"
    for match in _TOKENS.finditer(text):
        if _random_enough(match.group(0)):
            return f"holds {_TOKEN_SHAPES[_group(match)][0]}"
    return ""


def _group(match: re.Match[str]) -> int:
    assert match.lastgroup is not None
    return int(match.lastgroup[1:])


def _random_enough(token: str) -> bool:
    tail = token.rsplit("-", 1)[-1] if "-" in token else token
    return len(set(tail)) >= _MIN_DISTINCT or len(set(token)) >= 2 * _MIN_DISTINCT


def secret_file(root: Path, rel: str, data: str | bytes | None = None) -> str:
    """Why the file ``rel`` under ``root`` is secret ("" when it is not): its
    name, what a symlink points to, another name it has (a hard link), or
    ``data`` (its content, when the caller has it)."""
    reason = secret_name(rel)
    if reason:
        return reason
    full = root / rel
    try:
        real = full.resolve()
        if real != full.absolute():
            target = (
                real.relative_to(root.resolve()).as_posix()
                if real.is_relative_to(root.resolve())
                else real.as_posix()
            )
            if secret_name(target) or secret_name(real.name):
                return f"secret file (deny-list; a link to {target})"
        info = os.stat(full)
    except (OSError, ValueError, RuntimeError):
        info = None
    if info is not None and info.st_nlink > 1 and not os.path.isdir(full):
        return "a hard link (its other name may be a secret file)"
    return secret_text(data)


def is_secret_file(root: Path, rel: str, data: str | bytes | None = None) -> bool:
    """``secret_file``, as a yes or no."""
    return bool(secret_file(root, rel, data))


def redact(text: str, *known: str | None) -> str:
    """``text`` with credential-shaped strings and every ``known`` secret value masked."""
    for value in known:
        if value and len(value) >= _MIN_KNOWN:
            text = text.replace(value, REDACTED)
    text = _PRIVATE_KEY.sub(REDACTED, text)
    return _TOKENS.sub(REDACTED, text)
