"""The layers hold: nothing below the apps imports Textual or Rich (Harlequin's
rule), and core ← edits ← providers ← review ← loop ← themes ← widgets ← tui
← cli, as the import-linter contracts in pyproject.toml say."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import app

APP = Path(app.__file__).parent
ROOT = APP.parent
UI_FREE = ("core", "edits", "providers", "review", "loop")


def ui_free_modules() -> list[str]:
    names = []
    for package in UI_FREE:
        names += [f"app.{package}.{p.stem}" for p in sorted((APP / package).glob("*.py"))]
    return names


def test_below_the_apps_nothing_imports_ui() -> None:
    modules = ui_free_modules()
    assert {"app.review.service", "app.review.session", "app.loop.controller"} <= set(modules)
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"a UI-free layer imported UI modules: {out.stdout.strip()}"


def test_headless_cli_imports_no_ui() -> None:
    code = "import sys, app.cli; print(','.join(m for m in sys.modules if m.startswith(('textual', 'rich'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_help_imports_neither_the_review_nor_the_config() -> None:
    """`tether --help` spent 0.22 s importing the session and the config it never uses."""
    code = (
        "import sys\nfrom app import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('LOADED:' + ','.join(m for m in sys.modules"
        " if m.startswith(('app.review', 'app.core.config', 'app.core.session'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: tether" in out.stdout
    assert out.stdout.strip().splitlines()[-1] == "LOADED:"


def test_the_layer_contracts_hold() -> None:
    """import-linter checks every import, also those inside functions."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint is not None, "import-linter is not installed (pip install -e '.[test]')"
    out = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 kept, 0 broken" in out.stdout
