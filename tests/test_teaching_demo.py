"""``tether demo --teach`` played through in a real terminal, as a newcomer
would: a vague prompt (coached), a named one held over the leash, the plan
asked for, edited in $EDITOR, carried out step by step and reviewed; then
the kept sample exports the session as Markdown."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_tui_pty import STARTUP_TIMEOUT, Terminal, tether_in_pty

from app.providers.recording import load_recording
from app.teaching.teach_demo import TEACH_RECORDING, build_recording

REPORT = "inventory/report.py"
WAIT = 30.0
EDIT = "s/^- \\[ \\] Align the total line the same way\\./- [ ] Align the total line too./"


def poll(term: Terminal, condition: Callable[[], object], what: str) -> None:
    """Keep reading the terminal until ``condition()`` holds (a file's state)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline or term.proc.poll() is not None:
            pytest.fail(f"timed out waiting for {what}; screen:\n{term.text()[-3000:]}")
        term._read(0.1)


def ticked(plan: Path) -> int:
    return len(re.findall(r"^- \[x\] ", plan.read_text(), re.MULTILINE))


def ask(term: Terminal, prompt: str) -> None:
    """i, then the prompt once the input has focus: the status line says so
    in the frame after the focus moved (keys sent before would go to the code
    view). Waiting for the prompt's placeholder instead failed 1 run in 3:
    the input is drawn again for other reasons too."""
    term.send(b"i")
    term.wait_for("enter sends it")
    term.send(prompt.encode() + b"\r")


def test_the_teaching_recording_is_built_from_the_demos() -> None:
    from app.demo import SAMPLES

    built = build_recording(load_recording(SAMPLES / "demo_session.jsonl"))
    stored = load_recording(TEACH_RECORDING)
    assert [t.prompt for t in stored.turns] == [t.prompt for t in built.turns]
    assert stored.turns[3].prompt == "Carry out step 1 of the plan only"


def test_the_teaching_demo_plays_through(tmp_path: Path, isolated_home: Path) -> None:
    script = "sed -i " + shlex.quote(EDIT) + ' "$1"'
    editor = f"sh -c {shlex.quote(script)} editor"
    with tether_in_pty(
        tmp_path, "demo", "--teach", "--keep", "--speed", "0", TMPDIR=str(tmp_path), EDITOR=editor
    ) as term:
        term.wait_for("Teaching demo", STARTUP_TIMEOUT)
        term.wait_for("palette")  # the first frame is drawn down to the footer
        (repo,) = (path / "inventory" for path in tmp_path.glob("tether-demo-*"))
        plan = repo / ".tether" / "plan.md"
        ask(term, "fix it")
        term.wait_for("coach: vague")
        term.wait_for("the model made no edit")
        term.send(b"x")  # dismissed
        ask(term, "align the report columns in report.py")
        term.wait_for("HELD")
        term.wait_for("split it (p)")
        term.send(b"p")
        poll(term, plan.is_file, "the plan file")
        assert "- [ ] Align each item line to that width." in plan.read_text()
        term.send(b"E")
        poll(term, lambda: "Align the total line too." in plan.read_text(), "the edit")
        term.wait_for("plan read back")
        for step in (1, 2, 3):
            term.send(b"g")
            term.wait_for("hunk 1/1")
            term.send(b"y")
            poll(term, lambda s=step: ticked(plan) == s, f"step {step} ticked")
        term.send(b"q")
        term.wait_for("enter/q quit")
        term.send(b"\r")
        assert term.wait_exit() == 0
        out = term.text()
    assert "3 accepted, 1 rejected, 0 pending" in out
    assert "tether replay" in out and "sample kept at" in out
    text = plan.read_text()
    assert ticked(plan) == 3 and "- [x] Align the total line too." in text
    assert "3. Align the total line too." in text  # the edited plan is what step 3 was sent
    report = (repo / REPORT).read_text()
    assert "width = max(" in report and "{'total':<{width}}" in report

    exported = subprocess.run(
        [sys.executable, "-m", "app.cli", "export", "--markdown"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert exported.returncode == 0, exported.stderr
    page = exported.stdout
    assert "> align the report columns in report.py" in page
    assert "## 4. Prompt (plan step 3)" in page
    assert "Reason: held: " in page and page.count("### Accepted inventory/report.py") == 3
    assert "## The plan" in page
