"""How a file name is shown: control characters escaped, as git quotes them.

A name comes from a diff, a model or the disk, so it may hold bytes a
terminal obeys (ESC starts a sequence that can set the title, clear the
screen or write the clipboard; BEL ends one). Every name the CLI prints and
the TUI draws goes through ``quote_name``, every message that may hold one
through ``safe_text``: one rule for what is unsafe and how it is written.

The rule is git's ``core.quotePath`` quoting (``quote_c_style``): a name
with an unsafe character, ``"`` or ``\\`` is put in double quotes with
C-style escapes (``\\a \\b \\t \\n \\v \\f \\r \\" \\\\``, other bytes as
three-digit octal), so ``a<ESC>b`` reads ``"a\\033b"``, as in ``git status``.
Unlike git's default, readable non-ASCII letters stay as they are; C1
controls, undecodable bytes, and the invisible bidirectional and line
separators (which can make text read differently from what it is) are
escaped as their UTF-8 bytes.
"""

from __future__ import annotations

import unicodedata

_C_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
}
# Format characters that reorder or hide text (the "Trojan Source" set), and
# the Unicode line and paragraph separators.
_INVISIBLE = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


def _unsafe(char: str) -> bool:
    if char.isprintable():
        return char in _INVISIBLE
    # isprintable() is False for spaces other than " " and for joiners too;
    # those are harmless (and needed in some scripts and emoji).
    return unicodedata.category(char) in ("Cc", "Cs") or char in _INVISIBLE


def _escape(char: str) -> str:
    known = _C_ESCAPES.get(char)
    if known is not None:
        return known
    try:
        data = char.encode("utf-8", "surrogateescape")  # a byte os.fsdecode could not decode
    except UnicodeEncodeError:
        data = char.encode("utf-8", "surrogatepass")
    return "".join(f"\\{byte:03o}" for byte in data)


def needs_quoting(name: str) -> bool:
    """Whether ``quote_name`` would change ``name``."""
    return any(c in '"\\' or _unsafe(c) for c in name)


def quote_name(name: str) -> str:
    """``name`` as it is safe to print: unchanged if it needs no quoting,
    else in double quotes with C-style escapes (git's ``core.quotePath``)."""
    if not needs_quoting(name):
        return name
    out = []
    for char in name:
        if char in '"\\':
            out.append("\\" + char)
        elif _unsafe(char):
            out.append(_escape(char))
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def safe_text(text: str) -> str:
    """A message as it is safe to print or draw: unsafe characters escaped as
    ``quote_name`` escapes them (no quotes added; a name inside is quoted by
    whoever put it there). Idempotent, and one line: newlines are escaped."""
    if not any(_unsafe(c) for c in text):
        return text
    return "".join(_escape(c) if _unsafe(c) else c for c in text)


def shorten(name: str, limit: int = 120) -> str:
    """``name`` cut in the middle to at most about ``limit`` characters, so a
    4,000-byte name still fits one line of a message."""
    if len(name) <= limit:
        return name
    return name[: limit // 2] + "…" + name[-(limit // 3) :]
