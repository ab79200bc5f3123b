"""Splitting and joining text so that every byte survives a round trip.

Lines are split on ``\\n`` only and keep their terminator, so ``\\r\\n``,
a lone ``\\r`` and a missing newline at end of file all round-trip exactly.
"""

from __future__ import annotations

from app.core.errors import BinaryFileError

# Bytes in the first block that mark a file as binary, as git does (a NUL).
_SNIFF = 8000


def split_lines(text: str) -> list[str]:
    """Split ``text`` into lines that keep their ``\\n`` terminator."""
    if not text:
        return []
    lines = text.split("\n")
    last = lines.pop()
    out = [line + "\n" for line in lines]
    if last:
        out.append(last)
    return out


def join_lines(lines: list[str]) -> str:
    return "".join(lines)


def strip_eol(line: str) -> str:
    """The line's content without ``\\n`` or ``\\r\\n``, for display and matching."""
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def has_newline(line: str) -> bool:
    return line.endswith("\n")


def is_binary(data: bytes) -> bool:
    return b"\0" in data[:_SNIFF]


def decode_text(data: bytes, path: str) -> str:
    """Decode file bytes as UTF-8 text, or raise a clear error naming the file."""
    if is_binary(data):
        raise BinaryFileError("binary file (contains NUL bytes); listed, not diffed", path=path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BinaryFileError(
            f"not valid UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "listed, not diffed",
            path=path,
        ) from None


def dominant_eol(lines: list[str]) -> str:
    """The line ending most lines use, for lines Tether itself adds."""
    crlf = sum(1 for line in lines if line.endswith("\r\n"))
    lf = sum(1 for line in lines if line.endswith("\n")) - crlf
    return "\r\n" if crlf > lf else "\n"


# What a file's text may not send to the terminal: C0 controls and DEL are
# drawn as Unicode control pictures (one cell each, so columns stay), C1
# controls as U+FFFD, a tab as four spaces. Unfiltered, a line holding
# ``ESC ] 52`` writes the clipboard, ``ESC ] 0`` the window title, ``ESC [ 2 J``
# clears the screen.
_DISPLAY: dict[int, str | int] = {i: 0x2400 + i for i in range(0x20)}
_DISPLAY.update({0x7F: 0x2421, 0x09: "    "})
_DISPLAY.update({i: 0xFFFD for i in range(0x80, 0xA0)})


def displayable(text: str) -> str:
    """``text`` as it is safe to draw: control characters made visible."""
    return text.translate(_DISPLAY)
