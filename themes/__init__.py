"""Tether's themes: Textual themes plus the diff palette each one uses.

``tether.tcss`` beside this file holds the layout; colours come from theme
variables so both themes share it.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    ),
}

THEMES = {DARK.name: DARK, LIGHT.name: LIGHT}
ALIASES = {"dark": DARK.name, "light": LIGHT.name}


def palette_for(theme_name: str, dark: bool) -> DiffPalette:
    return PALETTES.get(theme_name) or PALETTES["tether-dark" if dark else "tether-light"]
