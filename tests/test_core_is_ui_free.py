"""The core must import without Textual or Rich (Harlequin's rule)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import app.core

CORE = Path(app.core.__file__).parent


def core_modules() -> list[str]:
    names = [f"app.core.{p.stem}" for p in sorted(CORE.glob("*.py")) if p.stem != "__init__"]
    for package in ("edits", "providers"):
        folder = CORE.parent / package
        if folder.is_dir():
            names += [
                f"app.{package}.{p.stem}"
                for p in sorted(folder.glob("*.py"))
                if p.stem != "__init__"
            ]
    return names


def test_core_imports_no_ui() -> None:
    modules = core_modules()
    assert "app.core.session" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core imported UI modules: {out.stdout.strip()}"


def test_headless_cli_imports_no_ui() -> None:
    code = "import sys, app.cli; print(','.join(m for m in sys.modules if m.startswith(('textual', 'rich'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
