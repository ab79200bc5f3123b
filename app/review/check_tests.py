"""The opt-in ``tests`` check: the project's tests that import the changed
module, run on a temporary copy of the repository holding the proposed text.

Off unless ``[checks] tests = true`` (in the user's config, or a trusted
``.tether.toml``: it runs the repository's own code). Which tests: the
tracked test files (``risks.is_test_file``) whose text imports the module
(``import pkg.mod``, ``from pkg.mod import …``, ``from pkg import mod``, or
``import mod`` / ``from mod import`` for a top-level module). The copy holds
the tracked files (read from the working tree, secret files left out) with
the proposed text over the file; pytest runs there, so neither the working
tree nor ``.git`` is written. A failing test is a finding for the whole
file; as for every check, only tests that pass on the accepted text count.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path, PurePosixPath

from app.core.secrets import is_secret_path
from app.review.checks import CheckResult, CheckSpec, Finding, communicate
from app.review.risks import is_test_file

TESTS = CheckSpec("tests", "*.py", (), kind="tests")
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)")


def module_names(path: str) -> tuple[str, str]:
    """``pkg/mod.py`` -> (``pkg.mod``, ``mod``); ``src/`` is not a package."""
    parts = list(PurePosixPath(path).with_suffix("").parts)
    if parts and parts[0] in ("src", "lib"):
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts), parts[-1] if parts else ""


def _tracked(root: Path) -> list[str]:
    done = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=False)
    return [p for p in done.stdout.decode("utf-8", "replace").split("\0") if p]


def tests_for(root: Path, path: str, files: list[str] | None = None) -> list[str]:
    """The tracked test files that import ``path``'s module."""
    dotted, last = module_names(path)
    if not dotted:
        return []
    package, _, leaf = dotted.rpartition(".")
    words = [rf"import\s+{re.escape(dotted)}\b", rf"from\s+{re.escape(dotted)}\s+import\b"]
    if package:
        words.append(
            rf"from\s+{re.escape(package)}\s+import\s+(?:\([^)]*)?[^\n]*\b{re.escape(leaf)}\b"
        )
    else:
        words.append(rf"from\s+{re.escape(last)}\s+import\b")
    pattern = re.compile("|".join(words))
    found = []
    for name in files if files is not None else _tracked(root):
        if not name.endswith(".py") or not is_test_file(name) or name == path:
            continue
        try:
            text = (root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if pattern.search(text):
            found.append(name)
    return found


def _python(root: Path) -> str:
    """The project's own interpreter when it has one (its packages), else ours."""
    for candidate in (root / ".venv" / "bin" / "python", root / "venv" / "bin" / "python"):
        if candidate.is_file():
            return str(candidate)
    return sys.executable


def run_tests(
    path: str, text: str, *, root: Path, timeout: float, cancel: threading.Event | None
) -> CheckResult | None:
    start = time.monotonic()
    files = _tracked(root)
    tests = tests_for(root, path, files)
    if not tests:
        return CheckResult("tests", "pass", seconds=time.monotonic() - start)
    with tempfile.TemporaryDirectory(prefix="tether-tests-") as tmp:
        copy = Path(tmp)
        for name in files:
            source = root / name
            if is_secret_path(name) or not source.is_file() or source.is_symlink():
                continue
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_text(text, encoding="utf-8", errors="surrogateescape")
        argv = [_python(root), "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *tests]
        proc = subprocess.Popen(
            argv,
            cwd=copy,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        out = communicate(proc, None, timeout, cancel)
    seconds = time.monotonic() - start
    if out is None:
        return None
    if isinstance(out, str):
        return CheckResult("tests", "error", seconds=seconds, problem=out)
    if proc.returncode in (0, 5):  # 5: no tests collected
        return CheckResult("tests", "pass", seconds=seconds)
    lines = out.decode("utf-8", "replace").splitlines()
    failed = [Finding(None, f"{m.group(0)}") for line in lines if (m := _FAILED.match(line))]
    if not failed:
        tail = next((ln for ln in reversed(lines) if ln.strip()), f"exit status {proc.returncode}")
        failed = [Finding(None, tail.strip())]
    return CheckResult("tests", "fail", tuple(failed), seconds)
