"""``tether demo --teach``: a newcomer's walk through small-chunk work on the
bundled sample, offline, with the coach on: a vague prompt (coached), a
named one that is held over the leash, a plan in a file, its steps reviewed
one by one. The loop app runs it (app/demo.py); this module says how.

``python -m app.teaching.teach_demo`` rewrites ``teach_session.jsonl`` from
the demo's recorded "align the report" turns (app/samples/demo_session.jsonl),
adding a first reply that asks what to change and a reply to a rejection.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from app.core.autonomy import Level
from app.providers.base import Finished, TextDelta
from app.providers.recording import Recording, Turn, load_recording, save_recording

SAMPLES = Path(__file__).parents[1] / "samples"
TEACH_RECORDING = SAMPLES / "teach_session.jsonl"
START_FILE = "inventory/report.py"

TEACH_INTRO = """Teaching demo: small steps with a model. Offline: a recorded model answers. The coach is on (x dismisses a hint).

1. Press i, type a vague request, "fix it", and press enter. The coach says why it is vague; the model asks what should change.

2. Press i again and name it: "align the report columns in report.py". The slider is at "line" (a leash of 5 lines), so the proposal is held: the coach says how far over the leash it is.

3. Press p: the model sends a plan of small steps, written to .tether/plan.md. E opens the plan in $EDITOR: reword, add or remove steps; g reads it again before each step.

4. Press g: step 1 is sent. Review its hunk: y accepts (n rejects, r rejects with a reason). The step is ticked off in the plan. g again for each step.

5. c shows exactly what was sent; ? lists every key; q quits. Run with --keep, then in the kept folder: tether replay (the session step by step, for a class) and tether export --markdown -o session.md.
"""

ASK_WHAT = (
    "Which file should change, and how? Name the file or function and the behaviour "
    "you want, and I will propose one small edit."
)
UNDERSTOOD = "Understood: I leave that part as it was. Send the step again (g) when you want it."


class TeachOptions(TypedDict):
    start_file: str
    level: int
    intro: str
    coach: bool


def teach_options() -> TeachOptions:
    """The loop's settings for the teaching demo (beside the provider and theme)."""
    return {
        "start_file": START_FILE,
        "level": int(Level.LINE),
        "intro": TEACH_INTRO,
        "coach": True,
    }


def teach_epilogue(repo: Path, kept: bool) -> str:
    if not kept:
        return (
            "To replay this session to a class or export it, run tether demo --teach --keep: "
            "the sample folder (its journal and .tether/plan.md) is then kept."
        )
    return (
        f"The plan: {repo / '.tether' / 'plan.md'}\n"
        f"Replay it:  cd {repo} && tether replay\n"
        f"Export it:  cd {repo} && tether export --markdown -o session.md"
    )


def _said(text: str, prompt: str = "") -> Turn:
    return Turn(prompt=prompt, events=[(0.0, TextDelta(text)), (0.05, Finished("end_turn"))])


def build_recording(demo: Recording) -> Recording:
    """The teaching session from the demo's: the align-the-report turn (the
    second free one), its plan, and its three steps, each answering its own
    step number so a step sent again gets the same answer."""
    free = [turn for turn in demo.turns if not turn.prompt]
    plan = next(turn for turn in demo.turns if turn.prompt.startswith("Do not edit yet"))
    steps = [turn for turn in demo.turns if turn.prompt.startswith("Carry out step")]
    numbered = [
        Turn(f"Carry out step {n} of the plan only", s.edit_format, s.parse, list(s.events))
        for n, s in enumerate(steps, start=1)
    ]
    return Recording(
        provider=demo.provider,
        model=demo.model,
        turns=[_said(ASK_WHAT), free[1], plan, *numbered, _said(UNDERSTOOD, "The user rejected")],
    )


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    save_recording(build_recording(load_recording(SAMPLES / "demo_session.jsonl")), TEACH_RECORDING)
    print(f"wrote {TEACH_RECORDING}")
