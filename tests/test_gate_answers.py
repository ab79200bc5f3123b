"""The gate's reading of each agent's hook input and its answers (issue 12).

Inputs are exactly as each agent documents them (Claude Code ``PreToolUse``
for Edit/Write/MultiEdit, Codex ``PreToolUse`` for ``apply_patch``, Gemini CLI
``BeforeTool`` for ``write_file``/``replace``). Each answer is then *carried
out as the agent would*: the rewritten input is applied with the agent's own
semantics (exact string replacement; Codex's V4A patch through Tether's V4A
parser; Gemini's merge of ``tool_input`` over the model's arguments) and
the file must then hold exactly the hunks the human accepted.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.core.model import Hunk
from app.edits.apply import apply_edit
from app.edits.v4a import parse_v4a
from app.gate.answers import Answer, answer
from app.gate.calls import GateRefusal, HookCall, NotAnEdit, read_call, replace
from app.gate.verdicts import Decision, hunks_of, verdict_of

LINES = [f"line {n}\n" for n in range(1, 31)]
BASE = "".join(LINES)
SPAN = "".join(LINES[4:20])  # lines 5–20
EDITED_SPAN = SPAN.replace("line 5\n", "line five\n").replace("line 20\n", "line twenty\n")
PLANTED = "sk-test-gate-planted-0123456789abcdef"


def make_gate_repo(tmp_path: Path) -> Path:
    """The repository every gate test edits: ``src/app.py`` (BASE) and
    ``notes.txt``, in a fresh git repository."""
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    (root / "src").mkdir()
    (root / "src/app.py").write_text(BASE)
    (root / "notes.txt").write_text("alpha\nbeta\n")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_gate_repo(tmp_path)
    (root / ".env").write_text(f"OPENAI_API_KEY={PLANTED}\n")
    return root


def claude(root: Path, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """A Claude Code PreToolUse input (hooks.md: common fields + tool fields)."""
    return {
        "session_id": "abc123",
        "transcript_path": "/home/u/.claude/projects/x/abc123.jsonl",
        "cwd": str(root),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool,
        "tool_input": tool_input,
        "tool_use_id": "toolu_01ABC",
    }


def codex(root: Path, patch: str) -> dict[str, Any]:
    return {
        "session_id": "thread-1",
        "cwd": str(root),
        "hook_event_name": "PreToolUse",
        "tool_name": "apply_patch",
        "tool_input": {"command": patch},
        "tool_use_id": "call_7",
    }


def gemini(root: Path, tool: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {
        "session_id": "g-1",
        "transcript_path": "/tmp/t.json",
        "cwd": str(root),
        "hook_event_name": "BeforeTool",
        "timestamp": "2026-12-02T12:00:00Z",
        "tool_name": tool,
        "tool_input": tool_input,
    }


def carry_out(root: Path, call: HookCall, out: Answer) -> None:
    """Do what the agent does with the answer: run its tool (or not)."""
    assert out.output is not None
    json.dumps(out.output)  # what goes to stdout is JSON
    if call.agent == "gemini":
        if out.output["decision"] == "deny":
            return
        given = out.output.get("hookSpecificOutput", {}).get("tool_input", {})
        tool_input = {**call.tool_input, **given}
    else:
        specific = out.output["hookSpecificOutput"]
        if specific["permissionDecision"] == "deny":
            return
        tool_input = specific.get("updatedInput", call.tool_input)
    if call.agent == "codex":
        for edit in parse_v4a(tool_input["command"]):
            path = root / edit.path
            current = path.read_text() if path.exists() else None
            new = apply_edit(current, edit)
            target = root / (edit.move_to or edit.path)
            if edit.move_to:
                path.unlink()
            if new is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(new)
        return
    path = root / call.files[0].path
    if call.tool_name in ("Write", "write_file"):
        path.write_text(tool_input["content"])
        return
    text = path.read_text()
    edits = tool_input["edits"] if call.tool_name == "MultiEdit" else [tool_input]
    for one in edits:
        if call.agent == "gemini":
            count: int | None = int(one.get("expected_replacements") or 1)
        else:
            count = None if one.get("replace_all") else 1
        text = replace(text, one, call.files[0].path, count=count)
    path.write_text(text)


def by_order(*decisions: Decision) -> Callable[[str, Hunk], Decision]:
    """Decide the call's hunks in order: the n-th hunk gets ``decisions[n]``."""
    queue = list(decisions)

    def decide(_path: str, _hunk: Hunk) -> Decision:
        return queue.pop(0)

    return decide


YES, NO = (True, ""), (False, "keep the number: tests compare it")


def review(root: Path, payload: dict[str, Any], *decisions: Decision) -> tuple[HookCall, Answer]:
    call = read_call(payload, root)
    out = answer(call, verdict_of(call.files, by_order(*decisions)))
    carry_out(root, call, out)
    return call, out


