"""Lazy syntax highlighting with pygments.

Only what is on screen is ever lexed: a hunk's old and new sides are lexed as
two small runs (so a multi-line string inside a hunk still colours right) the
first time one of their rows is drawn. Results are kept by the text itself
(``lex_cached``), so the same text is never lexed twice: not when a decision
shifts a hunk, not when the view toggles, not when a file is shown again.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import lru_cache

from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name, get_lexer_for_filename
from pygments.styles import get_style_by_name
from pygments.token import Token, _TokenType
from pygments.util import ClassNotFound

Tokens = list[tuple[_TokenType, str]]

# A line is lexed up to here and the rest shown plain: pygments on a 5 MB
# minified line takes tens of seconds and makes a segment of every token.
# (A line cut here may leave a string open for the lines after it in the
# same run; they colour as pygments reads them.)
LEX_LIMIT = 2_000
# A line longer than this is drawn from its visible columns only (a column
# counted as a character there: a tab or a wide character shifts the rest).
WINDOW_OVER = 1_000


@lru_cache(maxsize=1)
def _by_suffix() -> dict[str, str]:
    """Lexer alias per plain ``*.ext`` pattern, from pygments' own table: a
    dictionary look-up instead of matching ~900 filename patterns (≈80 ms)."""
    from pygments.lexers._mapping import LEXERS

    table: dict[str, str] = {}
    for _module, _name, aliases, patterns, _mimes in LEXERS.values():
        for pattern in patterns:
            suffix = pattern[1:]
            if aliases and pattern.startswith("*.") and not any(c in suffix for c in "*?[]"):
                table.setdefault(suffix.lower(), aliases[0])
    return table


@lru_cache(maxsize=256)
def lexer_for(path: str) -> Lexer:
    name = path.rsplit("/", 1)[-1]
    if "." in name:
        alias = _by_suffix().get("." + name.rsplit(".", 1)[1].lower())
        if alias:
            try:
                return get_lexer_by_name(alias, stripnl=False, ensurenl=False)
            except ClassNotFound:
                pass
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def lex_lines(path: str, lines: tuple[str, ...]) -> list[Tokens]:
    """Tokens for each line (lines have no terminators); past ``LEX_LIMIT``
    characters a line's rest is one plain token."""
    lexer = lexer_for(path)
    out: list[Tokens] = [[]]
    heads = [line[:LEX_LIMIT] if len(line) > LEX_LIMIT else line for line in lines]
    for ttype, value in lexer.get_tokens("\n".join(heads)):
        parts = value.split("\n")
        for k, part in enumerate(parts):
            if k:
                out.append([])
            if part:
                out[-1].append((ttype, part))
    while len(out) < len(lines):
        out.append([])
    out = out[: len(lines)]
    for i, line in enumerate(lines):
        if len(line) > LEX_LIMIT:
            out[i].append((Token.Text, line[LEX_LIMIT:]))
    return out


def clip_tokens(tokens: Tokens, start: int, count: int) -> Tokens:
    """The tokens' characters ``start`` to ``start + count``: what a window
    onto a long line shows (see ``WINDOW_OVER``)."""
    end = start + count
    out: Tokens = []
    pos = 0
    for ttype, value in tokens:
        after = pos + len(value)
        if after > start and pos < end:
            out.append((ttype, value[max(0, start - pos) : end - pos]))
        if after >= end:
            break
        pos = after
    return out


_LEXED: OrderedDict[tuple[str, tuple[str, ...]], list[Tokens]] = OrderedDict()
_LEXED_MAX = 8192


def lex_cached(path: str, lines: tuple[str, ...]) -> list[Tokens]:
    """``lex_lines``, remembered by lexer and text (least recently used go)."""
    key = (lexer_for(path).name, lines)
    found = _LEXED.get(key)
    if found is not None:
        _LEXED.move_to_end(key)
        return found
    found = _LEXED[key] = lex_lines(path, lines)
    if len(_LEXED) > _LEXED_MAX:
        _LEXED.popitem(last=False)
    return found


@lru_cache(maxsize=8)
def token_colours(style_name: str) -> dict[_TokenType, str]:
    """Foreground colour per token type for a pygments style."""
    style = get_style_by_name(style_name)
    colours: dict[_TokenType, str] = {}
    for ttype, spec in style:
        if spec["color"]:
            colours[ttype] = "#" + spec["color"]
    return colours


def colour_for(colours: dict[_TokenType, str], ttype: _TokenType) -> str | None:
    current: _TokenType | None = ttype
    while current is not None and current is not Token:
        found = colours.get(current)
        if found:
            return found
        current = current.parent
    return colours.get(Token)
