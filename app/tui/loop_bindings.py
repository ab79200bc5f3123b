"""The loop's keys: prompting, the leash, the plan, the slider, the panels.

``LoopApp`` puts these after the review's keys (a review key the loop uses
for its own is the loop's).
"""

from __future__ import annotations

from textual.binding import Binding

SLIDER = Binding.Group("Slider ")  # the space: see review_bindings.MOVE

LOOP_BINDINGS = [
    Binding("i", "prompt", "Prompt", tooltip="Write a prompt for the model (enter sends)"),
    Binding(
        "escape",
        "cancel",
        "Cancel",
        show=False,
        tooltip="Cancel the generation (complete hunks stay)",
    ),
    Binding(
        "r",
        "reject_reason",
        "Reject+why",
        tooltip="Reject the hunk with a reason and regenerate only it",
    ),
    Binding("w", "widen", "Widen", tooltip="Allow this out-of-leash hunk to be accepted"),
    Binding("p", "plan", "Plan", tooltip="Ask the model to split a held proposal into small steps"),
    Binding(
        "g", "next_step", "Next step", tooltip="Have the model carry out the next step of the plan"
    ),
    Binding(
        "minus",
        "level(-1)",
        "Slider -",
        key_display="-",
        tooltip="Move the autonomy slider left",
        group=SLIDER,
    ),
    Binding(
        "plus,equals_sign",
        "level(1)",
        "Slider +",
        key_display="+",
        tooltip="Move the autonomy slider right",
        group=SLIDER,
    ),
    Binding(
        "E", "edit_plan", "Edit plan", key_display="E", tooltip="Edit the plan file in $EDITOR"
    ),
    Binding(
        "x", "dismiss_hint", "Dismiss hint", tooltip="Dismiss the coaching hint (not shown again)"
    ),
    Binding(
        "A",
        "auto_accepted",
        "Auto-acc.",
        key_display="A",
        show=False,
        tooltip="List the hunks the auto-accept rule accepted (enter undoes one)",
    ),
    Binding("c", "context", "Context", tooltip="Show or hide exactly what was sent to the model"),
    Binding(
        "o",
        "code_view",
        "Code",
        show=False,
        tooltip="Back to the code view (pick lines for levels 1-2)",
    ),
    Binding(
        "t", "walkthrough", "Walkthrough", show=False, tooltip="Show the demo's walkthrough again"
    ),
    Binding(
        "left_parenthesis",
        "context_width(-4)",
        "Narrower context",
        key_display="(",
        show=False,
        tooltip="Make the context panel narrower",
    ),
    Binding(
        "right_parenthesis",
        "context_width(4)",
        "Wider context",
        key_display=")",
        show=False,
        tooltip="Make the context panel wider",
    ),
    Binding(
        "V",
        "select_lines",
        "Select",
        key_display="V",
        show=False,
        tooltip="Start/end a line selection",
    ),
]
