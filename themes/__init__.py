"""Tether's themes: Textual themes plus the diff palette each one uses.

``tether.tcss`` beside this file holds the layout; colours come from theme
variables so both themes share it.
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


DARK = Theme(
    name="tether-dark",
    primary="#58a6ff",
    secondary="#bc8cff",
    accent="#f0b72f",
    warning="#d29922",
    error="#f85149",
    success="#3fb950",
    foreground="#e6edf3",
    background="#0d1117",
    surface="#161b22",
    panel="#1f2630",
    dark=True,
)

LIGHT = Theme(
    name="tether-light",
    primary="#0969da",
    secondary="#8250df",
    accent="#9a6700",
    warning="#9a6700",
    error="#cf222e",
    success="#1a7f37",
    foreground="#1f2328",
    background="#ffffff",
    surface="#f6f8fa",
    panel="#eaeef2",
    dark=False,
)

PALETTES: dict[str, DiffPalette] = {
    "tether-dark": DiffPalette(
        added_bg="#0f2d1a",
        removed_bg="#3a1418",
        added_word_bg="#1d6b37",
        removed_word_bg="#8c2a2f",
        added_mark="#3fb950",
        removed_mark="#f85149",
        gutter="#6e7681",
        hunk_fg="#79c0ff",
        hunk_bg="#161b22",
        fold_fg="#8b949e",
        cursor_bg="#2a3950",
        selected="#f0b72f",
        text="#e6edf3",
        background="#0d1117",
        pygments_style="github-dark",
        syntax_swap="#d2a8ff",
    ),
    "tether-light": DiffPalette(
        added_bg="#e6ffec",
        removed_bg="#ffebe9",
        added_word_bg="#abf2bc",
        removed_word_bg="#ffb8b3",
        added_mark="#1a7f37",
        removed_mark="#cf222e",
        gutter="#6e7781",
        hunk_fg="#0550ae",
        hunk_bg="#ddf4ff",
        fold_fg="#57606a",
        cursor_bg="#d8e6fb",
        selected="#9a6700",
        text="#1f2328",
        background="#ffffff",
        pygments_style="default",
        syntax_swap="#8250df",
    ),
    # Black and white, the marks at full strength, backgrounds far apart.
    "tether-high-contrast": DiffPalette(
        added_bg="#003d1a",
        removed_bg="#4d0000",
        added_word_bg="#00802b",
        removed_word_bg="#b30000",
        added_mark="#00ff66",
        removed_mark="#ff4d4d",
        gutter="#c0c0c0",
        hunk_fg="#00e5ff",
        hunk_bg="#1a1a1a",
        fold_fg="#d0d0d0",
        cursor_bg="#303f9f",
        selected="#ffff00",
        text="#ffffff",
        background="#000000",
        pygments_style="github-dark",
        syntax_swap="#e0b0ff",
    ),
    # Okabe-Ito blue for added, orange for removed: told apart with any
    # red-green colour blindness (tests/test_themes.py simulates deuteranopia).
    "tether-colour-blind": DiffPalette(
        added_bg="#06263d",
        removed_bg="#3d2600",
        added_word_bg="#0b5a8f",
        removed_word_bg="#8f5a00",
        added_mark="#56b4e9",
        removed_mark="#e69f00",
        gutter="#8b949e",
        hunk_fg="#cc79a7",
        hunk_bg="#161b22",
        fold_fg="#8b949e",
        cursor_bg="#3a3a4a",
        selected="#f0e442",
        text="#e6edf3",
        background="#0d1117",
        pygments_style="github-dark",
        # Most of github-dark is blue or orange here: those tokens go plain.
        syntax_swap="#e6edf3",
    ),
}

HIGH_CONTRAST = Theme(
    name="tether-high-contrast",
    primary="#00e5ff",
    secondary="#e0b0ff",
    accent="#ffff00",
    warning="#ffff00",
    error="#ff4d4d",
    success="#00ff66",
    foreground="#ffffff",
    background="#000000",
    surface="#0a0a0a",
    panel="#262626",
    dark=True,
)

COLOUR_BLIND = Theme(
    name="tether-colour-blind",
    primary="#56b4e9",
    secondary="#cc79a7",
    accent="#f0e442",
    warning="#e69f00",
    error="#e69f00",
    success="#56b4e9",
    foreground="#e6edf3",
    background="#0d1117",
    surface="#161b22",
    panel="#1f2630",
    dark=True,
)

THEMES = {t.name: t for t in (DARK, LIGHT, HIGH_CONTRAST, COLOUR_BLIND)}
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
