"""Crash safety: SIGKILL Tether at random moments during accept, reject, apply,
undo/redo and journal appends, then check that nothing was lost or mixed.

Each trial copies a prepared scenario, runs one operation in a child process
(``tests/crash_harness.py``) and kills it a seeded-random time after the child
said it is starting the operation; kill times are spread uniformly over the
operation's duration, measured first by four complete runs side by side (the
trials also run four at a time; the longest run sets the window). One trial
in four kills the child's whole process group (its git commands too); the
others kill the Tether process alone, as the OOM killer would, and wait for
the git commands it started to finish.

After every kill:

- every file, in the working tree and in the index, holds exactly one of the
  states the complete operation passes through (its old or its new content,
  compared by SHA-1 of the bytes), never a mix or a partial write;
- nothing git can see is left behind except atomic_write's documented
  ``.<name>.tether-<8 hex>.tmp`` temp files (counted and reported);
- the journal opens (``Journal.entries`` and ``undo_stack`` do not raise) and
  its view agrees with the disk: for each file the newest decision still done
  has ``after`` equal to what is on disk;
- a new session on the same repository (a restart) shows those decisions, and
  undo then redo of the newest one works.

Known bugs a trial can hit (a write on disk whose journal entry is missing; a
reopened patch that calls its applied new/deleted files unappliable) make the
test xfail with the count; each has a deterministic strict-xfail test below.
Anything else fails.

Quick mode (the default, part of ``make test``): 40 trials and a few fixed
crash points. Full mode: ``TETHER_FULL=1`` runs 225 trials and every crash
point. ``TETHER_SEED`` changes the seed. The figures are printed (run with
``-s``) and collected in docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import crash_harness as ch
import pytest

FULL = os.environ.get("TETHER_FULL") == "1"
SEED = int(os.environ.get("TETHER_SEED", "20251123"))
TRIALS = (
    {"accept": 45, "reject": 45, "apply": 45, "undo": 45, "journal": 45}
    if FULL
    else {"accept": 9, "reject": 8, "apply": 8, "undo": 8, "journal": 7}
)
GROUP_KILL_EVERY = 4  # every 4th trial kills the process group, git included
CONCURRENT = 4  # trials running side by side (they mostly wait on git and fsync)
MEASURE_RUNS = CONCURRENT  # complete runs side by side; the longest sets the kill window
KNOWN_BUGS = {
    ch.UNJOURNALED: "a write reached the disk but its journal entry did not "
    "(test_crash_between_write_and_journal)",
    ch.PATCH_REOPEN: "a reopened patch calls its already applied new/deleted files "
    "unappliable (test_resuming_a_partly_applied_patch)",
}


@dataclass
class Figures:
    op: str
    trials: int = 0
    killed: int = 0
    completed: int = 0
    group_kills: int = 0
    litter: int = 0
    stale_locks: int = 0
    known: dict[str, int] = field(default_factory=dict)
    undo_checked: int = 0
    problems: list[str] = field(default_factory=list)
    duration: float = 0.0

    def line(self) -> str:
        known = ", ".join(f"{bug}: {n}" for bug, n in sorted(self.known.items())) or "none"
        return (
            f"CRASH {self.op}: {self.trials} trials ({self.killed} killed mid-operation, "
            f"{self.completed} finished first, {self.group_kills} group kills), "
            f"operation {self.duration * 1000:.0f} ms; mixed/partial files or other broken "
            f"promises: {len(self.problems)}; trials hitting known bugs: {known}; stale "
            f"index.lock: {self.stale_locks}; temp files left: {self.litter}; undo+redo "
            f"after restart checked: {self.undo_checked}"
        )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A private HOME without user or system git config, for the children and
    for the checks this process runs (new sessions, undo)."""
    home = tmp_path_factory.mktemp("crash-home")
    child = ch.child_env(home)
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith(("GIT_", "XDG_")) and key not in child:
                mp.delenv(key)
        for key, value in child.items():
            mp.setenv(key, value)
        yield child


