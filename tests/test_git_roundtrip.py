"""The diff engine against real git, on real history.

Every file change of the attrs history built by ``tests/history.py`` (several
hundred commits, one changed file each) is replayed through the engine:

(a) ``diff_texts`` then ``apply_selection`` of everything gives the new text
    byte for byte, and ``revert_selection`` of everything gives the old text;
(b) ``git apply`` (working tree and ``--cached``) of ``render_patch`` on a
    checkout of the parent gives the same bytes (added and deleted files too);
(c) for a random subset of hunks and one of single lines (seeded per
    commit), ``apply_selection`` agrees with ``git apply`` of the filtered
    patch on the old text, and ``revert_selection`` with ``git apply`` of the
    reverse-filtered patch on the new text;
(d) our hunks equal git's own (``git diff-tree -p --histogram``) read back
    with ``parse_patch``, so a user sees what ``git diff`` would show;
(e) every hunk header git was given names the exact line its hunk applies
    at (``git apply`` silently tolerates an offset, so -v output is checked,
    and each hunk's sides are located in the base and the result).

Real history has no CRLF file and no edit beside a missing final newline, so
each modified file is replayed once more in a "dressing" (CRLF, or a final
newline missing on one or both sides) through (a)-(c) and (e).

git is run in batches (a few hundred file patches per ``git apply``, each
under its own directory) because one process per check would take minutes.
git applies a patch whole or not at all, so a file it refuses (its error
names the file) is reported and dropped, and the rest of the batch retried.

The small tests at the end reproduce, in a few lines each, the mismatches
this history found.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from selections import select_all, select_hunks

from app.core.errors import ApplyError, BinaryFileError, PatchParseError
from app.core.model import ADDED, REMOVED, FilePatch, Hunk, Patch
from app.core.text import decode_text, join_lines, split_lines
from app.core.textdiff import diff_texts
from app.core.transform import (
    Selection,
    apply_selection,
    filter_file_patch,
    new_index,
    old_index,
    revert_selection,
)
from app.core.unified import parse_patch, render_patch

try:
    from tests.history import BRANCH, HistoryMissingError, build_history_repo
except ModuleNotFoundError:  # run as `pytest`, not `python -m pytest`: only tests/ is on sys.path
    from history import BRANCH, HistoryMissingError, build_history_repo  # type: ignore[no-redef]

MIN_MODIFIED = 200  # the history has ~500 modified-file commits; fewer means it broke
BATCH = 250  # file patches per `git apply` run

# git must behave the same for everyone: no user or system config (autocrlf,
# whitespace fixing, ...) may touch the bytes under test.
GIT_ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t.invalid",
}


def git(
    repo: Path,
    *args: str,
    stdin: bytes | None = None,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=stdin,
        capture_output=True,
        env=env or GIT_ENV,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


# --- the history ---------------------------------------------------------------


@dataclass(slots=True)
class Change:
    """One file changed by one commit (status M, A or D)."""

    commit: str
    path: str
    status: str
    old_blob: str | None
    new_blob: str | None
    old_bytes: bytes | None = None
    new_bytes: bytes | None = None
    dressing: str = ""  # how the real bytes were re-dressed, if they were

    @property
    def where(self) -> str:
        dressed = f" [{self.dressing}]" if self.dressing else ""
        return f"{self.path} @ {self.commit[:12]}{dressed}"


@pytest.fixture(scope="session")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """The history repository, or why it cannot be built (tarballs not
    downloaded): the test then fails, and does not merely error in setup."""
    try:
        return build_history_repo(tmp_path_factory.mktemp("history") / "attrs")
    except HistoryMissingError as exc:
        return str(exc)


def require(history_repo: Path | str) -> Path:
    if isinstance(history_repo, Path):
        return history_repo
    if os.environ.get("TETHER_SKIP_HISTORY") == "1":
        pytest.skip(f"TETHER_SKIP_HISTORY=1: {history_repo}")
    pytest.fail(history_repo, pytrace=False)


def read_blobs(repo: Path, shas: set[str]) -> dict[str, bytes]:
    """Blob contents, read by one `git cat-file --batch`."""
    order = sorted(shas)
    out = git(repo, "cat-file", "--batch", stdin="".join(f"{s}\n" for s in order).encode()).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in order:
        header_end = out.index(b"\n", pos)
        name, kind, size = out[pos:header_end].split()
        assert (name.decode(), kind) == (sha, b"blob")
        start = header_end + 1
        blobs[sha] = out[start : start + int(size)]
        pos = start + int(size) + 1
    return blobs


def list_changes(repo: Path) -> list[Change]:
    """Every file change of every commit after the root, oldest first."""
    commits = git(repo, "rev-list", "--reverse", BRANCH).stdout
    raw = git(
        repo, "diff-tree", "--stdin", "-r", "--no-renames", "--raw", "-z", stdin=commits
    ).stdout.split(b"\0")
    zero = "0" * 40
    changes: list[Change] = []
    commit = ""
    i = 0
    while i < len(raw):
        item = raw[i].decode()
        i += 1
        if not item:
            continue
        if not item.startswith(":"):
            commit = item.strip()
            continue
        _, _, old_sha, new_sha, status = item[1:].split(" ")
        path = raw[i].decode("utf-8", "surrogateescape")
        i += 1
        changes.append(
            Change(
                commit,
                path,
                status,
                None if old_sha == zero else old_sha,
                None if new_sha == zero else new_sha,
            )
        )
    blobs = read_blobs(repo, {s for c in changes for s in (c.old_blob, c.new_blob) if s})
    for c in changes:
        c.old_bytes = blobs[c.old_blob] if c.old_blob else None
        c.new_bytes = blobs[c.new_blob] if c.new_blob else None
    return changes


def git_hunks(repo: Path) -> dict[tuple[str, str], list[Hunk]]:
    """git's own -U3 histogram hunks of every text file change, by (commit, path)."""
    commits = git(repo, "rev-list", "--reverse", BRANCH).stdout
    # The ambient config on purpose: diff_texts also runs git with the
    # user's config, and the two must agree.
    out = git(
        repo,
        "-c",
        "core.quotepath=false",
        "diff-tree",
        "--stdin",
        "-r",
        "-p",
        "--no-renames",
        "--histogram",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "-U3",
        stdin=commits,
        env=dict(os.environ),
    ).stdout
    found: dict[tuple[str, str], list[Hunk]] = {}
    for chunk in re.split(rb"^(?=[0-9a-f]{40}\n)", out, flags=re.MULTILINE):
        if not chunk.strip():
            continue
        commit, _, body = chunk.partition(b"\n")
        for part in re.split(rb"^(?=diff --git )", body, flags=re.MULTILINE):
            try:
                patch = parse_patch(part)
            except PatchParseError:
                continue  # not UTF-8: such files are skipped everywhere
            for fp in patch.files:
                found[(commit.decode(), fp.path)] = fp.hunks
    return found