def expected(call: HookCall, *decisions: Decision) -> dict[str, str | None]:
    """Each file's text with the accepted hunks, worked out from the hunks
    alone (no gate code): the same as ``y`` on those hunks in a review."""
    verdict = verdict_of(call.files, by_order(*decisions))
    return dict(verdict.texts)


def tree(root: Path, paths: list[str]) -> dict[str, str | None]:
    return {p: (root / p).read_text() if (root / p).exists() else None for p in paths}


# -- Claude Code -------------------------------------------------------------------------------

EDIT = {"file_path": "", "old_string": SPAN, "new_string": EDITED_SPAN, "replace_all": False}


@pytest.mark.parametrize(
    ("decisions", "kind"),
    [((YES, YES), "allow"), ((NO, NO), "deny"), ((YES, NO), "partial"), ((NO, YES), "partial")],
)
def test_claude_edit(repo: Path, decisions: tuple[Decision, ...], kind: str) -> None:
    payload = claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")})
    call = read_call(payload, repo)
    assert [len(hunks_of(f)) for f in call.files] == [2]
    want = expected(call, *decisions)
    _, out = review(repo, payload, *decisions)
    assert out.kind == kind
    assert tree(repo, ["src/app.py"]) == want
    text = (repo / "src/app.py").read_text()
    assert ("line five\n" in text, "line twenty\n" in text) == tuple(d[0] for d in decisions)
    specific = out.output["hookSpecificOutput"] if out.output else {}
    assert specific["hookEventName"] == "PreToolUse"
    if kind == "deny":
        # Claude sees a deny's reason: every rejected hunk with its reason.
        assert specific["permissionDecisionReason"].count("keep the number") == 2
    if kind == "partial":
        # Only new_string changes: the edit stays an edit of the same span.
        updated = specific["updatedInput"]
        assert updated["old_string"] == SPAN and updated["file_path"] == str(repo / "src/app.py")
        context = specific["additionalContext"]
        assert "accepted 1 of 2 hunks" in context and "keep the number" in context
        assert "read the file again" in context


def test_claude_edit_of_every_occurrence_partly_accepted(repo: Path) -> None:
    (repo / "notes.txt").write_text("x = 1\n" + "pad\n" * 10 + "x = 1\n")
    payload = claude(
        repo,
        "Edit",
        {
            "file_path": str(repo / "notes.txt"),
            "old_string": "x = 1",
            "new_string": "x = 2",
            "replace_all": True,
        },
    )
    call, out = review(repo, payload, NO, YES)
    assert out.kind == "partial"
    assert (repo / "notes.txt").read_text() == "x = 1\n" + "pad\n" * 10 + "x = 2\n"
    assert out.output and out.output["hookSpecificOutput"]["updatedInput"]["replace_all"] is False


def test_claude_multiedit_partly_accepted(repo: Path) -> None:
    payload = claude(
        repo,
        "MultiEdit",
        {
            "file_path": str(repo / "src/app.py"),
            "edits": [
                {"old_string": "line 2\n", "new_string": "line two\n"},
                {"old_string": "line 29\n", "new_string": "line twenty-nine\n"},
            ],
        },
    )
    call = read_call(payload, repo)
    want = expected(call, YES, NO)
    review(repo, payload, YES, NO)
    assert tree(repo, ["src/app.py"]) == want
    assert "line two" in (repo / "src/app.py").read_text()
    assert "line 29\n" in (repo / "src/app.py").read_text()


def test_claude_write_over_a_file_partly_accepted(repo: Path) -> None:
    content = BASE.replace("line 3\n", "line three\n").replace("line 28\n", "")
    payload = claude(repo, "Write", {"file_path": str(repo / "src/app.py"), "content": content})
    call = read_call(payload, repo)
    want = expected(call, NO, YES)
    _, out = review(repo, payload, NO, YES)
    assert out.kind == "partial" and tree(repo, ["src/app.py"]) == want
    assert "line 3\n" in want["src/app.py"] and "line 28\n" not in want["src/app.py"]  # type: ignore[operator]


def test_claude_write_of_a_new_file_accepted(repo: Path) -> None:
    payload = claude(repo, "Write", {"file_path": str(repo / "src/new.py"), "content": "x = 1\n"})
    _, out = review(repo, payload, YES)
    assert out.kind == "allow" and (repo / "src/new.py").read_text() == "x = 1\n"


# -- Codex -------------------------------------------------------------------------------------

PATCH = """*** Begin Patch
*** Update File: src/app.py
@@
 line 3
 line 4
-line 5
+line five
 line 6
@@
 line 24
-line 25
+line twenty-five
 line 26
*** Add File: docs/added.md
+# Added
+by the agent
*** Update File: notes.txt
@@
 alpha
-beta
+gamma
*** End Patch
"""


