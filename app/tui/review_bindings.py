"""The review workbench's keys: the bindings table, in the footer's order.

The table is the app's ``BINDINGS``; the help screen, the command palette
and the loop's table are built from it.
"""

from __future__ import annotations

from textual.binding import Binding

from app.tui.finding import FINDING_BINDINGS
from app.tui.room import ROOM_BINDINGS
from app.tui.screens import help_sections
from widgets.diff_pane import CURSOR_BINDINGS

# The footer shows keys in this order and cuts what does not fit: the keys
# of every hunk first, help and quit before the rest (80 columns hold them).
# (The compact footer puts a group's label flush against the next key.)
MOVE = Binding.Group("Move ")
UNDO = Binding.Group("Undo/redo ")

BINDINGS = [
    Binding("y", "accept", "Accept", tooltip="Accept the hunk (or the lines marked with space)"),
    Binding("n", "reject", "Reject", tooltip="Reject the hunk (or the lines marked with space)"),
    Binding("j", "next_hunk", "Next", tooltip="Next hunk", group=MOVE),
    Binding("k", "prev_hunk", "Prev", tooltip="Previous hunk", group=MOVE),
    Binding("u", "undo", "Undo", tooltip="Undo the last decision (survives restarts)", group=UNDO),
    Binding("U", "redo", "Redo", key_display="U", tooltip="Redo what undo took back", group=UNDO),
    Binding(
        "B",
        "restore",
        "Restore",
        key_display="B",
        show=False,
        group=UNDO,
        tooltip="Bring back what the newest rejection took from a file (tether journal restore)",
    ),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="Show all keys"),
    Binding("q", "quit_review", "Quit", tooltip="Quit with a summary of the decisions"),
    Binding(
        "space", "toggle_line", "Mark", tooltip="Mark/unmark the changed line under the cursor"
    ),
    Binding(
        "right_square_bracket",
        "next_file",
        "File→",
        key_display="]",
        tooltip="Next file",
        show=False,
    ),
    Binding(
        "left_square_bracket",
        "prev_file",
        "←File",
        key_display="[",
        tooltip="Previous file",
        show=False,
    ),
    Binding("a", "accept_file", "Acc. file", tooltip="Accept the rest of this file", show=False),
    Binding("d", "reject_file", "Rej. file", tooltip="Reject the rest of this file", show=False),
    Binding("s", "split", "Split", tooltip="Split the hunk into its separate changes"),
    Binding("e", "edit", "Edit", tooltip="Edit the proposed side of the hunk in $EDITOR"),
    Binding("v", "toggle_view", "View", tooltip="Toggle unified / side-by-side view"),
    Binding("enter", "toggle_fold", "Fold", show=False, tooltip="Expand or fold unchanged lines"),
    # The diff pane's cursor keys, here so that the status line changes in the
    # same frame as the cursor (a message up from the pane lands a frame late).
    *(
        Binding(b.key, f"pane_{b.action}", b.description, show=False, tooltip=b.tooltip)
        for b in CURSOR_BINDINGS
    ),
    *ROOM_BINDINGS,
    *FINDING_BINDINGS,
    Binding(
        "R", "reload", "Reload", show=False, key_display="R", tooltip="Reload the file from disk"
    ),
    Binding(
        "M",
        "metrics",
        "Metrics",
        show=False,
        key_display="M",
        tooltip="Show your review's figures: seconds per decision, accept rate, lines/hour",
    ),
]


def help_rows(bindings: list[Binding] | None = None) -> list[tuple[str, str]]:
    return [row for _title, rows in help_sections(bindings or BINDINGS) for row in rows]