# --- git apply, batched ----------------------------------------------------------


@dataclass(slots=True)
class Job:
    """Apply ``patch`` to ``base``; the file must end up as ``expected``
    (None: deleted). ``label`` says which check it is, for the report."""

    change: Change
    label: str
    base: bytes | None
    patch: FilePatch
    expected: bytes | None
    selection: Selection | None = None
    key: str = ""

    @property
    def path(self) -> str:
        return f"{self.key}/{self.change.path}"


@dataclass(slots=True)
class Applier:
    """A scratch repository that runs `git apply` on many jobs at once: each
    job's file lives under its own directory, so one patch holds them all."""

    root: Path
    failures: list[str] = field(default_factory=list)
    applied: int = 0
    runs: int = 0

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True)
        git(self.root, "init", "--quiet")

    def run(self, jobs: list[Job]) -> None:
        for start in range(0, len(jobs), BATCH):
            pending = jobs[start : start + BATCH]
            while pending:
                # git applies all of a patch or none of it: a refused file
                # is reported and dropped, and the rest is tried again.
                refused = {id(job) for job in self._attempt(pending)}
                if not refused:
                    break
                pending = [job for job in pending if id(job) not in refused]
            self.applied += len(jobs[start : start + BATCH])

    def _attempt(self, jobs: list[Job]) -> list[Job]:
        """Apply the jobs' patches (to the working tree and, separately, with
        --cached to the index) and check the results; returns the jobs git
        refused, or none if it applied the lot."""
        self.runs += 1
        work = self.root / f"run{self.runs}"
        work.mkdir()
        for n, job in enumerate(jobs):
            job.key = f"run{self.runs}/j{n}"
            if job.base is not None:
                target = self.root / job.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(job.base)
        patch_file = work / "batch.patch"
        # One render of all files, not renders joined: how a file is written
        # can depend on the one before it (a hunkless git header, say).
        patch_file.write_bytes(render_patch(Patch([job_file(job) for job in jobs])).encode())
        # The index gets the same bases (a checkout of the parents, in
        # effect): --cached reads and writes only it, never the files.
        with_base = [job for job in jobs if job.base is not None]
        git(
            self.root,
            "hash-object",
            "-w",
            "--stdin-paths",
            stdin="".join(f"{job.path}\n" for job in with_base).encode(),
        )
        git(
            self.root,
            "update-index",
            "--index-info",
            stdin="".join(
                f"100644 {blob_sha(job.base or b'')} 0\t{job.path}\n" for job in with_base
            ).encode(),
        )
        outputs = {}
        for mode in ("worktree", "--cached"):
            # -v makes git say when a hunk only applied away from the line its
            # header names: git tolerates that, a correct header never needs it.
            proc = git(
                self.root,
                "-c",
                "core.autocrlf=false",
                "apply",
                "-v",
                "--whitespace=nowarn",
                *([mode] if mode != "worktree" else []),
                str(patch_file),
                check=False,
            )
            stderr = proc.stderr.decode(errors="replace")
            if proc.returncode != 0:
                return self._refused(jobs, mode, stderr)
            outputs[mode] = stderr
        self._check_offsets(jobs, outputs["worktree"])
        staged = self._staged()
        for job in jobs:
            target = self.root / job.path
            got = target.read_bytes() if target.exists() else None
            if got != job.expected:
                self.failures.append(mismatch(job, "git apply", got))
            sha = staged.get(job.path)
            if sha != (None if job.expected is None else blob_sha(job.expected)):
                got = None if sha is None else read_blobs(self.root, {sha})[sha]
                self.failures.append(mismatch(job, "git apply --cached", got))
        return []

    def _refused(self, jobs: list[Job], mode: str, stderr: str) -> list[Job]:
        # git's error names the file (run<N>/j<K>/path); without a name,
        # every job is blamed, which stops the retries.
        named = {int(k) for k in re.findall(rf"run{self.runs}/j(\d+)/", stderr)}
        blamed = [jobs[k] for k in sorted(named)] or jobs
        errors = "\n".join(
            line
            for line in stderr.splitlines()
            if not line.startswith(("Checking patch", "Applied patch", "Hunk #"))
        )
        for job in blamed[:1] if named else blamed:
            self.failures.append(
                f"[{job.label}] {job.change.where}: git apply{'' if mode == 'worktree' else ' ' + mode}"
                f" refused render_patch(...):\n    {errors.strip()}"
                f"{describe_selection(job.selection)}\n--- patch ---\n{job_patch(job)}"
            )
        return blamed[:1] if named else blamed

    def _check_offsets(self, jobs: list[Job], stderr: str) -> None:
        by_path = {job.path: job for job in jobs}
        current = None
        for line in stderr.splitlines():
            if line.startswith("Checking patch "):
                current = by_path.get(line.removeprefix("Checking patch ").rstrip("."))
            elif "succeeded at" in line and current is not None:
                self.failures.append(
                    f"[{current.label}] {current.change.where}: git applied a "
                    f"hunk off its header's line: {line}"
                    f"{describe_selection(current.selection)}"
                )

    def _staged(self) -> dict[str, str]:
        out = git(self.root, "ls-files", "-s", "-z").stdout.decode("utf-8", "surrogateescape")
        staged = {}
        for entry in out.split("\0"):
            if entry:
                info, path = entry.split("\t", 1)
                staged[path] = info.split()[1]
        return staged


