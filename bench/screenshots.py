"""``python -m bench.screenshots``: the README's pictures, from the real apps.

Each main screen (review, loop, watch) runs headless on the bundled sample,
is exported as Textual's SVG, and is rendered to ``docs/screenshot-*.png``
with a monospace font installed here (Textual's SVG asks for Fira Code from
the web, which a converter cannot fetch: it fell back to a proportional
font). Needs cairosvg (``pip install -e '.[docs]'``); offline, no key.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot

DOCS = Path(__file__).resolve().parent.parent / "docs"
SIZE = (120, 34)
FONTS = ("DejaVu Sans Mono", "Liberation Mono", "Menlo", "Consolas")


def _monospace() -> str:
    """A monospace family fontconfig has (the first of ``FONTS``)."""
    try:
        listed = subprocess.run(
            ["fc-list", ":spacing=mono", "family"], capture_output=True, text=True, check=False
        ).stdout
    except OSError:
        listed = ""
    for font in FONTS:
        if font in listed:
            return font
    return "monospace"


def to_png(svg: str, target: Path) -> None:
    import cairosvg

    font = _monospace()
    svg = re.sub(r"font-family: [^;\"]*(Fira Code)[^;\"]*", f'font-family: "{font}"', svg)
    svg = svg.replace('"Fira Code"', f'"{font}"')
    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(target), output_width=1680)


async def _until(pilot: Pilot[object], condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.05)


async def _shoot(
    app: App[object], target: Path, steps: Callable[[Pilot[object]], Awaitable[None]]
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await steps(pilot)
        await pilot.pause()
        to_png(app.export_screenshot(), target)
    print(f"wrote {target}")


async def review(tmp: Path) -> None:
    from app.demo import make_sample_repo
    from app.review.sources import open_review, open_source
    from app.tui.review_app import ReviewApp

    repo = make_sample_repo(tmp / "review" / "inventory")
    source = open_source(None, repo)
    app = ReviewApp(open_review(source), label=source.label)

    async def steps(pilot: Pilot[object]) -> None:
        await pilot.press("right_square_bracket")  # stock.py: several changes

    await _shoot(app, DOCS / "screenshot-review.png", steps)


async def loop(tmp: Path) -> None:
    from app.demo import DEMO_INTRO, SAMPLES, make_sample_repo
    from app.providers.replay import ReplayProvider
    from app.review.sources import open_proposals
    from app.tui.loop_app import LoopApp

    repo = make_sample_repo(tmp / "loop" / "inventory", with_change=False)
    app = LoopApp(
        open_proposals(repo),
        provider=ReplayProvider(SAMPLES / "demo_session.jsonl", speed=0.0),
        provider_label="replay · demo-model",
        start_file="inventory/stock.py",
        intro=DEMO_INTRO,
    )

    async def steps(pilot: Pilot[object]) -> None:
        await pilot.press("i", *("space" if c == " " else c for c in "make remove safe"), "enter")
        await _until(pilot, lambda: app.reviewing and not app.loop.generating, "the model")
        await pilot.press("t")  # the walkthrough beside the hunks

    await _shoot(app, DOCS / "screenshot-loop.png", steps)


async def watch(tmp: Path) -> None:
    from app.demo import SAMPLES, make_sample_repo
    from app.review.sources import open_watch
    from app.tui.watch_app import WatchApp

    repo = make_sample_repo(tmp / "watch" / "inventory", with_change=False)
    service, git = open_watch(repo)
    app = WatchApp(service, root=service.root, git=git)

    async def steps(pilot: Pilot[object]) -> None:
        # An agent writes: the sample change lands on disk while Tether watches.
        subprocess.run(["git", "apply", str(SAMPLES / "change.patch")], cwd=repo, check=True)
        await _until(pilot, lambda: len(service.files) >= 3 and app.pane.hunks, "the watcher")
        await app.workers.wait_for_complete()

    await _shoot(app, DOCS / "screenshot-watch.png", steps)


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tether-shots-") as tmp:
        for shot in (review, loop, watch):
            await shot(Path(tmp))


if __name__ == "__main__":
    try:
        import cairosvg  # noqa: F401
    except ImportError:
        sys.exit("screenshots: cairosvg is missing: pip install -e '.[docs]'")
    asyncio.run(main())
