"""Why a key does nothing now: every key the workbench binds says so, rather
than staying silent, when its action does not apply (the footer hides such
keys, but a key pressed from memory must still answer)."""

from __future__ import annotations

# By action: what the key is for, and what it needs.
REASONS = {
    "accept": "y accepts a hunk: none pending in this file (] next file)",
    "reject": "n rejects a hunk: none pending in this file (] next file)",
    "toggle_line": "space marks a changed line of a hunk: none pending in this file",
    "split": "s splits a hunk: none pending in this file",
    "edit": "e edits a hunk: none pending in this file",
    "accept_file": "a accepts the rest of the file: nothing pending in it",
    "reject_file": "d rejects the rest of the file: nothing pending in it",
    "undo": "nothing to undo yet",
    "redo": "nothing to redo: redo takes back an undo",
    "next_file": "there is only one file in the review",
    "prev_file": "there is only one file in the review",
    "next_hunk": "j moves between hunks: the diff is not on show (a prompt first)",
    "prev_hunk": "k moves between hunks: the diff is not on show (a prompt first)",
    "toggle_view": "v switches the diff's view: the diff is not on show",
    "plan": "p makes a plan when a proposal is held over the leash: nothing is held",
    "next_step": "g carries out a plan's next step: there is no plan, or no step left",
    "widen": "w widens an out-of-leash hunk: no hunk on show",
    "reject_reason": "r rejects a hunk with a reason: no hunk on show",
    "select_lines": "V selects lines in the code view: o goes back to it",
}


def why_not(action: str) -> str:
    """Why the key bound to ``action`` does nothing now."""
    name = action.partition("(")[0]
    return REASONS.get(name, f"{name.replace('_', ' ')} does not apply here")
