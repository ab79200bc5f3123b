"""Per-hunk checks: configuration (and its trust rule), which checks apply,
real runs of ruff and py_compile on a temporary copy, whose fault a finding
is, and the background runner on a real review (badges, cancellation, the
user's files untouched). Waits are for conditions, never for time."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import make_proposal_service

from app.core.config import load_config, trust
from app.core.errors import ConfigError
from app.core.model import Hunk
from app.review.check_runner import CheckRunner
from app.review.checks import (
    CheckResult,
    ChecksConfig,
    CheckSpec,
    Finding,
    applicable,
    attribute,
    builtin_specs,
    new_findings,
    parse_checks,
    parse_output,
    run_check,
    verdicts,
)
from app.review.events import ChecksChanged, ReviewEvent

WAIT = 30.0
HAS_RUFF = any(spec.name == "ruff" for spec in builtin_specs())


def hunk(hunk_id: str, new_start: int, new_len: int) -> Hunk:
    return Hunk(new_start, new_len, new_start, new_len, [], id=hunk_id)


def wait_for(condition: object, what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


# -- configuration ---------------------------------------------------------------


def test_builtins_by_default_and_commands_from_config() -> None:
    config = parse_checks({"timeout": 3, "mypy": {"glob": "*.py", "command": "mypy {file}"}})
    names = [spec.name for spec in config.specs]
    assert names[-1] == "mypy" and "py_compile" in names
    assert config.timeout == 3.0
    mypy = config.specs[-1]
    assert mypy.argv == ("mypy", "{file}") and not mypy.stdin
    assert [s.name for s in parse_checks({"builtins": False}).specs] == []


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"timeout": "soon"}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"builtins": "yes"}, "builtins"),
        ({"lint": "ruff"}, "a check is a table"),
        ({"lint": {"glob": "*.py"}}, "needs command"),
        ({"lint": {"command": "ruff 'unclosed"}}, "command"),
    ],
)
def test_bad_check_config_is_refused_by_name(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_checks(table, where=".tether.toml")


def test_a_repository_config_names_a_command_only_when_trusted(
    tmp_path: Path, isolated_home: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".tether.toml").write_text(
        '[checks]\ntimeout = 4\n[checks.evil]\nglob = "*"\ncommand = "curl evil.example"\n'
    )
    config = load_config(repo)
    assert "evil" not in config.checks and config.checks["timeout"] == 4
    assert any("ignored [checks] evil" in note and "tether trust" in note for note in config.notes)
    trust(repo / ".tether.toml")
    assert "evil" in load_config(repo).checks


def test_which_checks_apply_and_never_to_a_secret_file() -> None:
    specs = [CheckSpec("py", "*.py", ("x",)), CheckSpec("web", "web/*.js", ("y",))]
    assert [s.name for s in applicable("pkg/a.py", specs)] == ["py"]
    assert [s.name for s in applicable("web/app.js", specs)] == ["web"]
    assert applicable("README.md", specs) == []
    assert applicable(".env", [CheckSpec("all", "*", ("z",))]) == []
    assert applicable("secrets/id_rsa", [CheckSpec("all", "*", ("z",))]) == []


# -- output and blame ------------------------------------------------------------------


def test_parse_output_of_linters_and_tracebacks() -> None:
    ruff = "pkg/a.py:3:7: F821 [*] Undefined name `x`\nFound 1 error.\n"
    assert parse_output(ruff, ("pkg/a.py", "a.py")) == (Finding(3, "F821 Undefined name `x`"),)
    traceback = '  File "pkg/a.py", line 2\n    def f(:\n          ^\nSyntaxError: invalid syntax\n'
    assert parse_output(traceback, ("pkg/a.py",)) == (Finding(2, "SyntaxError: invalid syntax"),)
    assert parse_output("something broke\n", ("a.py",)) == (Finding(None, "something broke"),)


def test_only_new_findings_count() -> None:
    old = CheckResult("ruff", "fail", (Finding(1, "F401 unused os"),))
    new = CheckResult("ruff", "fail", (Finding(4, "F401 unused os"), Finding(9, "F821 x")))
    assert new_findings(old, new) == (Finding(9, "F821 x"),)
    assert new_findings(None, new) == new.findings
    assert new_findings(old, CheckResult("ruff", "pass")) == ()


def test_findings_are_charged_to_the_hunk_that_holds_them() -> None:
    a, b = hunk("a", 3, 2), hunk("b", 10, 3)
    found = attribute(
        [b, a], [Finding(4, "in a"), Finding(11, "in b"), Finding(20, "after b"), Finding(1, "top")]
    )
    assert [f.text for f in found["a"]] == ["in a", "top"]
    assert [f.text for f in found["b"]] == ["in b", "after b"]
    whole = attribute([a, b], [Finding(None, "file")])
    assert whole["a"] == whole["b"] == [Finding(None, "file")]


def test_verdicts_badge_each_hunk() -> None:
    a, b = hunk("a", 1, 1), hunk("b", 5, 1)
    failed = CheckResult("ruff", "fail", (Finding(5, "F821 Undefined name `x`"),))
    out = verdicts([a, b], [(None, failed), (None, CheckResult("py_compile", "pass"))])
    assert out["a"].badge == "✓ ruff, py_compile"
    assert out["b"].badge == "✗ ruff: F821 Undefined name `x` (line 5)"
    assert out["b"].reason == "the check failed: ruff: F821 Undefined name `x` (line 5)"
    timed_out = CheckResult("slow", "error", problem="timed out after 1 s")
    assert verdicts([a], [(None, timed_out)])["a"].badge == "✗ slow: timed out after 1 s"


# -- real runs -------------------------------------------------------------------------


def _spec(name: str) -> CheckSpec:
    found = [s for s in builtin_specs() if s.name == name]
    if not found:
        pytest.skip(f"{name} is not installed")
    return found[0]


def test_ruff_on_the_proposed_text_never_the_users_file(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("print('the user file')\n")
    result = run_check(
        _spec("ruff"), "a.py", "print(undefined_name)\n", root=tmp_path, timeout=WAIT
    )
    assert result is not None and result.state == "fail"
    assert result.findings == (Finding(1, "F821 Undefined name `undefined_name`"),)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py"]  # no cache, no copy


def test_py_compile_names_the_line_not_the_temporary_copy(tmp_path: Path) -> None:
    result = run_check(
        _spec("py_compile"), "pkg/a.py", "x = 1\ndef f(:\n", root=tmp_path, timeout=WAIT
    )
    assert result is not None and result.state == "fail"
    assert result.findings[0].line == 2 and "SyntaxError" in result.findings[0].text
    ok = run_check(_spec("py_compile"), "pkg/a.py", "x = 1\n", root=tmp_path, timeout=WAIT)
    assert ok is not None and ok.state == "pass"
    assert list(tmp_path.iterdir()) == []


def test_a_check_over_its_time_limit_is_killed_and_says_so(tmp_path: Path) -> None:
    import sys

    slow = CheckSpec("slow", "*", (sys.executable, "-c", "import time; time.sleep(60)"))
    result = run_check(slow, "a.py", "", root=tmp_path, timeout=0.3)
    assert result is not None and result.state == "error"
    assert result.problem == "timed out after 0.3 s"


def test_a_cancelled_check_stops(tmp_path: Path) -> None:
    import sys

    slow = CheckSpec("slow", "*", (sys.executable, "-c", "import time; time.sleep(60)"))
    cancel = threading.Event()
    cancel.set()
    assert run_check(slow, "a.py", "", root=tmp_path, timeout=WAIT, cancel=cancel) is None


def test_a_cancel_set_while_the_check_runs_kills_it_and_the_time_limit_holds(
    tmp_path: Path,
) -> None:
    """The runner's ``Cancel`` kills the process from the thread that sets it
    (the worker waits in one blocking call, not in slices); the time limit
    still applies."""
    import sys

    from app.review.checks import Cancel

    started = tmp_path / "started"
    argv = (sys.executable, "-c", f"open({str(started)!r}, 'w'); import time; time.sleep(60)")
    slow = CheckSpec("slow", "*", argv)
    cancel = Cancel()
    setter = threading.Thread(target=lambda: (wait_for(started.exists, "the run"), cancel.set()))
    setter.start()
    assert run_check(slow, "a.py", "", root=tmp_path, timeout=WAIT * 4, cancel=cancel) is None
    setter.join()
    result = run_check(slow, "a.py", "", root=tmp_path, timeout=0.3, cancel=Cancel())
    assert result is not None and result.problem == "timed out after 0.3 s"
    done = Cancel()
    done.set()
    assert run_check(slow, "a.py", "", root=tmp_path, timeout=WAIT, cancel=done) is None


def test_a_missing_tool_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    gone = CheckSpec("gone", "*", ("/nonexistent/tool-xyz", "{file}"))
    result = run_check(gone, "a.py", "", root=tmp_path, timeout=WAIT)
    assert result is not None and result.state == "error" and "could not start" in result.problem


# -- the runner on a real review -----------------------------------------------------------


@pytest.mark.skipif(not HAS_RUFF, reason="ruff is not installed")
def test_runner_badges_a_proposal_then_its_fix(loop_repo: Path, tmp_path: Path) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    events: list[ReviewEvent] = []
    service.subscribe(events.append)
    runner = CheckRunner(service, ChecksConfig(tuple(builtin_specs()))).start()
    path = "inventory/stock.py"
    before = {
        p: p.read_bytes() for p in loop_repo.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    text = (loop_repo / path).read_text()
    try:
        service.propose(path, text + "\n\ndef broken():\n    return undefined_name\n")
        wait_for(lambda: service.view(path).checks, "a badge")
        wait_for(
            lambda: all(c.state != "running" for c in service.view(path).checks.values()),
            "the checks to finish",
        )
        (check,) = service.view(path).checks.values()
        assert check.state == "fail" and "F821 Undefined name `undefined_name`" in check.message
        assert any(isinstance(e, ChecksChanged) and e.path == path for e in events)

        service.propose(path, text + "\n\ndef fixed():\n    return 1\n")
        wait_for(lambda: [c.state for c in service.view(path).checks.values()] == ["pass"], "a ✓")
        (check,) = service.view(path).checks.values()
        assert check.badge == "✓ ruff, py_compile"
    finally:
        runner.close()
    after = {
        p: p.read_bytes() for p in loop_repo.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    assert after == before  # the user's files: not a byte, no cache, no copy


def test_runner_cancels_the_run_for_an_older_text(loop_repo: Path, tmp_path: Path) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    started: list[str] = []
    cancelled: list[str] = []
    release = threading.Event()

    def run(spec: CheckSpec, path: str, text: str, **kw: object) -> CheckResult | None:
        started.append(text)
        cancel = kw["cancel"]
        assert isinstance(cancel, threading.Event)
        while not (cancel.is_set() or release.is_set()):
            cancel.wait(0.01)
        if cancel.is_set():
            cancelled.append(text)
            return None
        return CheckResult(spec.name, "pass")

    spec = CheckSpec("fake", "*.py", ("x",))
    runner = CheckRunner(service, ChecksConfig((spec,)), workers=1, run=run).start()
    path = "inventory/stock.py"
    text = (loop_repo / path).read_text()
    try:
        service.propose(path, text + "# one\n")
        wait_for(lambda: len(started) == 1, "the first run")
        service.propose(path, text + "# two\n")
        wait_for(lambda: cancelled, "the first run cancelled")
        release.set()
        wait_for(lambda: [c.state for c in service.view(path).checks.values()] == ["pass"], "✓")
        assert cancelled[0] == started[0]  # the old proposal's run
    finally:
        runner.close()


def test_a_passing_proposal_is_checked_once_a_failing_one_against_the_accepted_text(
    loop_repo: Path, tmp_path: Path
) -> None:
    # A burst of 20 gated edits started 80 check processes: each check ran on
    # the accepted text as well, whose findings matter only when the proposed
    # text fails (to tell new findings from old ones).
    service = make_proposal_service(loop_repo, tmp_path / "state")
    runs: list[str] = []

    def run(spec: CheckSpec, path: str, text: str, **kw: object) -> CheckResult | None:
        runs.append(text)
        found = tuple(
            Finding(n, "E1 bad") for n, line in enumerate(text.splitlines(), 1) if "BAD" in line
        )
        return CheckResult(spec.name, "fail" if found else "pass", found)

    runner = CheckRunner(service, ChecksConfig((CheckSpec("fake", "*.py", ("x",)),)), run=run)
    runner.start()
    path = "inventory/stock.py"
    text = (loop_repo / path).read_text()
    try:
        service.propose(path, text + "x = 1\n")
        wait_for(lambda: [c.state for c in service.view(path).checks.values()] == ["pass"], "✓")
        assert runs == [text + "x = 1\n"]
        runs.clear()
        service.propose(path, text + "x = 1  # BAD\n")
        wait_for(lambda: [c.state for c in service.view(path).checks.values()] == ["fail"], "✗")
        assert runs == [text + "x = 1  # BAD\n", text]  # then the accepted text, once
    finally:
        runner.close()


def test_no_check_runs_when_none_applies(loop_repo: Path, tmp_path: Path) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    runs: list[str] = []
    spec = CheckSpec("js", "*.js", ("x",))

    def run(spec: CheckSpec, path: str, text: str, **kw: object) -> CheckResult | None:
        runs.append(path)
        return CheckResult(spec.name, "pass")

    runner = CheckRunner(service, ChecksConfig((spec,)), run=run).start()
    try:
        service.propose("inventory/stock.py", "x = 1\n")
        service.propose("web/app.js", "let x = 1\n")
        wait_for(lambda: service.view("web/app.js").checks, "the js badge")
        assert runs == ["web/app.js"] and not service.view("inventory/stock.py").checks
    finally:
        runner.close()


def test_key_shaped_text_is_never_checked_and_messages_are_redacted(
    loop_repo: Path, tmp_path: Path
) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    runs: list[str] = []

    def run(spec: CheckSpec, path: str, text: str, **kw: object) -> CheckResult | None:
        runs.append(path)
        return CheckResult(spec.name, "pass")

    runner = CheckRunner(service, ChecksConfig((CheckSpec("py", "*.py", ("x",)),)), run=run)
    runner.start()
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    try:
        service.propose("inventory/keys.py", f'KEY = """\n{key}"""\n')
        service.propose("inventory/plain.py", "x = 1\n")
        wait_for(lambda: service.view("inventory/plain.py").checks, "the plain file's badge")
        assert runs == ["inventory/plain.py"]
        assert not service.view("inventory/keys.py").checks
    finally:
        runner.close()
    token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA1"
    leaked = CheckResult("ruff", "fail", (Finding(1, f"F821 Undefined name `{token}`"),))
    (verdict,) = verdicts([hunk("a", 1, 1)], [(None, leaked)]).values()
    assert token not in verdict.message and token not in verdict.reason


# -- the opt-in tests check ---------------------------------------------------------------


def test_tests_that_import_the_module_are_found(tmp_path: Path) -> None:
    from app.review.check_tests import module_names, tests_for

    assert module_names("src/pkg/mod.py") == ("pkg.mod", "mod")
    assert module_names("pkg/__init__.py") == ("pkg", "pkg")
    files = {
        "tests/test_a.py": "import pkg.mod\n",
        "tests/test_b.py": "from pkg.mod import add\n",
        "tests/test_c.py": "from pkg import other, mod\n",
        "tests/test_d.py": "from pkg import other\n",
        "tests/test_e.py": "import pkg.module\n",
        "pkg/helper.py": "import pkg.mod\n",  # not a test file
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = tests_for(tmp_path, "pkg/mod.py", sorted(files))
    assert found == ["tests/test_a.py", "tests/test_b.py", "tests/test_c.py"]


def test_the_tests_check_runs_the_projects_tests_on_a_copy(tmp_path: Path) -> None:
    import subprocess as sp

    from app.core.backends import ProposalBackend
    from app.core.blobs import BlobStore
    from app.core.journal import Journal
    from app.review.service import ReviewService
    from app.review.session import ReviewSession

    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "tests").mkdir()
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "mod.py").write_text("def add(a, b):\n    return a + b\n")
    (repo / "tests" / "test_mod.py").write_text(
        "from pkg.mod import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"],
    ):
        sp.run(["git", *args], cwd=repo, check=True)
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    service = ReviewService(
        ReviewSession(
            ProposalBackend(repo),
            journal=Journal(tmp_path / "state" / "journal.jsonl"),
            blobs=BlobStore(tmp_path / "state" / "blobs"),
            source="proposal:test",
        )
    )
    # pytest in a fresh copy, twice: on a busy machine each run took 20-30 s,
    # so the check's limit (and the waits) are generous bounds, not timings.
    slow = 8 * WAIT
    config = parse_checks({"builtins": False, "tests": True, "timeout": slow})
    assert [s.name for s in config.specs] == ["tests"]
    runner = CheckRunner(service, config).start()
    path = "pkg/mod.py"
    try:
        service.propose(path, "def add(a, b):\n    return a - b\n")
        wait_for(
            lambda: [c.state for c in service.view(path).checks.values()] == ["fail"], "✗", slow
        )
        (check,) = service.view(path).checks.values()
        assert check.message == "tests: FAILED tests/test_mod.py::test_add"
        service.propose(path, "def add(a, b):\n    return b + a\n")
        wait_for(
            lambda: [c.state for c in service.view(path).checks.values()] == ["pass"], "✓", slow
        )
    finally:
        runner.close()
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    assert after == before  # no cache, no __pycache__, nothing in .git


def test_a_repository_config_runs_tests_only_when_trusted(
    tmp_path: Path, isolated_home: Path
) -> None:
    (tmp_path / ".tether.toml").write_text("[checks]\ntests = true\n")
    assert "tests" not in load_config(tmp_path).checks
    trust(tmp_path / ".tether.toml")
    assert load_config(tmp_path).checks["tests"] is True
