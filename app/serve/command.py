"""The app each browser connection runs: one place, so the seat it starts
can change (``tether review`` today; ``tether attach`` once a running
Tether owns the review) without touching the server."""

from __future__ import annotations

import shlex
import sys

# The interpreter running `tether serve`, so each seat runs the same Tether
# whatever PATH the server was started with.
_TETHER = (sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())")


def seat_argv(*, read_only: bool, seat: str | None = None) -> list[str]:
    """The command line of one browser seat, run in the server's folder.

    ``seat`` names the seat once the app is ``tether attach`` (the review app
    has no seats yet, so it is not passed on).
    """
    argv = [*_TETHER, "review"]
    if read_only:
        argv.append("--read-only")
    return argv


def seat_command(*, read_only: bool, seat: str | None = None) -> str:
    # textual-serve runs its command through the shell: every word quoted.
    return shlex.join(seat_argv(read_only=read_only, seat=seat))
