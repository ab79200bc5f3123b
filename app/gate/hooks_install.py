"""``tether hooks install|uninstall``: the gate's entry in an agent's settings.

Pure functions take a settings file's text (None when there is none) and
return a :class:`Change`: the new text (None: delete the file), one line
saying what changed, and warnings. The edit is textual (``jsonspans``):
install inserts the entry at one place, formatted like its surroundings, and
uninstall cuts exactly that text out, so every other byte — key order,
indentation, comments, other hooks — is the user's, and an uninstall after an
install gives back the file byte for byte. The other way, keeping a copy of
the file from before the install, would put the file's secrets (Claude Code
keeps ``env`` keys there) into Tether's state; this keeps nothing.

What Tether added is marked in the entry itself, in a field each agent
documents: ``statusMessage`` (Claude Code, Codex: the spinner text shown
while the gate waits) or ``name`` (Gemini CLI). Uninstall removes only a
marked entry; a ``tether gate`` hook written by hand is left alone, and
install adds nothing beside one (two gates would review each edit twice).

An empty event list or ``hooks`` object left behind is removed with the
entry, and a file left as ``{}`` is deleted: Tether cannot tell an empty one
you had from one it made (they mean the same to the agent), and the usual
case — no hooks before — is then restored exactly.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.atomic import atomic_delete, atomic_write
from app.core.errors import TetherError
from app.core.secrets import redact
from app.gate.calls import AGENT_NAMES, CLAUDE, CODEX, EDIT_TOOLS, GEMINI
from app.gate.jsonspans import JsonSpanError, Node, parse

DEFAULT_TIMEOUT = 3600  # seconds: an hour to decide, on the command line and in the entry
MARK = "Waiting for your Tether review"
GEMINI_MARK = "tether-gate"
_GATE_COMMAND = re.compile(r"(?:^|[\s/'\"])tether\s+gate(?:\s|$)")
_EXACT_NAMES = re.compile(r"[A-Za-z0-9_|, -]+")


class SettingsError(TetherError):
    """An agent's settings file Tether will not change."""

    title = "Settings not changed"


@dataclass(frozen=True)
class AgentHooks:
    """Where and how one agent keeps its pre-tool hooks."""

    agent: str
    event: str
    folder: str
    file: str
    unit: int  # the entry's timeout: 1 = seconds, 1000 = milliseconds
    mark_key: str
    mark: str
    comments: bool  # the agent's settings reader allows // and /* */ comments
    # Tool names another hook's matcher must not match (Codex's apply_patch
    # hooks also fire for matchers on Edit and Write).
    clash_tools: tuple[str, ...]

    @property
    def name(self) -> str:
        return AGENT_NAMES[self.agent]


AGENTS = {
    CLAUDE: AgentHooks(
        CLAUDE, "PreToolUse", ".claude", "settings.json", 1, "statusMessage", MARK, False,
        EDIT_TOOLS[CLAUDE],
    ),
    CODEX: AgentHooks(
        CODEX, "PreToolUse", ".codex", "hooks.json", 1, "statusMessage", MARK, False,
        (*EDIT_TOOLS[CODEX], "Edit", "Write"),
    ),
    GEMINI: AgentHooks(
        GEMINI, "BeforeTool", ".gemini", "settings.json", 1000, "name", GEMINI_MARK, True,
        EDIT_TOOLS[GEMINI],
    ),
}  # fmt: skip

# A second entry some agents need. Gemini CLI's BeforeTool answer cannot tell
# the model why hunks were rejected; its AfterTool answer can
# (``app.gate.after_notes``), so ``tether gate`` runs there too.
AFTER = {
    GEMINI: AgentHooks(
        GEMINI, "AfterTool", ".gemini", "settings.json", 1000, "name", f"{GEMINI_MARK}-after",
        True, (),
    ),
}  # fmt: skip
AFTER_TIMEOUT = 10  # seconds: it only reads what the BeforeTool answer kept


def entry(
    agent: str, timeout: int = DEFAULT_TIMEOUT, *, spec: AgentHooks | None = None
) -> dict[str, Any]:
    """The matcher group Tether adds: its edit tools, ``tether gate`` with the
    same limit it is given (in the agent's unit)."""
    spec = spec or AGENTS[agent]
    if spec.event == "AfterTool":
        timeout = AFTER_TIMEOUT
    handler: dict[str, Any] = {
        "type": "command",
        "command": f"tether gate --agent {agent} --timeout {timeout}",
        "timeout": timeout * spec.unit,
    }
    handler[spec.mark_key] = spec.mark
    return {"matcher": "|".join(EDIT_TOOLS[agent]), "hooks": [handler]}


