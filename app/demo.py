"""``tether demo``: the whole loop on a bundled sample, offline, no key.

A throw-away copy of a small sample project becomes a git repository, and
the generation loop opens on it with the replay provider streaming a
recorded session (``samples/demo_session.jsonl``) at its original pace.
``tether demo --review`` instead leaves a sample change in the working tree
and opens ``tether review`` on it.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from app.core.config import load_config

SAMPLES = Path(__file__).with_name("samples")

_GIT_ID = (
    "-c",
    "user.name=Tether demo",
    "-c",
    "user.email=demo@tether.invalid",
    "-c",
    "commit.gpgsign=false",
)


DEMO_INTRO = """Welcome to the Tether demo. A recorded model answers: offline, no key.

1. Press i, type a request (e.g. "make remove() safe") and press enter. Hunks appear while the model is still writing.

2. Every hunk is checked as it arrives: the OutOfStock hunk gets ✗ from ruff while the model is still writing (its base class, StockError, exists nowhere). y accepts a hunk (it is written to the sample's files), n rejects it. One edit's SEARCH text does not match: Tether shows the error and sends it back to the model once; the corrected hunk follows.

3. The report.py hunk is out of leash: the slider is at "file", so only inventory/stock.py may change. w widens for that one hunk.

4. r rejects a hunk with a reason; only that part is regenerated. On the ✗ hunk r pre-fills ruff's message: enter sends it back, and the regenerated hunk gets ✓.

5. Press - twice (slider to "line": leash 5 lines), then i, and ask to "align the report columns". The proposal is held over the leash: p asks for a plan of small steps, g carries out each step.

6. c shows or hides this panel; after a prompt it shows exactly what was sent, and t brings this walkthrough back. ? lists every key; q quits with a summary.
"""


NO_RUFF = (
    "\nruff was not found (on the PATH or beside Tether's Python): only py_compile "
    "checks the hunks, so step 2's ✗ does not appear. pip install ruff to see it.\n"
)


def ruff_note() -> str:
    """What the walkthrough says when the check its step 2 shows cannot run."""
    from app.review.checks import builtin_specs

    return "" if any(spec.name == "ruff" for spec in builtin_specs()) else NO_RUFF


class Hangup(SystemExit):
    """The terminal went away or the demo was told to stop (SIGHUP, SIGTERM)."""


@contextmanager
def exit_on_signals() -> Iterator[None]:
    """SIGHUP and SIGTERM become an exit that runs ``finally`` blocks (by
    default they end the process on the spot, leaving the temporary copy
    behind): the app stops, the copy is removed, the status is 128 + signal."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Hangup(128 + signum)

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def make_sample_repo(target: Path, *, with_change: bool = True) -> Path:
    """Copy the sample project to ``target`` and commit it; with ``with_change``
    leave the sample change unstaged in the working tree."""
    shutil.copytree(SAMPLES / "project", target)
    git = ["git", *_GIT_ID]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "inventory: first version"], cwd=target, check=True)
    if not with_change:
        return target
    subprocess.run(
        [*git, "apply", str(SAMPLES / "change.patch")], cwd=target, check=True, capture_output=True
    )
    return target


def run_demo(
    *,
    theme: str | None = None,
    keep: bool = False,
    review: bool = False,
    speed: float = 1.0,
    teach: bool = False,
    coach: bool = False,
) -> int:
    with exit_on_signals():
        tmp = Path(tempfile.mkdtemp(prefix="tether-demo-"))
        try:
            return _run_in(
                tmp, theme=theme, review=review, speed=speed, teach=teach, coach=coach, keep=keep
            )
        finally:
            if keep:
                print(f"sample kept at {tmp / 'inventory'}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)


def _run_in(
    tmp: Path,
    *,
    theme: str | None,
    review: bool,
    speed: float,
    teach: bool,
    coach: bool,
    keep: bool,
) -> int:
    from app.review.sources import open_review, open_source
    from app.tui.launch import run_loop_tui, run_review_tui

    repo = make_sample_repo(tmp / "inventory", with_change=review)
    theme = theme or load_config(None).theme
    if review:
        source = open_source(None, repo)
        code = run_review_tui(open_review(source), source, theme=theme)
    elif teach:  # the teaching walk-through: app/teaching/teach_demo.py
        from app.providers.replay import ReplayProvider
        from app.teaching.teach_demo import TEACH_RECORDING, teach_epilogue, teach_options

        provider = ReplayProvider(TEACH_RECORDING, speed=speed)
        code = run_loop_tui(repo, provider, "replay · demo-model", theme=theme, **teach_options())
        print(teach_epilogue(repo, keep))
    else:
        from app.providers.replay import ReplayProvider

        provider = ReplayProvider(SAMPLES / "demo_session.jsonl", speed=speed)
        code = run_loop_tui(
            repo,
            provider,
            "replay · demo-model",
            start_file="inventory/stock.py",
            theme=theme,
            intro=DEMO_INTRO + ruff_note(),
            coach=coach,
        )
    status = subprocess.run(
        ["git", "status", "--short"], cwd=repo, capture_output=True, text=True, check=False
    ).stdout
    print(f"\ngit status of the sample after your review:\n{status}")
    return code