def misplaced_hunks(job: Job) -> list[str]:
    """Each hunk's old side must sit at its header's line of the base and its
    new side at its header's line of the result (the result git agreed to)."""
    base = split_lines(job.base.decode()) if job.base is not None else []
    result = split_lines(job.expected.decode()) if job.expected is not None else []
    problems = []
    for n, hunk in enumerate(job.patch.hunks, 1):
        old_side = [line.raw for line in hunk.lines if line.kind != ADDED]
        new_side = [line.raw for line in hunk.lines if line.kind != REMOVED]
        at_old, at_new = old_index(hunk), new_index(hunk)
        if (hunk.old_len, hunk.new_len) != (len(old_side), len(new_side)):
            problems.append(f"hunk {n} {hunk.header()} counts {len(old_side)},{len(new_side)}")
        if base[at_old : at_old + len(old_side)] != old_side:
            problems.append(f"hunk {n} {hunk.header()}: old side not at line {at_old + 1}")
        if result[at_new : at_new + len(new_side)] != new_side:
            problems.append(f"hunk {n} {hunk.header()}: new side not at line {at_new + 1}")
    return [
        f"[{job.label}] {job.change.where}: bad header: {p}{describe_selection(job.selection)}"
        for p in problems
    ]


def job_file(job: Job) -> FilePatch:
    """The job's file patch, moved into the job's own directory."""
    fp = job.patch
    return replace(
        fp,
        old_path=None if fp.old_path is None else job.path,
        new_path=None if fp.new_path is None else job.path,
    )


