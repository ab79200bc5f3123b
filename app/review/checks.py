"""Per-hunk checks on the proposed text: which apply, how one runs, whose fault.

Pure but for ``run_check`` (one subprocess on a temporary copy). A check runs
on a file's whole proposed text (every pending hunk applied: a hunk that uses
a name another hunk imports must not fail alone) and on its accepted text;
only what the proposal adds counts (``new_findings``: what was wrong before
is not this proposal's fault), and each new finding is charged to the hunk
whose lines hold it (``attribute``). Never on the user's files: the text goes
to a temporary directory or to the tool's stdin, and a secret file is never
checked (``app.core.secrets``).

Configuration, in ``.tether.toml`` or the user's config::

    [checks]
    builtins = true        # ruff (when installed) and python -m py_compile
    timeout = 10           # seconds per check run
    [checks.mypy]
    glob = "*.py"
    command = "mypy --no-incremental {file}"   # {file}: a temporary copy

A repository's config may not name a command unless the user trusted that
file (``tether trust``; the rule is ``app.core.config``'s).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from app.core.config import load_config, origin_of
from app.core.errors import ConfigError
from app.core.model import Hunk
from app.core.secrets import is_secret_path, redact

DEFAULT_TIMEOUT = 10.0
State = Literal["running", "pass", "fail", "error"]


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check: the files it applies to and the command that checks one.

    ``argv`` may hold ``{file}`` (the temporary copy) and ``{path}`` (the
    file's name in the repository); with ``stdin`` the text is also piped in.
    ``in_root``: run in the repository (to find its tool config; only for
    tools that read stdin and write nothing), else in the temporary dir."""

    name: str
    glob: str
    argv: tuple[str, ...]
    stdin: bool = False
    in_root: bool = False
    kind: str = "command"  # or "tests" (app.review.check_tests)

    def applies(self, path: str) -> bool:
        name = PurePosixPath(path).name
        return fnmatch.fnmatchcase(path, self.glob) or fnmatch.fnmatchcase(name, self.glob)


@dataclass(frozen=True, slots=True)
class Finding:
    """One message of a check; ``line`` in the checked text (None: the whole file)."""

    line: int | None
    text: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check run on one text: passed, failed (with findings) or could not run."""

    check: str
    state: State
    findings: tuple[Finding, ...] = ()
    seconds: float = 0.0
    problem: str = ""  # why it could not run (timed out, not found)


@dataclass(frozen=True, slots=True)
class HunkCheck:
    """What the checks say of one hunk, as its header's badge shows it."""

    state: State
    checks: tuple[str, ...] = ()
    message: str = ""  # the first finding (fail) or the problem (error)

    @property
    def badge(self) -> str:
        if self.state == "running":
            return "⋯ checking"
        if self.state == "pass":
            return "✓ " + ", ".join(self.checks)
        return "✗ " + self.message

    @property
    def reason(self) -> str:
        """A failing check's message as a reject reason for the model."""
        return f"the check failed: {self.message}" if self.state == "fail" else ""


@dataclass(frozen=True, slots=True)
class ChecksConfig:
    specs: tuple[CheckSpec, ...]
    timeout: float = DEFAULT_TIMEOUT


def builtin_specs() -> list[CheckSpec]:
    """The checks that need no configuration: ruff where it is installed, and
    ``python -m py_compile`` as a floor for Python."""
    specs = []
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff:
        # --no-cache: ruff would otherwise write .ruff_cache into the repository.
        argv = (ruff, "check", "--no-cache", "--output-format", "concise", "--quiet")
        specs.append(
            CheckSpec("ruff", "*.py", (*argv, "--stdin-filename", "{path}", "-"), True, True)
        )
    specs.append(CheckSpec("py_compile", "*.py", (sys.executable, "-m", "py_compile", "{file}")))
    return specs


def parse_checks(table: Mapping[str, object], *, where: str = "") -> ChecksConfig:
    """The ``[checks]`` table (as merged by ``app.core.config``) -> the checks to run."""
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError(f"[checks] timeout = {timeout!r}: use a number of seconds", path=where)
    builtins = table.get("builtins", True)
    if not isinstance(builtins, bool):
        raise ConfigError(f"[checks] builtins = {builtins!r}: use true or false", path=where)
    specs = builtin_specs() if builtins else []
    tests = table.get("tests", False)
    if not isinstance(tests, bool):
        raise ConfigError(f"[checks] tests = {tests!r}: use true or false", path=where)
    if tests:
        from app.review.check_tests import TESTS

        specs.append(TESTS)
    for name, value in table.items():
        if name in ("timeout", "builtins", "tests"):
            continue
        if not isinstance(value, dict):
            raise ConfigError(
                f"[checks] {name} = {value!r}: a check is a table with glob and command", path=where
            )
        glob, command = value.get("glob", "*"), value.get("command")
        if not isinstance(glob, str) or not isinstance(command, str) or not command.strip():
            raise ConfigError(f'[checks.{name}] needs command = "…" (and glob = "…")', path=where)
        try:
            argv = tuple(shlex.split(command))
        except ValueError as exc:
            raise ConfigError(f"[checks.{name}] command: {exc}", path=where) from None
        uses_file = any("{file}" in word for word in argv)
        specs.append(CheckSpec(name, glob, argv, stdin=not uses_file))
    return ChecksConfig(tuple(specs), float(timeout))


