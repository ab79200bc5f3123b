"""Unified and git diffs: parse them into the model and render them back.

Parsing leans on ``unidiff`` for the hunk grammar and adds what it lacks:
exact line terminators (lines are split on ``\\n`` only, so ``\\r\\n`` and a
lone ``\\r`` survive), git extended headers (modes, renames, copies,
similarity, binary stubs), C-quoted names, and errors that say where the
input is wrong. Rendering writes git-style text that ``git apply`` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError
from unidiff.patch import Hunk as UHunk
from unidiff.patch import PatchedFile

from app.core.binpatch import MARKER, parse_binary, render_binary
from app.core.bulk import collector_paused
from app.core.errors import PatchParseError
from app.core.model import ADDED, CONTEXT, REMOVED, DiffLine, FilePatch, FileStatus, Hunk, Patch
from app.core.text import split_lines

BINARY_NOTE = "binary file; listed, not diffed"
_DEV_NULL = "/dev/null"
_HUNK_RE = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
_LOOSE_HUNK_RE = re.compile(r"^@@+ ?-\d")
# A one-letter first component is a diff prefix (a/ b/, or git's mnemonic i/ w/ c/ o/).
_PREFIX_RE = re.compile(r"^[abciow12]/")
# Plain `diff -u` may separate the timestamp with spaces instead of a tab;
# the zone is +hhmm or, as git also reads, +hh:mm.
_TIMESTAMP_RE = re.compile(
    r"[ \t]+\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?: ?[+-]\d\d:?\d\d)?$"
)
_MODE_RE = re.compile(r"^[0-7]+$")
_SVN_SUFFIX_RE = re.compile(r"\s*\((?:revision \d+|working copy|nonexistent)\)$")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_QUOTE_BYTES = {v: k for k, v in _ESCAPES.items()}
_PROBLEMS = {  # unidiff's error messages, said in terms of the input
    "Unexpected hunk found": "hunk header without a '---'/'+++' file header before it",
    "Target without source": "'+++' line without a matching '---' line before it",
    "Unexpected marker": "'\\ No newline at end of file' outside a hunk",
    "Unexpected binary patch": "'GIT binary patch' outside a 'diff --git' header",
}
# Formats we recognise only to refuse them with a useful message.
_OTHER_FORMATS = [
    (re.compile(r"^(\*{15}|\*\*\* \d+(,\d+)? \*\*\*\*)"), "a context diff (diff -c)"),
    (re.compile(r"^\d+(,\d+)?[acd]\d+(,\d+)?$"), "a normal diff (diff without -u)"),
    (re.compile(r"^\d+(,\d+)?[acdi]$"), "an ed script (diff -e)"),
    (re.compile(r"^[ad]\d+ \d+$"), "an RCS diff (diff -n)"),
]


def _chomp(line: str) -> str:
    return line.rstrip("\n").removesuffix("\r")


# --- reading ---------------------------------------------------------------


class _Feed:
    """Hands lines to unidiff and remembers how far it got, because unidiff's
    errors carry no line numbers."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.n = 0  # 1-based number of the last line handed out
        self.hunk_at = 0  # line number of the last hunk header handed out

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.n >= len(self.lines):
            raise StopIteration
        line = self.lines[self.n]
        self.n += 1
        if _HUNK_RE.match(line):
            self.hunk_at = self.n
        return line


def _decode(data: str | bytes, source: str) -> str:
    try:
        return data if isinstance(data, str) else data.decode("utf-8")
    except UnicodeDecodeError as exc:
        assert isinstance(data, bytes)
        bad, line = data[exc.start : exc.start + 1], data.count(b"\n", 0, exc.start) + 1
        raise PatchParseError(
            f"not valid UTF-8 at byte offset {exc.start} ({bad!r})", path=source, line=line
        ) from None


