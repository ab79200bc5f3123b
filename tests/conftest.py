"""Shared fixtures: an isolated home, the bundled sample repository, the TUI app."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from app.demo import make_sample_repo
from app.review.sources import open_review, open_source

if TYPE_CHECKING:  # Textual is imported only by the tests that build the app
    from app.tui.review_app import ReviewApp

# The three files the sample change touches (see app/samples/change.patch).
REPORT = "inventory/report.py"
STOCK = "inventory/stock.py"
NEW_TEST = "inventory/test_stock.py"

AppFactory = Callable[..., "ReviewApp"]


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and the XDG dirs inside ``tmp_path``; no user or system git config.

    Nothing a test does can read or write the real home (Tether's config and
    state, git's global config); editors come only from the test itself.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        monkeypatch.setenv(variable, str(home / sub))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    for variable in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "VISUAL", "EDITOR"):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture
def sample_repo(tmp_path: Path, isolated_home: Path) -> Path:
    """A git repo of the sample project with the sample change unstaged.

    Tether's journal and blobs go to ``<repo>/.git/tether`` (the default for
    a git repository), so they vanish with ``tmp_path``.
    """
    return make_sample_repo(tmp_path / "inventory")


def build_app(repo: Path, *, theme: str = "dark", context: int = 3) -> ReviewApp:
    """The app exactly as ``tether review`` builds it for the working tree."""
    from app.tui.review_app import ReviewApp

    source = open_source(None, repo)
    return ReviewApp(open_review(source, context=context), label=source.label, theme=theme)


@pytest.fixture
def make_app(sample_repo: Path) -> AppFactory:
    """``make_app(theme=..., context=..., repo=...)`` → a fresh ReviewApp (new session)."""

    def make(*, repo: Path | None = None, theme: str = "dark", context: int = 3) -> ReviewApp:
        return build_app(repo or sample_repo, theme=theme, context=context)

    return make


def git(repo: Path, *args: str) -> bytes:
    """Run git in ``repo`` and return its stdout (raises on failure)."""
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, timeout=30
    ).stdout


def index_bytes(repo: Path, path: str) -> bytes | None:
    """The staged content of ``path``, or None when it is not in the index."""
    proc = subprocess.run(
        ["git", "show", f":{path}"], cwd=repo, capture_output=True, timeout=30, check=False
    )
    return proc.stdout if proc.returncode == 0 else None


def head_bytes(repo: Path, path: str) -> bytes | None:
    """The committed content of ``path``, or None when HEAD does not have it."""
    proc = subprocess.run(
        ["git", "show", f"HEAD:{path}"], cwd=repo, capture_output=True, timeout=30, check=False
    )
    return proc.stdout if proc.returncode == 0 else None


def worktree_bytes(repo: Path, path: str) -> bytes | None:
    target = repo / path
    return target.read_bytes() if target.exists() else None


@dataclass(frozen=True)
class RepoState:
    """Everything a decision may change: the index (modes, blobs) and the files."""

    index: bytes
    files: dict[str, bytes | None]
    untracked: bytes


def repo_state(repo: Path) -> RepoState:
    return RepoState(
        index=git(repo, "ls-files", "--stage", "-z"),
        files={p: worktree_bytes(repo, p) for p in (REPORT, STOCK, NEW_TEST)},
        untracked=git(repo, "ls-files", "--others", "--exclude-standard", "-z"),
    )


def staged_names(repo: Path) -> list[str]:
    return git(repo, "diff", "--cached", "--name-only").decode().split()


def unstaged_names(repo: Path) -> list[str]:
    return git(repo, "diff", "--name-only").decode().split()


# -- the generation loop (tests/test_generator.py, tests/test_loop_*.py) ---------------------

if TYPE_CHECKING:
    from app.review.service import ReviewService


@pytest.fixture
def loop_repo(tmp_path: Path, isolated_home: Path) -> Path:
    """A git repo of the sample project with a clean working tree (the loop's start)."""
    return make_sample_repo(tmp_path / "inventory", with_change=False)


def make_proposal_service(repo: Path, state: Path) -> ReviewService:
    """A review of a model's proposal for ``repo``; journal and blobs under ``state``
    (outside the repository, so a test can check that the repo holds only its files)."""
    from app.core.backends import ProposalBackend
    from app.core.blobs import BlobStore
    from app.core.journal import Journal
    from app.review.service import ReviewService
    from app.review.session import ReviewSession

    return ReviewService(
        ReviewSession(
            ProposalBackend(repo),
            journal=Journal(state / "journal.jsonl"),
            blobs=BlobStore(state / "blobs"),
            source="proposal:test",
        )
    )


@pytest.fixture
def proposal(loop_repo: Path, tmp_path: Path) -> ReviewService:
    """A proposal review on ``loop_repo`` (journal and blobs in ``tmp_path/state``)."""
    return make_proposal_service(loop_repo, tmp_path / "state")


# -- watch mode (tests/test_watch_*.py) --------------------------------------------------

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot

    from app.tui.watch_app import WatchApp

GIT_ID = ("-c", "user.name=Tether tests", "-c", "user.email=tests@tether.invalid")
IGNORED = ("build/", "*.log")


def commit_all(repo: Path, message: str) -> None:
    """Stage everything and commit it (a fixed identity; no hooks, no signing)."""
    git(repo, "add", "-A")
    git(repo, *GIT_ID, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message)


@pytest.fixture
def watch_repo(tmp_path: Path, isolated_home: Path) -> Path:
    """The sample project, committed, clean, with a .gitignore of ``IGNORED``."""
    repo = make_sample_repo(tmp_path / "inventory", with_change=False)
    (repo / ".gitignore").write_text("".join(p + "\n" for p in IGNORED), encoding="utf-8")
    commit_all(repo, "ignore build output")
    return repo


def open_watch(path: Path, *, theme: str = "dark") -> WatchApp:
    """The WatchApp exactly as ``tether watch PATH`` builds it (``cmd_watch`` runs with
    ``App.run`` stubbed out, so the test can run the app under Pilot instead)."""
    import argparse

    from app.commands import watch as watch_command
    from app.tui.watch_app import WatchApp

    built: list[WatchApp] = []

    def capture(self: WatchApp, *_args: object, **_kwargs: object) -> None:
        built.append(self)

    original = WatchApp.run
    WatchApp.run = capture  # type: ignore[assignment,method-assign]
    try:
        watch_command.cmd_watch(argparse.Namespace(path=str(path), theme=theme))
    finally:
        WatchApp.run = original  # type: ignore[method-assign]
    (app,) = built
    return app


async def wait_until(
    pilot: Pilot[object], condition: Callable[[], object], what: str, timeout: float = 15.0
) -> float:
    """Let the app run until ``condition()`` is true; return the seconds it took.
    Fails (never hangs) when ``timeout`` passes first."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await pilot.pause(0.01)
    return time.monotonic() - start


def record_batches(app: object) -> list[set[str]]:
    """Every batch of paths the app's watcher has brought into the review, in
    order, once the UI has heard of it (``batch_done`` is wrapped on the
    instance; call before the app is mounted)."""
    batches: list[set[str]] = []
    original = app.batch_done  # type: ignore[attr-defined]

    def spy(paths: set[str], touched: set[str]) -> None:
        batches.append(set(paths))
        original(paths, touched)

    app.batch_done = spy  # type: ignore[attr-defined]
    return batches


async def watcher_live(pilot: Pilot[object], batches: list[set[str]], root: Path) -> None:
    """Wait until the app's watcher delivers events. ``Watcher.ready`` is set just
    before ``watchfiles`` starts watching, so a probe is written until a batch
    arrives: ``.git/index`` rewritten unchanged (git), or a file in a folder the
    baseline never scans (outside git)."""
    watcher = pilot.app.watcher  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: watcher is not None and watcher.ready.is_set(), "the watcher")
    index = root / ".git" / "index"
    probe = root / "node_modules" / ".tether-test-probe"
    seen = len(batches)
    deadline = time.monotonic() + 15
    while len(batches) == seen:
        if time.monotonic() > deadline:
            raise AssertionError("the watcher never delivered a batch")
        if index.exists():
            index.write_bytes(index.read_bytes())
        else:
            probe.parent.mkdir(exist_ok=True)
            probe.write_text(str(time.monotonic()), encoding="utf-8")
        for _ in range(10):
            await pilot.pause(0.02)
            if len(batches) > seen:
                break


async def stop_watcher(pilot: Pilot[object]) -> None:
    """Stop the app's watcher without blocking the UI thread (the watcher may be
    waiting for it to run a batch), then let the app process what is queued, so
    the test ends on a quiet app."""
    watcher = pilot.app.watcher  # type: ignore[attr-defined]
    watcher._stop.set()
    thread = watcher._thread
    await wait_until(pilot, lambda: thread is None or not thread.is_alive(), "the watcher to stop")
    # Messages cascade (a highlight → show_file → the cursor moved → …), one hop
    # per turn of the loop: wait (up to 3 s) until every queue is empty twice running.
    app = pilot.app
    quiet = 0
    deadline = time.monotonic() + 3
    while quiet < 2 and time.monotonic() < deadline:
        await pilot.pause(0.01)
        nodes = [app, *app.screen_stack, *app.screen.walk_children(with_self=False)]
        busy = any(not node._message_queue.empty() for node in nodes)
        quiet = 0 if busy else quiet + 1


@contextlib.asynccontextmanager
async def watched(
    app: App[object], root: Path, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[Pilot[object], list[set[str]]]]:
    """Run a watching app under Pilot once its watcher delivers events; yield the
    pilot and the batches handed to the app. On the way out the watcher is stopped
    and the app allowed to settle first."""
    batches = record_batches(app)
    async with app.run_test(size=size) as pilot:
        await watcher_live(pilot, batches, root)
        yield pilot, batches
        await stop_watcher(pilot)


# -- deciding through the service, as every front end does --------------------------------


def decide_all(service: ReviewService, op: str, target: object) -> object:
    """Accept or reject every pending hunk of a file (a FileReview or a path)."""
    from app.review.commands import Decide

    path = target if isinstance(target, str) else target.path  # type: ignore[attr-defined]
    return service.execute(Decide(op, path, service.all_hunks(path)))  # type: ignore[arg-type]


def decide_hunk(service: ReviewService, op: str, target: object, index: int = 0) -> object:
    """Accept or reject the ``index``-th pending hunk of a file, by its id."""
    from app.review.commands import Decide

    path = target if isinstance(target, str) else target.path  # type: ignore[attr-defined]
    hunk = service.view(path).hunks[index]
    return service.execute(Decide(op, path, (hunk.id,)))  # type: ignore[arg-type]


@pytest.fixture
def retry_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits the openai and anthropic SDKs choose before each retry (their
    own decision, from ``retry-after`` or their backoff), recorded as they are
    made: a test checks the choice, never how long the machine took."""
    import anthropic._base_client
    import openai._base_client

    waits: list[float] = []
    for module in (openai._base_client, anthropic._base_client):
        real = module.SyncAPIClient._calculate_retry_timeout

        def spy(self: object, *args: object, _real: object = real, **kwargs: object) -> float:
            waits.append(_real(self, *args, **kwargs))  # type: ignore[operator]
            return waits[-1]

        monkeypatch.setattr(module.SyncAPIClient, "_calculate_retry_timeout", spy)
    return waits
