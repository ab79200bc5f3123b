"""The diff pane's code highlighted: syntax colours (lexed per hunk side,
cached by text) and the changed words of a line against its partner.

A mixin for ``DiffPane``; the same text with the same highlights is drawn
from a cache of segments.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style

from app.core.model import ADDED, CONTEXT, REMOVED, Hunk
from app.core.text import displayable, strip_eol
from themes import DiffPalette, syntax_colour
from widgets.diff_render import STRIP_CACHE
from widgets.diff_rows import pairs_in_hunk
from widgets.highlight import Tokens, clip_tokens, colour_for, lex_cached, token_colours
from widgets.intraline import Spans, word_spans

if TYPE_CHECKING:
    from pygments.token import _TokenType


class DiffHighlightMixin:
    """A line's code as coloured segments, and where its change is."""

    if TYPE_CHECKING:  # what the pane has
        path: str
        _codes: OrderedDict[tuple[object, ...], list[Segment]]
        _sides: dict[tuple[str, str], tuple[Hunk, dict[int, Tokens]]]
        _pairs: dict[str, tuple[Hunk, dict[int, int]]]

    def _code(
        self,
        hunk: Hunk | None,
        line_index: int,
        text: str,
        kind: str,
        bg: str | None,
        word_bg: str | None,
        pal: DiffPalette,
        window: tuple[int, int] | None = None,
    ) -> list[Segment]:
        # The same text with the same highlights draws the same segments:
        # kept, so moving a row (a decision above it, its numbers shifting)
        # costs a gutter, not a lexer pass and a word diff. ``window``
        # (first character, count): only those characters are drawn.
        key = (
            hunk.id if hunk is not None else "",
            line_index,
            text,
            kind,
            bg,
            pal.pygments_style,
            window,
        )
        cached = self._codes.get(key)
        if cached is not None:
            return cached
        segs = self._code_segments(hunk, line_index, text, kind, bg, word_bg, pal, window)
        self._codes[key] = segs
        if len(self._codes) > STRIP_CACHE:
            self._codes.popitem(last=False)
        return segs

    def _code_segments(
        self,
        hunk: Hunk | None,
        line_index: int,
        text: str,
        kind: str,
        bg: str | None,
        word_bg: str | None,
        pal: DiffPalette,
        window: tuple[int, int] | None = None,
    ) -> list[Segment]:
        tokens = self._line_tokens(hunk, line_index, text, kind)
        spans = self._word_spans(hunk, line_index, text, kind)
        if window is not None:
            first, count = window
            tokens = clip_tokens(tokens, first, count)
            spans = tuple(
                (max(0, s - first), min(count, e - first))
                for s, e in spans
                if e > first and s < first + count
            )
        colours = token_colours(pal.pygments_style)
        segs: list[Segment] = []
        pos = 0
        for ttype, value in tokens:
            fg = syntax_colour(colour_for(colours, ttype) or pal.text, pal)
            start = pos
            end = pos + len(value)
            pos = end
            cuts = sorted({start, end, *[c for s in spans for c in s if start < c < end]})
            for a, b in zip(cuts, cuts[1:], strict=False):
                piece = displayable(value[a - start : b - start])
                in_word = any(s <= a < e for s, e in spans)
                segs.append(Segment(piece, Style(color=fg, bgcolor=word_bg if in_word else bg)))
        # Neighbouring tokens of one colour become one segment: every segment of
        # every line on screen passes through Textual's colour filter per frame.
        return list(Segment.simplify(segs))

    def _word_spans(self, hunk: Hunk | None, line_index: int, text: str, kind: str) -> Spans:
        """The changed words of a changed line that has a partner line."""
        if hunk is None or kind not in (ADDED, REMOVED):
            return ()
        partner = self._pairs_for(hunk).get(line_index)
        if partner is None:
            return ()
        other = strip_eol(hunk.lines[partner].raw)
        if kind == REMOVED:
            return word_spans(text, other)[0]
        return word_spans(other, text)[1]

    def _changed_spans(self, hunk: Hunk | None, line_index: int, text: str, kind: str) -> Spans:
        """Where a line's change is: its changed words, else (an added or
        removed line without a partner, or one too different) all of it."""
        if kind not in (ADDED, REMOVED):
            return ()
        spans = self._word_spans(hunk, line_index, text, kind)
        if spans:
            return spans
        # A line that differs only in leading/trailing space still has a place.
        return ((0, max(1, len(text))),)

    def _pairs_for(self, hunk: Hunk) -> dict[int, int]:
        cached = self._pairs.get(hunk.id)
        if cached is None or cached[0] is not hunk:
            cached = self._pairs[hunk.id] = (hunk, pairs_in_hunk(hunk))
        return cached[1]

    def _line_tokens(self, hunk: Hunk | None, line_index: int, text: str, kind: str) -> Tokens:
        if hunk is None or line_index < 0:
            return lex_cached(self.path, (text,))[0]
        side = "old" if kind == REMOVED else "new"
        cached = self._sides.get((hunk.id, side))
        if cached is None or cached[0] is not hunk:
            wanted = (CONTEXT, REMOVED) if side == "old" else (CONTEXT, ADDED)
            members = [i for i, ln in enumerate(hunk.lines) if ln.kind in wanted]
            lexed = lex_cached(self.path, tuple(strip_eol(hunk.lines[i].raw) for i in members))
            cached = self._sides[(hunk.id, side)] = (hunk, dict(zip(members, lexed, strict=True)))
        found = cached[1].get(line_index)
        return found if found is not None else [(_text_token(), text)]


def _text_token() -> _TokenType:
    from pygments.token import Text

    return Text
