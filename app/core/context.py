"""The context packager of the autonomy slider: what the model sees, what it may change.

Levels: 0 off (nothing), 1 line (the lines around the cursor; may change the
cursor line or selection), 2 chunk (selection + enclosing definition + file
outline; may change the selection), 3 file (the file + outlines of the repo
files it imports; may change the file), 4 repo (a repo map + the files the
model asked for; may change any tracked or untracked-but-not-ignored file,
and create files that are not ignored or secret).

Never sent, by content, outline or map entry: files .gitignore matches (also
tracked ones: ``git check-ignore --no-index``), secrets as ``app.core.secrets``
knows them (by name or path, through a symlink or a hard link, and by
content: private keys, cloud credentials, tokens), binary and non-UTF-8 files. Each is listed in ``excluded`` with the
reason. Outside git nothing is ignore-filtered; a note says so.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.core.controls import controls
from app.core.errors import GitError, TetherError, UnsafePathError
from app.core.gitrepo import run_git
from app.core.outline import format_outline, imports, outline
from app.core.paths import resolve_in_root
from app.core.secrets import secret_file, secret_text
from app.core.text import is_binary, split_lines

LEVEL_NAMES = ("off", "line", "chunk", "file", "repo")
MAX_FILE_BYTES = 512_000  # larger files are never sent whole
MAP_BUDGET = 60_000  # characters of repo map (~15k tokens)
MAP_OUTLINE_FILES = 1_500  # files read for an outline, at most
EXTRA_BUDGET = 200_000  # characters of files sent whole at level 4
MAX_IMPORTS = 30
MAX_WALK = 50_000  # files listed outside git, at most
DEF_MAX_LINES = 300
# Outside git, folders that are never walked for the repo map.
SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", "env", "target", "dist", "build"})
_CHECK_IGNORE = ("check-ignore", "--no-index", "--stdin", "-z", "-v", "-n")


class ContextError(TetherError):
    """The level needs something the caller did not give (a file, a cursor)."""

    title = "Cannot build context"


@dataclass
class ContextPart:
    """One excerpt sent to the model. ``kind``: lines, selection, definition,
    outline, file or repo-map; lines are 1-based inclusive (0, 0 for the map)."""

    path: str
    kind: str
    start_line: int
    end_line: int
    text: str


@dataclass
class ContextPacket:
    level: int
    parts: list[ContextPart] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    allowed_paths: set[str] = field(default_factory=set)  # what the model may change
    allowed_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)  # levels 1-2
    notes: list[str] = field(default_factory=list)  # what was cut or not applied
    root: Path | None = None
    _seen: set[str] = field(default_factory=set, repr=False, compare=False)

    def exclude(self, path: str, reason: str) -> None:
        if path not in self._seen:
            self._seen.add(path)
            self.excluded.append((path, reason))

    def scope(self) -> str:
        if self.level in (1, 2) and self.allowed_ranges:
            path, (a, b) = next(iter(self.allowed_ranges.items()))
            return f"{path} {_span(a, b)}"
        if self.level == 3 and self.allowed_paths:
            return next(iter(self.allowed_paths))
        if self.level == 4:
            return f"any of the {len(self.allowed_paths)} files in the map, or a new file"
        return "nothing"

    def render(self) -> str:
        """The context as sent to the model."""
        # File text goes verbatim into fenced blocks, without line-number prefixes:
        # every edit format Tether uses (str_replace, SEARCH/REPLACE, V4A) anchors on
        # the exact text, and models shown numbered lines tend to copy the numbers
        # into their anchors, which then match nothing. Line numbers appear only in
        # headers and outlines, where they locate without being mistaken for code.
        if self.level == 0 or not self.parts:
            return ""
        out = [
            f"# Context (autonomy level {self.level}: {LEVEL_NAMES[self.level]})",
            f"You may change only: {self.scope()}. Everything else is read-only context.",
        ]
        for part in self.parts:
            lang = "text"
            if part.kind == "repo-map":
                head = "### repository map (paths, with the definitions in each file)"
            elif part.kind == "outline":
                head = f"### {part.path} (outline)"
            else:
                editable = ", you may change these lines" if part.kind == "selection" else ""
                head = (
                    f"### {part.path} ({_span(part.start_line, part.end_line)}, {part.kind}"
                    f"{editable})"
                )
                # The extension is a fence tag models know (py, ts, rs, go …).
                lang = part.path.rsplit(".", 1)[-1].lower() if "." in part.path else ""
            fence = "```"
            while fence in part.text:
                fence += "`"
            body = part.text if part.text.endswith("\n") or not part.text else part.text + "\n"
            out.append(f"{head}\n{fence}{lang}\n{body}{fence}")
        if self.excluded:
            out.append(
                f"({len(self.excluded)} file(s) were withheld: ignored, secret or "
                "binary. Do not ask for them.)"
            )
        return "\n\n".join(out) + "\n"

    def summary(self) -> list[str]:
        """Lines for the "what was sent" panel."""
        lines = [
            f"level {self.level} ({LEVEL_NAMES[self.level]}): the model may change {self.scope()}"
        ]
        for part in self.parts:
            where = _span(part.start_line, part.end_line) if part.start_line else "all files"
            count = len(split_lines(part.text))
            lines.append(
                f"sent {part.path or '(repo map)'} · {part.kind} · {where} · "
                f"{count} line{'s' * (count != 1)}, {len(part.text)} chars"
            )
        lines += [f"note: {note}" for note in self.notes]
        shown = self.excluded[:50]
        lines += [f"not sent {path} · {reason}" for path, reason in shown]
        if len(self.excluded) > len(shown):
            lines.append(f"not sent … and {len(self.excluded) - len(shown)} more")
        size = len(self.render())
        lines.append(f"total: {len(self.parts)} parts, {size} chars (~{size // 4} tokens)")
        return lines


def _span(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


class _Tree:
    """The files under ``root`` and why one may not be sent."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        try:
            out = run_git(self.root, "rev-parse", "--is-inside-work-tree", check=False)
        except GitError:  # git not installed
            out = b""
        self.git = out.strip() == b"true"
        self._ignored: dict[str, bool] = {}

    def ignored(self, paths: Iterable[str]) -> set[str]:
        paths = list(paths)
        todo = list(dict.fromkeys(p for p in paths if p not in self._ignored))
        if self.git and todo:
            # -v -n reports every path, so a short answer means git failed; a
            # pattern starting with "!" is a negation: that path is not ignored.
            data = "\0".join(todo).encode("utf-8", "surrogateescape") + b"\0"
            out = run_git(self.root, *_CHECK_IGNORE, input=data, check=False)
            fields = out.decode("utf-8", "surrogateescape").split("\0")
            records = [fields[i : i + 4] for i in range(0, len(fields) - 3, 4)]
            if len(records) != len(todo):
                raise ContextError("git check-ignore failed; nothing was sent to be safe")
            for _source, _line, pattern, path in records:
                self._ignored[path] = bool(pattern) and not pattern.startswith("!")
        return {p for p in paths if self._ignored.get(p, False)}

    def listing(self, packet: ContextPacket | None = None) -> list[str]:
        """Tracked and untracked-but-not-ignored files (everything walked outside git)."""
        if self.git:

            def ls(*args: str) -> list[str]:
                out = run_git(self.root, "ls-files", "-z", *args)
                return [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]

            files = list(dict.fromkeys(ls("--cached") + ls("--others", "--exclude-standard")))
            if packet is not None:
                for path in ls("--others", "--ignored", "--exclude-standard", "--directory"):
                    packet.exclude(path, "matched by .gitignore")
            return sorted(files)
        files = []
        for top, dirs, names in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
            rel = Path(top).relative_to(self.root).as_posix()
            files += [n if rel == "." else f"{rel}/{n}" for n in names]
            if len(files) > MAX_WALK:
                if packet is not None:
                    packet.notes.append(f"stopped listing files after {MAX_WALK}")
                break
        return sorted(files[:MAX_WALK])

    def check(self, rel: str) -> tuple[str, Path | None, str]:
        """(normalised path, absolute path, reason it may not be sent or "")."""
        try:
            full = resolve_in_root(self.root, rel)
        except UnsafePathError as exc:
            return rel, None, f"unsafe path: {exc.message}"
        norm = full.relative_to(self.root).as_posix()
        real = full.resolve()
        target = real.relative_to(self.root).as_posix() if real.is_relative_to(self.root) else norm
        secret = secret_file(self.root, norm)
        if secret:
            return norm, None, secret
        if self.ignored({norm, target}):
            return norm, None, "matched by .gitignore"
        if not full.exists():
            return norm, None, "not found"
        if not full.is_file():
            return norm, None, "not a regular file"
        return norm, full, ""

    def read(self, rel: str, *, whole: bool = True) -> tuple[str, str | None, str]:
        """(path, text or None, reason it may not be sent or "").

        ``whole=False`` only sniffs the start (text is then None even when fine).
        """
        norm, full, reason = self.check(rel)
        if full is None:
            return norm, None, reason
        size = full.stat().st_size
        if whole and size > MAX_FILE_BYTES:
            return norm, None, f"too large ({size} bytes; the limit is {MAX_FILE_BYTES})"
        with full.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES if whole else 8000)
        if is_binary(data):
            return norm, None, "binary file"
        try:  # a sniffed prefix may end inside a character: not final
            text = codecs.getincrementaldecoder("utf-8")().decode(data, final=whole)
        except UnicodeDecodeError:
            return norm, None, "not valid UTF-8"
        secret = secret_text(text)
        if secret:
            return norm, None, secret
        return norm, text if whole else None, ""


