"""Which file a traditional diff (no ``diff --git``) patches.

Its ``---`` and ``+++`` lines may name two files (``file.orig`` and
``file``); it still patches one, in place. The parser lists the names in
git's order of preference (``FilePatch.names``); the first that exists is
patched, as GNU patch does, and git's choice when none does (to create it,
or to say that it is missing).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from app.core.model import FilePatch


def choose_name(fp: FilePatch, exists: Callable[[str], bool]) -> FilePatch:
    """``fp`` patching the one file it means, given what exists."""
    if not fp.names:
        return fp
    name = next((n for n in fp.names if exists(n)), fp.names[0])
    chosen = copy.deepcopy(fp)  # the hunks' ids are the path's: never touch the parsed patch
    chosen.old_path = chosen.new_path = name
    chosen.names = ()
    chosen.assign_ids()
    return chosen
