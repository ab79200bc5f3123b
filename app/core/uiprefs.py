"""The panels a user chose (shown or hidden, how wide), kept across runs.

Per user, never in a repository: ``$XDG_STATE_HOME/tether/ui.json``
(default ``~/.local/state/tether/ui.json``), written atomically. It is a
convenience, so a missing, unreadable or corrupt file (or a value out of
range) is ignored with a note naming it, and a write that fails says so:
neither ever stops the review.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from app.core.atomic import atomic_write
from app.core.errors import TetherError
from app.core.locations import user_state_dir

FILES_WIDTH = 34  # the file list's default width, border included
CONTEXT_WIDTH = 58  # the loop's context panel
WIDTHS = range(12, 1000)  # what a stored width may be (room.MIN_PANEL up)
NAME = "ui.json"


def prefs_path() -> Path:
    return user_state_dir() / NAME


@dataclass(frozen=True, slots=True)
class RoomPrefs:
    """The side panels as the user left them. ``context_shown`` None: never
    chosen (the loop shows the panel when it has something to show)."""

    files_shown: bool = True
    files_width: int = FILES_WIDTH
    context_shown: bool | None = None
    context_width: int = CONTEXT_WIDTH


def load_prefs() -> tuple[RoomPrefs, str]:
    """The stored choices and a note ("" when all is well) on what was ignored."""
    path = prefs_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return RoomPrefs(), ""
    except OSError as exc:
        return RoomPrefs(), f"panel sizes not restored: {path}: {exc.strerror or exc}"
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return RoomPrefs(), f"panel sizes not restored: {path} is not JSON (ignored)"
    if not isinstance(data, dict):
        return RoomPrefs(), f"panel sizes not restored: {path} is not a JSON object (ignored)"
    prefs, bad = RoomPrefs(), []
    for spec in fields(RoomPrefs):
        if spec.name not in data:
            continue
        value = data[spec.name]
        if spec.name.endswith("_width"):
            ok = isinstance(value, int) and not isinstance(value, bool) and value in WIDTHS
        elif spec.name == "context_shown":
            ok = value is None or isinstance(value, bool)
        else:
            ok = isinstance(value, bool)
        if ok:
            prefs = replace(prefs, **{spec.name: value})
        else:
            bad.append(spec.name)
    note = f"{path}: ignored {', '.join(bad)} (not a valid value)" if bad else ""
    return prefs, note


def save_prefs(prefs: RoomPrefs) -> str:
    """Store ``prefs``; "" when written, else a note on why not (nothing else changed)."""
    folder = user_state_dir()
    data = (json.dumps(asdict(prefs), indent=1, sort_keys=True) + "\n").encode("ascii")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        atomic_write(folder, NAME, data, mode=0o600)
    except (OSError, TetherError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"panel sizes not saved: {folder / NAME}: {why}"
    return ""
