"""git's binary patch format read and applied (app/core/binpatch.py), from
git's documentation of it: base85 lines led by their length, a zlib stream,
literal and delta hunks, the delta's copy and insert opcodes. Real git's
output is the oracle in tests/test_apply_whole.py; these are the edges."""

from __future__ import annotations

import pytest

from app.core.binpatch import BinaryHunk, BinaryPatch, apply_delta, parse_binary, render_binary
from app.core.errors import PatchParseError


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


DELTAS = {
    # source, opcodes, expected
    "insert-only": (b"abc", bytes([3]) + b"xyz", b"xyz"),
    "copy-all": (b"abcdef", bytes([0x80 | 0x10, 6]), b"abcdef"),
    "copy-with-offset": (b"abcdef", bytes([0x80 | 0x01 | 0x10, 2, 3]), b"cde"),
    "copy-then-insert": (b"hello", bytes([0x80 | 0x10, 5, 1]) + b"!", b"hello!"),
    # A copy of size 0 means 0x10000 bytes, as git defines it.
    "copy-size-zero-means-64k": (b"z" * 0x10000, bytes([0x80]), b"z" * 0x10000),
}


@pytest.mark.parametrize("name", sorted(DELTAS))
def test_delta_opcodes(name: str) -> None:
    source, ops, want = DELTAS[name]
    assert apply_delta(source, _varint(len(source)) + _varint(len(want)) + ops) == want


BAD_DELTAS = {
    "wrong-source-size": (b"abc", _varint(4) + _varint(1) + bytes([1]) + b"x", "is for 4 bytes"),
    "reserved-opcode": (b"abc", _varint(3) + _varint(1) + bytes([0]), "reserved"),
    "copy-past-end": (b"abc", _varint(3) + _varint(9) + bytes([0x90, 9]), "past the end"),
    "wrong-result-size": (b"abc", _varint(3) + _varint(9) + bytes([0x90, 3]), "not the 9"),
    "truncated-literal": (b"abc", _varint(3) + _varint(5) + bytes([5]) + b"ab", "truncated"),
}


@pytest.mark.parametrize("name", sorted(BAD_DELTAS))
def test_bad_deltas_are_refused(name: str) -> None:
    source, delta, why = BAD_DELTAS[name]
    with pytest.raises(ValueError, match=why):
        apply_delta(source, delta)


def test_render_then_parse_gives_the_same_bytes() -> None:
    data = bytes(range(256)) * 40  # several 52-byte lines, a short last one
    patch = BinaryPatch(BinaryHunk("literal", len(data), data), BinaryHunk("literal", 0, b""))
    lines = render_binary(patch).splitlines(keepends=True)
    assert parse_binary(lines, 0, "p") == patch


BAD_TEXT = {
    "not-literal-or-delta": ("GIT binary patch\nfoo 3\n", ":2:", "literal N"),
    "bad-length-letter": ("GIT binary patch\nliteral 3\n!cmZQb\n\n", ":3:", "corrupt"),
    "not-base85": ('GIT binary patch\nliteral 3\nKcmZQbOacG_Cji6"\n\n', ":3:", "base85"),
    "does-not-inflate": ("GIT binary patch\nliteral 3\nKcmZQzU|;|M00aO5\n\n", ":2:", "inflate"),
    "wrong-size": ("GIT binary patch\nliteral 4\nKcmZQbOacG_Cji6%\n\n", ":2:", "3 bytes"),
}


@pytest.mark.parametrize("name", sorted(BAD_TEXT))
def test_corrupt_binary_patches_name_the_line(name: str) -> None:
    text, where, why = BAD_TEXT[name]
    with pytest.raises(PatchParseError) as caught:
        parse_binary(text.splitlines(keepends=True), 0, "p")
    assert f"p{where}" in str(caught.value) and why in str(caught.value)
