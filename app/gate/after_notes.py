"""What a partly accepted Gemini CLI edit tells the agent, after the tool ran.

Gemini CLI's ``BeforeTool`` answer can rewrite the tool's input but cannot
add context for the model; its ``AfterTool`` answer can
(``hookSpecificOutput.additionalContext``, appended to the tool's result).
So the gate keeps the words for each rejected hunk (and each "yes, and…"
note) when it answers ``BeforeTool``, and hands them over once, when the
``AfterTool`` hook of the same session, tool and file runs.

Kept in the state folder (``gate-notes/``, 0700, files 0600), redacted like
any free text, and taken (deleted) when read; notes older than a day are
dropped, so a tool that never ran leaves nothing behind for long.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

FOLDER = "gate-notes"
MAX_AGE = 24 * 3600.0


def _key(session: str, tool: str, path: str) -> str:
    return hashlib.sha256(f"{session}\0{tool}\0{path}".encode()).hexdigest()[:32]


def save_note(state_dir: Path, session: str, tool: str, path: str, text: str) -> None:
    # Imported here: only Gemini's calls keep notes, and every hook call pays imports.
    from app.core.atomic import atomic_write
    from app.core.secrets import redact

    folder = state_dir / FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    _drop_old(folder)
    data = redact(text).encode("utf-8")
    atomic_write(state_dir, f"{FOLDER}/{_key(session, tool, path)}.txt", data, mode=0o600)


def take_note(state_dir: Path, session: str, tool: str, path: str) -> str | None:
    """The note kept for this call, once (None when there is none)."""
    note = state_dir / FOLDER / f"{_key(session, tool, path)}.txt"
    try:
        text = note.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    with contextlib.suppress(FileNotFoundError):
        note.unlink()
    return text


def _drop_old(folder: Path) -> None:
    now = time.time()
    for old in folder.glob("*.txt"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > MAX_AGE:
                old.unlink()