def _source(op: str, workdir: Path) -> tuple[str, str | None]:
    """The journal source of the operation and the spec a restart opens."""
    if op == "apply":
        patch = workdir / "change.patch"
        return "patch:" + hashlib.sha1(patch.read_bytes()).hexdigest()[:16], str(patch)
    return "worktree", None


Chains = dict[tuple[str, str], list[str | None]]


@dataclass
class Scenario:
    template: Path
    duration: float  # seconds from "ready" to the end of a complete run
    chains: Chains  # the states each (path, side) passes through
    initial: dict[tuple[str, str], str | None]  # the states before the operation


@pytest.fixture(scope="module")
def scenario(
    env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Scenario]]:
    """``scenario(op)``: the prepared template of ``op``, built and measured once."""
    cache: dict[str, Scenario] = {}

    def get(op: str) -> Scenario:
        if op not in cache:
            base = tmp_path_factory.mktemp(f"scenario-{op}")
            ch.build_template(op, base / "template")
            duration, chains = _measure(op, base / "template", base, env)
            repo = base / "template" / "repo"
            initial = ch.read_states(repo) if repo.is_dir() else {}
            cache[op] = Scenario(base / "template", duration, chains, initial)
        return cache[op]

    yield get


def _measure(op: str, template: Path, base: Path, env: dict[str, str]) -> tuple[float, Chains]:
    """Run the operation to the end: its (longest) duration, and the states each
    file passes through (from the complete run's journal)."""
    from app.core.journal import Journal
    from app.core.locations import state_dir_for

    def run(number: int) -> ch.Trial:
        workdir = base / f"measure-{op}-{number}"
        ch.copy_template(template, workdir)
        return ch.spawn(op, workdir, env, delay=None)

    # Side by side, as the trials run, so the duration is measured under the same load.
    with ThreadPoolExecutor(max_workers=MEASURE_RUNS) as pool:
        trials = list(pool.map(run, range(MEASURE_RUNS)))
    times = []
    chains: Chains = {}
    for number, trial in enumerate(trials):
        assert trial.completed and trial.returncode == 0, trial.stderr
        times.append(trial.elapsed)
        workdir = base / f"measure-{op}-{number}"
        if op != "journal":
            source, _spec = _source(op, workdir)
            chains = ch.chains(
                [
                    e.to_json()
                    for e in Journal(state_dir_for(workdir / "repo") / "journal.jsonl").entries()
                ],
                source,
            )
            # The finished operation itself must pass every check.
            verdict = ch.check_session_trial(
                op, workdir, chains, source, ch.read_states(template / "repo")
            )
            assert verdict.ok and not verdict.litter, verdict
    # fsync and git times vary a lot on a shared machine: kill over the longest run.
    return max(times), chains


def _trial(
    op: str, number: int, delay: float, scenario: Scenario, env: dict[str, str], base: Path
) -> tuple[ch.Trial, ch.Verdict]:
    """One trial: copy the scenario, run the child, kill it, check everything."""
    workdir = base / f"trial-{number}"
    ch.copy_template(scenario.template, workdir)
    group = number % GROUP_KILL_EVERY == GROUP_KILL_EVERY - 1
    trial = ch.spawn(op, workdir, env, delay=delay, group=group)
    verdict = ch.Verdict()
    if trial.returncode != -9:  # not killed (or killed after it printed "done")
        assert trial.returncode == 0, trial.stderr
    if op == "journal":
        verdict.problems, _count = ch.check_journal_trial(workdir)
        return trial, verdict
    source, spec = _source(op, workdir)
    verdict = ch.check_session_trial(op, workdir, scenario.chains, source, scenario.initial)
    if not verdict.problems and not verdict.unjournaled:
        ch.check_undo_after_restart(op, workdir, spec, verdict)
    return trial, verdict


