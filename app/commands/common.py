"""What every command shares: exit statuses and how a note is said."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
# A closed pipe, as a process killed by SIGPIPE reports it (git's status there).
EXIT_PIPE = 128 + 13


def note(message: str) -> None:
    """A word on stderr (an empty result said out loud), keeping stdout for data."""
    print(f"tether: {message}", file=sys.stderr)
