"""A 5 MB one-line file is drawn at the cost of the screen (issue 10).

Counted, never timed: the text handed to pygments, the characters of the
segments built for the long row, and the app answering ``j``, ``v`` and
``q`` (Pilot's ``press`` returning and the app exiting are events).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import GIT_ID, build_app, git
from pygments.lexer import Lexer

from widgets.highlight import LEX_LIMIT, clip_tokens, lex_lines

SIZE = (160, 50)
FIVE_MB = 5_000_000
PIECE = "function f(a,b){return a+b*2};var s='x';"


@pytest.fixture
def minified(tmp_path: Path, isolated_home: Path) -> Path:
    """A repository whose one file is a 5 MB line, changed in three places."""
    repo = tmp_path / "repo"
    repo.mkdir()
    old = (PIECE * (FIVE_MB // len(PIECE) + 1))[:FIVE_MB]
    new = "Z" + old[1 : FIVE_MB // 2] + "Z" + old[FIVE_MB // 2 + 1 : -1] + "Z"
    (repo / "app.min.js").write_text(old + "\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, *GIT_ID, "-c", "commit.gpgsign=false", "commit", "-qm", "minified")
    (repo / "app.min.js").write_text(new + "\n")
    return repo


@pytest.fixture
def lexed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The length of every text handed to a pygments lexer."""
    sizes: list[int] = []
    real = Lexer.get_tokens

    def spy(self: Lexer, text: str, *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(text))
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Lexer, "get_tokens", spy)
    yield sizes


def _drawn(app: Any) -> list[int]:
    """Characters in each line's code segments the pane has built."""
    return [sum(len(seg.text) for seg in segs) for segs in app.pane._codes.values()]


async def test_a_five_megabyte_line_is_lexed_and_drawn_only_as_far_as_seen(
    minified: Path, lexed: list[int]
) -> None:
    app = build_app(minified)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert len(app.pane.hunks) == 1
        assert lexed and max(lexed) <= LEX_LIMIT
        drawn = _drawn(app)
        assert drawn and max(drawn) <= SIZE[0]
        # Scrolled far along the line (a mouse's sideways scroll does this).
        app.pane.scroll_to(x=FIVE_MB // 2, animate=False, immediate=True)
        await pilot.pause()
        assert app.pane.scroll_x == FIVE_MB // 2
        assert max(_drawn(app)) <= SIZE[0]
        await pilot.press("v")
        await pilot.pause()
        assert app.pane.split_view
        assert max(lexed) <= LEX_LIMIT and max(_drawn(app)) <= SIZE[0]


async def test_the_app_answers_j_v_and_q_on_a_five_megabyte_line(minified: Path) -> None:
    app = build_app(minified)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j")
        await pilot.press("v")
        assert app.pane.split_view
        await pilot.press("v")
        assert not app.pane.split_view
        await pilot.press("q", "q")
    assert app.return_value is not None


def test_a_line_past_the_limit_keeps_its_rest_as_plain_text() -> None:
    line = "var x = 1; " * (LEX_LIMIT // 5)
    (tokens,) = lex_lines("a.js", (line,))
    assert "".join(v for _, v in tokens) == line
    assert tokens[-1][1] == line[LEX_LIMIT:]
    short, long_, after = lex_lines("a.js", ("var a;", line, "var b;"))
    assert "".join(v for _, v in long_) == line
    assert "".join(v for _, v in after) == "var b;"


def test_clipped_tokens_are_the_window_of_the_text() -> None:
    tokens = lex_lines("a.py", ("def f(x): return x + 1  # one",))[0]
    text = "".join(v for _, v in tokens)
    for start in range(len(text) + 2):
        for count in (0, 1, 3, 7, 100):
            clipped = clip_tokens(tokens, start, count)
            assert "".join(v for _, v in clipped) == text[start : start + count]
