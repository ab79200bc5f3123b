"""An agent's pre-tool hook input, read as the files its tool call would change.

``tether gate`` receives exactly what the agent documents on stdin (see
``docs/agents.md`` and ``../shared/research/agent-integrations.md`` §1–2):

- Claude Code ``PreToolUse``: ``tool_name`` ``Write`` (``file_path``,
  ``content``), ``Edit`` (``file_path``, ``old_string``, ``new_string``,
  ``replace_all``) or the legacy ``MultiEdit`` (``file_path``, ``edits``);
  paths are absolute.
- Codex ``PreToolUse``: ``tool_name`` ``apply_patch`` with the V4A patch text
  in ``tool_input.command``; paths in the patch are relative to ``cwd``.
- Gemini CLI ``BeforeTool``: ``write_file`` (``file_path``, ``content``) or
  ``replace`` (``file_path``, ``old_string``, ``new_string``,
  ``expected_replacements``).

:func:`read_call` turns one into a :class:`HookCall`: for every file, what it
holds now and what it would hold after the call, as the agent's own tool
would compute it. A tool Tether does not gate is :class:`NotAnEdit` (the
hook answers nothing and the agent goes on); a call Tether must refuse (a
path outside the repository or into ``.git``, a secret file, an edit whose
``old_string`` is not in the file) is :class:`GateRefusal`, whose message
goes back to the agent as the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.errors import TetherError, UnsafePathError
from app.core.paths import normalize, resolve_in_root
from app.core.secrets import secret_file
from app.core.text import join_lines, split_lines
from app.gate.agents import AGENT_NAMES, CLAUDE, CODEX, EDIT_TOOLS, GEMINI, detect_agent

__all__ = ["AGENT_NAMES", "CLAUDE", "CODEX", "EDIT_TOOLS", "GEMINI", "detect_agent"]


class NotAnEdit(Exception):
    """The call is not a file edit Tether reviews; the hook stays silent."""


class GateRefusal(TetherError):
    """The call must not go ahead; the message is the reason the agent sees."""

    title = "Refused by Tether"


@dataclass(frozen=True)
class Origin:
    """Where a proposal came from: the provenance the journal keeps."""

    agent: str
    session_id: str
    tool_call_id: str
    tool: str

    def label(self) -> str:
        call = f" {self.tool_call_id}" if self.tool_call_id else ""
        return f"{AGENT_NAMES.get(self.agent, self.agent)} {self.tool}{call}"


@dataclass(frozen=True)
class ProposedFile:
    """One file of a call: ``before`` is None when the file does not exist,
    ``after`` None when the call deletes it. ``moved_from`` names the file a
    V4A ``Move to`` came from (``before`` is that file's text)."""

    path: str
    before: str | None
    after: str | None
    moved_from: str | None = None


@dataclass(frozen=True)
class HookCall:
    agent: str
    event: str
    tool_name: str
    tool_input: Mapping[str, Any]
    origin: Origin
    root: Path
    files: tuple[ProposedFile, ...]


def read_call(payload: Mapping[str, Any], root: Path, agent: str | None = None) -> HookCall:
    """The files ``payload``'s tool call would change, read under ``root``."""
    agent = agent or detect_agent(payload)
    tool = str(payload.get("tool_name") or "")
    if tool not in EDIT_TOOLS.get(agent, ()):
        raise NotAnEdit(tool)
    tool_input = payload.get("tool_input")
    if not isinstance(tool_input, Mapping):
        raise GateRefusal(f"{tool}: the hook input has no tool_input object")
    cwd = Path(str(payload.get("cwd") or root))
    origin = Origin(
        agent,
        str(payload.get("session_id") or ""),
        str(payload.get("tool_use_id") or payload.get("tool_call_id") or ""),
        tool,
    )
    reader = Reader(root, cwd)
    if agent == CODEX:
        files = reader.patch(_text(tool_input, "command", tool))
    elif tool in ("Write", "write_file"):
        files = [
            reader.write(tool_input.get("file_path"), _text(tool_input, "content", tool), tool)
        ]
    elif tool == "MultiEdit":
        path = reader.rel(tool_input.get("file_path"), tool)
        edits = tool_input.get("edits")
        if not isinstance(edits, list) or not edits:
            raise GateRefusal(f"{tool}: edits must be a non-empty list", path=path)
        before = reader.existing(path)
        after = before
        for i, one in enumerate(edits, 1):
            if not isinstance(one, Mapping):
                raise GateRefusal(f"{tool}: edit {i} is not an object", path=path)
            after = replace(after, one, path, count=None if one.get("replace_all") else 1)
        files = [ProposedFile(path, before, after)]
    else:  # Edit, replace
        count: int | None = 1
        if agent == GEMINI:
            count = int(tool_input.get("expected_replacements") or 1)
        elif tool_input.get("replace_all"):
            count = None
        files = [reader.edit(tool_input.get("file_path"), tool_input, tool, count=count)]
    return HookCall(
        agent,
        str(payload.get("hook_event_name") or ""),
        tool,
        tool_input,
        origin,
        root,
        tuple(files),
    )


def replace(text: str, edit: Mapping[str, Any], path: str, *, count: int | None) -> str:
    """``old_string`` → ``new_string`` in ``text`` as the agent's tool does it:
    exactly ``count`` occurrences (None: every one, at least one)."""
    old, new = edit.get("old_string"), edit.get("new_string")
    if not isinstance(old, str) or not isinstance(new, str):
        raise GateRefusal("old_string and new_string must be strings", path=path)
    if not old:
        raise GateRefusal("old_string is empty", path=path)
    found = text.count(old)
    if found == 0:
        raise GateRefusal(
            "old_string was not found in the file (it may have changed: read it again)", path=path
        )
    if count is not None and found != count:
        want = "once" if count == 1 else f"{count} times"
        raise GateRefusal(
            f"old_string occurs {found} times, expected {want}: give more context "
            "(or ask for every occurrence)",
            path=path,
        )
    return text.replace(old, new)


def _text(tool_input: Mapping[str, Any], key: str, tool: str) -> str:
    value = tool_input.get(key)
    if not isinstance(value, str):
        raise GateRefusal(f"{tool}: tool_input.{key} must be a string")
    return value


class Reader:
    """Paths and file text under the repository, with Tether's rules (the
    gate's hook input and ``tether mcp``'s tools both read through it)."""

    def __init__(self, root: Path, cwd: Path) -> None:
        self.root, self.cwd = root.resolve(), cwd

    def rel(self, raw: object, tool: str) -> str:
        if not isinstance(raw, str) or not raw:
            raise GateRefusal(f"{tool}: tool_input.file_path must be a path")
        full = Path(raw) if os.path.isabs(raw) else self.cwd / raw
        absolute = Path(os.path.normpath(full))
        # The repository may be reached through a symlinked folder (/tmp on
        # macOS): compare resolved parents, keep the file name as written.
        parent = absolute.parent.resolve() if absolute.parent.exists() else absolute.parent
        candidate = parent / absolute.name
        if not candidate.is_relative_to(self.root):
            raise GateRefusal(f"{raw} is outside the repository {self.root}; Tether refuses it")
        rel = candidate.relative_to(self.root).as_posix()
        return self.check(rel)

    def check(self, rel: str) -> str:
        try:
            resolve_in_root(self.root, rel)
        except UnsafePathError as exc:
            raise GateRefusal(exc.message, path=exc.path or rel) from None
        rel = normalize(rel)
        reason = secret_file(self.root, rel)
        if reason:
            raise GateRefusal(
                f"{rel} is a secret file ({reason}); Tether neither reviews nor allows an "
                "agent's edit to it",
                path=rel,
            )
        return rel

    def text(self, rel: str) -> str | None:
        full = self.root / rel
        if not full.exists():
            return None
        if full.is_dir():
            raise GateRefusal("is a folder, not a file", path=rel)
        try:
            data = full.read_bytes()
        except OSError as exc:
            raise GateRefusal(f"cannot be read: {exc.strerror or exc}", path=rel) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise GateRefusal("is not UTF-8 text; Tether reviews text edits", path=rel) from None
        if secret_file(self.root, rel, text):
            raise GateRefusal("holds a secret; Tether neither reviews nor allows it", path=rel)
        return text

    def existing(self, rel: str) -> str:
        text = self.text(rel)
        if text is None:
            raise GateRefusal("does not exist, so it cannot be edited", path=rel)
        return text

    def write(self, raw: object, content: str, tool: str) -> ProposedFile:
        """A whole-file write of ``content`` to ``raw``."""
        path = self.rel(raw, tool)
        return ProposedFile(path, self.text(path), content)

    def edit(
        self, raw: object, edit: Mapping[str, Any], tool: str, *, count: int | None
    ) -> ProposedFile:
        """``old_string`` → ``new_string`` in the file at ``raw`` (see ``replace``)."""
        path = self.rel(raw, tool)
        before = self.existing(path)
        return ProposedFile(path, before, replace(before, edit, path, count=count))

    def unified(self, patch: str) -> list[ProposedFile]:
        """The files a unified diff (``git diff``, ``diff -u``) would change."""
        # Imported here: a hook call without a patch (most) never loads them.
        from app.core.patchapply import apply_file_patch
        from app.core.unified import parse_patch

        try:
            parsed = parse_patch(patch)
        except TetherError as exc:
            raise GateRefusal(f"patch: {exc.message}") from None
        if not parsed.files:
            raise GateRefusal("patch: the patch changes no file")
        files: list[ProposedFile] = []
        for fp in parsed.files:
            if fp.binary:
                raise GateRefusal("is a binary change; Tether reviews text edits", path=fp.path)
            source = self.check(fp.old_path) if fp.old_path is not None else None
            target = self.check(fp.new_path) if fp.new_path is not None else None
            before = self.text(source) if source is not None else None
            if source is not None and before is None:
                raise GateRefusal("does not exist, so the patch cannot change it", path=source)
            try:
                lines = apply_file_patch(split_lines(before or ""), fp, path=fp.path)
            except TetherError as exc:
                raise GateRefusal(exc.message, path=exc.path or fp.path) from None
            after = None if target is None else join_lines(lines)
            moved = source if source is not None and target not in (None, source) else None
            files.append(ProposedFile(target or fp.path, before, after, moved_from=moved))
        return files

    def patch(self, patch: str) -> list[ProposedFile]:
        from app.edits.apply import apply_edit
        from app.edits.model import EditError
        from app.edits.v4a import parse_v4a

        try:
            edits = parse_v4a(patch)
        except EditError as exc:
            raise GateRefusal(f"apply_patch: {exc}") from None
        if not edits:
            raise GateRefusal("apply_patch: the patch changes no file")
        files: list[ProposedFile] = []
        for edit in edits:
            path = self.check(edit.path)
            before = self.text(path)
            try:
                after = apply_edit(before, edit)
            except EditError as exc:
                raise GateRefusal(exc.message, path=exc.path or path) from None
            if edit.kind == "move" and edit.move_to:
                target = self.check(edit.move_to)
                files.append(ProposedFile(target, before, after, moved_from=path))
            else:
                files.append(ProposedFile(path, before, after))
        return files
