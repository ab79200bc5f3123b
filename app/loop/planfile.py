"""The plan as a Markdown file a person can read, edit and write by hand.

    # Plan: align the report columns

    <!-- tether-plan {"level": 1, "limit": 5, "path": "inventory/report.py", "paths": []} -->

    - [x] Compute the width of the longest item name.
      - prompt:
            Carry out step 1 of the plan only: …
      - hunks: inventory/report.py#3f2a9c1d
      - decided: accept inventory/report.py#3f2a9c1d
    - [ ] Align each item line to that width.

A step is a top-level ``- [ ]`` (or ``* [ ]``, ``1. [ ]``) line, or a
numbered line ``1. …``; ``[x]`` ticks it. The indented lines under it are
its record; lines Tether does not know are kept as they are. The comment
line says what scope the steps run in (the held proposal's); a plan
without it runs each step at the slider's level on the file on show.
Pure: text in, text out.
"""

from __future__ import annotations

import json
import re

from app.core.autonomy import DEFAULT_LEASH, Level, Scope
from app.loop.plan import Decided, Plan, PlanStep

_STEP = re.compile(r"^(?:[-*+]|\d+[.)])\s+\[([ xX])\]\s+(.*\S)\s*$")
_NUMBERED = re.compile(r"^\d+[.)]\s+(.*\S)\s*$")
_META = re.compile(r"^<!--\s*tether-plan\s+(\{.*\})\s*-->\s*$")
_DECIDED = re.compile(r"^(\w+) (.+)#([0-9A-Za-z._-]+)(?: — (.*))?$")
_HEADING = "# Plan: "
PROMPT_INDENT = "        "
HELP = (
    "Edit the steps freely before g runs the next one: `- [ ]` is a step to do, `- [x]` one done."
)


def render_plan(plan: Plan) -> str:
    out = [f"{_HEADING}{_one_line(plan.goal)}", ""]
    if plan.fixed:
        scope = plan.scope
        meta = {
            "level": int(scope.level),
            "limit": scope.limit,
            "path": scope.path,
            "paths": sorted(scope.paths),
        }
        out += [f"<!-- tether-plan {json.dumps(meta, ensure_ascii=False)} -->", ""]
    out += plan.intro if plan.intro else [HELP, ""]
    for step in plan.items:
        out.append(f"- [{'x' if step.done else ' '}] {_one_line(step.text)}")
        if step.prompt:
            out.append("  - prompt:")
            out += [(PROMPT_INDENT + line).rstrip() for line in step.prompt.split("\n")]
        if step.hunks:
            out.append("  - hunks: " + ", ".join(f"{p}#{h}" for p, h in step.hunks))
        for d in step.decisions:
            reason = f" — {_one_line(d.reason)}" if d.reason else ""
            out.append(f"  - decided: {d.op} {d.path}#{d.hunk}{reason}")
        out += step.notes
    return "\n".join(out) + "\n"


def parse_plan_file(text: str, default: Scope) -> Plan:
    """A plan from its file; ``default`` is the scope of a plan that names none."""
    goal = ""
    meta: dict[str, object] | None = None
    intro: list[str] = []
    items: list[PlanStep] = []
    in_prompt = False
    for raw in text.splitlines():
        line = raw.rstrip()
        step = _step(line)
        if step is not None:
            items.append(step)
            in_prompt = False
            continue
        if not items:
            if line.startswith(_HEADING) and not goal:
                goal = line[len(_HEADING) :].strip()
            elif line.startswith("# ") and not goal:
                goal = line[2:].strip()
            elif (match := _META.match(line)) and meta is None:
                meta = _meta(match.group(1))
            elif line.strip() or intro:
                intro.append(line)
            continue
        current = items[-1]
        if in_prompt and (line.startswith(PROMPT_INDENT) or not line):
            current.prompt += ("\n" if current.prompt else "") + line[len(PROMPT_INDENT) :]
            continue
        in_prompt = False
        body = line.strip()
        if body == "- prompt:":
            in_prompt, current.prompt = True, ""
        elif body.startswith("- hunks: ") and line.startswith(" "):
            current.hunks += [_hunk(part) for part in body[len("- hunks: ") :].split(", ")]
        elif body.startswith("- decided: ") and (m := _DECIDED.match(body[len("- decided: ") :])):
            current.decisions.append(Decided(m.group(1), m.group(2), m.group(3), m.group(4) or ""))
        elif line:
            current.notes.append(line)
    for item in items:
        item.prompt = item.prompt.rstrip("\n")
    while intro and not intro[-1].strip():
        intro.pop()
    if intro:
        intro.append("")
    scope, fixed = _scope(meta, default)
    if intro == [HELP, ""]:
        intro = []
    return Plan(goal=goal, scope=scope, items=items, fixed=fixed, intro=intro)


def _step(line: str) -> PlanStep | None:
    if match := _STEP.match(line):
        return PlanStep(match.group(2), done=match.group(1) != " ")
    if match := _NUMBERED.match(line):
        return PlanStep(match.group(1))
    return None


def _hunk(part: str) -> tuple[str, str]:
    path, _, hunk = part.rpartition("#")
    return path, hunk


def _meta(text: str) -> dict[str, object] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _scope(meta: dict[str, object] | None, default: Scope) -> tuple[Scope, bool]:
    """The scope the plan's comment names, or ``default`` (not fixed)."""
    if meta is None:
        return default, False
    level, limit, path, paths = (meta.get(k) for k in ("level", "limit", "path", "paths"))
    if not isinstance(level, int) or not int(Level.LINE) <= level <= int(Level.REPO):
        return default, False
    leash = dict(default.leash or DEFAULT_LEASH)
    if isinstance(limit, int) and limit >= 0:
        leash[Level(level)] = limit
    names = frozenset(p for p in paths if isinstance(p, str)) if isinstance(paths, list) else None
    return (
        Scope(
            level=Level(level),
            path=path if isinstance(path, str) else None,
            paths=names or frozenset(),
            leash=leash,
        ),
        True,
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