@pytest.mark.parametrize("op", ch.OPS)
def test_sigkill_at_random_moments(
    op: str, env: dict[str, str], tmp_path: Path, scenario: Callable[[str], Scenario]
) -> None:
    prepared = scenario(op)
    rng = random.Random(f"{SEED}:{op}")
    delays = [rng.uniform(0.0, prepared.duration) for _ in range(TRIALS[op])]
    figures = Figures(op, duration=prepared.duration)
    # The children mostly wait on git and fsync, so a few run side by side.
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        results = list(
            pool.map(
                lambda item: _trial(op, item[0], item[1], prepared, env, tmp_path),
                enumerate(delays),
            )
        )
    for number, (trial, verdict) in enumerate(results):
        figures.trials += 1
        figures.completed += trial.completed
        figures.killed += not trial.completed
        figures.group_kills += number % GROUP_KILL_EVERY == GROUP_KILL_EVERY - 1
        figures.litter += len(verdict.litter)
        figures.stale_locks += verdict.stale_index_lock
        figures.undo_checked += verdict.undo_checked
        for bug in verdict.known:
            figures.known[bug] = figures.known.get(bug, 0) + 1
        where = f"trial {number} (killed {trial.elapsed * 1000:.0f} ms after ready)"
        figures.problems += [f"{where}: {p}" for p in verdict.problems]
    print("\n" + figures.line())
    assert not figures.problems, "\n".join(figures.problems)
    # Timing varies on a shared machine; still, the kills must mostly land inside the operation.
    assert figures.killed >= figures.trials // 4, "too few kills landed inside the operation"
    if figures.known:
        # Reproduced deterministically by the strict xfail tests below.
        pytest.xfail(
            "bug: known bugs hit: "
            + ", ".join(
                f"{KNOWN_BUGS[bug]} ({n} trials)" for bug, n in sorted(figures.known.items())
            )
        )


# -- deterministic crash points --------------------------------------------------------


def full_only(*values: str) -> object:
    """A parameter that runs in full mode only (quick mode keeps a representative few)."""
    return pytest.param(*values, marks=pytest.mark.skipif(not FULL, reason="TETHER_FULL=1"))


@pytest.mark.parametrize(
    ("op", "point"),
    [
        ("reject", "before-replace:3"),
        full_only("reject", "mid-temp-write:2"),
        full_only("apply", "before-replace:3"),
        ("apply", "mid-temp-write:2"),
        ("accept", "before-update-index:3"),
        full_only("undo", "before-replace:2"),
    ],
)
def test_crash_inside_a_write_leaves_old_content(
    op: str, point: str, env: dict[str, str], tmp_path: Path, scenario: Callable[[str], Scenario]
) -> None:
    """Killed before the rename (temp file whole or half written), or between
    ``git hash-object`` and ``git update-index``: the file keeps its old bytes,
    the journal agrees, undo works after a restart. The temp file stays (it is
    the documented ``.<name>.tether-<hex>.tmp``) and git lists it as untracked."""
    prepared = scenario(op)
    template, chains = prepared.template, prepared.chains
    workdir = tmp_path / "trial"
    ch.copy_template(template, workdir)
    trial = ch.spawn(op, workdir, env, delay=None, die_at=point)
    assert not trial.completed and trial.returncode == -9, trial.stderr
    source, spec = _source(op, workdir)
    verdict = ch.check_session_trial(op, workdir, chains, source, prepared.initial)
    assert verdict.ok, verdict
    if "replace" in point or "temp-write" in point:
        assert len(verdict.litter) == 1 and ch.TEMP_NAME.search(verdict.litter[0])
    ch.check_undo_after_restart(op, workdir, spec, verdict)
    assert not verdict.problems and verdict.undo_checked