def load_checks(root: Path | None) -> ChecksConfig:
    """The checks configured for ``root`` (built-ins unless turned off)."""
    table = load_config(root).checks
    where = origin_of(root, "checks", next(iter(table), "")) if table else None
    return parse_checks(table, where=str(where or ""))


def applicable(path: str, specs: Sequence[CheckSpec]) -> list[CheckSpec]:
    """The checks for ``path``; none for a secret file (its text goes nowhere)."""
    if is_secret_path(path):
        return []
    return [spec for spec in specs if spec.applies(path)]


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


# -- one run -------------------------------------------------------------------

_NICE = shutil.which("nice")
_LOCATED = re.compile(r"^(?P<name>.+?):(?P<line>\d+)(?::\d+)?:\s*(?P<text>.*)$")
_PY_LINE = re.compile(r'^\s*File "(?P<name>.+)", line (?P<line>\d+)')


def parse_output(output: str, names: Sequence[str]) -> tuple[Finding, ...]:
    """Findings from a tool's output: ``name:line[:col]: text`` lines (ruff,
    mypy, most linters) or a Python traceback's last ``File …, line N`` and
    its error line (py_compile). ``names`` are how the tool may call the file."""
    lines = [line.rstrip() for line in output.splitlines() if line.strip()]
    found = []
    for line in lines:
        match = _LOCATED.match(line)
        if match and any(match["name"].endswith(n) for n in names):
            text = match["text"].replace("[*] ", "").strip()  # ruff's "fixable" mark
            found.append(Finding(int(match["line"]), text))
    if found:
        return tuple(found)
    located = [m for line in lines if (m := _PY_LINE.match(line))]
    if located and lines:
        return (Finding(int(located[-1]["line"]), lines[-1].strip()),)
    return (Finding(None, lines[0].strip()),) if lines else ()


def run_check(
    spec: CheckSpec,
    path: str,
    text: str,
    *,
    root: Path,
    timeout: float,
    cancel: threading.Event | None = None,
) -> CheckResult | None:
    """Run one check on ``text`` (as ``path``); None when cancelled."""
    if spec.kind == "tests":
        from app.review.check_tests import run_tests

        return run_tests(path, text, root=root, timeout=timeout, cancel=cancel)
    start = time.monotonic()
    name = PurePosixPath(path).name
    with tempfile.TemporaryDirectory(prefix="tether-check-") as tmp:
        copy = Path(tmp) / name
        data = text.encode("utf-8", "surrogateescape")
        copy.write_bytes(data)
        argv = [word.replace("{file}", str(copy)).replace("{path}", path) for word in spec.argv]
        if shutil.which(argv[0]) is None:  # said here: under nice it would be an exit status
            return CheckResult(
                spec.name, "error", problem=f"{spec.name} could not start: {argv[0]} not found"
            )
        if _NICE:  # background work: the reviewer's keys come first on a busy machine
            argv = [_NICE, "-n", "10", *argv]
        try:
            proc = subprocess.Popen(
                argv,
                cwd=root if spec.in_root else tmp,
                stdin=subprocess.PIPE if spec.stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            )
        except OSError as exc:
            problem = f"{spec.name} could not start: {exc.strerror or exc}"
            return CheckResult(spec.name, "error", problem=problem)
        out = communicate(proc, data if spec.stdin else None, timeout, cancel)
        seconds = time.monotonic() - start
        if out is None:
            return None
        if isinstance(out, str):
            return CheckResult(spec.name, "error", seconds=seconds, problem=out)
        output = out.decode("utf-8", "replace").replace(str(copy), path)
    if proc.returncode == 0:
        return CheckResult(spec.name, "pass", seconds=seconds)
    findings = parse_output(output, (path, name))
    if not findings:
        findings = (Finding(None, f"exit status {proc.returncode}"),)
    return CheckResult(spec.name, "fail", findings, seconds)


