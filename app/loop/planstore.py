"""Where the plan file is kept: read and written inside the repository only,
atomically, with errors as messages (the plan goes on in memory)."""

from __future__ import annotations

import threading
from pathlib import Path

from app.core.atomic import atomic_write
from app.core.autonomy import Scope
from app.core.errors import TetherError
from app.core.paths import resolve_in_root
from app.core.secrets import redact
from app.loop.plan import Plan
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
