"""``tether export --markdown``: a session as Markdown, a pure function of the
journal (+ recording) checked against a golden file; then the command on a
real loop session (the controller, the replay provider, the real journal)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from conftest import STOCK, decide_all, make_proposal_service
from test_loop_plan_file import held_then_plan, run

from app.core.journal import Entry, Op
from app.core.model import Side
from app.edits.model import Chunk, Edit
from app.providers.base import EditReady, Finished, TextDelta
from app.providers.recording import Recording, Turn
from app.teaching.export import session_markdown
from app.teaching.session import journal_session, recording_session

GOLDEN = Path(__file__).with_name("golden") / "teaching_export.md"
HUNK = "@@ -3,2 +3,2 @@\n     def count(self, name):\n-        return self.items[name]\n+        return self.items.get(name, 0)\n"


def entries() -> list[Entry]:
    def decision(seq: int, op: Op, ts: str, **extra: object) -> Entry:
        return Entry(
            op,
            "proposal:test",
            seq=seq,
            ts=ts,
            path=STOCK,
            side=Side.WORKTREE,
            hunk=HUNK,
            hunk_id=f"a1b2c3d{seq}",
            before="b",
            after="a",
            extra=extra,
        )

    asked = {
        "prompt": "make count safe",
        "context": "level 3 (file): inventory/stock.py\n1 file, 40 lines",
    }
    step = {"prompt": "Carry out step 1 of the plan only: Make count safe.", "plan_step": 1}
    return [
        decision(1, Op.REJECT, "2026-01-05T10:00:00+00:00", **asked),
        decision(
            2, Op.REJECT, "2026-01-05T10:00:20+00:00", reason="keep the KeyError\x1b[31m", **asked
        ),
        Entry(
            Op.UNDO, "proposal:test", seq=3, ts="2026-01-05T10:00:30+00:00", target=2, path=STOCK
        ),
        decision(4, Op.ACCEPT, "2026-01-05T10:01:00+00:00", **step),
        # A plain review decision (tether review): no prompt journaled.
        Entry(
            Op.ACCEPT,
            "worktree",
            seq=5,
            ts="bad time",
            path="a```b.md",
            side=Side.INDEX,
            hunk="@@ -1 +1 @@\n-```\n+````\n",
            hunk_id="ffff0000",
        ),
    ]


def recording() -> Recording:
    edit = Edit(
        STOCK,
        "replace",
        chunks=[
            Chunk(
                contexts=[],
                lines=[
                    (" ", "def count(self, name):"),
                    ("-", "    return self.items[name]"),
                    ("+", "    return self.items.get(name, 0)"),
                ],
            )
        ],
    )
    return Recording(
        turns=[
            Turn(
                prompt="make count safe",
                events=[
                    (0.0, TextDelta("I'll make count ")),
                    (0.5, TextDelta("safe.")),
                    (0.9, EditReady(edit, "call_1")),
                    (1.0, Finished("end_turn")),
                ],
            )
        ]
    )


def test_the_markdown_of_a_session_matches_the_golden_file() -> None:
    session = journal_session(entries())
    turns = recording_session(recording())
    text = session_markdown(
        type(session)(session.source, session.kind, session.frames + turns.frames),
        title="Week 3: small steps",
    )
    if os.environ.get("TETHER_WRITE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert "\x1b" not in text  # a reason's terminal escape is made visible, never passed on


def test_a_journal_from_before_prompts_were_journaled_still_exports() -> None:
    old = [replace(e, extra={k: v for k, v in e.extra.items() if k == "reason"}) for e in entries()]
    text = session_markdown(journal_session(old))
    assert "\n## " not in text  # no prompt sections: decisions, their diffs and reasons only
    assert text.count("```diff") == 4 and "Reason: keep the KeyError" in text


def tether(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )


def test_tether_export_writes_a_real_loop_session(loop_repo: Path, tmp_path: Path) -> None:
    service = make_proposal_service(loop_repo, loop_repo / ".git" / "tether")
    loop = held_then_plan(service)
    run(loop, loop.next_step())
    decide_all(service, "accept", STOCK)
    loop.close()
    out = tmp_path / "course" / "week3.md"
    (tmp_path / "course").mkdir()
    done = tether(loop_repo, "export", "--markdown", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "> Carry out step 1 of the plan only: Make count safe." in text
    assert "### Accepted inventory/stock.py (hunk " in text
    assert "Reason: held: " in text  # the held proposal set aside, with its reason
    assert "```diff\ndiff --git a/inventory/stock.py b/inventory/stock.py\n" in text
    # The repository's plan file comes with its own journal, as the course's artifact.
    assert text.endswith("- [ ] Retitle the report.\n```\n")
    assert "## The plan\n\n```markdown\n# Plan: tidy up\n" in text
    printed = tether(loop_repo, "export", "--markdown")
    assert printed.returncode == 0 and printed.stdout == text


def test_export_errors_name_what_and_where(loop_repo: Path, tmp_path: Path) -> None:
    no_format = tether(loop_repo, "export")
    assert no_format.returncode == 2 and "--markdown" in no_format.stderr
    missing = tether(loop_repo, "export", "--markdown", "nope.jsonl")
    assert missing.returncode == 1 and "nope.jsonl" in missing.stderr
    assert "no such journal or recording" in missing.stderr
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("{not json\n{}\n")
    bad = tether(loop_repo, "export", "--markdown", str(garbage))
    assert bad.returncode == 1 and "garbage.jsonl" in bad.stderr, bad.stderr
    nowhere = tether(
        loop_repo, "export", "--markdown", str(garbage), "-o", str(tmp_path / "no" / "dir" / "x.md")
    )
    assert nowhere.returncode == 1
    assert not (tmp_path / "no").exists()
    backwards = tether(loop_repo, "replay", "--speed", "-1", str(garbage))
    assert backwards.returncode == 2 and "--speed must be 0 or more" in backwards.stderr
    nothing = tether(loop_repo, "replay")  # a fresh repository: no journal yet
    assert (
        nothing.returncode == 1 and "journal.jsonl: no such journal or recording" in nothing.stderr
    )
