"""``tether hooks install|uninstall``'s pure edits of an agent's settings text:
the entry merged in with every other byte kept, installing twice adding
nothing, uninstall giving the file back byte for byte, refusals and warnings.
"""

from __future__ import annotations

import json
import re
import shlex

import pytest

from app.cli import build_parser
from app.gate.hooks_install import (
    AFTER,
    AGENTS,
    MARK,
    SettingsError,
    entry,
    install,
    matches,
    uninstall,
)
from app.gate.jsonspans import parse

AGENT_LIST = ("claude", "codex", "gemini")
SHOWN = ".claude/settings.json"


def other_hooks(event: str) -> str:
    return f"""{{
  "hooks": {{
    "{event}": [
      {{
        "matcher": "Bash",
        "hooks": [{{"type": "command", "command": "check-shell.sh", "timeout": 5}}]
      }}
    ],
    "Stop": [{{"hooks": [{{"type": "command", "command": "notify-send done"}}]}}]
  }}
}}
"""


# Settings files as people have them: each must come back byte for byte.
FILES: dict[str, str | None] = {
    "absent": None,
    "empty": "",
    "empty object": "{}\n",
    "other keys": '{\n    "model": "opus",\n    "env": {"DEBUG": "1"},\n    "permissions": {"allow": ["Bash(ls)"]}\n}\n',
    "other events": '{\n  "hooks": {\n    "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]\n  }\n}\n',
    "one line, tight": '{"hooks":{"PostToolUse":[{"matcher":"Edit","hooks":[{"type":"command","command":"fmt"}]}]},"theme":"dark"}',
    "tabs, CRLF, no final newline": '{\r\n\t"model": "x",\r\n\t"hooks": {\r\n\t\t"Notification": []\r\n\t}\r\n}',
    "unicode and escapes": '{\n  "name": "caf\\u00e9 — ☕",\n  "path": "C:\\\\tools\\\\x",\n  "n": -1.5e3,\n  "ok": [true, false, null]\n}\n',
    "odd spacing": '{ "a" :1 ,\n\n     "b" : [ 1 ,2 ]   }   \n\n',
}


def cases() -> list[tuple[str, str, str | None]]:
    out = [(agent, name, text) for agent in AGENT_LIST for name, text in FILES.items()]
    out += [
        (agent, "same event, other hooks", other_hooks(AGENTS[agent].event)) for agent in AGENT_LIST
    ]
    return out


def loads(agent: str, text: str) -> dict:
    return parse(text, comments=AGENTS[agent].comments).value  # type: ignore[no-any-return]


@pytest.mark.parametrize(("agent", "name", "old"), cases(), ids=lambda v: str(v)[:20])
def test_install_keeps_everything_and_uninstall_restores_bytes(
    agent: str, name: str, old: str | None
) -> None:
    change = install(agent, old, shown=SHOWN)
    assert change.changed and change.new is not None
    new = loads(agent, change.new)
    assert json.loads(change.new) == new  # plain JSON the agent reads
    before = loads(agent, old) if old and old.strip() else {}
    # Every other key and hook is still there, unchanged; ours is the last
    # group (of each event Tether needs: Gemini's AfterTool too).
    rest = dict(new)
    rest["hooks"] = dict(new["hooks"])
    specs = [AGENTS[agent], *([AFTER[agent]] if agent in AFTER else [])]
    for spec in specs:
        groups = new["hooks"][spec.event]
        assert groups[-1] == entry(agent, spec=spec)
        del rest["hooks"][spec.event]
        if groups[:-1] or spec.event in before.get("hooks", {}):
            rest["hooks"][spec.event] = groups[:-1]
    if not rest["hooks"] and "hooks" not in before:
        del rest["hooks"]
    assert rest == before
    # The old text is still there, in order, around the insertion.
    assert _is_subsequence(old or "", change.new)
    # Installing twice adds nothing.
    again = install(agent, change.new, shown=SHOWN)
    assert again.new == change.new and not again.changed
    assert "already" in again.summary
    # Uninstall gives back exactly what was there (an absent or empty file: none).
    back = uninstall(agent, change.new, shown=SHOWN)
    expected = None if name in ("absent", "empty", "empty object") else old
    assert back.new == expected


