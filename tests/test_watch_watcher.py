"""The watcher alone (``app.core.watcher.Watcher``), fed by the writer process:
what reaches ``on_batch``, how fast, and how bursts are coalesced."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import commit_all, git
from writer import WriterProcess

from app.core.watcher import DEBOUNCE_MS, STEP_MS, Watcher


class Batches:
    """A started Watcher whose batches land in a queue (with their arrival time)."""

    def __init__(self, root: Path, *, git: bool) -> None:
        self.queue: queue.Queue[tuple[float, set[str]]] = queue.Queue()
        self.watcher = Watcher(
            root, lambda paths: self.queue.put((time.monotonic(), paths)), git=git
        )

    def start(self, probe: Path) -> None:
        """Start, then write ``probe`` until a batch shows the watcher is live."""
        self.watcher.start()
        assert self.watcher.ready.wait(5)
        deadline = time.monotonic() + 10
        while True:
            assert time.monotonic() < deadline, "the watcher never delivered a batch"
            probe.write_text(str(time.monotonic()), encoding="utf-8")
            try:
                self.queue.get(timeout=0.2)
                break
            except queue.Empty:
                continue
        self.settle()

    def settle(self, quiet: float = 0.3) -> list[set[str]]:
        """Every batch until none arrives for ``quiet`` seconds."""
        got = []
        while True:
            try:
                got.append(self.queue.get(timeout=quiet)[1])
            except queue.Empty:
                return got

    def next(self, timeout: float = 10.0) -> tuple[float, set[str]]:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no batch within {timeout} s") from None


@pytest.fixture
def batches(watch_repo: Path) -> Iterator[Batches]:
    (watch_repo / "node_modules").mkdir()
    watched = Batches(watch_repo, git=True)
    watched.start(watch_repo / "probe.txt")
    yield watched
    watched.watcher.stop()
    thread = watched.watcher._thread
    assert thread is not None and not thread.is_alive(), "stop() left the thread running"


def test_one_write_is_one_batch_after_the_debounce(watch_repo: Path, batches: Batches) -> None:
    """How soon the batch arrives is a benchmark (bench.watch_bench); here: one
    write is one batch, and never before the debounce step has passed."""
    with WriterProcess(watch_repo) as writer:
        latencies = []
        for i in range(10):
            done = writer.do("write", path="inventory/stock.py", text=f"# version {i}\n")
            at, paths = batches.next()
            assert paths == {"inventory/stock.py"}
            latencies.append(at - done["writes"][0]["t"])
            assert batches.settle(0.1) == []
    # Debounced: a batch waits for the step after the last event (a lower bound,
    # which a busy machine can only make longer).
    assert min(latencies) >= STEP_MS / 1000 * 0.5


def test_editor_litter_gitignored_files_and_git_internals_never_arrive(
    watch_repo: Path, batches: Batches
) -> None:
    noise = [
        "inventory/.stock.py.swp",
        "inventory/.stock.py.swx",
        "inventory/stock.py~",
        "inventory/.#stock.py",
        "inventory/scratch.tmp",
        "inventory/.stock.py.tether-0a1b2c3d.del",  # Tether's delete, set aside
        "build/out/x.o",
        "debug.log",
        "inventory/deep/trace.log",
    ]
    with WriterProcess(watch_repo) as writer:
        for path in noise:
            writer.do("write", path=path, text="noise\n")
        writer.do("write", path=".git/description", text="internal\n")
        writer.do("write", path="inventory/report.py", text="# sentinel\n")
        got = batches.settle(0.5)
    seen = set().union(*got)
    assert "inventory/report.py" in seen
    # Folders created on the way (inventory/deep) may be reported; their files not.
    assert seen <= {"inventory/report.py", "inventory/deep"}, seen


def test_changes_under_a_symlinked_folder_arrive_under_the_real_path(
    watch_repo: Path, tmp_path: Path
) -> None:
    """With ``link -> real`` in place when watching starts, watchfiles reports
    a write under ``real/`` as ``link/...``; the file under review is
    ``real/...``. A folder linked from outside the repository is not reviewed."""
    (watch_repo / "real").mkdir()
    (watch_repo / "link").symlink_to(watch_repo / "real")
    outside = tmp_path / "outside"
    outside.mkdir()
    (watch_repo / "elsewhere").symlink_to(outside)
    batches = Batches(watch_repo, git=True)
    batches.start(watch_repo / "probe.txt")
    try:
        (watch_repo / "real" / "f.txt").write_text("x\n", encoding="utf-8")
        (outside / "g.txt").write_text("y\n", encoding="utf-8")
        (watch_repo / "inventory/report.py").write_text("# sentinel\n", encoding="utf-8")
        seen = set().union(*[batches.next()[1]], *batches.settle(0.5))
    finally:
        batches.watcher.stop()
    assert "real/f.txt" in seen and "inventory/report.py" in seen, seen
    assert not any(p.startswith(("link/", "elsewhere/")) for p in seen), seen


def test_a_batch_that_fails_does_not_stop_the_watcher(watch_repo: Path) -> None:
    got: queue.Queue[set[str]] = queue.Queue()
    failed: list[set[str]] = []

    def on_batch(paths: set[str]) -> None:
        if not failed:
            failed.append(paths)
            raise OSError(2, "No such file or directory", "vanished.txt")
        got.put(paths)

    watcher = Watcher(watch_repo, on_batch, git=True)
    watcher.start()
    try:
        assert watcher.ready.wait(5)
        deadline = time.monotonic() + 10
        while not failed:
            assert time.monotonic() < deadline, "no batch at all"
            (watch_repo / "probe.txt").write_text(str(time.monotonic()), encoding="utf-8")
            time.sleep(0.2)
        time.sleep(0.3)
        (watch_repo / "inventory/report.py").write_text("# after\n", encoding="utf-8")
        deadline = time.monotonic() + 10
        while True:
            assert time.monotonic() < deadline, "the watcher stopped after a failed batch"
            try:
                if "inventory/report.py" in got.get(timeout=0.5):
                    break
            except queue.Empty:
                continue
    finally:
        watcher.stop()


def test_the_index_changing_is_reported(watch_repo: Path, batches: Batches) -> None:
    (watch_repo / "inventory/report.py").write_text("# staged elsewhere\n", encoding="utf-8")
    assert batches.next()[1] == {"inventory/report.py"}
    git(watch_repo, "add", "inventory/report.py")
    got = set().union(*[batches.next()[1]], *batches.settle())
    assert got == {".git/index"}


def test_a_burst_of_2000_files_arrives_coalesced(watch_repo: Path, batches: Batches) -> None:
    for i in range(1000):
        path = watch_repo / f"src/m{i // 100}/f{i:04d}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("A = 0\n", encoding="utf-8")
    commit_all(watch_repo, "1000 modules")
    batches.settle()
    tracked = [f"src/m{i // 100}/f{i:04d}.py" for i in range(1000)]
    with WriterProcess(watch_repo) as writer:
        done = writer.do("burst", count=1000, prefix="gen/", modify=tracked)
    got = batches.settle(DEBOUNCE_MS / 1000 + 0.5)
    seen = set().union(*got)
    assert done["writes"][0]["count"] == 2000
    # Every rewritten tracked file is reported (their folders already had watches).
    assert set(tracked) <= seen
    # Coalesced: a burst of ~0.3 s is a handful of batches, not thousands.
    assert 1 <= len(got) <= 10, [len(b) for b in got]