def parse_patch(data: str | bytes, source: str = "<patch>") -> Patch:
    """Parse a unified or git diff; raise PatchParseError saying where it is wrong."""
    text = _decode(data, source).removeprefix("\ufeff")
    lines = split_lines(text)
    if lines and not lines[-1].endswith("\n"):
        # A patch whose last line lost its newline (common in pasted or model
        # output) is read as if it had one; "\ No newline" says otherwise.
        lines[-1] += "\n"
    feed = _Feed(lines)
    # Millions of small objects, no cycles: see app.core.bulk.
    with collector_paused():
        try:
            patchset = PatchSet(feed)
        except UnidiffParseError as exc:
            raise _explain(str(exc), feed, source) from None
        except Exception as exc:  # unidiff internals; never let a traceback out
            raise PatchParseError(f"unreadable patch ({exc})", path=source, line=feed.n) from None
        if not patchset:
            raise _not_a_diff(lines, source)
        files = [
            _epoch_dates_mean_create_or_delete(pf, _convert_file(pf, lines, source))
            for pf in patchset
        ]
    _check_stray_headers(lines, patchset, source)
    return Patch(files)


def _explain(message: str, feed: _Feed, source: str) -> PatchParseError:
    """Turn a unidiff error into one that names the line and the problem."""
    n = feed.n
    line = _chomp(feed.lines[n - 1]) if 0 < n <= len(feed.lines) else ""
    header = _HUNK_RE.match(feed.lines[feed.hunk_at - 1]) if feed.hunk_at else None
    hunk = f"{header.group(0) if header else 'hunk'} at line {feed.hunk_at}"
    problem = next((text for key, text in _PROBLEMS.items() if message.startswith(key)), "")
    if message.startswith("Hunk is longer"):
        problem = f"hunk is longer than its header says ({hunk})"
    elif message.startswith("Hunk is shorter"):
        problem = f"hunk is shorter than its header says ({hunk}): the patch ends at line {n}"
        n = feed.hunk_at or n
    elif message.startswith("Hunk diff line expected"):
        problem = (
            f"hunk is shorter than its header says ({hunk}), or this line is missing its "
            f"' ', '+' or '-' prefix: {line!r}"
        )
    elif (
        message.startswith("Target without source")
        and feed.lines[n - 2 : n - 1]
        and (feed.lines[n - 2].startswith("--- "))
    ):
        problem = "'+++' line names another file than its 'diff --git' line"
    elif message.startswith(("Unexpected new file", "Unexpected deleted file")):
        problem = f"{line!r} outside a 'diff --git' header"
    return PatchParseError(problem or message[:1].lower() + message[1:], path=source, line=n)


def _check_stray_headers(lines: list[str], patchset: PatchSet, source: str) -> None:
    """unidiff files a hunk header it cannot read (say ``@@ -1 +1 @``) as junk
    and drops the hunk; refuse instead of losing it silently."""
    used = {uh[0].diff_line_no - 1 for pf in patchset for uh in pf if uh and uh[0].diff_line_no}
    for number, line in enumerate(lines, 1):
        if line.startswith("@@") and _LOOSE_HUNK_RE.match(line) and number not in used:
            problem = f"malformed hunk header {_chomp(line)!r} (expected '@@ -a,b +c,d @@')"
            raise PatchParseError(problem, path=source, line=number)


def _not_a_diff(lines: list[str], source: str) -> PatchParseError:
    for number, line in enumerate(lines, 1):
        kind = next((kind for pattern, kind in _OTHER_FORMATS if pattern.match(_chomp(line))), "")
        if kind:
            problem = (
                f"this looks like {kind}; only unified diffs (diff -u, git diff) are supported"
            )
            return PatchParseError(problem, path=source, line=number)
    problem = "no file changes found (no '---'/'+++' or 'diff --git' headers)"
    return PatchParseError(problem, path=source, line=1)


# --- names -------------------------------------------------------------------


def _unquote(text: str) -> tuple[str, int]:
    """Decode a C-quoted name starting at text[0] == '"'; return it and the
    index after the closing quote. Unterminated quotes are taken literally."""
    out = bytearray()
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return out.decode("utf-8", "surrogateescape"), i + 1
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if re.match(r"[0-3][0-7]{2}", text[i + 1 : i + 4]):
                out.append(int(text[i + 1 : i + 4], 8))
                i += 4
                continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return text, len(text)


def _parse_name(text: str, *, plain: bool = False) -> str | None:
    """A file name as written after ``---``, ``+++`` or ``rename from``."""
    text = _chomp(text)
    if text.startswith('"'):
        name = _unquote(text)[0]
    elif plain:
        name = text
    else:
        name = text.split("\t", 1)[0]
        name = _SVN_SUFFIX_RE.sub("", _TIMESTAMP_RE.sub("", name))
    return None if name == _DEV_NULL else name


