"""Crash harness: run one Tether operation in a child process so a test can SIGKILL it.

The test (``tests/test_reliability_crash.py``) builds a scenario once
(:func:`build_template`), copies it for every trial, starts this file as a
script on the copy and kills the process at a random moment. The child prints
``ready`` once its imports are done and the operation is about to start, and
``done`` when it finished, so the kill lands inside the operation.

    python tests/crash_harness.py OP WORKDIR [--die-at POINT:N]

Operations (OPS):

``accept``   working-tree review (``ReviewSession`` + ``WorktreeBackend``):
             accept every hunk, one hunk per decision (writes the git index)
``reject``   the same, rejecting (reverts the working tree, deletes a new file)
``apply``    ``tether apply PATCH --all`` of a multi-file patch (modify, add, delete)
``undo``     undo every journaled decision of a review, then redo them all
``journal``  a long run of journal appends (decisions, undos, redos)

``--die-at POINT:N`` makes the child SIGKILL itself at the N-th time it
reaches a named point (deterministic crash points, see :data:`DIE_POINTS`).

The checks the test runs afterwards are here too (:func:`check_session_trial`,
:func:`check_undo_after_restart`, :func:`check_journal_trial`): after a kill
every file must hold one of the states the complete operation passes through
(never a mix or a partial write), the journal must open, its view of the
decisions (``Journal.undo_stack``) must match the disk, and a restarted
session must undo and redo the newest decision. Known bugs are recognised and
reported by id (:data:`UNJOURNALED`, :data:`PATCH_REOPEN`) rather than as new
problems, so the random trials stay useful while they are open.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OPS = ("accept", "reject", "apply", "undo", "journal")
GIT = (
    "git",
    "-c",
    "user.name=t",
    "-c",
    "user.email=t@t",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "core.autocrlf=false",
)
JOURNAL_SOURCE = "crash-journal"
JOURNAL_STEPS = 150
# The one kind of litter atomic_write documents: ".<name>.tether-<8 hex>.tmp".
TEMP_NAME = re.compile(r"(?:^|/)\.[^/]+\.tether-[0-9a-f]{8}\.tmp$")
# Crash points for --die-at (each SIGKILLs the child at the N-th time it is reached).
DIE_POINTS = (
    "before-replace",  # atomic_write: temp file written and fsynced, not yet renamed/swapped
    "mid-temp-write",  # atomic_write: half of the temp file written
    "after-swap",  # atomic_write: new file swapped in, the old one not yet checked
    "before-journal",  # the file (or index) is written, the journal entry not yet
    "torn-journal",  # half of a journal line written
    "before-update-index",  # git hash-object done, git update-index not yet run
)

Side = str  # "index" | "worktree"
State = str | None  # sha1 of the content (blobs.sha_of), None = absent


# -- the scenario ---------------------------------------------------------------------------


def base_files() -> dict[str, bytes]:
    """The committed files: LF, CRLF, no final newline, Unicode, a large file, a script."""
    return {
        "a.txt": "".join(f"line {i}\n" for i in range(60)).encode(),
        "crlf.txt": "".join(f"row {i}\r\n" for i in range(30)).encode(),
        "noeol.txt": ("".join(f"n{i}\n" for i in range(20)) + "last").encode(),
        "uni.txt": "".join(f"ünïcødé {i} — λ → ✓\n" for i in range(30)).encode(),
        # ~400 kB, so a write takes long enough to be killed in the middle of it.
        "big.txt": "".join(f"{i:06d} {'x' * 44}\n" for i in range(8_000)).encode(),
        "gone.txt": b"bye\n",
        "run.sh": b"#!/bin/sh\necho hi\n",
    }


def changed_files() -> dict[str, bytes | None]:
    """The proposed state (None: deleted); new.txt is new."""
    base = {k: v.decode() for k, v in base_files().items()}
    a = base["a.txt"]
    for i in (5, 40):
        a = a.replace(f"line {i}\n", f"LINE {i} changed\n")
    big = base["big.txt"].replace(f"{7_000:06d} ", "CHANGED ")
    return {
        "a.txt": a.encode(),
        "crlf.txt": base["crlf.txt"]
        .replace("row 3\r\n", "ROW three\r\n")
        .replace("row 20\r\n", "row 20\r\ninserted\r\n")
        .encode(),
        "noeol.txt": base["noeol.txt"].replace("last", "LAST").encode(),
        "uni.txt": base["uni.txt"]
        .replace("ünïcødé 10 — λ → ✓\n", "ünïcødé 10 — λ → ✓\nnew ✓ line\n")
        .encode(),
        "big.txt": big.encode(),
        "gone.txt": None,
        "run.sh": b"#!/bin/sh\necho hello\n",
        "new.txt": "fresh\nfile ✓\n".encode(),
    }


PATHS = tuple(sorted(set(base_files()) | set(changed_files())))


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        [*GIT, *args], cwd=repo, input=data, capture_output=True, check=True, timeout=60
    ).stdout


def _write_tree(repo: Path, files: dict[str, bytes | None]) -> None:
    for path, data in files.items():
        target = repo / path
        if data is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(data)
    (repo / "run.sh").chmod(0o755)


def build_template(op: str, workdir: Path) -> None:
    """Create ``workdir/repo`` (and ``workdir/change.patch``) ready for ``op``."""
    workdir.mkdir(parents=True, exist_ok=True)
    if op == "journal":
        return
    repo = workdir / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _write_tree(repo, dict(base_files()))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    _write_tree(repo, changed_files())
    if op == "apply":
        git(repo, "add", "-A")
        (workdir / "change.patch").write_bytes(git(repo, "diff", "--cached", "--full-index"))
        git(repo, "reset", "-q", "--hard", "HEAD")
    elif op == "undo":
        _decide_all(repo, mixed=True)


def _decide_all(repo: Path, *, mixed: bool = False, op: str = "accept") -> int:
    """Decide every hunk, one per decision (``mixed``: accept some files, reject others)."""
    from app.review.commands import Decide
    from app.review.sources import open_review, open_source

    session = open_review(open_source(None, repo))
    for number, fr in enumerate(list(session.files)):
        session.load(fr)
        kind = ("accept" if number % 2 == 0 else "reject") if mixed else op
        while fr.patch is not None and fr.patch.hunks and not fr.note:
            session.execute(Decide(kind, fr.path, (fr.hunks[0].id,)))  # type: ignore[arg-type]
    return 0


def journal_script(count: int = JOURNAL_STEPS) -> Iterator[dict[str, Any]]:
    """The entries the ``journal`` operation appends, in order: decisions of
    varied sizes (up to ~20 kB, some non-ASCII), and every 7th step an undo
    of the newest decision and its redo. Appended to an empty journal they
    get seq 1, 2, …, so the targets are known in advance."""
    seq = 0
    done: list[int] = []
    for step in range(count):
        seq += 1
        size = (step * 7919) % 20_000
        yield {
            "op": "accept",
            "source": JOURNAL_SOURCE,
            "path": f"dir/f{step}.txt",
            "side": "memory",
            "hunk": f"@@ step {step} ✓\n" + "+" * size,
            "hunk_id": f"{step:010x}",
            "before": None,
            "after": None,
        }
        done.append(seq)
        if step % 7 == 6:
            target = done[-1]
            seq += 1
            yield {"op": "undo", "source": JOURNAL_SOURCE, "target": target}
            seq += 1
            yield {"op": "redo", "source": JOURNAL_SOURCE, "target": target}


# -- the child ------------------------------------------------------------------------------


def _install_die_point(point: str, nth: int) -> None:
    """SIGKILL this process the ``nth`` time ``point`` is reached."""
    count = [0]

    def hit() -> bool:
        count[0] += 1
        return count[0] == nth

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    import app.core.atomic as atomic
    import app.core.gitrepo as gitrepo
    import app.core.journal as journal
    import app.review.session as session

    if point == "before-replace":
        real_replace = os.replace

        def replace(src: Any, dst: Any) -> None:
            if ".tether-" in str(src) and "/.git/" not in str(dst) and hit():
                die()
            real_replace(src, dst)

        real_exchange = atomic.renames.exchange

        def exchange(a: Any, b: Any) -> bool:
            if ".tether-" in str(a) and "/.git/" not in str(b) and hit():
                die()
            return real_exchange(a, b)

        atomic.os.replace = replace  # type: ignore[attr-defined]
        atomic.renames.exchange = exchange  # type: ignore[attr-defined]
    elif point == "after-swap":
        real_swap = atomic.renames.exchange

        def swap(a: Any, b: Any) -> bool:
            swapped = real_swap(a, b)
            if ".tether-" in str(a) and hit():
                die()
            return swapped

        atomic.renames.exchange = swap  # type: ignore[attr-defined]
    elif point == "mid-temp-write":
        real_write_all = atomic._write_all

        def write_all(fd: int, data: bytes) -> None:
            if "/.git/" not in os.readlink(f"/proc/self/fd/{fd}") and hit():
                os.write(fd, data[: len(data) // 2])
                die()
            real_write_all(fd, data)

        atomic._write_all = write_all  # type: ignore[attr-defined]
    elif point == "before-journal":
        real_append = journal.Journal.append

        def append(self: Any, entry: Any) -> Any:
            if hit():
                die()
            return real_append(self, entry)

        session.Journal.append = append  # type: ignore[method-assign]
    elif point == "torn-journal":
        real_os_write = os.write

        def write(fd: int, data: Any) -> int:
            if os.readlink(f"/proc/self/fd/{fd}").endswith("journal.jsonl") and hit():
                real_os_write(fd, bytes(data)[: len(data) // 2])
                die()
            return real_os_write(fd, data)

        journal.os.write = write  # type: ignore[attr-defined]
    elif point == "before-update-index":
        real_set = gitrepo.GitRepo.set_index

        def set_index(self: Any, path: str, mode: str, sha: str) -> None:
            if hit():
                die()
            real_set(self, path, mode, sha)

        gitrepo.GitRepo.set_index = set_index  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown die point {point!r}; known: {', '.join(DIE_POINTS)}")


def child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="crash_harness")
    parser.add_argument("op", choices=OPS)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--die-at", default="")
    args = parser.parse_args(argv)
    repo = args.workdir / "repo"
    from app.cli import main as tether_main
    from app.core.journal import Journal
    from app.review.commands import Redo, Undo
    from app.review.sources import open_review, open_source

    if args.die_at:
        point, _, nth = args.die_at.partition(":")
        _install_die_point(point, int(nth or 1))
    session = open_review(open_source(None, repo)) if args.op == "undo" else None
    journal = Journal(args.workdir / "journal.jsonl")
    patch = str(args.workdir / "change.patch")
    if args.op == "apply":
        os.chdir(repo)  # tether apply works on the repository of the current directory

    def undo_all() -> int:
        assert session is not None
        while session.can_undo():
            session.execute(Undo())
        while session.can_redo():
            session.execute(Redo())
        return 0

    def append_all() -> int:
        for entry in journal_script():
            journal.append(entry)
        return 0

    runs: dict[str, Callable[[], int]] = {
        "accept": lambda: _decide_all(repo, op="accept"),
        "reject": lambda: _decide_all(repo, op="reject"),
        "apply": lambda: tether_main(["apply", patch, "--all"]),
        "undo": undo_all,
        "journal": append_all,
    }
    print("ready", flush=True)
    result = runs[args.op]()
    print("done", flush=True)
    return result


# -- reading the state back -----------------------------------------------------------------


def sha_of(data: bytes) -> str:
    from app.core.blobs import sha_of as blob_sha

    return blob_sha(data)


def read_states(repo: Path) -> dict[tuple[str, Side], State]:
    """The sha of every scenario path in the index and in the working tree."""
    states: dict[tuple[str, Side], State] = {}
    staged: dict[str, str] = {}
    for record in git(repo, "ls-files", "--stage", "-z").decode().split("\0"):
        if record:
            meta, path = record.split("\t", 1)
            staged[path] = meta.split()[1]
    blobs = _cat_blobs(repo, sorted(set(staged.values())))
    for path in PATHS:
        target = repo / path
        states[(path, "worktree")] = sha_of(target.read_bytes()) if target.exists() else None
        blob = staged.get(path)
        states[(path, "index")] = sha_of(blobs[blob]) if blob else None
    return states


def read_state(repo: Path, path: str, side: Side) -> State:
    """The sha of one path in the index or the working tree."""
    if side == "worktree":
        target = repo / path
        return sha_of(target.read_bytes()) if target.exists() else None
    record = git(repo, "ls-files", "--stage", "-z", "--", path).decode().split("\0")[0]
    if not record:
        return None
    return sha_of(git(repo, "cat-file", "blob", record.split("\t", 1)[0].split()[1]))


def _cat_blobs(repo: Path, shas: list[str]) -> dict[str, bytes]:
    """Several git blobs with one ``git cat-file --batch``."""
    out = git(repo, "cat-file", "--batch", data="".join(f"{sha}\n" for sha in shas).encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in shas:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        blobs[sha] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return blobs


def chains(entries: list[dict[str, Any]], source: str) -> dict[tuple[str, Side], list[State]]:
    """Every state each (path, side) passed through, in order, from a complete
    run's journal (undo sets an entry's ``before`` again, redo its ``after``)."""
    by_seq = {e["seq"]: e for e in entries}
    out: dict[tuple[str, Side], list[State]] = {}
    for entry in entries:
        if entry.get("source") != source:
            continue
        target = by_seq.get(entry.get("target", -1), entry)
        key = (target["path"], target["side"])
        states = out.setdefault(
            key, [target["before"]] if entry["op"] != "undo" else [target["after"]]
        )
        new = target["before"] if entry["op"] == "undo" else target["after"]
        if states[-1] != new:
            states.append(new)
    return out


def expected_states(
    entries: list[dict[str, Any]], done: list[dict[str, Any]], source: str
) -> dict[tuple[str, Side], State]:
    """What the journal says each (path, side) holds now: the ``after`` of the
    newest decision still done, else the ``before`` of its first decision."""
    out: dict[tuple[str, Side], State] = {}
    for entry in entries:
        if entry.get("source") == source and entry["op"] in ("accept", "reject", "edit"):
            out.setdefault((entry["path"], entry["side"]), entry["before"])
    for entry in done:
        out[(entry["path"], entry["side"])] = entry["after"]
    return out


def untracked(repo: Path) -> list[str]:
    out = git(repo, "ls-files", "--others", "--exclude-standard", "-z").decode()
    return [p for p in out.split("\0") if p]


# -- running a trial ------------------------------------------------------------------------


@dataclass
class Trial:
    op: str
    delay: float | None  # seconds after "ready"; None: not killed
    completed: bool = False  # the child printed "done" before the kill
    elapsed: float = 0.0  # from "ready" to the end of the child
    returncode: int = 0
    stderr: str = ""


def spawn(
    op: str,
    workdir: Path,
    env: dict[str, str],
    *,
    delay: float | None,
    die_at: str = "",
    group: bool = False,
) -> Trial:
    """Run the child; SIGKILL it ``delay`` seconds after it said ``ready``
    (its whole process group, git included, with ``group``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), op, str(workdir)]
    if die_at:
        cmd += ["--die-at", die_at]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    assert proc.stdout is not None and proc.stderr is not None
    trial = Trial(op, delay)
    first = proc.stdout.readline()
    start = time.monotonic()
    if first.strip() == b"ready" and delay is not None:
        # Sleep until the deadline unless the child ends first.
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
    rest, err = proc.communicate(timeout=120)
    trial.elapsed = time.monotonic() - start
    trial.completed = b"done" in rest
    trial.returncode = proc.returncode
    trial.stderr = err.decode(errors="replace")
    _wait_group(proc.pid)
    return trial