def job_patch(job: Job) -> str:
    return render_patch(job_file(job))


def describe_selection(selection: Selection | None) -> str:
    if selection is None:
        return ""
    sel = {h: sorted(lines) for h, lines in sorted(selection.items())}
    return f"\n    selection={sel}"


def mismatch(job: Job, what: str, got: bytes | None) -> str:
    """A report precise enough to reproduce the failure by hand."""
    if got is None or job.expected is None:
        where = f"\n    git: {show_bytes(got)}\n    ours: {show_bytes(job.expected)}"
    else:
        theirs, ours = split_lines(got.decode(errors="replace")), split_lines(job.expected.decode())
        n = next(
            (n for n, (x, y) in enumerate(zip(theirs, ours, strict=False)) if x != y),
            min(len(theirs), len(ours)),
        )
        a, b = "".join(theirs[n : n + 2]), "".join(ours[n : n + 2])
        # Long lines (minified SVG, say): start the excerpt near the difference.
        same = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0)
        k = max(0, same - 60)
        where = (
            f"\n    first difference at line {n + 1}, column {k + 1} on:"
            f"\n    git:  {show_bytes(a[k:].encode())}\n    ours: {show_bytes(b[k:].encode())}"
        )
    dressing = f" (then {job.change.dressing})" if job.change.dressing else ""
    return (
        f"[{job.label}] {job.change.where}: {what} differs from Tether's result"
        f"{describe_selection(job.selection)}{where}"
        f"\n    reproduce: git -C <history repo> show {job.change.commit} -- {job.change.path}"
        f"{dressing}"
    )


def show_bytes(data: bytes | None) -> str:
    return "<absent>" if data is None else repr(data[:160])


# --- the checks ----------------------------------------------------------------

# Real history has no CRLF file and no edit next to a missing final newline,
# yet those are where byte-exactness breaks. So each modified file is also
# replayed in one "dressing" (chosen in turn): the same edit with CRLF line
# ends, or with the final newline missing on one or both sides.
DRESSINGS: dict[str, Callable[[bytes, bytes], tuple[bytes, bytes]]] = {
    "crlf": lambda a, b: (a.replace(b"\n", b"\r\n"), b.replace(b"\n", b"\r\n")),
    "no final newline": lambda a, b: (a.removesuffix(b"\n"), b.removesuffix(b"\n")),
    "old lacks final newline": lambda a, b: (a.removesuffix(b"\n"), b),
    "new lacks final newline": lambda a, b: (a, b.removesuffix(b"\n")),
    "crlf, old lacks final newline": lambda a, b: (
        a.replace(b"\n", b"\r\n").removesuffix(b"\r\n"),
        b.replace(b"\n", b"\r\n"),
    ),
}


