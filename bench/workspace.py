"""The inputs every benchmark runs on, built on demand under ``bench-out/``.

- ``small``: a 30-line Python file with one changed line (a 2-line diff).
- ``big``: a 20,000-line Python file with 500 spread-out changes (500 hunks).
- ``big1``: the same 20,000-line file with one changed line.
- ``mem80k``: eight 20,000-line files with dense changes: about 80,000 lines
  of ``git diff`` in all.
- ``release``: the sdists of two releases of a pure-Python package from PyPI
  (cached in ``bench-out/cache/``), ``diff -ruN a b`` of them as a patch file,
  and a repository holding the old release.

The first four are working-tree reviews (index = version A, working tree =
version B): ``tether review`` with no argument.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import (
    child_env,
    corpus,
    diff_line_count,
    git,
    make_worktree_repo,
    mutate,
    reset_worktree_repo,
)
from bench.pty_run import run_headless

_HEADER = re.compile(r"^@@ -\S+ \+\S+ @@")
STATUS_MARKER = "decided ·"  # Tether's status line, one row above the footer
FOOTER_MARKER = "Quit"  # the footer's last key label, bottom row

Files = dict[str, tuple[list[str], list[str]]]


@dataclass
class Scenario:
    """One input, ready to open with ``tether`` in ``repo``."""

    name: str
    description: str
    repo: Path
    args: list[str]
    files: Files = field(default_factory=dict)  # worktree scenarios: to reset after y/n
    diff_lines: int = 0
    changed_files: int = 0
    hunks: int = 0
    first_header: str = ""
    list_wall_s: float = 0.0
    list_maxrss_kb: int = 0

    def reset(self) -> None:
        if self.files:
            reset_worktree_repo(self.repo, self.files)

    def info(self) -> dict[str, object]:
        return {
            "description": self.description,
            "diff_lines": self.diff_lines,
            "files": self.changed_files,
            "hunks": self.hunks,
            "first_hunk_header": self.first_header,
        }


class Workspace:
    """Where inputs are built (``work/``) and downloads kept (``cache/``)."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.work = self.out / "work"
        self.cache = self.out / "cache"
        self.work.mkdir(parents=True, exist_ok=True)
        self.cache.mkdir(parents=True, exist_ok=True)
        # Two runs sharing work/ would rebuild each other's repositories (and
        # y/n would then act on a moving target): one at a time.
        self._lock = (self.out / ".lock").open("w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(f"another benchmark run is using {self.out}; wait for it") from None
        self.env = child_env(self.work)
        self.python = sys.executable
        self.tether = str(Path(sys.executable).parent / "tether")
        self.bare_app = str(Path(__file__).with_name("bare_app.py"))
        self._built: dict[str, Scenario] = {}

    def scenario(self, name: str) -> Scenario:
        if name not in self._built:
            builder = getattr(self, "_build_" + name.replace("-", "_"))
            self._built[name] = builder()
        return self._built[name]

    # -- working-tree scenarios ------------------------------------------------

    def _worktree(self, name: str, description: str, files: Files) -> Scenario:
        repo = make_worktree_repo(self.work / name, files)
        sc = Scenario(name, description, repo, ["review"], files=files)
        sc.diff_lines = diff_line_count(repo)
        self._inspect(sc)
        return sc

    def _build_small(self) -> Scenario:
        old = corpus(30, offset=1000)
        new = list(old)
        new[14] = new[14].rstrip("\n") + "  # one small change\n"
        return self._worktree(
            "small", "30-line Python file, 1 line changed", {"small.py": (old, new)}
        )

    def _build_big(self) -> Scenario:
        old = corpus(20_000)
        new, _ = mutate(old, 500)
        return self._worktree(
            "big", "20,000-line Python file, 500 spread-out changes", {"big.py": (old, new)}
        )

    def _build_big1(self) -> Scenario:
        old = corpus(20_000)
        new = list(old)
        new[10_000] = new[10_000].rstrip("\n") + "  # one change in a big file\n"
        return self._worktree(
            "big1", "20,000-line Python file, 1 line changed", {"big.py": (old, new)}
        )

    def _build_mem80k(self) -> Scenario:
        files: Files = {}
        for i in range(8):
            old = corpus(20_000, offset=20_000 * i)
            new, _ = mutate(old, 990, seed=1000 + i, max_run=6)
            files[f"pkg/module_{i}.py"] = (old, new)
        return self._worktree("mem80k", "8 Python files of 20,000 lines, dense changes", files)

    # -- a real release diff ---------------------------------------------------

    def _build_release(self) -> Scenario:
        return self.release("attrs", "23.1.0", "23.2.0")

    def _build_release_large(self) -> Scenario:
        return self.release("attrs", "23.2.0", "24.1.0")

    def sdist(self, package: str, version: str) -> Path:
        """The sdist of ``package==version``, downloaded once with pip."""
        found = sorted(self.cache.glob(f"{package}-{version}.tar.gz"))
        if found:
            return found[0]
        subprocess.run(
            [
                self.python,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"{package}=={version}",
                "-d",
                str(self.cache),
            ],
            check=True,
        )
        found = sorted(self.cache.glob(f"{package}-{version}.tar.gz"))
        if not found:
            raise RuntimeError(f"pip download did not leave {package}-{version}.tar.gz")
        return found[0]

    def release(self, package: str, old: str, new: str) -> Scenario:
        base = self.work / f"release-{package}-{old}-{new}"
        if base.exists():
            shutil.rmtree(base)
        base.mkdir(parents=True)
        for side, version in (("a", old), ("b", new)):
            _extract(self.sdist(package, version), base / side)
        patch = base / "release.diff"
        with patch.open("wb") as out:
            done = subprocess.run(["diff", "-ruN", "a", "b"], cwd=base, stdout=out, check=False)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"diff -ruN failed with exit code {done.returncode}")
        repo = base / "repo"
        shutil.copytree(base / "a", repo)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"{package} {old}")
        sc = Scenario(
            f"release {package} {old}→{new}",
            f"{package} {old} → {new} sdists, diff -ruN as a patch file",
            repo,
            ["review", str(patch)],
        )
        data = patch.read_bytes()
        sc.diff_lines = data.count(b"\n")
        self._inspect(sc)
        return sc

    # -- markers -----------------------------------------------------------------

    def _inspect(self, sc: Scenario) -> None:
        """Hunk count and the first shown hunk's header, from ``--list --json``."""
        run = run_headless([self.tether, *sc.args, "--list", "--json"], cwd=sc.repo, env=self.env)
        if run.code != 0:
            raise RuntimeError(f"tether {' '.join(sc.args)} --list failed: {run.stderr}")
        listing = json.loads(run.stdout)
        files = listing["files"]
        sc.changed_files = len(files)
        sc.hunks = sum(len(f["hunks"]) for f in files)
        first = next(f["hunks"][0] for f in files if f["hunks"])
        m = _HEADER.match(first["header"])
        if m is None:
            raise RuntimeError(f"unexpected hunk header {first['header']!r}")
        sc.first_header = m.group(0)
        sc.list_wall_s = run.wall_s
        sc.list_maxrss_kb = run.maxrss_kb

    def markers(self, sc: Scenario) -> list[str]:
        """What first paint waits for: the first hunk's header (diff pane) and
        the status line (bottom of the screen above the footer)."""
        return [sc.first_header, STATUS_MARKER]


def _extract(tarball: Path, target: Path) -> None:
    """Unpack an sdist's single top-level folder as ``target``."""
    tmp = target.with_name(target.name + ".unpack")
    if tmp.exists():
        shutil.rmtree(tmp)
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp, filter="data")
    (top,) = list(tmp.iterdir())
    top.rename(target)
    tmp.rmdir()