def _split_git_header(line: str) -> tuple[str, str]:
    """The two names of ``diff --git A B``; unquoted names may contain
    spaces, so pick the split where both sides name the same file."""
    rest = _chomp(line)[len("diff --git ") :]
    if rest.startswith('"'):
        old, end = _unquote(rest)
        tail = rest[end:].lstrip(" ")
        return old, (_unquote(tail)[0] if tail.startswith('"') else tail)
    if ' "' in rest:
        old, tail = rest.split(' "', 1)
        return old, _unquote('"' + tail)[0]
    for i, ch in enumerate(rest):
        if ch == " ":
            old, new = rest[:i], rest[i + 1 :]
            if old.partition("/")[2] == new.partition("/")[2]:
                return old, new
    # The names differ (a rename, whose "rename from/to" lines will say more).
    cut = rest.find(" b/") if rest.startswith("a/") else -1
    cut = cut if cut > 0 else rest.find(" ")
    return (rest[:cut], rest[cut + 1 :]) if cut > 0 else (rest, rest)


def _strip_prefixes(old: str | None, new: str | None) -> tuple[str | None, str | None]:
    """Drop ``a/``/``b/`` style prefixes when the names carry a pair of them."""
    old_prefix = _PREFIX_RE.match(old) if old else None
    new_prefix = _PREFIX_RE.match(new) if new else None
    if old is not None and new is not None:
        if not (old_prefix and new_prefix and old_prefix.group() != new_prefix.group()):
            return old, new
    elif (old_prefix and old_prefix.group() != "a/") or (new_prefix and new_prefix.group() != "b/"):
        return old, new
    return (old[2:] if old and old_prefix else old), (new[2:] if new and new_prefix else new)


# --- files -------------------------------------------------------------------


@dataclass(slots=True)
class _GitHeader:
    old_mode: str | None = None
    new_mode: str | None = None
    similarity: int | None = None
    created: bool = False
    deleted: bool = False
    binary: bool = False
    move: str = ""  # "rename" or "copy"
    move_from: str | None = None
    move_to: str | None = None
    minus: str | None = None  # the text after "--- ", if present
    plus: str | None = None
    index: tuple[str, str] | None = None  # the blob ids of "index a..b"
    binary_at: int = -1  # the index of the "GIT binary patch" line, if any
    index_mode: str | None = None  # the mode after "index a..b", unchanged


def _mode(line: str, number: int, source: str) -> str:
    """The octal mode ending a mode line; git refuses anything else."""
    mode = line.rsplit(" ", 1)[1]
    if not _MODE_RE.match(mode):
        problem = f"invalid mode {mode!r} in {line!r} (expected octal digits, as 100644)"
        raise PatchParseError(problem, path=source, line=number)
    return mode


def _scan_git_header(lines: list[str], start: int, source: str) -> _GitHeader:
    """Read git's extended header lines that follow ``diff --git`` at index start."""
    hdr = _GitHeader()
    for number, raw in enumerate(lines[start + 1 :], start + 2):
        line = _chomp(raw)
        key, _, value = line.partition(" ")
        if line.startswith(("old mode ", "new mode ")):
            setattr(hdr, f"{key}_mode", _mode(line, number, source))
        elif line.startswith("deleted file mode "):
            hdr.deleted, hdr.old_mode = True, _mode(line, number, source)
        elif line.startswith("new file mode "):
            hdr.created, hdr.new_mode = True, _mode(line, number, source)
        elif line.startswith("similarity index "):
            digits = line.rsplit(" ", 1)[1].rstrip("%")
            hdr.similarity = int(digits) if digits.isdigit() else None
        elif line.startswith(("rename from ", "copy from ")):
            hdr.move, hdr.move_from = key, _parse_name(line.split(" ", 2)[2], plain=True)
        elif line.startswith(("rename to ", "copy to ")):
            hdr.move, hdr.move_to = key, _parse_name(line.split(" ", 2)[2], plain=True)
        elif line.startswith("index ") and ".." in value:
            ids, _, mode = value.partition(" ")
            old_id, _, new_id = ids.partition("..")
            hdr.index = (old_id, new_id)
            if _MODE_RE.match(mode):  # a mode both sides share is said here
                hdr.index_mode = mode
        elif line.startswith("dissimilarity index "):
            continue
        elif line.startswith("--- "):
            hdr.minus = value
        elif line.startswith("+++ "):
            hdr.plus = value
            break
        elif line.startswith(("Binary files ", MARKER)):
            hdr.binary = True
            hdr.binary_at = number - 1 if line == MARKER else -1
            break
        else:
            break
    return hdr


