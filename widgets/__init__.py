"""Reusable Textual widgets for Tether (diff pane, file list, status line)."""
