"""The plan's file and its record: read and written inside the repository
only, atomically, with errors as messages (the plan goes on in memory)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from app.core.atomic import atomic_write
from app.core.autonomy import Scope
from app.core.errors import TetherError
from app.core.paths import resolve_in_root
from app.core.secrets import redact
from app.loop.plan import Decided, Plan
from app.loop.planfile import parse_plan_file, render_plan

PLAN_FILE = ".tether/plan.md"


class PlanStore:
    def __init__(self, root: Path, rel: str = PLAN_FILE) -> None:
        self.root = root
        self.rel = rel
        self.problem = ""  # why the last read or write failed, for the user
        self._lock = threading.RLock()  # the UI thread and the review's writer both save

    def path(self) -> Path:
        """The file's place; ``UnsafePathError`` if the setting leaves the repository."""
        return resolve_in_root(self.root, self.rel)

    def read(self, default: Scope) -> Plan | None:
        """The plan in the file; None when there is none or it cannot be read
        (``problem`` says why)."""
        try:
            text = self.path().read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, TetherError) as exc:
            self.problem = f"cannot read the plan {self.rel}: {_cause(exc)}"
            return None
        return parse_plan_file(text, default)

    def write(self, plan: Plan) -> bool:
        with self._lock:
            try:
                # A key pasted into a prompt is masked, as the journal masks it.
                text = redact(render_plan(plan))
                atomic_write(self.root, self.rel, text.encode("utf-8"))
            except (OSError, TetherError) as exc:
                self.problem = f"could not save the plan to {self.rel}: {_cause(exc)}"
                return False
        return True


def _cause(exc: Exception) -> str:
    return (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)


class PlanRecord:
    """The plan on show, the step whose hunks are live, and the file that
    records it all: each step's prompt, its hunks, the decisions on them, and
    its tick once none is pending. ``say`` tells the user (message, error)."""

    def __init__(self, root: Path, rel: str, say: Callable[[str, bool], None]) -> None:
        self.store = PlanStore(root, rel)
        self.rel = rel
        self.say = say
        self.plan: Plan | None = None
        self.step: int | None = None  # the step whose hunks are live
        self.stepping = False  # its generation (or a regeneration of one hunk) is running
        self.note = ""  # what to say at the start about the plan found (or why none was)

    def read(self, default: Scope) -> Plan | None:
        plan = self.store.read(default)
        if plan is None and self.store.problem:
            self.note = self.store.problem
        return plan

    def load(self, default: Scope) -> None:
        """An unfinished plan in the file (from before a restart, or written
        by hand) becomes the plan; ``g`` resumes it."""
        plan = self.read(default)
        if plan is not None and plan.remaining:
            self.plan = plan
            self.note = (
                f"an unfinished plan in {self.rel}: {plan.done} of {len(plan.items)} "
                f"steps done; g carries out step {(plan.next_index() or 0) + 1}, E edits the plan"
            )

    def reload(self, default: Scope) -> None:
        """Take the user's edits of the file (steps changed, ticked, added); a
        file gone or emptied leaves the plan in memory (saved again later)."""
        plan = self.read(default)
        if plan is None or not plan.items:
            return
        if self.plan is not None:
            plan.text = self.plan.text
            if self.plan.fixed and not plan.fixed:  # the comment line was deleted
                plan.scope, plan.fixed = self.plan.scope, True
        self.plan = plan

    def save(self) -> bool:
        """Save the plan atomically; an error is said, and the plan goes on in memory."""
        if self.plan is None:
            return False
        if not self.store.write(self.plan):
            self.say(self.store.problem, True)
            return False
        return True

    def generated(self, hunks: Iterable[tuple[str, str]], pending: int) -> None:
        """The live step's generation ended: its hunks go into the record."""
        plan, index = self.plan, self.step
        self.stepping = False
        if plan is None or index is None or index >= len(plan.items):
            return
        item = plan.items[index]
        item.hunks += [hunk for hunk in hunks if hunk not in item.hunks]
        self.save()
        if not pending:
            self.say(
                f"step {index + 1} produced no change; g sends it again, or E ticks it off", True
            )

    def decided(self, op: str, path: str, hunks: Iterable[str], reason: str, pending: int) -> None:
        """A decision on the live step's hunks; with none pending, it is ticked."""
        plan, index = self.plan, self.step
        if plan is None or index is None or index >= len(plan.items):
            return
        item = plan.items[index]
        item.decisions += [Decided(op, path, hunk, reason) for hunk in hunks]
        if not self.stepping and not pending:
            item.done = True
            self.step = None
            left = plan.next_index()
            after = f"g carries out step {left + 1}" if left is not None else "the plan is done"
            self.say(f"step {index + 1} done, ticked off in {self.rel}; {after}", False)
        self.save()
