"""Risk flags: what in a hunk deserves a second look, and why.

Each rule is a pure function of the file's path and the hunk's lines, so a
front end can show the flags beside the hunk's header and ``--json`` can
list them. A flag says what it saw ("adds `# noqa`", "deletes test_parse"),
never only that something is risky. What the flags cover (issue 14): tests
deleted or skipped, CI and tool-controlling files, packaging and dependency
files, secret-looking files or text, suppressed checks, large deletions, new
network or subprocess calls, and changes outside the slider's scope
(``scope_risk``, asking ``Scope`` — the one scope rule — when the review has
one: the loop's).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from app.core.autonomy import LEVEL_NAMES, Scope
from app.core.controls import controls
from app.core.model import ADDED, REMOVED, Hunk
from app.core.secrets import is_secret_path, secret_text

LARGE_DELETION = 50  # removed lines, when they also outnumber the added 3 to 1


@dataclass(frozen=True, slots=True)
class Risk:
    # tests, skip, controls, dependencies, secret, suppression, deletion, network,
    # subprocess, scope
    kind: str
    why: str


_TEST_FILES = (
    "test_*.py",
    "*_test.py",
    "*_tests.py",
    "conftest.py",
    "*.test.[jt]s",
    "*.test.[jt]sx",
    "*.spec.[jt]s",
    "*.spec.[jt]sx",
    "*_test.go",
    "*Test.java",
    "*_spec.rb",
)
_TEST_DIRS = {"test", "tests", "__tests__", "spec", "specs"}
_TEST_DEF = re.compile(
    r"^\s*(?:async\s+)?def\s+(test\w*)"
    r"|^\s*x?(?:it|test|describe)(?:\.\w+)?\s*\(\s*['\"`]([^'\"`]*)"
    r"|^\s*func\s+(Test\w*)"
    r"|^\s*(?:public\s+)?void\s+(test\w*)\s*\("
)
_SKIPS = re.compile(
    r"@pytest\.mark\.(?:skip|xfail)\b|\bpytest\.skip\(|@unittest\.skip|\bself\.skipTest\("
    r"|\b(?:it|test|describe)\.(?:skip|todo)\(|\bx(?:it|describe|test)\(|@Disabled\b|@Ignore\b"
    r"|\bt\.Skip(?:f|Now)?\("
)
_SUPPRESSIONS = re.compile(
    r"#\s*noqa\b|#\s*type:\s*ignore|eslint-disable|@ts-(?:ignore|nocheck|expect-error)"
    r"|#\s*pragma:\s*no\s*cover|pylint:\s*disable|#\[allow\(|//\s*nolint|@SuppressWarnings"
    r"|#\s*nosec\b|#\s*pyright:\s*ignore"
)
_SUBPROCESS = re.compile(
    r"\bsubprocess\.\w+|\bos\.(?:system|popen|exec\w*|spawn\w*)\(|\bchild_process\b"
    r"|\bexecSync\(|\bspawnSync\(|\bRuntime\.getRuntime\(\)\.exec|\bexec\.Command\("
    r"|\bshell=True\b|\beval\(|\bexec\("
)
_NETWORK = re.compile(
    r"\brequests\.(?:get|post|put|patch|delete|head|request|Session)\b|\burllib\.request\b"
    r"|\burlopen\(|\bhttpx\.\w+|\baiohttp\.\w+|\bsocket\.(?:socket|create_connection)\("
    r"|\bfetch\(|\baxios[.(]|\bhttp\.(?:Get|Post)\(|\bcurl\s|\bwget\s|\bnew\s+WebSocket\("
)
_DEPENDENCY_FILES = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements*.txt",
    "requirements*.in",
    "constraints*.txt",
    "pipfile",
    "pipfile.lock",
    "poetry.lock",
    "uv.lock",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "cargo.toml",
    "cargo.lock",
    "go.mod",
    "go.sum",
    "gemfile",
    "gemfile.lock",
    "composer.json",
    "composer.lock",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "*.csproj",
    "manifest.in",
    "dockerfile",
)


def is_test_file(path: str) -> bool:
    p = PurePosixPath(path)
    if any(part.lower() in _TEST_DIRS for part in p.parts[:-1]):
        return True
    return any(fnmatch.fnmatchcase(p.name, pattern) for pattern in _TEST_FILES)


def _first(pattern: re.Pattern[str], lines: list[str]) -> str:
    for line in lines:
        found = pattern.search(line)
        if found:
            return found.group(0).strip()
    return ""


def _test_names(lines: list[str]) -> list[str]:
    names = []
    for line in lines:
        found = _TEST_DEF.search(line)
        if found:
            names.append(next(g for g in found.groups() if g is not None) or "a test")
    return names


def _new(pattern: re.Pattern[str], added: list[str], removed: list[str]) -> str:
    """The first match the added lines bring that the removed ones did not
    have (a changed ``# noqa: F401`` line adds no suppression)."""
    before = sum(1 for line in removed if pattern.search(line))
    now = [line for line in added if pattern.search(line)]
    return _first(pattern, now) if len(now) > before else ""


def hunk_risks(path: str, hunk: Hunk) -> tuple[Risk, ...]:
    """The flags of one hunk of ``path``, in a fixed order."""
    added = [line.text for line in hunk.lines if line.kind == ADDED]
    removed = [line.text for line in hunk.lines if line.kind == REMOVED]
    out: list[Risk] = []
    if is_test_file(path):
        gone = sorted(set(_test_names(removed)) - set(_test_names(added)))
        if gone:
            more = f" and {len(gone) - 1} more" if len(gone) > 1 else ""
            out.append(Risk("tests", f"deletes {gone[0]}{more}"))
    skip = _new(_SKIPS, added, removed)
    if skip:
        out.append(Risk("skip", f"skips a test ({skip})"))
    what = controls(path)
    if what:
        out.append(Risk("controls", f"changes {what}"))
    name = PurePosixPath(path).name.casefold()
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in _DEPENDENCY_FILES):
        out.append(
            Risk("dependencies", f"changes dependencies or packaging ({PurePosixPath(path).name})")
        )
    if is_secret_path(path):
        out.append(Risk("secret", "a secret-looking file"))
    else:
        kind = secret_text("\n".join(added)) if added else ""
        if kind:
            out.append(Risk("secret", f"adds text that {kind}"))
    suppression = _new(_SUPPRESSIONS, added, removed)
    if suppression:
        out.append(Risk("suppression", f"adds `{suppression}`"))
    if len(removed) >= LARGE_DELETION and len(removed) > 3 * len(added):
        out.append(Risk("deletion", f"deletes {len(removed)} lines"))
    call = _new(_SUBPROCESS, added, removed)
    if call:
        out.append(Risk("subprocess", f"adds a subprocess or eval call (`{call}`)"))
    net = _new(_NETWORK, added, removed)
    if net:
        out.append(Risk("network", f"adds a network call (`{net}`)"))
    return tuple(out)


def scope_risk(path: str, hunk: Hunk, scope: Scope) -> Risk | None:
    """The flag of a hunk outside what the slider's level allows (None: inside,
    or the user widened it)."""
    if hunk.id in scope.widened or scope.hunk_in_scope(path, hunk):
        return None
    where = scope.describe_where()
    return Risk("scope", f"changes outside {where} (level {LEVEL_NAMES[scope.level]})")


def describe(risks: tuple[Risk, ...]) -> str:
    """The flags in one line, as a hunk header shows them ("" for none)."""
    return "; ".join(r.why for r in risks)