class Cancel(threading.Event):
    """A run's cancel that kills its processes as it is set, so that the
    worker waits for a process in one blocking call instead of waking every
    50 ms to look (fewer wake-ups competing with the UI thread for the GIL)."""

    def __init__(self) -> None:
        super().__init__()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._guard = threading.Lock()

    def set(self) -> None:
        with self._guard:
            super().set()
            procs = list(self._procs)
        for proc in procs:
            with contextlib.suppress(OSError):  # it ended meanwhile
                proc.kill()

    def attach(self, proc: subprocess.Popen[bytes]) -> bool:
        """Kill ``proc`` when cancelled; False if that happened already."""
        with self._guard:
            if self.is_set():
                return False
            self._procs.add(proc)
            return True

    def detach(self, proc: subprocess.Popen[bytes]) -> None:
        with self._guard:
            self._procs.discard(proc)


def communicate(
    proc: subprocess.Popen[bytes],
    data: bytes | None,
    timeout: float,
    cancel: threading.Event | None,
) -> bytes | str | None:
    """The output; a problem (timed out); None when cancelled. A ``Cancel``
    kills the process itself; another event is looked at in short slices,
    so that a cancel (the hunk changed) kills the process at once."""
    if isinstance(cancel, Cancel):
        if not cancel.attach(proc):
            _kill(proc)
            return None
        try:
            out, _ = proc.communicate(data, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return None if cancel.is_set() else f"timed out after {timeout:g} s"
        finally:
            cancel.detach(proc)
        return None if cancel.is_set() else out
    deadline = time.monotonic() + timeout
    sent = data
    while True:
        try:
            out, _ = proc.communicate(sent, timeout=0.05)
            return out
        except subprocess.TimeoutExpired:
            sent = None  # communicate() keeps feeding what it was given
        if cancel is not None and cancel.is_set():
            _kill(proc)
            return None
        if time.monotonic() > deadline:
            _kill(proc)
            return f"timed out after {timeout:g} s"


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.kill()
    proc.communicate()


# -- whose fault ----------------------------------------------------------------


def new_findings(before: CheckResult | None, after: CheckResult) -> tuple[Finding, ...]:
    """What ``after`` reports that ``before`` (the accepted text) did not, by
    message (lines move when a hunk adds lines above a finding)."""
    if after.state != "fail":
        return ()
    old = Counter(f.text for f in before.findings) if before is not None else Counter()
    out = []
    for finding in after.findings:
        if old[finding.text] > 0:
            old[finding.text] -= 1
        else:
            out.append(finding)
    return tuple(out)


def attribute(hunks: Sequence[Hunk], findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """Each finding charged to the hunk whose new lines hold it; one outside
    every hunk to the hunk before it (a syntax error is often reported after
    its cause), or the first; one for the whole file to every hunk."""
    out: dict[str, list[Finding]] = {h.id: [] for h in hunks}
    if not hunks:
        return out
    ordered = sorted(hunks, key=lambda h: h.new_start)
    for finding in findings:
        if finding.line is None:
            for hunk in ordered:
                out[hunk.id].append(finding)
            continue
        owner = ordered[0]
        for hunk in ordered:
            if hunk.new_start <= finding.line:
                owner = hunk
            if hunk.new_start <= finding.line < hunk.new_start + max(hunk.new_len, 1):
                owner = hunk
                break
        out[owner.id].append(finding)
    return out


def verdicts(
    hunks: Sequence[Hunk],
    results: Sequence[tuple[CheckResult | None, CheckResult]],
) -> dict[str, HunkCheck]:
    """Each hunk's badge from (accepted, proposed) results of every check."""
    names = tuple(after.check for _, after in results)
    failed: dict[str, list[tuple[str, Finding]]] = {h.id: [] for h in hunks}
    problems = [f"{after.check}: {after.problem}" for _, after in results if after.state == "error"]
    for before, after in results:
        for hunk_id, found in attribute(hunks, new_findings(before, after)).items():
            failed[hunk_id].extend((after.check, f) for f in found)
    out = {}
    for hunk in hunks:
        mine = failed[hunk.id]
        if mine:
            check, first = mine[0]
            where = f" (line {first.line})" if first.line is not None else ""
            # Redacted: the message goes to the screen, the journal and (r) the model.
            message = redact(f"{check}: {first.text}{where}")
            out[hunk.id] = HunkCheck("fail", names, message)
        elif problems:
            out[hunk.id] = HunkCheck("error", names, problems[0])
        else:
            out[hunk.id] = HunkCheck("pass", names)
    return out
