"""Deterministic inputs: real Python source, seeded edits, and git repositories.

The text is the running interpreter's own standard library (``.py`` files under
``sysconfig``'s stdlib path, tests and demos left out, sorted by relative path,
concatenated in that order), so it is real code with real docstrings, strings
and comments. Form feeds are dropped (a few stdlib files use them as page
breaks, and a terminal would act on them). The same interpreter always gives
the same bytes; another Python version gives a similar but not identical file.

Edits are drawn with a seeded ``random.Random`` and spread evenly: the file is
cut into ``count`` equal segments and each segment gets exactly one edit at
least 8 unchanged lines away from its neighbours, so with 3 lines of context
every edit is its own hunk.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sysconfig
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

SEED = 20_000
_SKIP_PARTS = {"test", "tests", "idlelib", "site-packages", "lib2to3", "turtledemo", "__phello__"}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
GIT_ID = (
    "-c",
    "user.name=Tether bench",
    "-c",
    "user.email=bench@tether.invalid",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "core.autocrlf=false",
)


@lru_cache(maxsize=1)
def stdlib_lines() -> tuple[str, ...]:
    """Every line (with its ``\\n``) of the stdlib corpus, in a fixed order."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(
        (p for p in root.rglob("*.py") if not _skipped(p.relative_to(root).parts)),
        key=lambda p: p.relative_to(root).as_posix(),
    )
    out: list[str] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        text = text.replace("\f", "").replace("\r\n", "\n").replace("\r", "\n")
        out.extend(text.splitlines(keepends=True))
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
    return tuple(out)


def _skipped(parts: Sequence[str]) -> bool:
    return any(p in _SKIP_PARTS or p.startswith("test") for p in parts)


def corpus(n: int, offset: int = 0) -> list[str]:
    """``n`` lines of real Python starting at line ``offset`` of the corpus."""
    lines = stdlib_lines()
    if offset + n > len(lines):
        raise ValueError(f"the stdlib corpus has only {len(lines)} lines; asked for {offset + n}")
    return list(lines[offset : offset + n])


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))] if line.strip() else ""


def _edit(line: str, tag: int) -> str:
    """A realistic one-line edit: rename the last identifier, or add a comment."""
    body = line.rstrip("\n")
    idents = list(_IDENT.finditer(body))
    if idents and not body.lstrip().startswith("#"):
        m = idents[-1]
        return body[: m.end()] + "_v2" + body[m.end() :] + "\n"
    return body + f"  # bench edit {tag}\n"


def mutate(
    old: list[str], count: int, *, seed: int = SEED, max_run: int = 2
) -> tuple[list[str], int]:
    """``old`` with ``count`` seeded, spread-out edits; returns (new, lines touched).

    Each edit is one of: change a line (50%), insert new lines (20%), delete a
    line (15%), replace a run of lines with edited and new ones (15%).
    ``max_run`` bounds how many lines an insert or replace adds or changes.
    """
    rng = random.Random(seed)
    seg = len(old) // count
    margin = 4
    if seg < 2 * margin + max_run + 2:
        raise ValueError(f"{count} edits do not fit in {len(old)} lines")
    new: list[str] = []
    touched = 0
    for i in range(count):
        start = i * seg
        end = len(old) if i == count - 1 else start + seg
        pos = start + rng.randrange(margin, seg - margin - max_run)
        new.extend(old[start:pos])
        line = old[pos]
        kind = rng.random()
        indent = _indent(line) or _indent(old[pos - 1])
        if kind < 0.5 or (0.7 <= kind < 0.85 and not line.strip()):
            new.append(_edit(line, i))
            rest = pos + 1
            touched += 1
        elif kind < 0.7:
            n = rng.randint(1, max_run)
            new.append(line)
            new.extend(f"{indent}log.debug('bench step %d.%d', {i}, {k})\n" for k in range(n))
            rest = pos + 1
            touched += n
        elif kind < 0.85:
            rest = pos + 1  # the line is dropped
            touched += 1
        else:
            n = rng.randint(1, max_run)
            new.extend(_edit(ln, i) for ln in old[pos : pos + n])
            new.append(f"{indent}checked_{i} = True\n")
            rest = pos + n
            touched += n + 1
        new.extend(old[rest:end])
    return new, touched


def write_lines(path: Path, lines: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(lines).encode("utf-8"))


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *GIT_ID, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def make_worktree_repo(repo: Path, files: dict[str, tuple[list[str], list[str]]]) -> Path:
    """A repo whose HEAD and index hold each file's old text and whose working
    tree holds the new text: what ``tether review`` (no argument) reviews."""
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for name, (old, _new) in files.items():
        write_lines(repo / name, old)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "version A")
    reset_worktree_repo(repo, files)
    return repo


def reset_worktree_repo(repo: Path, files: dict[str, tuple[list[str], list[str]]]) -> None:
    """Back to index = A, working tree = B, no Tether journal (after y/n runs)."""
    git(repo, "reset", "-q")
    for name, (_old, new) in files.items():
        write_lines(repo / name, new)
    shutil.rmtree(repo / ".git" / "tether", ignore_errors=True)


def diff_line_count(repo: Path) -> int:
    """Lines of ``git diff`` (working tree vs index) in ``repo``."""
    out = subprocess.run(
        ["git", "-c", "core.quotepath=false", "diff", "--no-color", "--no-ext-diff"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout
    return out.count(b"\n")


def child_env(work: Path) -> dict[str, str]:
    """The environment of every process the benchmarks start: TERM=xterm-256color
    (no COLORTERM, so 256 colours), no user configuration (Tether's or git's),
    nothing from Textual's dev mode."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEXTUAL", "GIT_"))
        and k not in ("COLUMNS", "LINES", "NO_COLOR", "COLORTERM", "FORCE_COLOR")
    }
    config = work / "xdg-config"
    state = work / "xdg-state"
    config.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    env.update(
        TERM="xterm-256color",
        LANG=env.get("LANG") or "C.UTF-8",
        XDG_CONFIG_HOME=str(config),
        XDG_STATE_HOME=str(state),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env