def _convert_file(pf: PatchedFile, lines: list[str], source: str) -> FilePatch:
    start = (pf.diff_line_no or 1) - 1
    fp = FilePatch(old_path=None, new_path=None)
    if lines[start].startswith("diff --git "):
        hdr = _scan_git_header(lines, start, source)
        names = _split_git_header(lines[start])
        old: str | None = _parse_name(names[0], plain=True)
        new: str | None = _parse_name(names[1], plain=True)
        # The "diff --git" line tells whether this diff uses a/ b/ prefixes.
        strip = _strip_prefixes(old, new) != (old, new)
        if hdr.minus is not None:
            old = _parse_name(hdr.minus)
        if hdr.plus is not None:
            new = _parse_name(hdr.plus)
        if strip:
            old, new = (_PREFIX_RE.sub("", n, count=1) if n else n for n in (old, new))
        old = hdr.move_from if hdr.move_from is not None else old
        new = hdr.move_to if hdr.move_to is not None else new
        old, new = (None if hdr.created else old), (None if hdr.deleted else new)
        fp.old_mode, fp.new_mode, fp.similarity = hdr.old_mode, hdr.new_mode, hdr.similarity
        fp.binary = hdr.binary or pf.is_binary_file
        fp.index = hdr.index
        if hdr.index_mode == "120000" or hdr.index_mode == "160000":
            # A link or submodule changed in place: its mode matters (a file's is left unsaid).
            fp.old_mode = fp.old_mode or hdr.index_mode
            fp.new_mode = fp.new_mode or hdr.index_mode
        if hdr.binary_at >= 0:
            fp.binary_patch = parse_binary(lines, hdr.binary_at, source)
        if hdr.move and not (hdr.created or hdr.deleted):
            fp.status = FileStatus.RENAMED if hdr.move == "rename" else FileStatus.COPIED
    else:
        old, new = _strip_prefixes(_parse_name(pf.source_file), _parse_name(pf.target_file))
        fp.binary = pf.is_binary_file
    if old is None and new is None:
        raise PatchParseError("both sides of the file are /dev/null", path=source, line=start + 1)
    fp.old_path, fp.new_path = old, new
    if old is None:
        fp.status, fp.old_mode = FileStatus.ADDED, None
    elif new is None:
        fp.status, fp.new_mode = FileStatus.DELETED, None
    if fp.binary:
        fp.note = "" if fp.binary_patch else BINARY_NOTE
    else:
        fp.hunks = [_convert_hunk(uh, lines, source) for uh in pf]
    fp.assign_ids()
    _check_changes_something(fp, lines, start, source)
    return fp


def _check_changes_something(fp: FilePatch, lines: list[str], start: int, source: str) -> None:
    """A file header followed by no hunk and no change of its own (creation,
    deletion, rename, copy, mode) is garbage, as git says; applying it would
    report success and do nothing."""
    whole_file = fp.status is not FileStatus.MODIFIED or fp.mode_changed
    if fp.hunks or fp.binary or whole_file:
        return
    problem = (
        f"the header of {fp.path} ({_chomp(lines[start])!r}) is followed by no hunk "
        "and no change of the file (only garbage)"
    )
    raise PatchParseError(problem, path=source, line=start + 1)


# --- hunks -------------------------------------------------------------------


