"""Colours that don't lie: four themes, the +/- marks and change backgrounds
never overridden by syntax colours, the colour-blind palette checked under a
simulated deuteranopia, and the split view highlighted like the unified one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import build_app, commit_all
from tui_helpers import press, settle

from app.core.theme_names import THEME_NAMES
from themes import ALIASES, PALETTES, THEMES, DiffPalette, syntax_colour

# Machado, Oliveira & Fernandes (2009), deuteranopia at severity 1.0, on linear RGB.
DEUTERANOPIA = (
    (0.367322, 0.860646, -0.227968),
    (0.280085, 0.672501, 0.047413),
    (-0.011820, 0.042940, 0.968881),
)


def _linear(colour: str) -> list[float]:
    out = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(linear: list[float]) -> tuple[float, float, float]:
    r, g, b = linear
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def seen_apart(a: str, b: str, *, deuteranope: bool) -> float:
    """CIE76 ΔE between two colours, as a deuteranope sees them (or not)."""
    la, lb = _linear(a), _linear(b)
    if deuteranope:
        la, lb = (
            [
                max(0.0, min(1.0, sum(m * c for m, c in zip(row, v, strict=True))))
                for row in DEUTERANOPIA
            ]
            for v in (la, lb)
        )
    return sum((p - q) ** 2 for p, q in zip(_lab(la), _lab(lb), strict=True)) ** 0.5


def test_every_theme_name_has_a_theme_and_a_palette() -> None:
    for name in THEME_NAMES:
        full = ALIASES[name]
        assert full in THEMES and full in PALETTES


def test_the_colour_blind_palette_stays_apart_under_deuteranopia() -> None:
    cb = PALETTES["tether-colour-blind"]
    dark = PALETTES["tether-dark"]
    pairs = (("added_mark", "removed_mark", 40), ("added_word_bg", "removed_word_bg", 30))
    for first, second, least in pairs:
        apart = seen_apart(getattr(cb, first), getattr(cb, second), deuteranope=True)
        assert apart > least, (first, apart)
        # The red/green theme is what a deuteranope cannot tell apart.
        assert apart > 4 * seen_apart(getattr(dark, first), getattr(dark, second), deuteranope=True)
    assert seen_apart(cb.added_bg, cb.removed_bg, deuteranope=True) > 15


def test_high_contrast_text_stands_out_from_every_background() -> None:
    hc = PALETTES["tether-high-contrast"]
    for bg in (hc.background, hc.added_bg, hc.removed_bg, hc.cursor_bg, hc.hunk_bg):
        assert seen_apart(hc.text, bg, deuteranope=False) > 60, bg


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_a_syntax_colour_like_a_mark_is_swapped(name: str) -> None:
    pal: DiffPalette = PALETTES[name]
    for mark in (pal.added_mark, pal.removed_mark):
        assert syntax_colour(mark, pal) == pal.syntax_swap
    assert syntax_colour(pal.gutter, pal) == pal.gutter  # a grey stays


MARKDOWN_OLD = "# Notes\n\n- [Short intro](intro.md)\n- Old bug\n"
MARKDOWN_NEW = "# Notes\n\n- [Short intro](intro.md)\n- Fixed bug in the parser\n"


@pytest.fixture
def markdown_repo(tmp_path: Path, isolated_home: Path) -> Path:
    repo = tmp_path / "md"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "NOTES.md").write_text(MARKDOWN_OLD, encoding="utf-8")
    commit_all(repo, "notes")
    (repo / "NOTES.md").write_text(MARKDOWN_NEW, encoding="utf-8")
    return repo


def _dash_colour(app: object, kind: str) -> str:
    """The colour the Markdown bullet (the first "-" of the code) is drawn in,
    on the first row of ``kind``."""
    pane = app.pane  # type: ignore[attr-defined]
    index = next(i for i, r in enumerate(pane.rows) if r.kind == kind and r.text.startswith("-"))
    strip = pane._strip(index, 100, 0, app.current_theme.name)  # type: ignore[attr-defined]
    prefix = 2 + 2 * pane._gutter + 2 + 2  # cursor, mark, numbers, sign and its space
    cells = 0
    for seg in strip:
        if cells >= prefix and seg.text.strip().startswith("-"):
            return seg.style.color.name  # type: ignore[union-attr]
        cells += len(seg.text)
    raise AssertionError("no bullet drawn")


@pytest.mark.parametrize("theme", THEME_NAMES)
async def test_markdown_bullets_never_take_a_marks_colour(markdown_repo: Path, theme: str) -> None:
    """Bug: with github-dark, a Markdown list bullet is red (a Keyword), so
    ``+ - Fixed bug`` showed a red dash beside the green plus and a context
    line ``- [Short …`` looked like a removal."""
    app = build_app(markdown_repo, theme=theme)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pal = PALETTES[ALIASES[theme]]
        for kind in ("+", "-", " "):
            colour = _dash_colour(app, kind)
            assert colour not in (pal.added_mark, pal.removed_mark), (kind, colour)
            assert syntax_colour(colour, pal) == colour  # nothing near a mark's hue


async def test_split_view_keeps_syntax_highlighting(markdown_repo: Path) -> None:
    app = build_app(markdown_repo)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        pane = app.pane
        theme = app.current_theme.name

        def colours() -> set[str]:
            found: set[str] = set()
            for i, row in enumerate(pane.rows):
                if row.hunk and row.kind != "hunk":
                    found |= {
                        s.style.color.name
                        for s in pane._strip(i, 120, 0, theme)
                        if s.style and s.style.color
                    }
            return found

        unified = colours()
        await press(pilot, "v")
        assert pane.split_view
        split = colours()
        syntax = unified - {PALETTES["tether-dark"].gutter, PALETTES["tether-dark"].text}
        assert len(syntax) > 3 and syntax <= split


async def test_the_palettes_theme_picker_offers_all_four_and_the_diff_follows(
    markdown_repo: Path,
) -> None:
    app = build_app(markdown_repo)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert {ALIASES[t] for t in THEME_NAMES} <= set(app.available_themes)
        app.theme = "tether-colour-blind"  # what the palette's "Theme" command does
        await pilot.pause()
        index = next(i for i, r in enumerate(app.pane.rows) if r.kind == "+")
        strip = app.pane.render_line(index - int(app.pane.scroll_y))
        cb = PALETTES["tether-colour-blind"]
        assert any(
            s.style and s.style.bgcolor and s.style.bgcolor.name == cb.added_bg for s in strip
        )


@pytest.mark.parametrize("command", ["review", "watch", "loop", "demo", "inbox"])
def test_every_command_with_a_theme_takes_all_four(command: str) -> None:
    from app.cli import build_parser

    parser = build_parser()
    for name in THEME_NAMES:
        assert parser.parse_args([command, "--theme", name]).theme == name
    with pytest.raises(SystemExit):
        parser.parse_args([command, "--theme", "neon"])


def test_the_config_names_the_four_themes_on_a_bad_one(tmp_path: Path, isolated_home: Path) -> None:
    from app.core.config import load_config
    from app.core.errors import ConfigError

    (tmp_path / ".tether.toml").write_text('theme = "neon"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert "'high-contrast'" in str(caught.value) and "'colour-blind'" in str(caught.value)