@dataclass(frozen=True)
class Location:
    """A settings file: ``base / rel`` (writes stay under ``base``)."""

    base: Path
    rel: str

    @property
    def path(self) -> Path:
        return self.base / self.rel


def location(agent: str, scope: str, *, root: Path, env: Mapping[str, str]) -> Location:
    """The file ``tether hooks`` edits: the project's (``root``) or the user's
    (``$HOME``; Codex's ``$CODEX_HOME`` when set)."""
    spec = AGENTS[agent]
    if scope == "project":
        return Location(root, f"{spec.folder}/{spec.file}")
    if agent == CODEX and env.get("CODEX_HOME"):
        codex_home = Path(env["CODEX_HOME"])  # written from its parent, so it may be made
        return Location(codex_home.parent, f"{codex_home.name}/{spec.file}")
    home = env.get("HOME")
    if not home:
        raise SettingsError("$HOME is not set; cannot find the user's settings (try --project)")
    return Location(Path(home), f"{spec.folder}/{spec.file}")


@dataclass(frozen=True)
class Change:
    old: str | None
    new: str | None
    summary: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return self.old != self.new


# --- reading the hooks that are there ---------------------------------------


@dataclass(frozen=True)
class _Handler:
    node: Node
    group: Node  # the matcher group object
    list_: Node  # the group's "hooks" array
    matcher: str | None
    value: Any


def _load(text: str, spec: AgentHooks, shown: str) -> tuple[Node, Node | None, Node | None]:
    """The root object, its ``hooks`` object and the event's array (or None)."""
    try:
        root = parse(text, comments=spec.comments)
    except JsonSpanError as exc:
        raise SettingsError(
            f"not valid JSON: {exc.message}, column {exc.column}; nothing was written",
            path=shown,
            line=exc.line,
        ) from None
    if root.kind != "object":
        raise SettingsError("is not a JSON object; nothing was written", path=shown)
    hooks = root.get("hooks")
    if hooks is not None and hooks.kind != "object":
        raise SettingsError('"hooks" is not an object; nothing was written', path=shown)
    event = hooks.get(spec.event) if hooks is not None else None
    if event is not None and event.kind != "array":
        raise SettingsError(f'"hooks.{spec.event}" is not a list; nothing was written', path=shown)
    return root, hooks, event


def _handlers(event: Node | None) -> list[_Handler]:
    found = []
    for group in event.items if event is not None else []:
        if group.kind != "object":
            continue
        matcher = group.value.get("matcher")
        hooks = group.get("hooks")
        if hooks is None or hooks.kind != "array":
            continue
        for node in hooks.items:
            if node.kind == "object":
                mine = matcher if isinstance(matcher, str) else None
                found.append(_Handler(node, group, hooks, mine, node.value))
    return found


def _is_gate(handler: _Handler) -> bool:
    command = handler.value.get("command")
    return isinstance(command, str) and bool(_GATE_COMMAND.search(command))


def _is_ours(handler: _Handler, spec: AgentHooks) -> bool:
    return _is_gate(handler) and handler.value.get(spec.mark_key) == spec.mark


def matches(agent: str, matcher: str | None, tool: str) -> bool:
    """Whether a hook with ``matcher`` runs for ``tool`` (each agent's rules:
    empty or ``*`` is every tool; Claude Code reads a plain ``A|B`` as exact
    names and anything else as an unanchored regex; the others, a regex)."""
    if matcher is None or matcher.strip() in ("", "*"):
        return True
    if agent == CLAUDE and _EXACT_NAMES.fullmatch(matcher):
        return tool in {name.strip() for name in re.split(r"[|,]", matcher)}
    try:
        return re.search(matcher, tool) is not None
    except re.error:
        return False  # the agent cannot use it either


_CLOBBER = {
    CLAUDE: "one that answers without updatedInput can undo Tether's rewrite of a partly "
    "accepted edit (anthropics/claude-code#16117)",
    CODEX: "Codex keeps the rewrite of whichever hook finishes last, so Tether's rewrite of a "
    "partly accepted patch can be lost",
    GEMINI: "its own decision or tool_input can override what Tether answers",
}


def _warnings(spec: AgentHooks, root: Node, handlers: list[_Handler], shown: str) -> list[str]:
    out = []
    for handler in handlers:
        if _is_gate(handler):
            continue
        tools = [t for t in spec.clash_tools if matches(spec.agent, handler.matcher, t)]
        if not tools:
            continue
        what = handler.value.get("command") or handler.value.get("url") or handler.value.get("type")
        out.append(
            f"{shown}: another {spec.event} hook runs on {', '.join(tools)} beside Tether's "
            f"(matcher {handler.matcher!r}, {str(what)!r}): {_CLOBBER[spec.agent]}; "
            "keep Tether the only hook on edit tools"
        )
    if spec.agent == CLAUDE and root.value.get("disableAllHooks") is True:
        out.append(f"{shown}: disableAllHooks is true here, so Claude Code runs no hook at all")
    return out