def _wait_group(pgid: int, timeout: float = 30.0) -> None:
    """Wait until no process of the child's group is left: a git command the
    child started finishes on its own after the child was killed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.005)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def copy_template(template: Path, workdir: Path) -> None:
    shutil.copytree(template, workdir, symlinks=True)


# -- checking a trial -----------------------------------------------------------------------


# Known bugs a check can recognise (see docs/reliability.md), by id.
UNJOURNALED = "unjournaled"  # a write reached the disk, its journal entry did not
PATCH_REOPEN = "patch-reopen"  # a reopened patch calls its applied add/delete unappliable
_REOPEN_NOTES = (
    "the patch creates this file, but it already exists",
    "the patch changes this file, but it does not exist",
)


@dataclass
class Verdict:
    """What a check found. ``problems`` break a promise in a way no known bug
    explains; ``known`` holds what the known bugs explain, by id; ``litter``
    the temp files git can see."""

    problems: list[str] = field(default_factory=list)
    known: dict[str, list[str]] = field(default_factory=dict)
    litter: list[str] = field(default_factory=list)
    stale_index_lock: bool = False
    undo_checked: bool = False

    @property
    def unjournaled(self) -> list[str]:
        return self.known.get(UNJOURNALED, [])

    @property
    def ok(self) -> bool:
        return not self.problems and not self.known

    def note(self, bug: str, text: str) -> None:
        self.known.setdefault(bug, []).append(text)


def check_session_trial(
    op: str,
    workdir: Path,
    full_chains: dict[tuple[str, Side], list[State]],
    source: str,
    initial: dict[tuple[str, Side], State] | None = None,
) -> Verdict:
    """Check the promises after a kill during accept/reject/apply/undo.

    ``full_chains`` (from :func:`chains`) lists the states of every (path,
    side) the operation writes; ``initial`` the states before it (for the
    ones it must not touch)."""
    initial = initial or {}
    from app.core.errors import TetherError
    from app.core.journal import Journal
    from app.core.locations import state_dir_for

    verdict = Verdict()
    repo = workdir / "repo"
    lock = repo / ".git" / "index.lock"
    if lock.exists():
        verdict.stale_index_lock = True
        verdict.problems.append("a stale .git/index.lock was left (git was killed holding it)")
        return verdict
    # A restart comes first: Tether writes its journal ahead of each write and
    # reconciles a half-done step when a session opens, so that is where the
    # journal must agree with the disk (the review source's own session).
    _restart_for_reconcile(op, repo)
    states = read_states(repo)
    # 1. Every file holds one of the states the operation passes through.
    for key, state in states.items():
        chain = full_chains.get(key)
        if chain is not None and state not in chain:
            verdict.problems.append(
                f"{key[0]} ({key[1]}) holds {state}, none of the "
                f"{len(chain)} states it passes through (a mix?)"
            )
        elif chain is None and state != initial.get(key, state):
            verdict.problems.append(
                f"{key[0]} ({key[1]}) changed, but the operation never writes it"
            )
    # 2. No litter git can see, except documented temp names (reported).
    for path in untracked(repo):
        if TEMP_NAME.search(path):
            verdict.litter.append(path)
        elif path != "new.txt":
            verdict.problems.append(f"unexpected untracked file {path!r} after the kill")
    # 3. The journal opens, and its view of the decisions matches the disk.
    journal = Journal(state_dir_for(repo) / "journal.jsonl")
    try:
        entries = [e.to_json() for e in journal.entries()]
        done = [e.to_json() for e in journal.undo_stack(source)[0]]
    except TetherError as exc:
        verdict.problems.append(f"the journal does not open: {exc}")
        return verdict
    expected = expected_states(entries, done, source)
    for key, want in expected.items():
        got = states.get(key)
        if got == want:
            continue
        chain = full_chains.get(key, [])
        ahead = any(a == want and b == got for a, b in zip(chain, chain[1:], strict=False))
        where = f"{key[0]} ({key[1]})"
        if ahead:
            verdict.note(UNJOURNALED, where)
        else:
            verdict.problems.append(f"{where} holds {got}, but the journal says {want}")
    for key, state in states.items():
        if key not in expected and key in full_chains and state != full_chains[key][0]:
            verdict.note(UNJOURNALED, f"{key[0]} ({key[1]}) (no journal entry at all)")
    return verdict


def _restart_for_reconcile(op: str, repo: Path) -> None:
    from app.core.errors import TetherError
    from app.review.sources import open_review, open_source

    spec = str(repo.parent / "change.patch") if op == "apply" else None
    if spec is not None and not Path(spec).exists():
        return
    # A refusal here is judged below: the journal must still open and match.
    with contextlib.suppress(TetherError):
        open_review(open_source(spec, repo))


def check_undo_after_restart(
    op: str, workdir: Path, source_spec: str | None, verdict: Verdict
) -> None:
    """Open a new session on the same repository (as a restart would): it must
    show the journal's decisions, and undo then redo of the newest must work."""
    from app.core.errors import TetherError
    from app.review.commands import Redo, Undo
    from app.review.sources import open_review, open_source

    repo = workdir / "repo"
    try:
        session = open_review(open_source(source_spec, repo))
        done = [e.to_json() for e in session.journal.undo_stack(session.session.source)[0]]
        if session.can_undo() != bool(done):
            verdict.problems.append("the restarted session disagrees with the journal")
        if op == "apply":
            for fr in session.files:
                session.load(fr)
                if fr.note.endswith(_REOPEN_NOTES):
                    verdict.note(PATCH_REOPEN, f"{fr.path}: {fr.note}")
                elif fr.note:
                    verdict.problems.append(
                        f"after restart {fr.path} cannot be reviewed: {fr.note}"
                    )
        if not done:
            return
        top = done[-1]
        session.execute(Undo())

        def now() -> State:
            return read_state(repo, top["path"], top["side"])

        if now() != top["before"]:
            verdict.problems.append(
                f"undo after restart left {top['path']} at {now()}, not {top['before']}"
            )
        session.execute(Redo())
        if now() != top["after"]:
            verdict.problems.append(f"redo after restart left {top['path']} at {now()}")
        verdict.undo_checked = True
    except TetherError as exc:
        verdict.problems.append(f"after restart: {type(exc).__name__}: {exc}")