def _is_subsequence(old: str, new: str) -> bool:
    """``new`` is ``old`` with text inserted (nothing of ``old`` changed)."""
    it = iter(new)
    return all(char in it for char in old)


def test_gemini_settings_may_hold_comments() -> None:
    old = '{\n  // my settings\n  "hooks": {\n    "BeforeTool": [] /* none yet */\n  }\n}\n'
    change = install("gemini", old, shown="s")
    assert "// my settings" in (change.new or "") and "/* none yet */" in (change.new or "")
    assert loads("gemini", change.new or "")["hooks"]["BeforeTool"] == [entry("gemini")]
    assert uninstall("gemini", change.new, shown="s").new is not None


@pytest.mark.parametrize(
    ("agent", "text", "line"),
    [
        ("claude", '{\n  "a": 1,\n  "b": \n}\n', 4),
        ("codex", '{\n  "hooks": {\n    "PreToolUse": [\n  }\n}', 4),
        ("gemini", '{"a": 1}\n{"b": 2}\n', 2),
        ("claude", '{\n  // no comments in Claude Code settings\n  "a": 1\n}', 2),
        ("claude", '{\n  "a": "unclosed\n}', 2),
        ("gemini", '{\n  "a": 1,\n}', 3),
    ],
)
def test_invalid_json_is_refused_naming_the_line(agent: str, text: str, line: int) -> None:
    for run in (
        lambda: install(agent, text, shown=SHOWN),
        lambda: uninstall(agent, text, shown=SHOWN),
    ):
        with pytest.raises(SettingsError) as caught:
            run()
        assert caught.value.path == SHOWN and caught.value.line == line
        assert f"{SHOWN}:{line}: not valid JSON" in str(caught.value)
        assert "nothing was written" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("[]", "is not a JSON object"),
        ('{"hooks": []}', '"hooks" is not an object'),
        ('{"hooks": {"PreToolUse": {}}}', '"hooks.PreToolUse" is not a list'),
    ],
)
def test_shapes_the_agent_could_not_read_are_refused(text: str, why: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(why)):
        install("claude", text, shown=SHOWN)


@pytest.mark.parametrize(
    ("agent", "matcher", "warned"),
    [
        ("claude", "Edit|Write", True),
        ("claude", "Write", True),
        ("claude", "Edit, MultiEdit", True),
        ("claude", "*", True),
        ("claude", "", True),
        ("claude", None, True),  # no matcher: every tool
        ("claude", "Bash", False),
        ("claude", "NotebookEdit", False),
        ("claude", "Notebook.*", False),
        ("claude", "^(Edit|Bash)$", True),
        ("codex", "apply_patch", True),
        ("codex", "Edit", True),  # Codex's apply_patch also fires hooks matched on Edit/Write
        ("codex", "Bash", False),
        ("gemini", "write_.*", True),
        ("gemini", "replace", True),
        ("gemini", "run_shell_command", False),
    ],
)
def test_warns_of_another_hook_on_the_same_tools(
    agent: str, matcher: str | None, warned: bool
) -> None:
    group: dict = {"hooks": [{"type": "command", "command": "other-hook"}]}
    if matcher is not None:
        group["matcher"] = matcher
    old = json.dumps({"hooks": {AGENTS[agent].event: [group]}}, indent=2)
    change = install(agent, old, shown=SHOWN)
    assert change.changed  # a warning, not a refusal
    assert bool(change.warnings) == warned, change.warnings
    if warned:
        assert "other-hook" in change.warnings[0] and SHOWN in change.warnings[0]
        assert "only hook on edit tools" in change.warnings[0]


