"""A fixture git repository of real history, built from attrs releases.

Real edits by real people are the best test data a diff engine can get, so
``tests/test_git_roundtrip.py`` replays the history between consecutive
releases of attrs (a pure-Python package) one file at a time.

It also fetches the sdists of ``RELEASE_PAIRS`` (click 8.1.7 and 8.1.8),
whose whole diff ``tests/test_release_roundtrip.py`` applies.

Two steps, kept apart so that tests never touch the network:

- ``python -m tests.history`` (run by ``make test`` before pytest) downloads
  the missing source tarballs into ``.cache/history/`` with ``pip download``;
- ``build_history_repo(dest)`` unpacks the cached tarballs and writes a git
  repository with one commit for the first release and then ONE COMMIT PER
  CHANGED FILE PER RELEASE (modified, added or deleted), tagged per release.

The repository is written with ``git fast-import`` in a single process, with
fixed author, committer and dates, so it is identical on every machine and
takes well under a second to build.

``python -m tests.history --build DIR`` also builds the repository into DIR,
which is handy for reproducing a failure by hand.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "attrs"
# Twelve consecutive releases that have an sdist on PyPI (21.1.0 was yanked).
VERSIONS: tuple[str, ...] = (
    "20.3.0",
    "21.2.0",
    "21.3.0",
    "21.4.0",
    "22.1.0",
    "22.2.0",
    "23.1.0",
    "23.2.0",
    "24.1.0",
    "24.2.0",
    "24.3.0",
    "25.1.0",
)
# Release pairs whose sdists are diffed whole with git (tests/test_release_roundtrip.py):
# click 8.1.7 -> 8.1.8 renames LICENSE.rst and changes binary files.
RELEASE_PAIRS: tuple[tuple[str, str, str], ...] = (("click", "8.1.7", "8.1.8"),)
CACHE_DIR = Path(__file__).resolve().parents[1] / ".cache" / "history"
BRANCH = "main"
SETUP_HINT = "run `python -m tests.history` (or `make test`) to download them"

# Fixed identity and clock: the repository's commit ids never vary.
_IDENT = "Tether History <history@tether.invalid>"
_EPOCH = 1_600_000_000


class HistoryMissingError(FileNotFoundError):
    """The release tarballs are not in the cache yet."""


@dataclass(frozen=True, slots=True)
class Entry:
    data: bytes
    mode: str  # "100644" or "100755", as git stores it


def tarball(version: str, cache: Path = CACHE_DIR, package: str = PACKAGE) -> Path:
    return cache / f"{package}-{version}.tar.gz"


def missing_versions(cache: Path = CACHE_DIR) -> list[str]:
    return [v for v in VERSIONS if not tarball(v, cache).is_file()]


def missing_pairs(cache: Path = CACHE_DIR) -> list[tuple[str, str]]:
    """The (package, version) sdists of RELEASE_PAIRS not cached yet."""
    wanted = [(pkg, v) for pkg, old, new in RELEASE_PAIRS for v in (old, new)]
    return [(pkg, v) for pkg, v in wanted if not tarball(v, cache, pkg).is_file()]


# --- setup: downloading ------------------------------------------------------


def _download_one(version: str, cache: Path, package: str = PACKAGE) -> None:
    # Download into a private directory and move the file in afterwards, so a
    # download cut short never leaves a truncated tarball in the cache.
    with tempfile.TemporaryDirectory(prefix="tether-history-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            f"{package}=={version}",
            "-d",
            tmp,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"pip download {package}=={version} failed:\n{proc.stderr}")
        found = sorted(Path(tmp).glob("*.tar.gz"))
        if len(found) != 1:
            raise RuntimeError(f"pip download {package}=={version} gave {found}, not one sdist")
        part = tarball(version, cache, package).with_suffix(".part")
        shutil.copyfile(found[0], part)
        os.replace(part, tarball(version, cache, package))


def download(cache: Path = CACHE_DIR) -> list[str]:
    """Fetch the tarballs not cached yet; returns the versions fetched."""
    todo = [(PACKAGE, v) for v in missing_versions(cache)] + missing_pairs(cache)
    if not todo:
        return []
    cache.mkdir(parents=True, exist_ok=True)
    # Each `pip download` of an sdist builds its metadata in an isolated
    # environment (a few seconds), so run a few at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda pv: _download_one(pv[1], cache, pv[0]), todo))
    return [f"{pkg} {v}" for pkg, v in todo]


# --- test time: building the repository --------------------------------------


def read_release(path: Path) -> dict[str, Entry]:
    """The regular files of an sdist, keyed by path without the top directory."""
    files: dict[str, Entry] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            # Symlinks and directories carry no content to diff; sdists of
            # attrs have none of the former anyway.
            if not member.isfile():
                continue
            _, _, rel = member.name.partition("/")
            extracted = tar.extractfile(member)
            if not rel or extracted is None:
                continue
            mode = "100755" if member.mode & 0o111 else "100644"
            files[rel] = Entry(extracted.read(), mode)
    return files


def _quote_path(path: str) -> str:
    # fast-import reads an unquoted path to the end of the line; only a path
    # that starts with a quote or holds a newline needs C quoting.
    if not path.startswith('"') and "\n" not in path:
        return path
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class _Stream:
    """Writes a fast-import stream; blobs are written once per content."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.marks = 0
        self.blobs: dict[bytes, int] = {}
        self.commits = 0

    def _data(self, payload: bytes) -> None:
        self.out.write(b"data %d\n" % len(payload) + payload + b"\n")

    def blob(self, data: bytes) -> int:
        mark = self.blobs.get(data)
        if mark is None:
            self.marks += 1
            mark = self.blobs[data] = self.marks
            self.out.write(b"blob\nmark :%d\n" % mark)
            self._data(data)
        return mark

    def commit(self, message: str, changes: list[tuple[str, Entry | None]]) -> int:
        ops = []
        for path, entry in changes:
            if entry is None:
                ops.append(f"D {_quote_path(path)}\n")
            else:
                ops.append(f"M {entry.mode} :{self.blob(entry.data)} {_quote_path(path)}\n")
        self.marks += 1
        when = f"{_EPOCH + 60 * self.commits} +0000"
        self.commits += 1
        self.out.write(f"commit refs/heads/{BRANCH}\nmark :{self.marks}\n".encode())
        self.out.write(f"author {_IDENT} {when}\ncommitter {_IDENT} {when}\n".encode())
        self._data(message.encode())
        self.out.write("".join(ops).encode("utf-8", "surrogateescape"))
        self.out.write(b"\n")
        return self.marks

    def tag(self, name: str, mark: int) -> None:
        self.out.write(f"reset refs/tags/{name}\nfrom :{mark}\n\n".encode())


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    proc = subprocess.run(
        ["git", "-C", str(repo), "-c", "commit.gpgsign=false", *args],
        input=stdin,
        capture_output=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def build_history_repo(dest: Path, cache: Path = CACHE_DIR) -> Path:
    """Write the history repository into ``dest`` (created; must be empty or
    absent) and return it. Raises HistoryMissingError if tarballs are missing."""
    absent = missing_versions(cache)
    if absent:
        raise HistoryMissingError(
            f"{len(absent)} {PACKAGE} release tarball(s) missing from {cache} "
            f"({', '.join(absent)}); {SETUP_HINT}"
        )
    dest.mkdir(parents=True, exist_ok=True)
    _git(dest, "init", "--quiet", f"--initial-branch={BRANCH}")
    stream = _Stream()
    previous: dict[str, Entry] = {}
    mark = 0  # the latest commit, which each release's tag names
    for version in VERSIONS:
        files = read_release(tarball(version, cache))
        if not previous:
            # The first release is the base everything else is diffed against.
            mark = stream.commit(f"{PACKAGE} {version}", sorted(files.items()))
        else:
            for path in sorted(previous.keys() | files.keys()):
                before, after = previous.get(path), files.get(path)
                if before == after:
                    continue
                verb = "add" if before is None else "delete" if after is None else "update"
                mark = stream.commit(f"{PACKAGE} {version}: {verb} {path}", [(path, after)])
        stream.tag(f"v{version}", mark)
        previous = files
    stream.out.write(b"done\n")
    _git(dest, "fast-import", "--quiet", "--done", stdin=stream.out.getvalue())
    # Populate index and working tree so the result is an ordinary checkout.
    _git(dest, "reset", "--quiet", "--hard", BRANCH)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.history", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--build", type=Path, metavar="DIR", help="also build the repository into DIR"
    )
    args = parser.parse_args(argv)
    fetched = download()
    print(
        f"history: {len(VERSIONS)} {PACKAGE} releases in {CACHE_DIR}"
        + (f" (downloaded {', '.join(fetched)})" if fetched else " (all cached)")
    )
    if args.build:
        repo = build_history_repo(args.build)
        count = _git(repo, "rev-list", "--count", BRANCH).decode().strip()
        print(f"history: built {repo} with {count} commits")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
