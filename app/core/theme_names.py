"""The colour themes a user may choose (``--theme``, ``theme =`` in the
config); ``themes/`` maps each to its Textual theme and diff palette. A module
of its own so that the command line's parsers (``tether --help``) name them
without importing the config."""

from __future__ import annotations

THEME_NAMES = ("dark", "light", "high-contrast", "colour-blind")