def random_selections(change: Change, hunks: list[Hunk]) -> Iterator[tuple[str, Selection]]:
    """A random subset of whole hunks and one of single lines, never empty:
    an empty selection would give a patch with no hunks, which tests nothing."""
    rng = random.Random(f"{change.commit}:{change.path}:{change.dressing}")
    picked = [i for i in range(len(hunks)) if rng.random() < 0.5] or [rng.randrange(len(hunks))]
    yield "hunks", select_hunks(hunks, picked)
    lines: dict[int, frozenset[int]] = {}
    for hi, hunk in enumerate(hunks):
        chosen = frozenset(li for li in hunk.change_indices() if rng.random() < 0.5)
        if chosen:
            lines[hi] = chosen
    if not lines:
        hi = rng.randrange(len(hunks))
        lines[hi] = frozenset([rng.choice(hunks[hi].change_indices())])
    yield "lines", lines


@dataclass(slots=True)
class Checker:
    """Runs the pure checks at once and queues the git ones as jobs."""

    theirs: dict[tuple[str, str], list[Hunk]]
    failures: list[str] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    stats: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("M", "A", "D", "dressed", "skipped", "empty", "selections"), 0
        )
    )

    def check(self, change: Change) -> bool:
        """Check one change; False if it is binary or not UTF-8 (skipped)."""
        try:
            old = None if change.old_bytes is None else decode_text(change.old_bytes, change.path)
            new = None if change.new_bytes is None else decode_text(change.new_bytes, change.path)
        except BinaryFileError:
            self.stats["skipped"] += 1
            return False
        self.stats["dressed" if change.dressing else change.status] += 1
        fp, _ = diff_texts(old, new, change.path)
        old_lines, new_lines = split_lines(old or ""), split_lines(new or "")
        everything = select_all(fp.hunks)
        # (a) everything, both ways, in pure Python.
        for label, got, want in (
            ("a: apply all", attempt(apply_selection, old_lines, fp.hunks, everything), new),
            ("a: revert all", attempt(revert_selection, new_lines, fp.hunks, everything), old),
        ):
            self.failures.extend(pure_failure(label, change, got, want or "", None))
        if not fp.hunks:
            if change.status == "M":
                return True  # a change of mode only: diff_texts compares text
            self.stats["empty"] += 1  # an empty file added or deleted
        # (b) git applies the whole rendered patch to the parent's file.
        self.jobs.append(Job(change, "b: whole patch", change.old_bytes, fp, change.new_bytes))
        # (d) git itself would have shown the same hunks.
        if change.status == "M" and not change.dressing:
            self._compare_hunks(change, fp.hunks)
        if change.status != "M" or not fp.hunks:
            return True  # a subset of an added or deleted file is not a patch git can apply
        # (c) random subsets, forward on the old text and backward on the new.
        for kind, sel in random_selections(change, fp.hunks):
            self.stats["selections"] += 1
            for label, result, base, patch in (
                (
                    f"c: apply {kind}",
                    attempt(apply_selection, old_lines, fp.hunks, sel),
                    change.old_bytes,
                    self._filtered(change, fp, sel, len(old_lines), False),
                ),
                (
                    f"c: revert {kind}",
                    attempt(revert_selection, new_lines, fp.hunks, sel),
                    change.new_bytes,
                    self._filtered(change, fp, sel, len(new_lines), True),
                ),
            ):
                if isinstance(result, ApplyError):
                    self.failures.extend(pure_failure(label, change, result, "", sel))
                else:
                    self.jobs.append(
                        Job(change, label, base, patch, join_lines(result).encode(), sel)
                    )
        return True

    def _filtered(
        self, change: Change, fp: FilePatch, sel: Selection, count: int, reverse: bool
    ) -> FilePatch:
        """The filtered patch as the session makes it (knowing the text's
        length); made from the hunks' shape alone it must come out the same."""
        known = filter_file_patch(fp, sel, reverse=reverse, line_count=count)
        if render_patch(known) != render_patch(filter_file_patch(fp, sel, reverse=reverse)):
            self.failures.append(
                f"[c: shape] {change.where}: the filtered patch depends on "
                f"knowing the line count{describe_selection(sel)}"
            )
        return known

    def _compare_hunks(self, change: Change, hunks: list[Hunk]) -> None:
        mine = [hunk_shape(h) for h in hunks]
        git_own = [hunk_shape(h) for h in self.theirs.get((change.commit, change.path), [])]
        if mine == git_own:
            return
        n = next(
            (i for i, (x, y) in enumerate(zip(mine, git_own, strict=False)) if x != y),
            min(len(mine), len(git_own)),
        )

        def show(shapes: list[HunkShape]) -> str:
            return f"{shapes[n][:4]} {list(shapes[n][4][:6])}" if n < len(shapes) else "none"

        self.failures.append(
            f"[d: git's hunks] {change.where}: {len(mine)} hunks vs git's {len(git_own)}; "
            f"hunk {n + 1} differs:\n    ours: {show(mine)}\n    git:  {show(git_own)}"
        )