def check_journal_trial(workdir: Path) -> tuple[list[str], int]:
    """After a kill during journal appends: the journal opens, holds a prefix
    of the script exactly, and takes the next append. Returns (problems, n)."""
    from app.core.errors import TetherError
    from app.core.journal import Journal

    problems: list[str] = []
    journal = Journal(workdir / "journal.jsonl")
    try:
        entries = [e.to_json() for e in journal.entries()]
        journal.undo_stack(JOURNAL_SOURCE)
    except TetherError as exc:
        return [f"the journal does not open: {exc}"], 0
    script = list(journal_script())
    for seq, (got, want) in enumerate(zip(entries, script, strict=False), 1):
        stored = {k: v for k, v in got.items() if k not in ("seq", "ts")}
        if got.get("seq") != seq or stored != want:
            problems.append(f"entry {seq} is not what was appended")
            break
    n = len(entries)
    if n < len(script):
        try:
            journal.append(script[n])
            again = [e.to_json() for e in journal.entries()]
        except TetherError as exc:
            return [*problems, f"the next append fails: {exc}"], n
        if len(again) != n + 1 or again[-1].get("seq") != n + 1:
            problems.append("the next append after the crash did not land as entry n+1")
        if not (workdir / "journal.jsonl").read_bytes().endswith(b"\n"):
            problems.append("the journal does not end with a whole line")
    return problems, n


def child_env(home: Path) -> dict[str, str]:
    """An environment with no user or system git config and a private HOME."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "XDG_")) and k not in ("VISUAL", "EDITOR")
    }
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        XDG_STATE_HOME=str(home / "state"),
        XDG_CONFIG_HOME=str(home / "config"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