@pytest.mark.parametrize(
    ("decisions", "kind"),
    [
        ((YES, YES, YES, YES), "allow"),
        ((NO, NO, NO, NO), "deny"),
        ((YES, NO, NO, YES), "partial"),
        ((NO, YES, YES, NO), "partial"),
    ],
)
def test_codex_apply_patch(repo: Path, decisions: tuple[Decision, ...], kind: str) -> None:
    payload = codex(repo, PATCH)
    call = read_call(payload, repo)
    assert [f.path for f in call.files] == ["src/app.py", "docs/added.md", "notes.txt"]
    want = expected(call, *decisions)
    _, out = review(repo, payload, *decisions)
    assert out.kind == kind
    assert tree(repo, list(want)) == want
    specific = out.output["hookSpecificOutput"] if out.output else {}
    if kind == "allow":  # Codex honours allow only together with updatedInput
        assert specific["updatedInput"] == {"command": PATCH}
    if kind == "partial":
        assert specific["updatedInput"]["command"].startswith("*** Begin Patch\n")


# -- Gemini CLI --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decisions", "kind"), [((YES, YES), "allow"), ((NO, NO), "deny"), ((NO, YES), "partial")]
)
def test_gemini_replace(repo: Path, decisions: tuple[Decision, ...], kind: str) -> None:
    payload = gemini(
        repo,
        "replace",
        {"file_path": str(repo / "src/app.py"), "old_string": SPAN, "new_string": EDITED_SPAN},
    )
    call = read_call(payload, repo)
    want = expected(call, *decisions)
    _, out = review(repo, payload, *decisions)
    assert out.kind == kind and tree(repo, ["src/app.py"]) == want
    assert out.output is not None
    assert out.output["decision"] == ("deny" if kind == "deny" else "allow")
    if kind == "deny":
        assert "keep the number" in out.output["reason"]  # sent to the agent


def test_gemini_write_file_partly_accepted(repo: Path) -> None:
    content = BASE.replace("line 1\n", "").replace("line 30\n", "line thirty\n")
    payload = gemini(
        repo, "write_file", {"file_path": str(repo / "src/app.py"), "content": content}
    )
    call = read_call(payload, repo)
    want = expected(call, YES, NO)
    _, out = review(repo, payload, YES, NO)
    assert out.kind == "partial" and tree(repo, ["src/app.py"]) == want


# -- what is never gated, and what is refused ---------------------------------------------------


def test_other_tools_are_not_gated(repo: Path) -> None:
    with pytest.raises(NotAnEdit):
        read_call(claude(repo, "Bash", {"command": "ls"}), repo)
    with pytest.raises(NotAnEdit):
        read_call(gemini(repo, "run_shell_command", {"command": "ls"}), repo)


@pytest.mark.parametrize(
    ("payload_of", "words"),
    [
        (lambda r: claude(r, "Write", {"file_path": "/etc/passwd", "content": "x"}), "outside"),
        (
            lambda r: claude(
                r, "Write", {"file_path": str(r / ".git/hooks/pre-commit"), "content": "x"}
            ),
            ".git",
        ),
        (
            lambda r: claude(r, "Write", {"file_path": str(r / ".env"), "content": "A=1\n"}),
            "secret",
        ),
        (
            lambda r: claude(
                r,
                "Edit",
                {"file_path": str(r / "notes.txt"), "old_string": "zeta", "new_string": "eta"},
            ),
            "not found",
        ),
        (
            lambda r: claude(
                r,
                "Edit",
                {"file_path": str(r / "src/app.py"), "old_string": "line", "new_string": "row"},
            ),
            "occurs 30 times",
        ),
        (lambda r: codex(r, "*** Begin Patch\n*** Delete File: ../x\n*** End Patch\n"), ".."),
        (lambda r: codex(r, "not a patch"), "apply_patch"),
    ],
)
def test_refused_calls_name_why(
    repo: Path, payload_of: Callable[[Path], dict[str, Any]], words: str
) -> None:
    with pytest.raises(GateRefusal) as caught:
        read_call(payload_of(repo), repo)
    assert words in str(caught.value)
    assert PLANTED not in str(caught.value)


def test_a_file_changed_on_disk_meanwhile_is_refused_as_stale(repo: Path) -> None:
    payload = claude(repo, "Edit", {**EDIT, "file_path": str(repo / "src/app.py")})
    call = read_call(payload, repo)
    verdict = verdict_of(call.files, by_order(YES, YES), stale=("src/app.py",))
    out = answer(call, verdict)
    assert out.kind == "deny" and "changed on disk" in out.message
