"""Driving an Agent Client Protocol agent, its edits reviewed per hunk (no UI)."""