def test_engine_matches_git_on_real_history(history_repo: Path | str, tmp_path: Path) -> None:
    repo = require(history_repo)
    checker = Checker(git_hunks(repo))
    names = list(DRESSINGS)
    modified = 0
    for change in list_changes(repo):
        is_text = checker.check(change)
        if is_text and change.status == "M" and change.old_bytes and change.new_bytes:
            dressing = names[modified % len(names)]
            modified += 1
            old, new = DRESSINGS[dressing](change.old_bytes, change.new_bytes)
            checker.check(replace(change, dressing=dressing, old_bytes=old, new_bytes=new))
    for job in checker.jobs:
        checker.failures.extend(misplaced_hunks(job))
    applier = Applier(tmp_path / "apply")
    applier.run(checker.jobs)
    failures = checker.failures + applier.failures

    stats = checker.stats
    checked = stats["M"] + stats["A"] + stats["D"]
    print(
        f"\nchecked {checked} file changes of the history ({stats['M']} modified, "
        f"{stats['A']} added, {stats['D']} deleted, {stats['empty']} empty; "
        f"{stats['skipped']} binary or non-UTF-8 skipped) and {stats['dressed']} re-dressed; "
        f"{stats['selections']} random selections; {applier.applied} patches given to "
        f"git apply (worktree and --cached) in {applier.runs} runs"
    )
    assert stats["M"] >= MIN_MODIFIED, f"only {stats['M']} modified files checked: {stats}"
    assert not failures, summarise(failures)


def category(failure: str) -> tuple[str, str]:
    """The ``[check] [dressing]`` group of a failure report, and what failed."""
    first = failure.split("\n", 1)[0]
    dressing = re.search(r" @ \w+ (\[[^\]]+\])", first)
    group = first[: first.index("]") + 1] + (f" {dressing.group(1)}" if dressing else "")
    for what in ("bad header", "refused", "--cached differs", "differs", "off its header"):
        if what in first:
            return group, what
    return group, "wrong result"


def summarise(failures: list[str]) -> str:
    """Counts by group, then one example of each (a differing result if
    there is one: it says the most)."""
    groups: dict[str, Counter[str]] = {}
    examples: dict[str, str] = {}
    for failure in failures:
        group, what = category(failure)
        groups.setdefault(group, Counter())[what] += 1
        if group not in examples or (what == "differs" and "differs" not in examples[group]):
            examples[group] = failure
    lines = [f"{len(failures)} mismatch(es) with git, by check [and dressing]:"]
    for group, whats in sorted(groups.items(), key=lambda item: -item[1].total()):
        lines.append(f"  {group}: " + ", ".join(f"{n} {what}" for what, n in whats.most_common()))
    return "\n".join(lines) + "\n\n" + "\n\n".join(list(examples.values())[:12])