# --- text edits ---------------------------------------------------------------


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _unit(text: str) -> str:
    """The file's indent step: the first indented line's indent (2 spaces if none)."""
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else "  "


def _line_indent(text: str, pos: int) -> str:
    line = text.rfind("\n", 0, pos) + 1
    return re.match(r"[ \t]*", text[line:]).group()  # type: ignore[union-attr]


def _tight(text: str) -> bool:
    """Written without spaces after ``:`` and ``,`` (``{"a":1,"b":2}``)."""
    return ":" in text and '": ' not in text


def _render(value: Any, indent: str, unit: str, newline: str, multiline: bool, tight: bool) -> str:
    if not multiline:
        return json.dumps(value, separators=(",", ":") if tight else (", ", ": "))
    return json.dumps(value, indent=unit).replace("\n", newline + indent)


def _insert(text: str, container: Node, key: str | None, value: Any, *, top: bool) -> str:
    """``text`` with ``value`` added as ``container``'s last element (a member
    ``key`` of an object), laid out like the container's other elements."""
    newline, unit = _newline(text), _unit(text)
    elements = container.elements()
    inner = text[container.start + 1 : container.end - 1]
    open_indent = _line_indent(text, container.start)
    if elements:  # laid out like the first element: on its own line, or not
        multiline = "\n" in text[container.start + 1 : elements[0][0]]
        indent = _line_indent(text, elements[0][0]) if multiline else ""
    else:
        multiline = "\n" in text.strip() or top
        indent = open_indent + unit
    tight = not multiline and _tight(text)
    body = _render(value, indent, unit, newline, multiline, tight)
    if key is not None:
        body = f"{json.dumps(key)}:{'' if tight else ' '}{body}"
    if elements:
        at = elements[-1][1]
        gap = newline + indent if multiline else ("" if tight else " ")
        return text[:at] + "," + gap + body + text[at:]
    keep = inner.rstrip() if inner.strip() else ""  # a comment in an empty container stays
    at = container.start + 1
    block = newline + indent + body + newline + open_indent if multiline else body
    return text[:at] + keep + block + text[container.end - 1 :]


def _remove(text: str, container: Node, child: Node) -> str:
    """``text`` without ``child`` (an element of ``container``) and the comma
    and layout that came with it: the reverse of :func:`_insert`."""
    elements = container.elements()
    index = next(i for i, (_, _, node) in enumerate(elements) if node is child)
    start, end, _ = elements[index]
    if len(elements) == 1:
        inner = text[container.start + 1 : container.end - 1]
        rest = inner.replace(text[start:end], "", 1)
        if not rest.strip():
            return text[: container.start + 1] + text[container.end - 1 :]
        return text[:start] + text[end:]
    if index > 0:
        before = elements[index - 1][1]
        comma = text.rfind(",", before, start)  # a comment between stays
        cut = before if not text[before:comma].strip() else comma
        return text[:cut] + text[end:]
    return text[:start] + text[elements[1][0] :]


# --- install and uninstall ----------------------------------------------------


def install(agent: str, old: str | None, *, timeout: int = DEFAULT_TIMEOUT, shown: str) -> Change:
    """``old`` with Tether's entry (entries) merged in (``shown`` names the file in messages)."""
    change = _install(AGENTS[agent], old, timeout=timeout, shown=shown)
    after = AFTER.get(agent)
    if after is None:
        return change
    more = _install(after, change.new, timeout=timeout, shown=shown)
    summary = change.summary if change.changed or not more.changed else more.summary
    return Change(old, more.new, summary, change.warnings + more.warnings)


