"""A screen's review served to other seats: what ``tether watch`` and the
loop do while they run, so ``tether attach`` reaches whichever Tether owns
the repository's review.

One endpoint per repository: when another Tether already listens, this one
defers (its review runs unshared, and says so) rather than refusing to start.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from app.core.locations import state_dir_for
from app.gate.endpoint import GateProtocolError, GateServer, Handler
from app.gate.seat_hub import SeatHub
from app.review.service import ReviewService


@contextlib.contextmanager
def hosting(
    root: Path, service: ReviewService, *, label: str, handler: Handler | None = None
) -> Iterator[str]:
    """Serve ``service`` on the endpoint while the block runs; yields "" when
    served, else why not (another Tether serves this repository)."""
    server = GateServer(state_dir_for(root), handler, seats=SeatHub(service, label=label))
    try:
        server.start()
    except (GateProtocolError, OSError) as exc:
        yield f"this review is not shared with other seats: {exc}"
        return
    try:
        yield ""
    finally:
        server.close()
