"""Earned auto-accept: the rule refuses for each reason and each risk flag,
is off by default and per level, a repository cannot turn it on untrusted;
on a real review with real checks it accepts exactly the clean small hunk
inside the scope, journaled as auto, and leaves every other for the user."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import make_proposal_service

from app.core.autonomy import Level, Scope
from app.core.config import load_config, trust
from app.core.errors import ConfigError
from app.core.textdiff import diff_texts
from app.loop.leash import LeashPolicy
from app.review.autoaccept import AutoAccepter, AutoRule, load_auto_rule, refusal
from app.review.check_runner import CheckRunner
from app.review.checks import ChecksConfig, HunkCheck, builtin_specs
from app.review.events import DecisionMade
from app.review.risks import hunk_risks, scope_risk

PAD = "".join(f"x{n} = {n}\n" for n in range(8))
PASS = HunkCheck("pass", ("ruff",))
RULE = AutoRule({Level.FILE: 10})


def one_hunk(path: str, old: str, new: str):  # type: ignore[no-untyped-def]
    patch, _ = diff_texts(old, new, path)
    (hunk,) = patch.hunks
    return hunk


def why(hunk, *, path: str = "src/app.py", level: Level = Level.FILE, **kw: object) -> str | None:  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "check": PASS,
        "risks": hunk_risks(path, hunk),
        "blocked": None,
        "stale": "",
    }
    args.update(kw)
    return refusal(RULE, level, hunk, **args)  # type: ignore[arg-type]


SMALL = one_hunk("src/app.py", PAD + "a = 1\n", PAD + "a = 2\n")


def test_a_small_clean_checked_hunk_is_accepted() -> None:
    assert why(SMALL) is None


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"level": Level.REPO}, "auto-accept is off at level repo"),
        ({"level": Level.LINE}, "auto-accept is off at level line"),
        ({"stale": "changed on disk"}, "the file changed on disk: changed on disk"),
        ({"user_changed": True}, "the file was changed on disk since the proposal"),
        ({"blocked": "out of leash: level file allows changes to a.py; w widens"}, "out of leash"),
        ({"check": None}, "no check ran on it"),
        ({"check": HunkCheck("running")}, "its checks are still running"),
        (
            {"check": HunkCheck("fail", ("ruff",), "ruff: F821 x")},
            "a check did not pass: ruff: F821 x",
        ),
        ({"check": HunkCheck("error", ("slow",), "slow: timed out after 1 s")}, "timed out"),
    ],
)
def test_each_refusal(kw: dict[str, object], expected: str) -> None:
    found = why(SMALL, **kw)
    assert found is not None and expected in found


def test_a_hunk_of_the_limit_or_more_is_refused() -> None:
    nine = one_hunk("src/app.py", PAD, PAD + "".join(f"b{i} = {i}\n" for i in range(9)))
    ten = one_hunk("src/app.py", PAD, PAD + "".join(f"b{i} = {i}\n" for i in range(10)))
    assert why(nine) is None
    assert why(ten) == "it changes 10 lines, not under 10"
    # A long line weighs by its length: one 5,000-character line is not "one line".
    long = one_hunk("src/app.py", PAD, PAD + "s = '" + "x" * 5000 + "'\n")
    assert why(long) == "it changes 26 lines, not under 10"


FLAGGED = [
    ("tests", "tests/test_a.py", "def test_a():\n    pass\n", ""),
    ("skip", "tests/test_a.py", "def test_a():\n", "@pytest.mark.skip\ndef test_a():\n"),
    ("controls", ".github/workflows/ci.yml", "on: push\n", "on: [push]\n"),
    ("dependencies", "pyproject.toml", "x = 1\n", "x = 2\n"),
    ("secret", "config/.env", "A=1\n", "A=2\n"),
    ("suppression", "src/app.py", "import os\n", "import os  # noqa\n"),
    ("deletion", "src/app.py", "".join(f"v{i} = {i}\n" for i in range(60)), "v = 0\n"),
    ("subprocess", "src/app.py", "a = 1\n", "a = subprocess.run(cmd)\n"),
    ("network", "src/app.py", "a = 1\n", "a = requests.get(url)\n"),
]


@pytest.mark.parametrize(("kind", "path", "old", "new"), FLAGGED, ids=[f[0] for f in FLAGGED])
def test_each_risk_flag_refuses(kind: str, path: str, old: str, new: str) -> None:
    hunk = one_hunk(path, old, new)
    flags = hunk_risks(path, hunk)
    assert kind in {r.kind for r in flags}
    rule = AutoRule({Level.FILE: 1000})  # size is not what refuses here
    found = refusal(rule, Level.FILE, hunk, check=PASS, risks=flags, blocked=None, stale="")
    assert found is not None and found.startswith("it is flagged:")


def test_the_scope_flag_asks_the_scope() -> None:
    scope = Scope(level=Level.FILE, path="src/app.py")
    other = one_hunk("src/other.py", "a = 1\n", "a = 2\n")
    flag = scope_risk("src/other.py", other, scope)
    assert flag is not None and flag.kind == "scope"
    assert flag.why == "changes outside src/app.py (level file)"
    assert scope_risk("src/app.py", SMALL, scope) is None
    scope.widened.add(other.id)
    assert scope_risk("src/other.py", other, scope) is None
    found = why(SMALL, risks=(flag,))
    assert found == "it is flagged: changes outside src/app.py (level file)"


# -- configuration ---------------------------------------------------------------------


def test_off_by_default_and_per_level(tmp_path: Path, isolated_home: Path) -> None:
    assert load_auto_rule(tmp_path).limits == {}
    rule = AutoRule.from_config({"auto_accept": {"file": 10, "repo": 0}})
    assert rule.limits == {Level.FILE: 10}  # 0: off
    assert rule.describe(Level.FILE).startswith("level file: under 10 changed lines")
    for bad in ({"auto_accept": {"huge": 3}}, {"auto_accept": {"file": "10"}}, {"auto_accept": 5}):
        with pytest.raises(ConfigError):
            AutoRule.from_config(bad)  # type: ignore[arg-type]


def test_a_repository_cannot_turn_it_on_untrusted(tmp_path: Path, isolated_home: Path) -> None:
    (tmp_path / ".tether.toml").write_text("[autonomy.auto_accept]\nfile = 50\n")
    config = load_config(tmp_path)
    assert config.autonomy == {} and any("ignored [autonomy]" in n for n in config.notes)
    assert load_auto_rule(tmp_path).limits == {}
    trust(tmp_path / ".tether.toml")
    assert load_auto_rule(tmp_path).limits == {Level.FILE: 50}


# -- on a real review -------------------------------------------------------------------

STOCK, REPORT = "inventory/stock.py", "inventory/report.py"


def wait_for(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


@pytest.mark.skipif(not any(s.name == "ruff" for s in builtin_specs()), reason="no ruff")
def test_accepts_only_what_it_should(loop_repo: Path, tmp_path: Path) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    service.set_policy(LeashPolicy.for_scope(service, Scope(level=Level.FILE, path=STOCK)))
    runner = CheckRunner(service, ChecksConfig(tuple(builtin_specs()))).start()
    auto = AutoAccepter(service, RULE, lambda: Level.FILE)
    decided: list[DecisionMade] = []
    service.subscribe(lambda e: decided.append(e) if isinstance(e, DecisionMade) else None)
    stock = (loop_repo / STOCK).read_text()
    report_before = (loop_repo / REPORT).read_bytes()
    lines = stock.splitlines(keepends=True)
    try:
        # Three separate hunks of stock.py: clean and small; clean but with a
        # subprocess call; small but failing ruff. And report.py: out of scope.
        clean = lines[:2] + ["# a note\n"] + lines[2:]
        text = "".join(clean) + "\n\nimport subprocess\nsubprocess.run(['true'])\n"
        service.propose(STOCK, text + "\n\ndef broken():\n    return undefined_name\n")
        service.propose(REPORT, (loop_repo / REPORT).read_text() + "\n# more\n")
        # Its journal entry comes before its write: wait for the decision's event.
        wait_for(lambda: decided, "the auto-accept written")
        wait_for(
            lambda: all(
                c.state != "running"
                for p in (STOCK, REPORT)
                for c in service.view(p).checks.values()
            ),
            "every check",
        )
        auto_entries = [e for e in service.journal.entries() if e.extra.get("auto")]
        assert len(auto_entries) == 1
        (entry,) = auto_entries
        assert entry.path == STOCK and "+# a note" in entry.hunk
        assert entry.extra["rule"].startswith("level file: under 10 changed lines")
        assert entry.extra["checks"] == {entry.hunk_id: "pass"}
        assert "# a note" in (loop_repo / STOCK).read_text()
        assert "subprocess" not in (loop_repo / STOCK).read_text()
        assert (loop_repo / REPORT).read_bytes() == report_before
        left = service.view(STOCK)
        assert len(left.hunks) == 1  # the flagged, failing rest: for the reviewer
        assert left.risks[left.hunks[0].id][0].kind == "subprocess"
        assert service.view(REPORT).hunks  # out of scope: not touched
    finally:
        auto.close()
        runner.close()


def test_never_a_file_the_user_changed_since_the_proposal(loop_repo: Path, tmp_path: Path) -> None:
    service = make_proposal_service(loop_repo, tmp_path / "state")
    auto = AutoAccepter(service, RULE, lambda: Level.FILE)
    stock = (loop_repo / STOCK).read_text()
    service.propose(STOCK, "# top\n" + stock)
    (loop_repo / STOCK).write_text(stock + "# the user's line\n")
    service.disk_changed({STOCK})
    service.check_results = lambda path: {h.id: PASS for h in service.file(path).hunks}
    assert auto.apply(STOCK) == []
    assert (loop_repo / STOCK).read_text() == stock + "# the user's line\n"
    # A new proposal, made on what the user left there, may be auto-accepted.
    service.propose(STOCK, "# top\n" + stock + "# the user's line\n")
    assert len(auto.apply(STOCK)) == 1
    assert (loop_repo / STOCK).read_text() == "# top\n" + stock + "# the user's line\n"
    auto.close()


def test_a_hunk_the_user_undid_is_theirs(loop_repo: Path, tmp_path: Path) -> None:
    from app.review.commands import Undo

    service = make_proposal_service(loop_repo, tmp_path / "state")
    auto = AutoAccepter(service, RULE, lambda: Level.FILE)
    service.check_results = lambda path: {h.id: PASS for h in service.file(path).hunks}
    stock = (loop_repo / STOCK).read_text()
    service.propose(STOCK, "# top\n" + stock)
    assert len(auto.apply(STOCK)) == 1
    service.execute(Undo())
    assert service.view(STOCK).hunks and auto.apply(STOCK) == []
    assert (loop_repo / STOCK).read_text() == stock
    auto.close()
