"""The ``tether`` subcommands, one module per family. Each module's
``register(sub)`` adds its parsers and sets ``run`` on each; ``app.cli``
only parses and dispatches. A module imports what its command needs inside
the command, so ``tether --help`` and the headless commands stay light."""

from __future__ import annotations

# The order commands are listed in `tether --help`.
MODULES = (
    "review",
    "loop",
    "watch",
    "trust",
    "gate",
    "agent",
    "journal",
    "report",
    "teach",
    "serve",
    "seat",
)