@pytest.mark.parametrize(
    ("op", "point"), [("reject", "after-swap:3"), full_only("undo", "after-swap:2")]
)
def test_crash_right_after_the_swap_keeps_the_decision(
    op: str, point: str, env: dict[str, str], tmp_path: Path, scenario: Callable[[str], Scenario]
) -> None:
    """Killed after the new file was swapped in, before the one swapped out was
    checked: the file holds its new bytes, the write-ahead journal already has
    the decision, undo works after a restart, and the old bytes are the one
    temp file left behind."""
    prepared = scenario(op)
    workdir = tmp_path / "trial"
    ch.copy_template(prepared.template, workdir)
    trial = ch.spawn(op, workdir, env, delay=None, die_at=point)
    assert not trial.completed and trial.returncode == -9, trial.stderr
    source, spec = _source(op, workdir)
    verdict = ch.check_session_trial(op, workdir, prepared.chains, source, prepared.initial)
    assert verdict.ok, verdict
    assert len(verdict.litter) == 1 and ch.TEMP_NAME.search(verdict.litter[0])
    ch.check_undo_after_restart(op, workdir, spec, verdict)
    assert not verdict.problems and verdict.undo_checked


@pytest.mark.parametrize("point", [full_only("torn-journal:5"), "torn-journal:60"])
def test_torn_journal_line_is_ignored_and_cut_off(
    point: str, env: dict[str, str], tmp_path: Path
) -> None:
    ch.build_template("journal", tmp_path)
    trial = ch.spawn("journal", tmp_path, env, delay=None, die_at=point)
    assert trial.returncode == -9
    problems, count = ch.check_journal_trial(tmp_path)
    assert problems == []
    assert count == int(point.split(":")[1]) - 1


@pytest.mark.parametrize(
    ("op", "point"),
    [
        ("reject", "before-journal:3"),
        full_only("accept", "before-journal:3"),
        full_only("apply", "before-journal:2"),
        ("undo", "before-journal:2"),
    ],
)
def test_crash_between_write_and_journal(
    op: str, point: str, env: dict[str, str], tmp_path: Path, scenario: Callable[[str], Scenario]
) -> None:
    prepared = scenario(op)
    template, chains = prepared.template, prepared.chains
    workdir = tmp_path / "trial"
    ch.copy_template(template, workdir)
    trial = ch.spawn(op, workdir, env, delay=None, die_at=point)
    assert trial.returncode == -9
    source, spec = _source(op, workdir)
    verdict = ch.check_session_trial(op, workdir, chains, source, prepared.initial)
    ch.check_undo_after_restart(op, workdir, spec, verdict)
    assert verdict.ok, verdict


def _tether(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_resuming_a_partly_applied_patch(env: dict[str, str], tmp_path: Path) -> None:
    """A crash in the middle of `tether apply` leaves some files applied; running
    the same command again must finish the job (modified files already do)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    ch.git(repo, "init", "-q")
    (repo / "a.txt").write_text("a\nb\n")
    (repo / "gone.txt").write_text("bye\n")
    ch.git(repo, "add", "-A")
    ch.git(repo, "commit", "-qm", "base")
    (repo / "a.txt").write_text("a\nB\n")
    (repo / "gone.txt").unlink()
    (repo / "new.txt").write_text("fresh\n")
    ch.git(repo, "add", "-A")
    patch = tmp_path / "change.patch"
    patch.write_bytes(ch.git(repo, "diff", "--cached"))
    ch.git(repo, "reset", "-q", "--hard")
    listed = json.loads(_tether(repo, env, "review", str(patch), "--list", "--json").stdout)
    new_hunk = next(f["hunks"][0]["id"] for f in listed["files"] if f["path"] == "new.txt")
    first = _tether(repo, env, "apply", str(patch), "--hunks", new_hunk)
    assert first.returncode == 0, first.stderr  # as if the crash came after new.txt
    again = _tether(repo, env, "apply", str(patch), "--all")
    assert again.returncode == 0, again.stderr
    assert (repo / "a.txt").read_text() == "a\nB\n"
    assert not (repo / "gone.txt").exists()
    assert (repo / "new.txt").read_text() == "fresh\n"
