"""Turning model output into file edits, in the formats models are trained on.

- :mod:`app.edits.search_replace` — aider-style SEARCH/REPLACE blocks (local models)
- :mod:`app.edits.v4a` — OpenAI's V4A ``apply_patch`` format
- :mod:`app.edits.str_replace` — Anthropic's text editor tool inputs
- :mod:`app.edits.apply` — applying an :class:`~app.edits.model.Edit` to file text
- :mod:`app.edits.anchor` — locating quoted lines exactly once

UI-free, like :mod:`app.core`.
"""

from app.edits.apply import apply_edit
from app.edits.model import Chunk, Edit, EditError
from app.edits.search_replace import SearchReplaceStream, parse_search_replace
from app.edits.str_replace import edit_from_tool_input
from app.edits.v4a import V4AStream, edit_from_apply_patch_operation, parse_v4a

__all__ = [
    "Chunk",
    "Edit",
    "EditError",
    "SearchReplaceStream",
    "V4AStream",
    "apply_edit",
    "edit_from_apply_patch_operation",
    "edit_from_tool_input",
    "parse_search_replace",
    "parse_v4a",
]