def build_context(
    root: Path,
    level: int,
    *,
    path: str | None = None,
    cursor_line: int | None = None,
    selection: tuple[int, int] | None = None,
    around: int = 20,
    extra_files: Sequence[str] = (),
) -> ContextPacket:
    """What to send at ``level``, and what the model may change (see the module doc)."""
    if level not in range(5):
        raise ValueError(f"autonomy level must be 0–4, not {level}")
    packet = ContextPacket(level, root=root.resolve())
    if level == 0:
        packet.notes.append("level 0 (off): nothing is sent and the model may change nothing")
        return packet
    tree = _Tree(root)
    if not tree.git:
        packet.notes.append(
            "not a git repository: .gitignore is not applied; only the secret "
            "deny-list and the binary check filter files (the repo map skips "
            f"hidden folders and {', '.join(sorted(SKIP_DIRS))})"
        )
    if extra_files and level != 4:
        packet.notes.append(f"files asked for are sent at level 4 only: {', '.join(extra_files)}")
    if level == 4:
        _repo(tree, packet, [*([path] if path else []), *extra_files])
        return packet
    if path is None:
        raise ContextError(f"level {level} ({LEVEL_NAMES[level]}) needs a current file")
    norm, text, reason = tree.read(path)
    if text is None:
        packet.exclude(norm, reason)
        packet.notes.append(f"{norm} cannot be sent ({reason}); the model may change nothing")
        return packet
    lines = split_lines(text)
    if level == 3:
        packet.parts.append(ContextPart(norm, "file", 1, len(lines), text))
        packet.allowed_paths.add(norm)
        found = imports(norm, text, set(tree.listing()))
        if len(found) > MAX_IMPORTS:
            packet.notes.append(f"{len(found) - MAX_IMPORTS} more imported files not outlined")
        for rel in found[:MAX_IMPORTS]:
            _add(tree, packet, rel, "outline", EXTRA_BUDGET)
        return packet
    first, last = _target(len(lines), cursor_line, selection)
    packet.allowed_paths.add(norm)
    packet.allowed_ranges[norm] = (first, last)
    selected = ContextPart(norm, "selection", first, last, "".join(lines[first - 1 : last]))
    items = outline(norm, text) if level == 2 else []
    spanning = [i for i in items if i.line <= first and last <= i.end_line]
    definition = max(spanning, key=lambda i: (i.line, -i.end_line)) if spanning else None
    if definition is None:
        lo, hi = max(1, first - around), max(1, min(len(lines), last + around))
        packet.parts.append(ContextPart(norm, "lines", lo, hi, "".join(lines[lo - 1 : hi])))
    elif (definition.line, definition.end_line) != (first, last):
        lo, hi = definition.line, definition.end_line
        if hi - lo + 1 > DEF_MAX_LINES:
            lo, hi = max(lo, first - DEF_MAX_LINES // 2), min(hi, last + DEF_MAX_LINES // 2)
            packet.notes.append(f"{definition.name} is long: sent lines {lo}–{hi} of it")
        packet.parts.append(ContextPart(norm, "definition", lo, hi, "".join(lines[lo - 1 : hi])))
    packet.parts.append(selected)
    if level == 2:
        packet.parts.insert(
            0,
            ContextPart(
                norm, "outline", 1, len(lines), format_outline(items) or "(no definitions found)"
            ),
        )
    return packet


def _target(count: int, cursor: int | None, selection: tuple[int, int] | None) -> tuple[int, int]:
    if selection is not None:
        a, b = sorted(selection)
    elif cursor is not None:
        a = b = cursor
    else:
        raise ContextError("this level needs a cursor line or a selection")
    top = max(count, 1)
    return min(max(a, 1), top), min(max(b, 1), top)


def _add(tree: _Tree, packet: ContextPacket, rel: str, kind: str, budget: int) -> int:
    """Send ``rel`` whole or as an outline, or say why not; the budget left."""
    norm, text, reason = tree.read(rel)
    if text is not None and kind == "file" and len(text) > budget:
        text, reason = None, f"over the context budget of {EXTRA_BUDGET} chars"
    if text is None:
        packet.exclude(norm, reason)
        return budget
    body = text if kind == "file" else format_outline(outline(norm, text)) or "(no definitions)"
    packet.parts.append(ContextPart(norm, kind, 1, len(split_lines(text)), body))
    return budget - len(text) if kind == "file" else budget


def _repo(tree: _Tree, packet: ContextPacket, wanted: list[str]) -> None:
    files = tree.listing(packet)
    tree.ignored(files)  # one git call for all of them
    # Every path first; outlines, in order, with what is left of the budget.
    outline_budget = MAP_BUDGET - sum(len(f) + 1 for f in files)
    entries: list[str] = []
    used = outlined = omitted = unlisted = 0
    for rel in files:
        listed = used + len(rel) + 1 <= MAP_BUDGET
        if listed:
            whole = outline_budget > 0 and outlined < MAP_OUTLINE_FILES
            norm, text, reason = tree.read(rel, whole=whole)
            if reason.startswith("too large"):
                norm, text, reason = tree.read(rel, whole=False)
        else:  # beyond the map nothing is read, only the name checks
            norm, _full, reason = tree.check(rel)
            text = None
        if reason:
            packet.exclude(norm, reason)
            continue
        packet.allowed_paths.add(norm)
        if not listed:
            unlisted += 1
            continue
        entry = norm + "\n"
        items = format_outline(outline(norm, text)) if text is not None else ""
        indented = "".join(f"  {line}\n" for line in items.splitlines())
        if items and len(indented) <= outline_budget:
            entry += indented
            outline_budget -= len(indented)
            outlined += 1
        elif items or text is None:
            outline_budget = 0  # keep the outlined files a prefix of the map
            omitted += 1
        entries.append(entry)
        used += len(entry)
    packet.parts.append(ContextPart("", "repo-map", 0, 0, "".join(entries)))
    if omitted or unlisted:
        packet.notes.append(
            f"repo map capped at {MAP_BUDGET} chars: outlines left out for "
            f"{omitted} files, {unlisted} files not listed (they may still be "
            "asked for and changed)"
        )
    budget = EXTRA_BUDGET
    for rel in dict.fromkeys(wanted):
        budget = _add(tree, packet, rel, "file", budget)


class ModelRules:
    """What a model may read and edit in one repository, with git's answers
    (is this a repository, is this path ignored) asked once and kept: a
    generation asks for every edit, and each question was a git process."""

    def __init__(self, root: Path) -> None:
        self._tree = _Tree(root)

    def may_read(self, rel: str) -> tuple[str | None, str]:
        """(text, "") when a model may be shown ``rel`` (a view request), else
        (None, reason): the same rules as the context packager (secrets, also
        through symlinks, .gitignore, binaries, private keys, size)."""
        _norm, text, reason = self._tree.read(rel)
        return text, reason

    def may_list(self, rel: str) -> tuple[list[str] | None, str]:
        """(entries, "") for a view of the folder ``rel`` ("" or "." is the
        root): what the context packager may send from it, files and folders
        two levels deep, hidden ones (a component starting with ".") and
        secret files left out; else (None, reason)."""
        folder = rel.strip("/").removeprefix("./").strip("/")
        folder = "" if folder == "." else folder
        if folder:
            norm, _full, reason = self._tree.check(folder)
            if reason != "not a regular file":  # a folder: check() wants files
                return None, reason or "not a directory"
            folder = norm
        prefix = f"{folder}/" if folder else ""
        entries: set[str] = set()
        for path in self._tree.listing():
            if not path.startswith(prefix):
                continue
            parts = path[len(prefix) :].split("/")
            if any(p.startswith(".") for p in parts) or secret_file(self._tree.root, path):
                continue
            for depth in range(1, min(len(parts), 2) + 1):
                leaf = depth == len(parts)
                entries.add(prefix + "/".join(parts[:depth]) + ("" if leaf else "/"))
        return sorted(entries), ""

    def may_edit(self, rel: str, level: int = 4) -> str:
        """Why a model may not edit ``rel`` ("" when it may): what it may not be
        shown it may not change either, and below level 4 it may not change a
        file that controls a tool (``app.core.controls``). A file that does not
        exist yet may be created, but not (outside git) in a folder the repo
        map never walks."""
        what = controls(rel)
        if what and level < 4:
            return f"it controls {what}; only at level 4 (repo) may a model change it"
        tree = self._tree
        norm, full, reason = tree.check(rel)
        if reason == "not found":
            folders = norm.split("/")[:-1]
            if not tree.git and any(p.startswith(".") or p in SKIP_DIRS for p in folders):
                return "a new file in a hidden or build folder (outside git these are never shown)"
            return ""
        if full is None:
            return reason
        _norm, _text, reason = tree.read(rel)
        return reason


def model_may_read(root: Path, rel: str) -> tuple[str | None, str]:
    """``ModelRules(root).may_read(rel)``, for one question."""
    return ModelRules(root).may_read(rel)


def model_may_edit(root: Path, rel: str) -> str:
    """``ModelRules(root).may_edit(rel)``, for one question."""
    return ModelRules(root).may_edit(rel)