def _convert_hunk(uh: UHunk, lines: list[str], source: str) -> Hunk:
    out: list[DiffLine] = []
    numbers: list[int] = []  # the input line of each DiffLine, for errors
    last = 0
    for ul in uh:
        if ul.line_type == "\\":
            if out and out[-1].raw.endswith("\n"):
                out[-1].raw = out[-1].raw[:-1]
            last = ul.diff_line_no or last
        elif ul.line_type in (CONTEXT, ADDED, REMOVED):
            out.append(DiffLine(ul.line_type, ul.value))
            numbers.append(ul.diff_line_no or 0)
            last = ul.diff_line_no or last
        # anything else is a blank separator unidiff attached after the hunk
    header_no = (numbers[0] - 1) if numbers else 0
    section = uh.section_header.removesuffix("\r")
    hunk = Hunk(uh.source_start, uh.source_length, uh.target_start, uh.target_length, out, section)
    hunk.recount()
    if not any(line.is_change for line in out):  # GNU patch and git reject these too
        problem = f"hunk changes nothing ({hunk.header()}): it has no '+' or '-' lines"
        raise PatchParseError(problem, path=source, line=header_no)
    for skip in (ADDED, REMOVED):  # each side may lack a newline only on its last line
        side = [(line, no) for line, no in zip(out, numbers, strict=True) if line.kind != skip]
        bad = next((no for line, no in side[:-1] if line.no_newline), None)
        if bad is not None:
            problem = "'\\ No newline at end of file' follows a line that is not the last"
            raise PatchParseError(
                f"{problem} of its side of the hunk ({hunk.header()} at line {header_no})",
                path=source,
                line=bad + 1,
            )
    _check_hunk_end(lines, last, f"{hunk.header()} at line {header_no}", source)
    return hunk


def _check_hunk_end(lines: list[str], last: int, hunk: str, source: str) -> None:
    """unidiff stops a hunk when its header's counts are met and files any
    further lines as junk; a hunk line right after it means the header lies."""
    i = last
    if i < len(lines) and lines[i].startswith("\\"):
        i += 1
    while i < len(lines) and lines[i] in ("\n", "\r\n"):
        i += 1
    if i >= len(lines) or lines[i][:1] not in (CONTEXT, ADDED, REMOVED):
        return
    line = _chomp(lines[i])
    if line.startswith(("--- ", "+++ ")) or line in ("--", "-- ", "---"):
        return  # the next file's header, or an email signature
    problem = f"hunk is longer than its header says ({hunk}): {line!r} continues it"
    raise PatchParseError(problem, path=source, line=i + 1)


# --- rendering ---------------------------------------------------------------


def _quote(name: str) -> str:
    """Quote a name the way git does when it has to (control characters,
    quotes, backslashes, undecodable bytes); spaces need no quoting."""
    data = name.encode("utf-8", "surrogateescape")
    plain = all(32 <= b < 127 or b >= 128 for b in data) and '"' not in name and "\\" not in name
    if plain and name == data.decode("utf-8", "replace"):
        return name
    body = "".join(
        f"\\{_QUOTE_BYTES[b]}" if b in _QUOTE_BYTES else chr(b) if 32 <= b < 127 else f"\\{b:03o}"
        for b in data
    )
    return f'"{body}"'


def _side(prefix: str, name: str | None) -> str:
    return _DEV_NULL if name is None else _quote(prefix + name)


def _file_line(marker: str, prefix: str, name: str | None) -> str:
    text = _side(prefix, name)
    # git ends an unquoted name containing a space with a tab, so that GNU
    # patch does not take the part after the space for a timestamp.
    tab = "\t" if " " in text and not text.startswith('"') else ""
    return f"{marker} {text}{tab}\n"


def _is_plain(fp: FilePatch) -> bool:
    """Without its mode line git reads "diff --git" as naming both sides, so
    an add or delete of unknown mode is written as a plain diff instead, if
    it has hunks to say so (an empty file needs the mode line, as 100644)."""
    if not (fp.hunks or fp.binary):
        return False
    if fp.status is FileStatus.ADDED:
        return not fp.new_mode
    return fp.status is FileStatus.DELETED and not fp.old_mode


