"""``tether demo``: the review workbench on a bundled sample, offline.

A throw-away copy of a small sample project becomes a git repository whose
working tree holds a sample change (as an AI agent would have left it), and
``tether review`` opens on it: accept stages a hunk, reject reverts it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

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


def make_sample_repo(target: Path) -> Path:
    """Copy the sample project to ``target``, commit it, leave the change unstaged."""
    shutil.copytree(SAMPLES / "project", target)
    git = ["git", *_GIT_ID]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "inventory: first version"], cwd=target, check=True)
    subprocess.run(
        [*git, "apply", str(SAMPLES / "change.patch")], cwd=target, check=True, capture_output=True
    )
    return target


def run_demo(*, theme: str | None = None, keep: bool = False) -> int:
    from app.cli import run_review_tui
    from app.core.sources import open_session, open_source

    tmp = Path(tempfile.mkdtemp(prefix="tether-demo-"))
    repo = make_sample_repo(tmp / "inventory")
    try:
        source = open_source(None, repo)
        session = open_session(source)
        code = run_review_tui(session, source, theme=theme or load_config(None).theme)
        status = subprocess.run(
            ["git", "status", "--short"], cwd=repo, capture_output=True, text=True, check=False
        ).stdout
        print(f"\ngit status of the sample after your review:\n{status}")
        return code
    finally:
        if keep:
            print(f"sample kept at {repo}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
