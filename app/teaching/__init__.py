"""Teaching small-chunk work: coaching hints, session export and replay (no UI)."""