def _render_file(fp: FilePatch, *, plain: bool) -> str:
    added, deleted = fp.status is FileStatus.ADDED, fp.status is FileStatus.DELETED
    out: list[str] = []
    if not plain:
        old_name, new_name = fp.old_path or fp.new_path, fp.new_path or fp.old_path
        out.append(f"diff --git {_side('a/', old_name)} {_side('b/', new_name)}\n")
    if added or deleted:
        mode = (fp.new_mode if added else fp.old_mode) or ("" if plain else "100644")
        out.append(f"{'new' if added else 'deleted'} file mode {mode}\n" if mode else "")
    else:
        out.append(f"old mode {fp.old_mode}\n" if fp.old_mode else "")
        out.append(f"new mode {fp.new_mode}\n" if fp.new_mode else "")
    if fp.similarity is not None:
        out.append(f"similarity index {fp.similarity}%\n")
    if fp.status in (FileStatus.RENAMED, FileStatus.COPIED):
        verb = "rename" if fp.status is FileStatus.RENAMED else "copy"
        out.append(f"{verb} from {_side('', fp.old_path)}\n{verb} to {_side('', fp.new_path)}\n")
    if fp.binary and fp.binary_patch is not None:
        index = "..".join(fp.index) if fp.index else "0000000..0000000"
        return "".join(out) + f"index {index}\n" + render_binary(fp.binary_patch)
    if fp.binary:
        # git reads a "Binary files" stub only after an index line; the
        # hashes are unknown, so the stub still cannot be applied.
        old, new = _side("a/", fp.old_path), _side("b/", fp.new_path)
        return "".join(out) + f"index 0000000..0000000\nBinary files {old} and {new} differ\n"
    if fp.hunks:
        out += [_file_line("---", "a/", fp.old_path), _file_line("+++", "b/", fp.new_path)]
    for hunk in fp.hunks:
        out.append(hunk.header() + "\n")
        for line in hunk.lines:
            out.append(line.kind + line.raw)
            if line.no_newline:
                out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def render_patch(patch: Patch | FilePatch) -> str:
    """Render a patch (or one file of it) as git-style unified diff text."""
    files = [patch] if isinstance(patch, FilePatch) else patch.files
    out: list[str] = []
    header_open = False
    for fp in files:
        # A git header with no hunks after it would swallow a following plain
        # diff's lines, so then that file gets a git header (and mode) too.
        plain = _is_plain(fp) and not header_open
        out.append(_render_file(fp, plain=plain))
        header_open = not plain and not fp.hunks and not fp.binary
    return "".join(out)


def _is_epoch(timestamp: str | None) -> bool:
    return bool(timestamp) and str(timestamp).lstrip().startswith(("1970-01-01", "1969-12-31"))


def _epoch_dates_mean_create_or_delete(pf: object, fp: FilePatch) -> FilePatch:
    """``diff -ruN`` writes a created or deleted file as a change against an
    empty file dated at the epoch; GNU patch reads that as a creation or a
    deletion, and so do we (the date is what tells it from a -U0 insertion)."""
    traditional = not any(
        str(line).startswith("diff --git ") for line in (getattr(pf, "patch_info", None) or [])
    )
    if traditional:
        _strip_tree_names(fp)  # plain `diff -r old new` only; git names are exact
        _name_choices(fp)
    if fp.status is not FileStatus.MODIFIED or not fp.hunks or fp.binary:
        return fp
    source_epoch = _is_epoch(getattr(pf, "source_timestamp", None))
    target_epoch = _is_epoch(getattr(pf, "target_timestamp", None))
    if source_epoch and all(h.old_start == 0 and h.old_len == 0 for h in fp.hunks):
        fp.status, fp.old_path = FileStatus.ADDED, None
        fp.assign_ids()
    elif target_epoch and all(h.new_start == 0 and h.new_len == 0 for h in fp.hunks):
        fp.status, fp.new_path = FileStatus.DELETED, None
        fp.assign_ids()
    else:
        # git leaves "is it new?" open for a traditional diff whose one hunk
        # starts from nothing, and decides by whether the file exists.
        fp.may_create = traditional and len(fp.hunks) == 1 and fp.hunks[0].old_len == 0
    return fp


def _name_choices(fp: FilePatch) -> None:
    """A traditional diff patches one file, whatever its two lines say: git
    takes the shorter name when the other only adds to it (``file`` for
    ``--- file.orig`` / ``+++ file``, ``--- file1`` / ``+++ file1+``), else the
    ``+++`` name; GNU patch takes the one that exists. Both are kept, git's
    first, for the apply to choose by what is on disk."""
    old, new = fp.old_path, fp.new_path
    if old is None or new is None or old == new:
        return
    first = old if new.startswith(old) else new
    fp.names = (first, old if first == new else new)


def _strip_tree_names(fp: FilePatch) -> None:
    """``diff -r old new`` names a file ``old/x`` and ``new/x``: two trees, so
    the first folder is not part of the path (what ``patch -p1`` assumes)."""
    if fp.old_path is None or fp.new_path is None:
        return
    old_head, _, old_rest = fp.old_path.partition("/")
    new_head, _, new_rest = fp.new_path.partition("/")
    if old_rest and old_rest == new_rest and old_head != new_head:
        fp.old_path = fp.new_path = old_rest
        fp.assign_ids()
