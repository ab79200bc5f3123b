"""What every provider sends: the system prompt with the edit format's rules,
and the user message with the context files. Also the incremental parser
for edit formats carried in text, with one numbering across a response."""

from __future__ import annotations

from collections.abc import Iterable

from app.edits.model import Edit, EditError
from app.edits.search_replace import SearchReplaceStream
from app.edits.v4a import V4AStream
from app.providers.base import (
    FORMAT_APPLY_PATCH,
    FORMAT_SEARCH_REPLACE,
    FORMAT_TEXT_EDITOR,
    FORMAT_V4A,
    EditFailed,
    EditReady,
    Event,
    GenerationRequest,
    ToolOutcome,
)

SEARCH_REPLACE_RULES = """\
Propose every change as a SEARCH/REPLACE block:

path/to/file.py
```python
<<<<<<< SEARCH
the exact existing lines to change, with a few lines around them
=======
the lines that replace them
>>>>>>> REPLACE
```

Rules: the file path alone on the line before the fence; SEARCH must match the
file exactly, character for character, and only once (add surrounding lines
until it is unique); one small block per change; to create a file, leave
SEARCH empty. Do not elide code with comments like "... rest unchanged"."""

V4A_RULES = """\
Propose every change as one patch in the apply_patch format:

*** Begin Patch
*** Update File: path/to/file.py
@@ def the_function_around_the_change
 context line
-removed line
+added line
 context line
*** Add File: path/to/new_file.py
+every line of the new file
*** Delete File: path/to/old_file.py
*** End Patch

Rules: three lines of context around each change; start each hunk with @@,
optionally followed by a line above the change that locates it; context and
removed lines must match the file exactly."""

APPLY_PATCH_RULES = (
    "Make every change with the apply_patch tool, one call per file, in small hunks. "
    "Do not rewrite whole files."
)

TEXT_EDITOR_RULES = (
    "Make every change with the str_replace_based_edit_tool: one str_replace call per "
    "change, its old_str copied exactly from the file and unique in it (include enough "
    "surrounding lines); create for new files; insert to add lines. The files you need "
    "are given below, so you do not need to view them."
)

_RULES = {
    FORMAT_SEARCH_REPLACE: SEARCH_REPLACE_RULES,
    FORMAT_V4A: V4A_RULES,
    FORMAT_APPLY_PATCH: APPLY_PATCH_RULES,
    FORMAT_TEXT_EDITOR: TEXT_EDITOR_RULES,
}


def system_text(request: GenerationRequest, edit_format: str) -> str:
    """The request's system prompt followed by the rules of ``edit_format``."""
    parts = [request.system_prompt.strip(), _RULES.get(edit_format, "")]
    return "\n\n".join(part for part in parts if part)


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return fence


def user_text(request: GenerationRequest) -> str:
    """The context files (each a path and a fenced block), then the prompt."""
    parts = [request.context.rstrip()] if request.context.strip() else []
    for path, text in request.context_files.items():
        fence = _fence(text)
        body = text if text.endswith("\n") or not text else text + "\n"
        parts.append(f"{path}\n{fence}\n{body}{fence}")
    parts.append(request.user_prompt)
    return "\n\n".join(parts)


def text_call_id(index: int) -> str:
    """The call id of an edit block found in text (they have no tool call)."""
    return f"block-{index + 1}"


def outcomes_text(outcomes: Iterable[ToolOutcome]) -> str:
    """Outcomes of edits made in text, for the next user message."""
    lines = [f"- {outcome.call_id}: {outcome.output}" for outcome in outcomes]
    return "What became of your edits:\n" + "\n".join(lines) if lines else ""


class Sequencer:
    """Numbers every edit and malformed block of one response, in order, over
    all its sources (text blocks and tool calls)."""

    def __init__(self) -> None:
        self._next = 0

    def take(self) -> int:
        index, self._next = self._next, self._next + 1
        return index


class TextEdits:
    """Parses edit blocks out of streamed text, as events."""

    def __init__(self, edit_format: str, sequencer: Sequencer) -> None:
        self._parser: SearchReplaceStream | V4AStream = (
            V4AStream()
            if edit_format in (FORMAT_V4A, FORMAT_APPLY_PATCH)
            else SearchReplaceStream()
        )
        self._sequencer = sequencer

    def feed(self, text: str) -> list[Event]:
        return self._events(self._parser.feed(text))

    def close(self) -> list[Event]:
        """The response ended: the last blocks, and any left unterminated."""
        return self._events(self._parser.close())

    def _events(self, items: Iterable[Edit | EditError]) -> list[Event]:
        out: list[Event] = []
        for item in items:
            item.index = self._sequencer.take()
            call_id = text_call_id(item.index)
            out.append(
                EditReady(item, call_id) if isinstance(item, Edit) else EditFailed(item, call_id)
            )
        return out