def test_a_gate_written_by_hand_is_neither_doubled_nor_removed() -> None:
    by_hand = {
        "hooks": {
            "PreToolUse": [
                {
                    "matcher": "Edit|Write|MultiEdit",
                    "hooks": [{"type": "command", "command": "tether gate --timeout 3600"}],
                }
            ]
        }
    }
    old = json.dumps(by_hand, indent=2)
    change = install("claude", old, shown=SHOWN)
    assert not change.changed and "already there" in change.summary
    assert not change.warnings  # a gate is not "another hook"
    gone = uninstall("claude", old, shown=SHOWN)
    assert not gone.changed and "written by hand is left" in gone.summary


def test_uninstall_when_nothing_is_installed_changes_nothing() -> None:
    for old in (None, "", other_hooks("PreToolUse")):
        change = uninstall("claude", old, shown=SHOWN)
        assert change.new == old and not change.changed
        assert "nothing changed" in change.summary


def test_a_new_timeout_replaces_the_entry_and_uninstall_still_restores() -> None:
    old = other_hooks("PreToolUse")
    first = install("claude", old, timeout=3600, shown=SHOWN)
    second = install("claude", first.new, timeout=900, shown=SHOWN)
    assert "updated" in second.summary
    groups = json.loads(second.new or "")["hooks"]["PreToolUse"]
    assert groups[-1] == entry("claude", 900) and len(groups) == 2
    assert uninstall("claude", second.new, shown=SHOWN).new == old


def test_uninstall_removes_only_its_entry_from_a_file_edited_since() -> None:
    installed = install("codex", other_hooks("PreToolUse"), shown=SHOWN).new or ""
    data = json.loads(installed)
    # The user adds a handler to Tether's group and a key elsewhere.
    data["hooks"]["PreToolUse"][-1]["hooks"].append({"type": "command", "command": "audit"})
    data["model"] = "gpt-5"
    edited = json.dumps(data, indent=2)
    after = json.loads(uninstall("codex", edited, shown=SHOWN).new or "")
    assert after["model"] == "gpt-5"
    assert after["hooks"]["PreToolUse"][-1] == {
        "matcher": "apply_patch",
        "hooks": [{"type": "command", "command": "audit"}],
    }
    assert MARK not in json.dumps(after)


@pytest.mark.parametrize(("agent", "timeout"), [(a, t) for a in AGENT_LIST for t in (3600, 120)])
def test_the_entry_read_back_gates_the_edit_tools_within_its_own_limit(
    agent: str, timeout: int
) -> None:
    text = install(agent, None, timeout=timeout, shown=SHOWN).new or ""
    (group,) = json.loads(text)["hooks"][AGENTS[agent].event]
    tools = {"claude": ("Edit", "Write", "MultiEdit"), "codex": ("apply_patch",)}.get(
        agent, ("write_file", "replace")
    )
    assert all(matches(agent, group["matcher"], tool) for tool in tools)
    assert not matches(agent, group["matcher"], "Bash")
    (handler,) = group["hooks"]
    argv = shlex.split(handler["command"])
    assert argv[:2] == ["tether", "gate"]
    # The command line `tether gate` parses, with the limit the entry gives the hook.
    args = build_parser().parse_args(argv[1:])
    assert args.agent == agent
    unit = 1000 if agent == "gemini" else 1
    assert handler["timeout"] == timeout * unit == args.timeout * unit


def test_uninstall_keeps_a_group_added_after_tethers() -> None:
    installed = install("claude", '{"hooks": {}}', shown=SHOWN).new or ""
    assert installed.endswith("]}]}}")
    edited = installed[:-3] + ', {"matcher": "Bash", "hooks": []}' + installed[-3:]
    assert json.loads(edited)["hooks"]["PreToolUse"][1] == {"matcher": "Bash", "hooks": []}
    after = uninstall("claude", edited, shown=SHOWN).new
    assert after == '{"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": []}]}}'


def test_install_again_after_the_user_added_a_handler_to_tethers_group_adds_nothing() -> None:
    data = json.loads(install("claude", None, shown=SHOWN).new or "")
    data["hooks"]["PreToolUse"][0]["hooks"].append({"type": "command", "command": "log.sh"})
    edited = json.dumps(data, indent=2)
    again = install("claude", edited, shown=SHOWN)
    assert not again.changed and "already" in again.summary
