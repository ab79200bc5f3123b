"""git's binary patches (``git diff --binary``): read, and applied byte for byte.

As git's documentation of the format (gitformat-diff, "binary patch") and its
``apply.c`` define it: after ``GIT binary patch`` come two hunks, forward then
reverse, each ``literal N`` (the whole new content) or ``delta N`` (a delta
against the old content), N the inflated size. Each data line starts with
its length (``A``-``Z`` 1-26 bytes, ``a``-``z`` 27-52) followed by git's base85
of those bytes padded to a multiple of 4; a blank line ends the hunk. The
bytes are a zlib stream. A delta is two varints (source and result sizes)
then opcodes: high bit set copies from the source (offset and size bytes
chosen by the low bits, size 0 meaning 0x10000); 1-127 inserts that many
literal bytes; 0 is reserved.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass

from app.core.errors import ApplyError, PatchParseError

MARKER = "GIT binary patch"


@dataclass(frozen=True, slots=True)
class BinaryHunk:
    kind: str  # "literal" or "delta"
    size: int  # the inflated size the header states
    data: bytes  # inflated


@dataclass(frozen=True, slots=True)
class BinaryPatch:
    forward: BinaryHunk
    reverse: BinaryHunk | None


def _line_length(ch: str) -> int:
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 1
    if "a" <= ch <= "z":
        return ord(ch) - ord("a") + 27
    return 0


def _read_hunk(lines: list[str], i: int, source: str) -> tuple[BinaryHunk, int]:
    """The hunk whose header is ``lines[i]``; returns it and the index after it."""
    header = lines[i].rstrip("\r\n")
    kind, _, size_text = header.partition(" ")
    if kind not in ("literal", "delta") or not size_text.isdigit():
        problem = f"expected 'literal N' or 'delta N' in a binary patch, found {header!r}"
        raise PatchParseError(problem, path=source, line=i + 1)
    raw = bytearray()
    header_no = i + 1  # errors of the whole hunk name its header line
    i += 1
    while i < len(lines) and lines[i].rstrip("\r\n"):
        line = lines[i].rstrip("\r\n")
        length = _line_length(line[0])
        body = line[1:]
        if not length or len(body) % 5 or len(body) // 5 * 4 < length or len(body) > 70:
            raise PatchParseError(f"corrupt binary patch line {line!r}", path=source, line=i + 1)
        try:
            decoded = base64.b85decode(body)
        except ValueError:
            raise PatchParseError(
                f"corrupt binary patch line {line!r} (not base85)", path=source, line=i + 1
            ) from None
        raw += decoded[:length]
        i += 1
    try:
        data = zlib.decompress(bytes(raw))
    except zlib.error:
        raise PatchParseError(
            f"corrupt binary patch ({header!r}: its data does not inflate)",
            path=source,
            line=header_no,
        ) from None
    if len(data) != int(size_text):
        problem = f"corrupt binary patch ({header!r} inflates to {len(data)} bytes)"
        raise PatchParseError(problem, path=source, line=header_no)
    return BinaryHunk(kind, int(size_text), data), i + 1 if i < len(lines) else i


def parse_binary(lines: list[str], marker: int, source: str) -> BinaryPatch:
    """The binary patch whose ``GIT binary patch`` line is ``lines[marker]``."""
    forward, i = _read_hunk(lines, marker + 1, source)
    reverse = None
    if i < len(lines) and lines[i].startswith(("literal ", "delta ")):
        reverse, _ = _read_hunk(lines, i, source)
    return BinaryPatch(forward, reverse)


def _encode_hunk(hunk: BinaryHunk) -> str:
    packed = zlib.compress(hunk.data)
    out = [f"{hunk.kind} {hunk.size}\n"]
    for at in range(0, len(packed), 52):
        chunk = packed[at : at + 52]
        letter = (
            chr(ord("A") + len(chunk) - 1) if len(chunk) <= 26 else chr(ord("a") + len(chunk) - 27)
        )
        out.append(letter + base64.b85encode(chunk, pad=True).decode("ascii") + "\n")
    return "".join(out) + "\n"


def render_binary(patch: BinaryPatch) -> str:
    """The patch as git writes it, from ``GIT binary patch`` on."""
    hunks = [patch.forward] + ([patch.reverse] if patch.reverse else [])
    return MARKER + "\n" + "".join(_encode_hunk(h) for h in hunks)


def _varint(delta: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(delta):
            raise ValueError("truncated size")
        byte = delta[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def apply_delta(source: bytes, delta: bytes) -> bytes:
    """git's delta (``patch-delta.c``) applied to ``source``; ValueError if it does not fit."""
    size, i = _varint(delta, 0)
    if size != len(source):
        raise ValueError(f"the delta is for {size} bytes, the file has {len(source)}")
    result_size, i = _varint(delta, i)
    out = bytearray()
    while i < len(delta):
        cmd = delta[i]
        i += 1
        if cmd & 0x80:
            offset = length = 0
            for bit in range(4):
                if cmd & (1 << bit):
                    offset |= delta[i] << (8 * bit)
                    i += 1
            for bit in range(3):
                if cmd & (0x10 << bit):
                    length |= delta[i] << (8 * bit)
                    i += 1
            length = length or 0x10000
            if offset + length > len(source):
                raise ValueError("a copy reaches past the end of the file")
            out += source[offset : offset + length]
        elif cmd:
            if i + cmd > len(delta):
                raise ValueError("truncated literal")
            out += delta[i : i + cmd]
            i += cmd
        else:
            raise ValueError("reserved opcode 0")
    if len(out) != result_size:
        raise ValueError(f"the delta makes {len(out)} bytes, not the {result_size} it states")
    return bytes(out)


def apply_binary(old: bytes, patch: BinaryPatch, *, path: str) -> bytes:
    """The new content: the forward hunk applied to ``old``."""
    hunk = patch.forward
    if hunk.kind == "literal":
        return hunk.data
    try:
        return apply_delta(old, hunk.data)
    except (ValueError, IndexError) as exc:
        raise ApplyError(f"the binary delta does not apply ({exc})", path=path) from None
