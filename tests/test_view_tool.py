"""The Anthropic text editor tool's ``view`` in the loop, as Anthropic
documents it: a file's lines led by their numbers (``1: text``), only
``view_range`` when given (1-based, both ends included, -1 for the end of
the file), a folder's non-hidden files and folders two levels deep, and
every failure answered as an error result (``is_error``). Real SDK
streams over a loopback server, the real sample repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from loopback import Loopback, NetworkGuard, Reply, anthropic_stream

from app.edits.model import EditError
from app.edits.str_replace import numbered
from app.providers.anthropic_provider import tool_results_for
from app.review.service import ReviewService
from tests.test_generator import SECRET, STOCK, Messages, generation, run


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    return NetworkGuard(monkeypatch)


def _views(proposal: ReviewService, *inputs: dict[str, object]) -> list[tuple[bool, str]]:
    blocks = [("tool", f"toolu_{i}", {"command": "view", **spec}) for i, spec in enumerate(inputs)]
    gen = generation(proposal)
    with Loopback([Reply(events=anthropic_stream(blocks))]) as server:
        run(Messages().provider(server), gen)
    results = tool_results_for(gen.outcomes)
    assert [r["tool_use_id"] for r in results] == [f"toolu_{i}" for i in range(len(inputs))]
    return [(not r.get("is_error", False), str(r["content"])) for r in results]


def _numbered(text: str, first: int = 1, last: int | None = None) -> str:
    lines = text.splitlines()
    last = len(lines) if last is None else last
    return "\n".join(f"{n}: {lines[n - 1]}" for n in range(first, last + 1))


def test_view_numbers_the_lines_and_honours_view_range(
    proposal: ReviewService, loop_repo: Path
) -> None:
    text = (loop_repo / STOCK).read_text()
    whole, some, rest = _views(
        proposal,
        {"path": STOCK},
        {"path": STOCK, "view_range": [2, 3]},
        {"path": STOCK, "view_range": [4, -1]},
    )
    assert whole == (True, _numbered(text))
    assert some == (True, _numbered(text, 2, 3))
    assert rest == (True, _numbered(text, 4))


BAD_RANGES = {
    "end-before-start": ([3, 2], "second element `2`"),
    "start-zero": ([0, 2], "first element `0`"),
    "past-the-end": ([1, 10_000], "second element `10000`"),
    "start-past-the-end": ([10_000, -1], "first element `10000`"),
    "one-number": ([1], "two integers"),
    "strings": (["1", "2"], "two integers"),
    "not-a-list": (3, "two integers"),
}


@pytest.mark.parametrize("name", sorted(BAD_RANGES))
def test_a_bad_view_range_is_an_error_result(proposal: ReviewService, name: str) -> None:
    value, why = BAD_RANGES[name]
    ((ok, text),) = _views(proposal, {"path": STOCK, "view_range": value})
    assert not ok
    assert text.startswith("Error: Invalid `view_range` parameter") and why in text, text


def test_a_folder_is_listed_two_levels_deep_without_hidden_or_secret_files(
    proposal: ReviewService, loop_repo: Path
) -> None:
    (loop_repo / "inventory/deep/deeper").mkdir(parents=True)
    (loop_repo / "inventory/deep/deeper/far.py").write_text("x = 1\n")
    (loop_repo / "inventory/deep/near.py").write_text("y = 2\n")
    (loop_repo / "inventory/.hidden").write_text("h\n")
    (loop_repo / "inventory/.env").write_text("OPENAI_API_KEY=sk-test\n")
    ((ok, text),) = _views(proposal, {"path": "inventory"})
    assert ok, text
    head, *entries = text.splitlines()
    assert head.startswith("Here are the files and directories up to 2 levels deep in inventory")
    assert STOCK in entries and "inventory/deep/" in entries and "inventory/deep/near.py" in entries
    # Two levels as `find -maxdepth 2` counts them: the folder at level 2, not its files.
    assert "inventory/deep/deeper/" in entries and "inventory/deep/deeper/far.py" not in entries
    assert not any(".hidden" in e or ".env" in e for e in entries)
    ((ok, root),) = _views(proposal, {"path": "."})
    assert ok and "inventory/" in root.splitlines()


def test_a_failed_view_goes_back_with_is_error(proposal: ReviewService, loop_repo: Path) -> None:
    (loop_repo / ".env").write_text("OPENAI_API_KEY=sk-test\n")
    missing, secret, outside = _views(
        proposal, {"path": "no/such.py"}, {"path": ".env"}, {"path": "../x"}
    )
    for ok, text in (missing, secret, outside):
        assert not ok and text.startswith("Error"), text
    assert "sk-test" not in secret[1]


def test_numbered_keeps_each_line_as_it_is() -> None:
    assert numbered("a\r\n\n  b", None, "f") == "1: a\n2: \n3:   b"
    assert numbered("a\nb\nc\n", (2, 2), "f") == "2: b"
    with pytest.raises(EditError):
        numbered("", (1, 1), "f")
