"""Tether's themes: Textual themes plus the diff palette each one uses.

``tether.tcss`` beside this file holds the layout; colours come from theme
variables so every theme shares it.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from textual.theme import Theme

CSS_PATH = Path(__file__).with_name("tether.tcss")


@dataclass(frozen=True)
class DiffPalette:
    added_bg: str
    removed_bg: str
    added_word_bg: str
    removed_word_bg: str
    added_mark: str
    removed_mark: str
    gutter: str
    hunk_fg: str
    hunk_bg: str
    fold_fg: str
    cursor_bg: str
    selected: str
    text: str
    background: str
    pygments_style: str
    # What a syntax colour too close to an added/removed colour becomes: the
    # +/- marks and the change backgrounds are the diff's words, never a token's.
    syntax_swap: str = ""


# One colour a row, one theme a column, so the themes read side by side.
# High contrast: black and white, the marks at full strength, backgrounds far
# apart. Colour-blind: Okabe-Ito blue for added, orange for removed, told
# apart with any red-green colour blindness (tests/test_themes.py simulates
# deuteranopia).
_NAMES = ("tether-dark", "tether-light", "tether-high-contrast", "tether-colour-blind")
_Row = tuple[str, str, str, str]  # a colour for each of _NAMES, in its order
_IS_DARK = (True, False, True, True)

# fmt: off
_THEME_COLOURS: dict[str, _Row] = {
    #                dark       light      contrast   colour-blind
    "primary":     ("#58a6ff", "#0969da", "#00e5ff", "#56b4e9"),
    "secondary":   ("#bc8cff", "#8250df", "#e0b0ff", "#cc79a7"),
    "accent":      ("#f0b72f", "#9a6700", "#ffff00", "#f0e442"),
    "warning":     ("#d29922", "#9a6700", "#ffff00", "#e69f00"),
    "error":       ("#f85149", "#cf222e", "#ff4d4d", "#e69f00"),
    "success":     ("#3fb950", "#1a7f37", "#00ff66", "#56b4e9"),
    "foreground":  ("#e6edf3", "#1f2328", "#ffffff", "#e6edf3"),
    "background":  ("#0d1117", "#ffffff", "#000000", "#0d1117"),
    "surface":     ("#161b22", "#f6f8fa", "#0a0a0a", "#161b22"),
    "panel":       ("#1f2630", "#eaeef2", "#262626", "#1f2630"),
}

# The diff's own colours; its marks, selection, text and background are the
# theme's success, error, accent, foreground and background (see _palette).
_DIFF_COLOURS: dict[str, _Row] = {
    "added_bg":        ("#0f2d1a", "#e6ffec", "#003d1a", "#06263d"),
    "removed_bg":      ("#3a1418", "#ffebe9", "#4d0000", "#3d2600"),
    "added_word_bg":   ("#1d6b37", "#abf2bc", "#00802b", "#0b5a8f"),
    "removed_word_bg": ("#8c2a2f", "#ffb8b3", "#b30000", "#8f5a00"),
    "gutter":          ("#6e7681", "#6e7781", "#c0c0c0", "#8b949e"),
    "hunk_fg":         ("#79c0ff", "#0550ae", "#00e5ff", "#cc79a7"),
    "hunk_bg":         ("#161b22", "#ddf4ff", "#1a1a1a", "#161b22"),
    "fold_fg":         ("#8b949e", "#57606a", "#d0d0d0", "#8b949e"),
    "cursor_bg":       ("#2a3950", "#d8e6fb", "#303f9f", "#3a3a4a"),
    "pygments_style":  ("github-dark", "default", "github-dark", "github-dark"),
    # Colour-blind: most of github-dark is blue or orange there, so those tokens go plain.
    "syntax_swap":     ("#d2a8ff", "#8250df", "#e0b0ff", "#e6edf3"),
}
# fmt: on


def _column(table: dict[str, _Row], index: int) -> dict[str, str]:
    return {role: colours[index] for role, colours in table.items()}


def _theme(index: int) -> Theme:
    c = _column(_THEME_COLOURS, index)
    return Theme(
        name=_NAMES[index],
        primary=c["primary"],
        secondary=c["secondary"],
        accent=c["accent"],
        warning=c["warning"],
        error=c["error"],
        success=c["success"],
        foreground=c["foreground"],
        background=c["background"],
        surface=c["surface"],
        panel=c["panel"],
        dark=_IS_DARK[index],
    )


def _palette(index: int) -> DiffPalette:
    c = _column(_THEME_COLOURS, index) | _column(_DIFF_COLOURS, index)
    return DiffPalette(
        added_bg=c["added_bg"],
        removed_bg=c["removed_bg"],
        added_word_bg=c["added_word_bg"],
        removed_word_bg=c["removed_word_bg"],
        added_mark=c["success"],
        removed_mark=c["error"],
        gutter=c["gutter"],
        hunk_fg=c["hunk_fg"],
        hunk_bg=c["hunk_bg"],
        fold_fg=c["fold_fg"],
        cursor_bg=c["cursor_bg"],
        selected=c["accent"],
        text=c["foreground"],
        background=c["background"],
        pygments_style=c["pygments_style"],
        syntax_swap=c["syntax_swap"],
    )


DARK, LIGHT, HIGH_CONTRAST, COLOUR_BLIND = (_theme(i) for i in range(len(_NAMES)))
THEMES = {t.name: t for t in (DARK, LIGHT, HIGH_CONTRAST, COLOUR_BLIND)}
PALETTES: dict[str, DiffPalette] = {name: _palette(i) for i, name in enumerate(_NAMES)}
ALIASES = {name.removeprefix("tether-"): name for name in THEMES} | {
    "color-blind": COLOUR_BLIND.name
}


def palette_for(theme_name: str, dark: bool) -> DiffPalette:
    return PALETTES.get(theme_name) or PALETTES["tether-dark" if dark else "tether-light"]


def _hue_sat(colour: str) -> tuple[float, float]:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, _light, sat = colorsys.rgb_to_hls(r, g, b)
    return hue * 360, sat


def _near(a: float, b: float, within: float) -> bool:
    return min(abs(a - b), 360 - abs(a - b)) < within


@lru_cache(maxsize=4096)
def syntax_colour(colour: str, pal: DiffPalette) -> str:
    """A syntax colour as a diff row may use it: a saturated colour within
    40° of hue of the added or removed mark would read as a change (a red
    Markdown bullet beside a green ``+``), so it becomes the palette's swap
    colour. Everything else tints the text as the style says."""
    if not (colour.startswith("#") and len(colour) == 7 and pal.syntax_swap):
        return colour
    hue, sat = _hue_sat(colour)
    if sat < 0.3:
        return colour  # greys and near-greys never look like a mark
    for mark in (pal.added_mark, pal.removed_mark):
        if _near(hue, _hue_sat(mark)[0], 40):
            return pal.syntax_swap
    return colour
