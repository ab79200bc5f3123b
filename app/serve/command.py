"""The app each browser connection runs, in one place: ``tether attach``,
a seat on the review a running Tether owns (``tether serve`` owns one
itself when no other Tether runs in the repository)."""

from __future__ import annotations

import shlex
import sys

DEFAULT_SEAT = "browser"

# The interpreter running `tether serve`, so each seat runs the same Tether
# whatever PATH the server was started with.
_TETHER = (sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())")


def seat_argv(*, read_only: bool, seat: str | None = None, role: str | None = None) -> list[str]:
    """The command line of one browser seat, run in the server's folder: a
    ``tether attach`` to the review the running Tether owns."""
    argv = [*_TETHER, "attach", "--seat", seat or DEFAULT_SEAT]
    if read_only:
        argv.append("--read-only")
    if role:
        argv += ["--role", role]
    return argv


def seat_command(*, read_only: bool, seat: str | None = None, role: str | None = None) -> str:
    # textual-serve runs its command through the shell: every word quoted.
    return shlex.join(seat_argv(read_only=read_only, seat=seat, role=role))
