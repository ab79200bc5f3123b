"""Review events from other threads reach the UI in batches, coalesced: the
handlers read the review as it is now, so a later repeat makes an earlier
event redundant; everything else keeps its order."""

from __future__ import annotations

import pytest

from app.review.events import (
    ChecksChanged,
    FilesChanged,
    HistoryChanged,
    HunksChanged,
    PresenceChanged,
    ReviewEvent,
)
from app.tui.review_events import coalesce

A, B = "a.py", "b.py"


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([], []),
        (  # twenty arrivals: one list update with every path, in order
            [FilesChanged((A,)), HunksChanged(A, 1, "proposal"), FilesChanged((B,))],
            [FilesChanged((A, B)), HunksChanged(A, 1, "proposal")],
        ),
        (  # a streamed edit: only its last proposal is drawn
            [HunksChanged(A, 1, "proposal"), HunksChanged(A, 2, "proposal")],
            [HunksChanged(A, 2, "proposal")],
        ),
        (  # another path, or another why, is another event
            [HunksChanged(A, 1, "proposal"), HunksChanged(B, 1, "proposal")],
            [HunksChanged(A, 1, "proposal"), HunksChanged(B, 1, "proposal")],
        ),
        (
            [HunksChanged(A, 1, "deciding"), HunksChanged(A, 2, "decided")],
            [HunksChanged(A, 1, "deciding"), HunksChanged(A, 2, "decided")],
        ),
        (
            [ChecksChanged(A), HistoryChanged(True, False), ChecksChanged(A)],
            [HistoryChanged(True, False), ChecksChanged(A)],
        ),
        (  # what is not a state change keeps every occurrence and its place
            [PresenceChanged("bob"), ChecksChanged(A), PresenceChanged("bob")],
            [PresenceChanged("bob"), ChecksChanged(A), PresenceChanged("bob")],
        ),
        (
            [HistoryChanged(True, False), HistoryChanged(False, False)],
            [HistoryChanged(False, False)],
        ),
    ],
)
def test_coalesce(events: list[ReviewEvent], expected: list[ReviewEvent]) -> None:
    assert coalesce(events) == expected