def _install(
    spec: AgentHooks, old: str | None, *, timeout: int = DEFAULT_TIMEOUT, shown: str
) -> Change:
    agent = spec.agent
    text = old if old is not None and old.strip() else "{}\n"
    root, hooks, event = _load(text, spec, shown)
    handlers = _handlers(event)
    group = entry(agent, timeout, spec=spec)
    ours = [h for h in handlers if _is_ours(h, spec)]
    warnings = tuple(_warnings(spec, root, handlers, shown)) if spec.clash_tools else ()
    if ours:
        (want,) = group["hooks"]
        if len(ours) == 1 and ours[0].value == want and ours[0].matcher == group["matcher"]:
            return Change(old, old, f"the Tether gate is already set up for {spec.name}", warnings)
        for handler in reversed(ours):  # later spans first, so earlier ones stay put
            text = _cut(text, handler, spec, shown, cascade=False)
        updated = _install(spec, text, timeout=timeout, shown=shown)
        return Change(old, updated.new, f"updated the Tether gate for {spec.name}", warnings)
    by_hand = [h for h in handlers if _is_gate(h)]
    if by_hand and spec.event != "AfterTool":
        return Change(
            old,
            old,
            f"a tether gate hook is already there (not added by tether hooks install): "
            f"{by_hand[0].value.get('command')!r}; nothing added",
            warnings,
        )
    if hooks is None:
        new = _insert(text, root, "hooks", {spec.event: [group]}, top=True)
    elif event is None:
        new = _insert(text, hooks, spec.event, [group], top=False)
    else:
        new = _insert(text, event, None, group, top=False)
    return Change(old, new, f"added the Tether gate for {spec.name}", warnings)


def uninstall(agent: str, old: str | None, *, shown: str) -> Change:
    """``old`` without the entries ``install`` added; the rest untouched."""
    after = AFTER.get(agent)
    if after is None:
        return _uninstall(AGENTS[agent], old, shown=shown)
    # In the reverse order of install: the file comes back byte for byte.
    first = _uninstall(after, old, shown=shown)
    second = _uninstall(AGENTS[agent], first.new, shown=shown)
    summary = second.summary if second.changed or not first.changed else first.summary
    return Change(old, second.new, summary)


def _uninstall(spec: AgentHooks, old: str | None, *, shown: str) -> Change:
    nothing = f"no Tether gate added by tether hooks install in {shown}; nothing changed"
    if old is None or not old.strip():
        return Change(old, old, nothing)
    _, _, event = _load(old, spec, shown)
    handlers = _handlers(event)
    ours = [h for h in handlers if _is_ours(h, spec)]
    if not ours:
        kept = [h for h in handlers if _is_gate(h)]
        if kept:
            nothing += (
                f" (a tether gate hook written by hand is left: {kept[0].value.get('command')!r})"
            )
        return Change(old, old, nothing)
    text = old
    for handler in reversed(ours):
        text = _cut(text, handler, spec, shown, cascade=True)
    new = None if text.strip() == "{}" else text
    return Change(old, new, f"removed the Tether gate for {spec.name}")


def _cut(text: str, handler: _Handler, spec: AgentHooks, shown: str, *, cascade: bool) -> str:
    """``text`` without ``handler``; its group goes too when it held only it,
    and (``cascade``) an event list or ``hooks`` object left empty."""
    # Spans are of the text they were read from: find the handler afresh.
    root, hooks, event = _load(text, spec, shown)
    current = next(
        h
        for h in _handlers(event)
        if (h.node.start, h.node.end) == (handler.node.start, handler.node.end)
    )
    assert event is not None and hooks is not None
    if len(current.list_.items) > 1:
        return _remove(text, current.list_, current.node)
    text = _remove(text, event, current.group)
    if not cascade:
        return text
    root, hooks, event = _load(text, spec, shown)
    if event is not None and hooks is not None and not event.items:
        text = _remove(text, hooks, event)
        root, hooks, _ = _load(text, spec, shown)
    if hooks is not None and not hooks.elements():
        text = _remove(text, root, hooks)
    return text


def diff(change: Change, shown: str) -> str:
    """The change as a unified diff of the file, credential-shaped text masked
    (a settings file may hold keys; the diff's context lines show them)."""
    before = (change.old or "").splitlines(keepends=True)
    after = (change.new or "").splitlines(keepends=True)
    lines = difflib.unified_diff(
        before,
        after,
        fromfile=shown if change.old is not None else "/dev/null",
        tofile=shown if change.new is not None else "/dev/null",
    )
    return redact("".join(line if line.endswith("\n") else line + "\n" for line in lines))


# --- the file -----------------------------------------------------------------


def read_settings(where: Location) -> str | None:
    """The file's text, None if there is none."""
    try:
        data = where.path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SettingsError(
            "is not UTF-8 text; nothing was written", path=str(where.path)
        ) from None


def write_settings(where: Location, change: Change) -> None:
    """Carry ``change`` out atomically, only if the file still holds ``change.old``."""
    expected = None if change.old is None else change.old.encode("utf-8")
    if change.new is not None:
        atomic_write(where.base, where.rel, change.new.encode("utf-8"), expected=expected)
        return
    atomic_delete(where.base, where.rel, expected=expected)
    with contextlib.suppress(OSError):  # the agent's folder, if that left it empty
        if where.path.parent != where.base:
            os.rmdir(where.path.parent)
