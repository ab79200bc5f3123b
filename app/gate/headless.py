"""``tether serve --headless``: a review with no screen, owned by this
process and served on the local endpoint until SIGINT or SIGTERM.

Agents' proposals arrive through ``tether gate`` and ``tether mcp``; people
decide from other seats (``tether attach``) through the same socket. The
socket is removed on the way out, and every waiting call is answered (the
gate denies) rather than left to run into the agent's time limit.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from app.core.config import load_config
from app.core.locations import state_dir_for
from app.gate.endpoint import GateServer
from app.gate.host import open_gate
from app.gate.seat_hub import SeatHub
from app.review.seats import default_seat


def serve_headless(root: Path, *, ready: threading.Event | None = None) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    host = open_gate(root)
    host.service.seat = default_seat(load_config(root).seat)
    hub = SeatHub(host.service, label="agents' proposals (tether gate)")
    server = GateServer(state_dir_for(root), host, seats=hub)
    try:
        server.start()  # refuses when another Tether already listens here
        print(
            f"tether: serving the agents' review of {root} on {server.path}"
            " (SIGINT or SIGTERM stops it)",
            file=sys.stderr,
            flush=True,
        )
        if ready is not None:
            ready.set()
        while not stop.wait(3600):
            pass
    finally:
        host.close()
        server.close()
        host.service.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    print("tether: stopped; the endpoint is closed", file=sys.stderr)
    return 0