def attempt(
    fn: Callable[[list[str], list[Hunk], Selection], list[str]],
    lines: list[str],
    hunks: list[Hunk],
    sel: Selection,
) -> list[str] | ApplyError:
    """Run apply/revert, turning an ApplyError into a value to report."""
    try:
        return fn(lines, hunks, sel)
    except ApplyError as exc:
        return exc


def pure_failure(
    label: str, change: Change, got: list[str] | ApplyError, want: str, sel: Selection | None
) -> list[str]:
    """A report if the engine's own result is not ``want``, else nothing."""
    if not isinstance(got, ApplyError) and join_lines(got) == want:
        return []
    actual = f"raised {got}" if isinstance(got, ApplyError) else join_lines(got)
    return [
        f"[{label}] {change.where}{describe_selection(sel)}: "
        f"got {actual[:200]!r}, want {want[:200]!r}"
    ]


HunkShape = tuple[int, int, int, int, tuple[tuple[str, str], ...]]


def hunk_shape(hunk: Hunk) -> HunkShape:
    """What must agree between two hunks (the ``@@`` section text need not:
    git adds a function name there, Tether does not)."""
    return (
        hunk.old_start,
        hunk.old_len,
        hunk.new_start,
        hunk.new_len,
        tuple((line.kind, line.raw) for line in hunk.lines),
    )


# --- minimal reproductions of what the history found ----------------------------


def git_apply_text(tmp_path: Path, name: str, base: str | None, patch: str) -> str | None:
    """The file ``name`` after `git apply` of ``patch`` in a fresh repo."""
    git(tmp_path, "init", "--quiet")
    target = tmp_path / name
    if base is not None:
        target.write_bytes(base.encode())
    (tmp_path / "p.patch").write_text(patch)
    git(tmp_path, "apply", "p.patch")
    return target.read_bytes().decode() if target.exists() else None


@pytest.mark.parametrize(("old", "new"), [(None, ""), ("", None)], ids=["add", "delete"])
def test_empty_file_add_and_delete_apply(tmp_path: Path, old: str | None, new: str | None) -> None:
    # In the history: src/attrs/py.typed and changelog.d/.gitignore (empty
    # files added, one deleted). Without a "new/deleted file mode" line a
    # hunkless patch says nothing, so git has nothing to create or delete.
    fp, _ = diff_texts(old, new, "empty.txt")
    assert git_apply_text(tmp_path, "empty.txt", old, render_patch(fp)) == new


# old "a\nb" (no final newline) became "a\nb\nc\n": hunk " a", "-b", "+b\n", "+c\n".
NO_EOL_OLD, NO_EOL_NEW = "a\nb", "a\nb\nc\n"


@pytest.mark.parametrize(
    ("reverse", "chosen"),
    [(False, 2), (True, 1)],
    ids=["apply-only-plus-b", "revert-only-minus-b"],
)
def test_filtered_patch_agrees_with_apply_beside_a_missing_final_newline(
    tmp_path: Path, reverse: bool, chosen: int
) -> None:
    # apply_selection gives a line that lost its final newline one back when
    # the selection puts lines after it ("a\nb\nb\n"); filter_file_patch
    # keeps it as a context (or "+") line marked "\ No newline", so git
    # joins it to the next line instead ("a\nbb\n").
    fp, _ = diff_texts(NO_EOL_OLD, NO_EOL_NEW, "f.txt")
    selection = {0: frozenset([chosen])}
    if reverse:
        ours = revert_selection(split_lines(NO_EOL_NEW), fp.hunks, selection)
        base = NO_EOL_NEW
    else:
        ours = apply_selection(split_lines(NO_EOL_OLD), fp.hunks, selection)
        base = NO_EOL_OLD
    assert join_lines(ours) == ("a\nb\nb\nc\n" if reverse else "a\nb\nb\n")
    patch = render_patch(filter_file_patch(fp, selection, reverse=reverse))
    assert git_apply_text(tmp_path, "f.txt", base, patch) == join_lines(ours)
