"""Tether: a keyboard-first workbench for reviewing AI-generated code edits."""

__version__ = "0.1.0"
